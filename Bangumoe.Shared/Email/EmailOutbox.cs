using Bangumoe.Queues;

namespace Bangumoe.Email;

/// <summary>A mail waiting to be sent: what travels on the <c>email-outbox</c> queue.</summary>
public sealed record EmailMessage(string To, string Subject, string TextBody, string HtmlBody);

/// <summary>
/// Request handlers never talk SMTP: they put the mail on the outbox queue and return. The <c>SendEmail</c> queue
/// function sends it, with retries, so a slow or failing mail server never fails or slows the request.
/// </summary>
public sealed class EmailOutbox(QueueSender queues)
{
    public const string QueueName = "email-outbox";
    public const string FunctionName = "SendEmail";

    public Task EnqueueAsync(EmailMessage message, CancellationToken cancellationToken = default) =>
        queues.SendAsync(QueueName, message, cancellationToken);
}
