using System.Text;
using System.Text.Json.Nodes;
using Azure.Storage.Queues;
using Bangumoe.LocalHost.Tests.Infrastructure;

namespace Bangumoe.LocalHost.Tests;

/// <summary>Queue triggers against real Azurite: processing, retries, poison queue, encodings.</summary>
public sealed class QueueTriggerTests(Azurite azurite)
{
    /// <summary>The sample with fast retries: failed messages come back at once, empty queues are polled often.</summary>
    private static TemporaryAppDirectory FastRetryApp(string messageEncoding = "base64") =>
        SampleAppOutput.CopyWithHostJson(hostJson => hostJson["extensions"]!["queues"] = new JsonObject
        {
            ["maxDequeueCount"] = 5,
            ["visibilityTimeout"] = "00:00:00",
            ["maxPollingInterval"] = "00:00:00.200",
            ["messageEncoding"] = messageEncoding,
        });

    [Fact]
    public async Task A_message_is_processed_once_with_its_metadata_and_deleted()
    {
        await using var sample = await SampleHost.StartAsync(azurite);
        var queue = azurite.Queue(sample.WorkQueue);
        await queue.CreateIfNotExistsAsync();
        var sent = await queue.SendMessageAsync("hello from the test");

        var received = (await sample.Observations.WaitForAsync(r => r.Text("kind") == "received")).Single();
        Assert.Equal("hello from the test", received.Text("message"));
        Assert.Equal(sent.Value.MessageId, received.Text("id"));
        Assert.Equal("1", received.Text("dequeueCount"));
        var bindingData = received.GetProperty("bindingData");
        Assert.Equal("hello from the test", bindingData.Text("QueueTrigger"));
        Assert.False(string.IsNullOrEmpty(bindingData.Text("PopReceipt")));
        Assert.Contains("T", bindingData.Text("NextVisibleTime"));

        await WaitUntilEmptyAsync(queue);
        await Task.Delay(1000);
        Assert.Single(await sample.Observations.AllAsync(r => r.Text("kind") == "received"));
    }

    [Fact]
    public async Task A_JSON_message_arrives_intact()
    {
        await using var sample = await SampleHost.StartAsync(azurite);
        var queue = azurite.Queue(sample.WorkQueue);
        await queue.CreateIfNotExistsAsync();
        await queue.SendMessageAsync("{\"id\":42,\"name\":\"Mio\"}");

        var received = (await sample.Observations.WaitForAsync(r => r.Text("kind") == "received")).Single();
        Assert.Equal(42, JsonNode.Parse(received.Text("message")!)!["id"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_message_that_keeps_failing_moves_to_the_poison_queue_after_maxDequeueCount_attempts()
    {
        using var app = FastRetryApp();
        await using var sample = await SampleHost.StartAsync(azurite, app.Path);
        var queue = azurite.Queue(sample.FailingQueue, base64: false);
        await queue.CreateIfNotExistsAsync();
        var stored = Convert.ToBase64String(Encoding.UTF8.GetBytes("poison me: ü"));
        await queue.SendMessageAsync(stored);

        var poison = azurite.Queue(sample.FailingQueue + "-poison", base64: false);
        var poisoned = await WaitForMessageAsync(poison);
        Assert.Equal(stored, poisoned);

        var attempts = await sample.Observations.WaitForAsync(r => r.Text("kind") == "attempt", count: 5);
        Assert.Equal(["1", "2", "3", "4", "5"], attempts.Select(a => a.Text("dequeueCount")).Order());
        Assert.All(attempts, a => Assert.Equal("poison me: ü", a.Text("message")));
        await WaitUntilEmptyAsync(queue);
    }

    [Fact]
    public async Task A_message_dequeued_more_often_than_allowed_goes_straight_to_poison()
    {
        var settings = SampleHost.NewSettings(azurite);
        var queue = azurite.Queue(settings["WorkQueue"]!);
        await queue.CreateIfNotExistsAsync();
        await queue.SendMessageAsync("crashed too often");
        // Six receives without a delete: what a crashing host leaves behind.
        for (var i = 0; i < 6; i++)
        {
            var message = (await queue.ReceiveMessageAsync(TimeSpan.FromSeconds(30))).Value;
            await queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: TimeSpan.Zero);
        }

        await using var sample = await SampleHost.StartAsync(azurite, changeSettings: s =>
        {
            foreach (var (key, value) in settings) s[key] = value;
        });

        var poisoned = await WaitForMessageAsync(azurite.Queue(sample.WorkQueue + "-poison"));
        Assert.Equal("crashed too often", poisoned);
        Assert.Empty(await sample.Observations.AllAsync(r => r.Text("kind") == "received"));
    }

    [Fact]
    public async Task With_messageEncoding_none_messages_are_read_as_plain_text()
    {
        using var app = FastRetryApp(messageEncoding: "none");
        await using var sample = await SampleHost.StartAsync(azurite, app.Path);
        var queue = azurite.Queue(sample.WorkQueue, base64: false);
        await queue.CreateIfNotExistsAsync();
        await queue.SendMessageAsync("plain text, not base64");

        var received = (await sample.Observations.WaitForAsync(r => r.Text("kind") == "received")).Single();
        Assert.Equal("plain text, not base64", received.Text("message"));
    }

    [Fact]
    public async Task With_base64_encoding_a_message_that_is_not_base64_goes_to_poison_untouched()
    {
        await using var sample = await SampleHost.StartAsync(azurite);
        var queue = azurite.Queue(sample.WorkQueue, base64: false);
        await queue.CreateIfNotExistsAsync();
        await queue.SendMessageAsync("not base64 at all!");

        var poisoned = await WaitForMessageAsync(azurite.Queue(sample.WorkQueue + "-poison", base64: false));
        Assert.Equal("not base64 at all!", poisoned);
    }

    private static async Task<string> WaitForMessageAsync(QueueClient queue, double seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            if ((await queue.ExistsAsync()).Value && (await queue.PeekMessageAsync()).Value is { } message)
                return message.Body.ToString();
            await Task.Delay(100);
        }
        throw new TimeoutException($"No message arrived on '{queue.Name}' within {seconds} s.");
    }

    private static async Task WaitUntilEmptyAsync(QueueClient queue, double seconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while ((await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount > 0)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"'{queue.Name}' still holds messages after {seconds} s.");
            await Task.Delay(100);
        }
    }
}
