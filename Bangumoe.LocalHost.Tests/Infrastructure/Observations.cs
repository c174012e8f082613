using System.Text.Json;
using Azure.Storage.Queues;

namespace Bangumoe.LocalHost.Tests.Infrastructure;

/// <summary>
/// Reads what the sample app's functions recorded (JSON messages on the queue named by its ObservationQueue setting).
/// Records are taken off the queue and kept, so later waits see earlier records too.
/// </summary>
public sealed class Observations(QueueClient queue)
{
    private readonly List<JsonElement> _seen = [];

    public string QueueName => queue.Name;

    /// <summary>Waits until at least <paramref name="count"/> records match, then returns the matching ones.</summary>
    public async Task<IReadOnlyList<JsonElement>> WaitForAsync(Func<JsonElement, bool> match, int count = 1, double seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            await TakeAsync();
            var matching = _seen.Where(match).ToList();
            if (matching.Count >= count) return matching;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Waited {seconds} s for {count} matching records on '{queue.Name}'; " +
                                           $"found {matching.Count} among: {string.Join(" | ", _seen)}");
            await Task.Delay(100);
        }
    }

    /// <summary>All matching records seen so far, after reading what is on the queue now.</summary>
    public async Task<IReadOnlyList<JsonElement>> AllAsync(Func<JsonElement, bool> match)
    {
        await TakeAsync();
        return _seen.Where(match).ToList();
    }

    private async Task TakeAsync()
    {
        if (!(await queue.ExistsAsync()).Value) return;
        while (true)
        {
            var messages = (await queue.ReceiveMessagesAsync(32, TimeSpan.FromSeconds(30))).Value;
            if (messages.Length == 0) return;
            foreach (var message in messages)
            {
                _seen.Add(JsonDocument.Parse(message.Body.ToString()).RootElement.Clone());
                await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
            }
        }
    }
}

public static class JsonElementExtensions
{
    public static string? Text(this JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) ? value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText() : null;
}
