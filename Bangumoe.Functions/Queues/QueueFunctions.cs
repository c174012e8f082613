using System.Globalization;
using System.Text.Json;
using Bangumoe.Accounts;
using Bangumoe.Bangumi;
using Bangumoe.Email;
using Bangumoe.Queues;
using Bangumoe.Storage;
using Microsoft.Azure.Functions.Worker;

namespace Bangumoe.Functions.Queues;

/// <summary>
/// The queue-triggered functions. The host polls, retries (host.json: maxDequeueCount, visibilityTimeout) and moves a
/// message that keeps failing to <c>&lt;queue&gt;-poison</c>; a function only handles one message or throws.
/// Queue names carry <c>Storage:NamePrefix</c> (a binding expression the host resolves from the app settings), like
/// every table name, so apps sharing one storage account keep apart.
/// </summary>
public sealed class QueueFunctions(SendEmailHandler email, AccountMailRequestHandler accountMail, BangumiImporter import)
{
    private const string Prefix = "%" + StorageOptions.NamePrefixKey + "%";

    [Function(EmailOutbox.FunctionName)]
    public Task SendEmail([QueueTrigger(Prefix + EmailOutbox.QueueName, Connection = "AzureWebJobsStorage")] string message, FunctionContext context) =>
        email.HandleAsync(Message(context, message), context.CancellationToken);

    [Function(AccountMailRequests.FunctionName)]
    public Task HandleAccountMailRequest([QueueTrigger(Prefix + AccountMailRequests.QueueName, Connection = "AzureWebJobsStorage")] string message, FunctionContext context) =>
        accountMail.HandleAsync(Message(context, message), context.CancellationToken);

    [Function(BangumiBinding.FunctionName)]
    public Task ImportBangumiCollection([QueueTrigger(Prefix + BangumiBinding.QueueName, Connection = "AzureWebJobsStorage")] string message, FunctionContext context) =>
        import.HandleAsync(Message(context, message), context.CancellationToken);

    /// <summary>The message with what the host says about it (its id and how often it was taken).</summary>
    private static QueueMessage Message(FunctionContext context, string body)
    {
        var data = context.BindingContext.BindingData;
        var dequeueCount = data.TryGetValue("DequeueCount", out var count) && count is not null
            ? count switch
            {
                long l => l,
                int i => i,
                JsonElement { ValueKind: JsonValueKind.Number } e => e.GetInt64(),
                var other => long.Parse(other.ToString()!, CultureInfo.InvariantCulture),
            }
            : 1;
        return new QueueMessage(context.FunctionDefinition.Name, body, dequeueCount, data.TryGetValue("Id", out var id) ? id?.ToString() : null);
    }
}
