using System.Globalization;
using System.Net;
using System.Text;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Bangumoe.Tests.Infrastructure;

namespace Bangumoe.Tests.Hosting;

/// <summary>The real executable, started the way the Functions host starts a custom handler.</summary>
public sealed class ExecutableTests(Emulators emulators)
{
    private Dictionary<string, string> Environment(int port) => new()
    {
        ["FUNCTIONS_CUSTOMHANDLER_PORT"] = port.ToString(CultureInfo.InvariantCulture),
        ["FUNCTIONS_CUSTOMHANDLER_WORKER_ID"] = Guid.NewGuid().ToString(),
        ["AzureWebJobsStorage"] = emulators.StorageConnectionString,
        ["Storage__NamePrefix"] = "x" + Guid.NewGuid().ToString("N")[..8],
        ["PublicBaseUrl"] = "https://id.bangumoe.test",
        ["Smtp__Host"] = "127.0.0.1",
        ["Smtp__Port"] = emulators.SmtpPort.ToString(CultureInfo.InvariantCulture),
        ["Signing__Keys__0__PrivateKeyPem"] = TestKeys.Pem,
        ["Logging__LogLevel__Default"] = "Warning",
    };

    [Fact]
    public async Task Under_the_host_it_listens_on_the_given_port_and_serves_forwarded_http_and_queue_envelopes()
    {
        var port = Emulators.FreePort();
        var environment = Environment(port);
        await using var handler = new Executable(environment);
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await handler.WaitUntilReadyAsync(client, TimeSpan.FromSeconds(30));

        var health = await client.GetAsync("/api/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);

        // A forwarded HTTP request keeps its path (routePrefix "") and gets the app's JSON API.
        var email = TestApi.NewEmail();
        await client.Register(TestApi.NewUname(), email, "correct horse battery");

        // Under the host, the app only enqueues; the host's queue trigger takes the message (base64 on the wire) ...
        var queue = new QueueClient(emulators.StorageConnectionString, environment["Storage__NamePrefix"] + "email-outbox");
        QueueMessage[] taken = [];
        for (var i = 0; i < 50 && taken.Length == 0; i++)
        {
            taken = (await queue.ReceiveMessagesAsync(1, TimeSpan.FromMinutes(1))).Value;
            if (taken.Length == 0) await Task.Delay(100);
        }
        var message = Assert.Single(taken);
        var text = Encoding.UTF8.GetString(Convert.FromBase64String(message.MessageText));

        // ... and delivers it as its envelope to POST /SendEmail.
        var response = await client.SendAsync(HostEnvelope.For("SendEmail", text, (int)message.DequeueCount));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("{}", await response.Content.ReadAsStringAsync());
        var verification = await emulators.Mail.WaitForAsync(email, "Verify");
        Assert.StartsWith("https://id.bangumoe.test/api/auth/verify?token=", verification.Link().ToString(), StringComparison.Ordinal);
        Assert.False(handler.HasExited, handler.Output);
    }

    [Theory]
    [InlineData("PublicBaseUrl", "not a url", "PublicBaseUrl")]
    [InlineData("Smtp__Port", "0", "Smtp:Port")]
    [InlineData("Signing__Keys__0__PrivateKeyPem", "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----", "Signing:Keys:0")]
    [InlineData("Queues__MaxDequeueCount", "0", "Queues:MaxDequeueCount")]
    [InlineData("FUNCTIONS_CUSTOMHANDLER_PORT", "http", "FUNCTIONS_CUSTOMHANDLER_PORT")]
    public async Task Invalid_configuration_stops_start_up_with_a_message_naming_the_key(string key, string value, string named)
    {
        var environment = Environment(Emulators.FreePort());
        environment[key] = value;
        await using var handler = new Executable(environment);
        Assert.True(await handler.WaitForExitAsync(TimeSpan.FromSeconds(30)), "it should not start:\n" + handler.Output);
        Assert.NotEqual(0, handler.ExitCode);
        Assert.Contains(named, handler.Output, StringComparison.Ordinal);
    }
}
