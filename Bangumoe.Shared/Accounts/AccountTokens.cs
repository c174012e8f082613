using Azure;
using Azure.Data.Tables;
using Bangumoe.Security;
using Bangumoe.Storage;
using Microsoft.Extensions.Options;

namespace Bangumoe.Accounts;

/// <summary>A redeemed single-use token: table <c>TokenRedemptions</c>, PartitionKey = jti.</summary>
public sealed class TokenRedemptionEntity : TableRow, IRaceRow
{
    public string InsertId { get; set; } = "";

    public string Purpose { get; set; } = "";
    public DateTimeOffset ExpiresAt { get; set; }
}

/// <summary>
/// The links mailed to users (verify an email, confirm an email change, reset a password): signed JWTs bound to the
/// user and to what they act on, each of its own <c>typ</c>, and single use.
/// </summary>
public sealed class AccountTokens(JwtService jwt, StorageClients storage, IOptions<AccountOptions> options)
{
    public const string EmailClaim = "email";
    public const string NewEmailClaim = "new_email";
    public const string StampClaim = "stamp";

    private AccountOptions Options => options.Value;

    public string EmailVerification(UserEntity user) =>
        jwt.Create(TokenTypes.EmailVerification, jwt.Issuer, new Dictionary<string, object>
        {
            ["sub"] = user.Uid,
            [EmailClaim] = user.Email,
        }, Options.VerificationLinkLifetime);

    public string EmailChange(UserEntity user, string newEmail) =>
        jwt.Create(TokenTypes.EmailChange, jwt.Issuer, new Dictionary<string, object>
        {
            ["sub"] = user.Uid,
            [EmailClaim] = user.Email,
            [NewEmailClaim] = newEmail,
        }, Options.VerificationLinkLifetime);

    /// <summary>Bound to the security stamp: once the password changes, older reset links stop working.</summary>
    public string PasswordReset(UserEntity user) =>
        jwt.Create(TokenTypes.PasswordReset, jwt.Issuer, new Dictionary<string, object>
        {
            ["sub"] = user.Uid,
            [StampClaim] = user.SecurityStamp,
        }, Options.PasswordResetLinkLifetime);

    public Task<TokenCheck> CheckAsync(string? token, string type) => jwt.ValidateAsync(token, type, jwt.Issuer);

    /// <summary>Marks the token used. True for exactly one caller, however many redeem it at once.</summary>
    public async Task<bool> RedeemAsync(TokenCheck check, CancellationToken ct = default)
    {
        var jti = check.Claim("jti");
        if (string.IsNullOrEmpty(jti)) return false;
        var table = await storage.TableAsync(TableNames.TokenRedemptions, ct).ConfigureAwait(false);
        return await table.AddFirstAsync(new TokenRedemptionEntity
        {
            PartitionKey = KeyEncoding.Escape(jti),
            Purpose = check.Token!.Typ,
            ExpiresAt = check.Token.ValidTo,
        }, ct).ConfigureAwait(false);
    }

    public async Task<bool> IsRedeemedAsync(TokenCheck check, CancellationToken ct = default)
    {
        var jti = check.Claim("jti");
        if (string.IsNullOrEmpty(jti)) return false;
        var table = await storage.TableAsync(TableNames.TokenRedemptions, ct).ConfigureAwait(false);
        var row = await table.GetEntityIfExistsAsync<TokenRedemptionEntity>(KeyEncoding.Escape(jti), "", cancellationToken: ct).ConfigureAwait(false);
        return row.HasValue;
    }
}
