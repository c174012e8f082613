using System.Text.Json;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;

namespace Bangumoe.LocalHost.SampleApp;

/// <summary>
/// Lets a test see from outside the worker what a function did: each function that needs it posts a JSON record to
/// the queue named by the setting <c>ObservationQueue</c> (plain text, no base64).
/// </summary>
public sealed class Observations(IConfiguration configuration)
{
    public async Task RecordAsync(object record, CancellationToken cancellationToken = default)
    {
        var queueName = configuration["ObservationQueue"]
            ?? throw new InvalidOperationException("The setting ObservationQueue is not set.");
        var queue = new QueueClient(configuration["AzureWebJobsStorage"], queueName,
            new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None });
        await queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await queue.SendMessageAsync(JsonSerializer.Serialize(record), cancellationToken);
    }
}
