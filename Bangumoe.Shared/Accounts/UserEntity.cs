using Azure;
using Azure.Data.Tables;

using Bangumoe.Storage;

namespace Bangumoe.Accounts;

/// <summary>An account: table <c>Users</c>, PartitionKey = uid, RowKey = "".</summary>
public sealed class UserEntity : TableRow
{
    public string Uid => PartitionKey;

    /// <summary>The user name as registered (case kept; uniqueness ignores case).</summary>
    public string Uname { get; set; } = "";

    /// <summary>Normalized (trimmed, lower-case) email.</summary>
    public string Email { get; set; } = "";
    public bool EmailVerified { get; set; }

    /// <summary>False until both uniqueness claims are written; a stale unregistered row loses its claims.</summary>
    public bool Registered { get; set; }

    /// <summary>
    /// Set as the account's deletion begins, before the data it owns goes: work that was already under way when the
    /// deletion began (a Bangumi bind waiting on Bangumi) checks it after its write and takes that write back.
    /// </summary>
    public DateTimeOffset? DeletingSince { get; set; }

    public string PasswordHash { get; set; } = "";

    /// <summary>Random value carried by every token issued to this user; a new one ends every session.</summary>
    public string SecurityStamp { get; set; } = "";

    public string? Nickname { get; set; }
    public string? Avatar { get; set; }
    public string? Intro { get; set; }
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>The language of the person's mails (a <see cref="Languages"/> tag): the one they signed up in, then the
    /// last one they chose on a page. Null on accounts from before it was kept: English.</summary>
    public string? Language { get; set; }

    /// <summary>When the last verification / reset mail went out, to stop mail floods.</summary>
    public DateTimeOffset? VerificationMailSentAt { get; set; }

    /// <summary>OAuth grants and revocations (see <c>Bangumoe.OAuth.OAuthState</c>).</summary>
    public string OAuthJson { get; set; } = "";
    public DateTimeOffset? ResetMailSentAt { get; set; }
}

/// <summary>A uniqueness claim: table <c>UserKeys</c>, PartitionKey = "email|…" or "uname|…", RowKey = "".</summary>
public sealed class UserKeyEntity : TableRow
{
    public string Uid { get; set; } = "";
}

/// <summary>A feature that keeps data per user implements this, so deleting an account deletes all it owns.</summary>
public interface IUserDataOwner
{
    Task DeleteUserDataAsync(string uid, CancellationToken cancellationToken);
}
