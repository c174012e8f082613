using Bangumoe.Queues;

namespace Bangumoe.Accounts;

/// <summary>
/// What travels on the <c>account-mail-requests</c> queue: which mail was asked for and for which address, normalized
/// as the account lookup expects. The address is personal data, as in every <c>email-outbox</c> message; nothing else
/// about the person (not even whether they have an account) is in it.
/// </summary>
public sealed record AccountMailRequest(string Kind, string Email)
{
    public const string Verification = "verification";
    public const string PasswordReset = "password-reset";

    /// <summary>What <see cref="AccountMailRequests.EnqueueAsync"/> writes and nothing else: a known kind and an address
    /// that is well formed, short enough to belong to an account and already normalized.</summary>
    public bool IsWellFormed =>
        Kind is Verification or PasswordReset
        && Email is { Length: > 0 and <= AccountRules.EmailMaxLength }
        && Email == AccountRules.NormalizeEmail(Email)
        && AccountRules.IsEmail(Email);
}

/// <summary>
/// Asking for a verification or a reset mail answers in constant time: the request only checks the address's syntax
/// and queues it here, whatever the address; the <c>HandleAccountMailRequest</c> queue function then looks the address
/// up, takes the once-per-interval slot, mints the link and queues the mail. Looking up, writing and signing take
/// time that differs between an address with an account and one without, so none of it may happen on the request.
/// </summary>
public sealed class AccountMailRequests(QueueSender queues)
{
    public const string QueueName = "account-mail-requests";
    public const string FunctionName = "HandleAccountMailRequest";

    /// <summary>Queues the request when <paramref name="email"/> is an address an account could have; ignores it
    /// otherwise (which tells nothing about accounts: it depends only on the text sent).</summary>
    public Task EnqueueAsync(string kind, string? email, CancellationToken cancellationToken = default)
    {
        var typed = email?.Trim() ?? "";
        if (!AccountRules.IsEmail(typed) || typed.Length > AccountRules.EmailMaxLength) return Task.CompletedTask;
        return queues.SendAsync(QueueName, new AccountMailRequest(kind, AccountRules.NormalizeEmail(typed)), cancellationToken);
    }
}
