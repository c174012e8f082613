using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Azure.Storage.Queues;
using Bangumoe.Queues;
using Bangumoe.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Bangumoe.Tests.Hosting;

/// <summary>A test queue function whose handler fails a chosen number of times, recording every try.</summary>
public sealed class FlakyHandler(FlakyLog log) : IQueueMessageHandler
{
    public const string Function = "FlakyTest";
    public const string Queue = "flaky-test";

    public Task HandleAsync(QueueMessage message, CancellationToken cancellationToken)
    {
        var body = message.Deserialize<FlakyMessage>();
        log.Tries.GetOrAdd(body.Id, _ => new ConcurrentQueue<long>()).Enqueue(message.DequeueCount);
        return message.DequeueCount <= body.FailTries ? throw new InvalidOperationException("flaky by design") : Task.CompletedTask;
    }
}

public sealed record FlakyMessage(string Id, int FailTries);

public sealed class FlakyLog
{
    public ConcurrentDictionary<string, ConcurrentQueue<long>> Tries { get; } = new();
}

/// <summary>One handler per queue, two ways in: the Functions host's envelope, and the standalone listener with the host's semantics.</summary>
public sealed class QueueFunctionTests(Emulators emulators)
{
    private static readonly Dictionary<string, string?> HostMode = new() { ["FUNCTIONS_CUSTOMHANDLER_PORT"] = "7999" };

    private BangumoeApp FlakyApp() => new(emulators,
        new Dictionary<string, string?> { ["Queues:MaxDequeueCount"] = "3", ["Queues:VisibilityTimeout"] = "00:00:00" },
        services =>
        {
            services.AddSingleton<FlakyLog>();
            services.AddQueueFunction<FlakyHandler>(FlakyHandler.Function, FlakyHandler.Queue);
        });

    [Fact]
    public async Task The_hosts_envelope_is_decoded_twice_handled_and_answered_with_an_empty_json_object()
    {
        await using var app = new BangumoeApp(emulators, HostMode);
        var client = app.CreateClient();
        var to = TestApi.NewEmail();

        var response = await client.SendAsync(HostEnvelope.For("SendEmail", HostEnvelope.EmailMessage(to, "Envelope test")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("{}", await response.Content.ReadAsStringAsync());
        var mail = await app.Mail.WaitForAsync(to, "Envelope test");
        Assert.Contains("Hello from the queue envelope test.", mail.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_message_answers_500_so_that_the_host_retries_it()
    {
        await using var app = new BangumoeApp(emulators, HostMode);
        var client = app.CreateClient();

        var broken = await client.SendAsync(HostEnvelope.For("SendEmail", """{"to":"not an address","subject":"x","textBody":"x","htmlBody":"x"}"""));
        Assert.Equal(HttpStatusCode.InternalServerError, broken.StatusCode);
        Assert.Equal("application/json", broken.Content.Headers.ContentType?.MediaType);

        var garbage = await client.PostRaw("/SendEmail", "this is not an envelope");
        Assert.Equal(HttpStatusCode.NotFound, garbage.StatusCode); // no invocation id: not the host

        using var request = HostEnvelope.For("SendEmail", "x");
        request.Content = new StringContent("{\"Data\":{}}", Encoding.UTF8, "application/json");
        Assert.Equal(HttpStatusCode.InternalServerError, (await client.SendAsync(request)).StatusCode);
    }

    [Fact]
    public async Task The_internal_queue_paths_answer_only_the_host()
    {
        await using var hosted = new BangumoeApp(emulators, HostMode);
        var noHeaders = await hosted.CreateClient().SendAsync(HostEnvelope.For("SendEmail", HostEnvelope.EmailMessage(TestApi.NewEmail(), "x"), withHostHeaders: false));
        Assert.Equal(HttpStatusCode.NotFound, noHeaders.StatusCode);

        await using var standalone = new BangumoeApp(emulators);
        var response = await standalone.CreateClient().SendAsync(HostEnvelope.For("SendEmail", HostEnvelope.EmailMessage(TestApi.NewEmail(), "x")));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Under_the_host_the_standalone_listener_leaves_the_queue_to_the_host()
    {
        await using var app = new BangumoeApp(emulators, HostMode);
        _ = app.Server;
        await app.Services.GetRequiredService<QueueSender>().SendAsync("email-outbox", new { to = TestApi.NewEmail() });
        await Task.Delay(1500);
        var queue = new QueueClient(emulators.StorageConnectionString, app.Prefix + "email-outbox");
        Assert.Single((await queue.PeekMessagesAsync(10)).Value);
    }

    [Fact]
    public async Task Standalone_a_failed_try_is_retried_and_then_succeeds()
    {
        await using var app = FlakyApp();
        _ = app.Server;
        var id = Guid.NewGuid().ToString("N");
        await app.Services.GetRequiredService<QueueSender>().SendAsync(FlakyHandler.Queue, new FlakyMessage(id, FailTries: 1));

        var log = app.Services.GetRequiredService<FlakyLog>();
        await Eventually(() => log.Tries.TryGetValue(id, out var t) && t.Count == 2);
        await Task.Delay(500);
        Assert.Equal([1L, 2L], log.Tries[id].ToArray());
        Assert.Empty(await Messages(app, FlakyHandler.Queue + "-poison"));
        Assert.Empty(await Messages(app, FlakyHandler.Queue));
    }

    [Fact]
    public async Task Standalone_a_message_that_keeps_failing_moves_to_the_poison_queue_after_maxDequeueCount_tries()
    {
        await using var app = FlakyApp();
        _ = app.Server;
        var id = Guid.NewGuid().ToString("N");
        await app.Services.GetRequiredService<QueueSender>().SendAsync(FlakyHandler.Queue, new FlakyMessage(id, FailTries: 99));

        var poisoned = await EventuallyMessages(app, FlakyHandler.Queue + "-poison");
        var log = app.Services.GetRequiredService<FlakyLog>();
        Assert.Equal([1L, 2L, 3L], log.Tries[id].ToArray());
        var body = Encoding.UTF8.GetString(Convert.FromBase64String(Assert.Single(poisoned)));
        Assert.Contains(id, body, StringComparison.Ordinal);
        Assert.Empty(await Messages(app, FlakyHandler.Queue));
    }

    [Fact]
    public async Task Standalone_a_message_that_is_not_base64_is_poisoned_without_a_try()
    {
        await using var app = FlakyApp();
        _ = app.Server;
        var raw = new QueueClient(emulators.StorageConnectionString, app.Prefix + FlakyHandler.Queue);
        await raw.CreateIfNotExistsAsync();
        await raw.SendMessageAsync("{not base64!}");

        var poisoned = await EventuallyMessages(app, FlakyHandler.Queue + "-poison");
        Assert.Equal("{not base64!}", Assert.Single(poisoned));
        Assert.Empty(app.Services.GetRequiredService<FlakyLog>().Tries);
    }

    [Fact]
    public async Task When_smtp_is_down_registration_still_succeeds_and_the_mail_ends_in_the_poison_queue()
    {
        await using var app = new BangumoeApp(emulators, new Dictionary<string, string?>
        {
            ["Smtp:Port"] = Emulators.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture), // nothing listens
            ["Queues:MaxDequeueCount"] = "2",
            ["Queues:VisibilityTimeout"] = "00:00:00",
        });
        var email = TestApi.NewEmail();

        await app.CreateClient().Register(TestApi.NewUname(), email, "correct horse battery");

        var poisoned = await EventuallyMessages(app, "email-outbox-poison");
        Assert.Contains(email, Encoding.UTF8.GetString(Convert.FromBase64String(Assert.Single(poisoned))), StringComparison.Ordinal);
        Assert.Empty(await app.Mail.ToAsync(email));
    }

    private static async Task<List<string>> Messages(BangumoeApp app, string queue)
    {
        var client = new QueueClient(app.Emulators.StorageConnectionString, app.Prefix + queue);
        if (!await client.ExistsAsync()) return [];
        return (await client.PeekMessagesAsync(32)).Value.Select(m => m.MessageText).ToList();
    }

    private static async Task<List<string>> EventuallyMessages(BangumoeApp app, string queue)
    {
        List<string> messages = [];
        await Eventually(async () => (messages = await Messages(app, queue)).Count > 0);
        return messages;
    }

    private static Task Eventually(Func<bool> condition) => Eventually(() => Task.FromResult(condition()));

    private static async Task Eventually(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("Condition not met within 30 s.");
            await Task.Delay(100);
        }
    }
}
