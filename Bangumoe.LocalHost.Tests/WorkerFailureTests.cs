using System.Diagnostics;
using System.Net;
using Bangumoe.LocalHost.Tests.Infrastructure;

namespace Bangumoe.LocalHost.Tests;

/// <summary>Workers that die, never connect or are not there: clear errors, never a hang.</summary>
public sealed class WorkerFailureTests(Azurite azurite)
{
    [Fact]
    public async Task A_worker_process_that_exits_stops_the_host_with_its_exit_code_and_output()
    {
        await using var sample = await SampleHost.StartAsync(azurite, changeSettings: s => s["AllowExit"] = "true");

        using var dying = await sample.Http.PostAsync("api/exit", null);
        Assert.True(dying.StatusCode is HttpStatusCode.ServiceUnavailable or HttpStatusCode.InternalServerError or HttpStatusCode.BadGateway,
            $"Got {dying.StatusCode}");

        var reason = await sample.Host.Stopped.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Contains("exited with code 3", reason);
        Assert.Contains("Sample app: exiting with code 3", sample.Logging.Text);

        using var after = await sample.Http.GetAsync("api/hello/Anyone");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, after.StatusCode);
        Assert.Contains("exited with code 3", await after.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_worker_that_never_connects_fails_start_up_within_the_timeout()
    {
        using var app = FakeWorkerApp("echo 'fake worker: started, now sleeping'; sleep 60");
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<TimeoutException>(() => FunctionsLocalHost.StartAsync(new LocalHostOptions
        {
            AppDirectory = app.Path,
            Port = 0,
            Settings = SampleHost.NewSettings(azurite),
            WorkerStartTimeout = TimeSpan.FromSeconds(2),
        }));

        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(15));
        Assert.Contains("did not connect", error.Message);
        Assert.Contains("fake worker: started, now sleeping", error.Message);
    }

    [Fact]
    public async Task A_worker_that_exits_during_start_up_fails_start_up_with_its_output()
    {
        using var app = FakeWorkerApp("echo 'fake worker: cannot start' >&2; exit 7");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => FunctionsLocalHost.StartAsync(new LocalHostOptions
        {
            AppDirectory = app.Path,
            Port = 0,
            Settings = SampleHost.NewSettings(azurite),
        }).WaitAsync(TimeSpan.FromSeconds(20)));

        Assert.Contains("exited with code 7", error.Message);
        Assert.Contains("fake worker: cannot start", error.Message);
    }

    [Fact]
    public async Task An_app_directory_without_functions_metadata_is_refused()
    {
        using var empty = TemporaryAppDirectory.Create();
        var error = await Assert.ThrowsAsync<FileNotFoundException>(() =>
            FunctionsLocalHost.StartAsync(new LocalHostOptions { AppDirectory = empty.Path, Port = 0 }));
        Assert.Contains("functions.metadata", error.Message);
    }

    [Fact]
    public async Task A_missing_queue_connection_is_refused_before_anything_starts()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => FunctionsLocalHost.StartAsync(new LocalHostOptions
        {
            AppDirectory = SampleAppOutput.Directory,
            Port = 0,
            Settings = new Dictionary<string, string?>(SampleHost.NewSettings(azurite)) { ["AzureWebJobsStorage"] = null },
        }));
        Assert.Contains("AzureWebJobsStorage", error.Message);
    }

    [Fact]
    public async Task Without_a_worker_requests_get_503_and_waiting_for_one_times_out()
    {
        await using var host = await FunctionsLocalHost.StartAsync(new LocalHostOptions
        {
            AppDirectory = SampleAppOutput.Directory,
            Port = 0,
            Settings = SampleHost.NewSettings(azurite),
            StartWorkerProcess = false,
            WorkerStartTimeout = TimeSpan.FromSeconds(1),
        });
        using var http = new HttpClient { BaseAddress = host.BaseAddress };

        using var response = await http.GetAsync("api/hello/Nobody");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("not connected", await response.Content.ReadAsStringAsync());
        var error = await Assert.ThrowsAsync<TimeoutException>(() => host.WaitForWorkerAsync());
        Assert.Contains("did not connect", error.Message);
    }

    /// <summary>The sample's metadata with a worker.config.json that runs a shell script instead of the app.</summary>
    private static TemporaryAppDirectory FakeWorkerApp(string script)
    {
        var app = TemporaryAppDirectory.Create();
        foreach (var file in new[] { "functions.metadata", "host.json" })
            File.Copy(Path.Combine(SampleAppOutput.Directory, file), Path.Combine(app.Path, file));
        File.WriteAllText(Path.Combine(app.Path, "worker.sh"), script + "\n");
        File.WriteAllText(Path.Combine(app.Path, "worker.config.json"),
            """{ "description": { "language": "dotnet-isolated", "defaultExecutablePath": "/bin/sh", "defaultWorkerPath": "worker.sh" } }""");
        return app;
    }
}
