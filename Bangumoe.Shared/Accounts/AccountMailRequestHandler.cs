using System.Text.Json;
using Bangumoe.Queues;
using Microsoft.Extensions.Logging;

namespace Bangumoe.Accounts;

/// <summary>
/// The <c>HandleAccountMailRequest</c> queue function: one request for a verification or reset mail, answered as the
/// request itself used to answer it (<see cref="AccountService.SendRequestedMailAsync"/>). A storage failure throws, so
/// the queue tries again. A message that is not a well-formed request never will be one: it goes to
/// <c>account-mail-requests-poison</c> at once, body intact, instead of being tried maxDequeueCount times first.
/// </summary>
public sealed partial class AccountMailRequestHandler(AccountService accounts, QueueSender queues, ILogger<AccountMailRequestHandler> logger)
    : IQueueMessageHandler
{
    public async Task HandleAsync(QueueMessage message, CancellationToken cancellationToken)
    {
        if (Parse(message.Body) is { } request)
        {
            await accounts.SendRequestedMailAsync(request, cancellationToken).ConfigureAwait(false);
            return;
        }
        // The message id, never the body: the body may hold an address.
        LogMalformed(message.MessageId);
        await queues.PoisonAsync(AccountMailRequests.QueueName, message.Body, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The request, or null when the body is not one <see cref="AccountMailRequests"/> would have written.</summary>
    public static AccountMailRequest? Parse(string body)
    {
        try
        {
            return JsonSerializer.Deserialize<AccountMailRequest>(body, QueueJson.Options) is { IsWellFormed: true } request ? request : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Account mail request {MessageId} is not a well-formed request; moved to the poison queue without a try")]
    private partial void LogMalformed(string? messageId);
}
