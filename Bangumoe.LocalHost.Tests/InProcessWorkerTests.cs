using System.Net;
using Bangumoe.LocalHost.Tests.Infrastructure;

namespace Bangumoe.LocalHost.Tests;

/// <summary>The worker inside the test process, connected to an in-process host: how Bangumoe's own tests run.</summary>
public sealed class InProcessWorkerTests(Azurite azurite)
{
    [Fact]
    public async Task An_in_process_worker_serves_HTTP_and_queue_functions()
    {
        await using var sample = await SampleHost.StartAsync(azurite, startWorkerProcess: false);
        await using var worker = await InProcessWorker.StartAsync(sample.Host);
        await sample.Host.WaitForWorkerAsync();

        Assert.Equal("Hello, InProcess", await sample.Http.GetStringAsync("api/hello/InProcess"));
        Assert.Equal("item 5 POST detail=x", await (await sample.Http.PostAsync("api/items/5/x", null)).Content.ReadAsStringAsync());
        using (var failing = await sample.Http.GetAsync("api/throws"))
            Assert.Equal(HttpStatusCode.InternalServerError, failing.StatusCode);

        var queue = azurite.Queue(sample.WorkQueue);
        await queue.CreateIfNotExistsAsync();
        await queue.SendMessageAsync("to the in-process worker");
        var received = (await sample.Observations.WaitForAsync(r => r.Text("kind") == "received")).Single();
        Assert.Equal("to the in-process worker", received.Text("message"));
    }

    [Fact]
    public async Task Several_in_process_workers_run_side_by_side()
    {
        var hosts = await Task.WhenAll(Enumerable.Range(0, 3).Select(async i =>
        {
            var sample = await SampleHost.StartAsync(azurite, startWorkerProcess: false);
            var worker = await InProcessWorker.StartAsync(sample.Host);
            await sample.Host.WaitForWorkerAsync();
            return (sample, worker, name: $"Worker{(char)('A' + i)}");
        }));
        try
        {
            var answers = await Task.WhenAll(hosts.SelectMany(h => Enumerable.Range(0, 20).Select(_ =>
                h.sample.Http.GetStringAsync($"api/hello/{h.name}"))));
            Assert.Equal(60, answers.Length);
            foreach (var (sample, _, name) in hosts)
                Assert.Equal($"Hello, {name}", await sample.Http.GetStringAsync($"api/hello/{name}"));
        }
        finally
        {
            foreach (var (sample, worker, _) in hosts)
            {
                await sample.DisposeAsync();
                await worker.DisposeAsync();
            }
        }
    }
}
