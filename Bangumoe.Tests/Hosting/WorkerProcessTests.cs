using System.Net;
using Bangumoe.Tests.Infrastructure;

namespace Bangumoe.Tests.Hosting;

/// <summary>The built worker as its own process under the local Functions host, started as ./run.sh starts it.</summary>
public sealed class WorkerProcessTests(Emulators emulators)
{
    [Fact]
    public async Task It_serves_forwarded_http_and_runs_its_queue_function()
    {
        var port = Emulators.FreePort();
        await using var app = await HostedWorker.StartAsync(port, HostedWorker.Settings(emulators, port, "p" + Guid.NewGuid().ToString("N")[..8]));
        using var client = new HttpClient { BaseAddress = app.BaseAddress };
        await app.WaitForHealthAsync(client, TimeSpan.FromSeconds(30));

        // routePrefix "" keeps the paths; the app's JSON API answers through the host ...
        var email = TestApi.NewEmail();
        await client.Register(TestApi.NewUname(), email, "correct horse battery");

        // ... and the host's queue trigger runs SendEmail, whose link points at the public URL.
        var verification = await emulators.Mail.WaitForAsync(email, "Verify");
        Assert.StartsWith($"http://127.0.0.1:{port}/api/auth/verify?token=", verification.Link().ToString(), StringComparison.Ordinal);

        // Unknown paths are the host's 404; a known path with another method is not a function either.
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/nothing-here")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.DeleteAsync("/api/health")).StatusCode);
    }

    [Theory]
    [InlineData("PublicBaseUrl", "not a url", "PublicBaseUrl")]
    [InlineData("Smtp__Port", "0", "Smtp:Port")]
    [InlineData("Signing__Keys__0__PrivateKeyPem", "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----", "Signing:Keys:0")]
    [InlineData("Queues__MaxDequeueCount", "0", "Queues:MaxDequeueCount")]
    public async Task Invalid_configuration_stops_start_up_with_a_message_naming_the_key(string key, string value, string named)
    {
        var port = Emulators.FreePort();
        var settings = HostedWorker.Settings(emulators, port, "p" + Guid.NewGuid().ToString("N")[..8]);
        settings[key] = value;
        var failure = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var app = await HostedWorker.StartAsync(port, settings);
        });
        Assert.Contains(named, failure.ToString(), StringComparison.Ordinal);
    }
}
