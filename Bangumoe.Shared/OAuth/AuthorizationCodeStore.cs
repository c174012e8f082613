using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;
using Bangumoe.Security;
using Bangumoe.Storage;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Bangumoe.OAuth;

/// <summary>An issued code: table <c>AuthorizationCodes</c>, PartitionKey = SHA-256 of the code (the code itself is never stored).</summary>
public sealed class AuthorizationCodeEntity : TableRow
{
    public string ClientId { get; set; } = "";
    public string RedirectUri { get; set; } = "";
    public string Uid { get; set; } = "";
    public string Scope { get; set; } = "";
    public string? Nonce { get; set; }
    public string CodeChallenge { get; set; } = "";
    public string GrantId { get; set; } = "";
    public DateTimeOffset AuthTime { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public bool Redeemed { get; set; }

    /// <summary>RFC 9449 §10: the <c>dpop_jkt</c> of the authorization request; redeeming the code must prove that key.</summary>
    public string? DPoPJkt { get; set; }
}

public enum CodeRedemption
{
    Redeemed,
    Unknown,
    Expired,
    /// <summary>Used before (or by a concurrent request that won): a replay.</summary>
    Replayed,
}

/// <summary>
/// Authorization codes: 256 random bits, stored hashed, living <see cref="OAuthOptions.CodeLifetime"/>, bound to client,
/// redirect URI and PKCE challenge. Redemption is an ETag-conditional write, so under any concurrency exactly one
/// request redeems a code.
/// </summary>
public sealed class AuthorizationCodeStore(StorageClients storage, TimeProvider time, IOptions<OAuthOptions> options)
{
    public async Task<string> CreateAsync(AuthorizationRequest request, string uid, string grantId, DateTimeOffset authTime, CancellationToken ct = default)
    {
        var code = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        var table = await storage.TableAsync(TableNames.AuthorizationCodes, ct).ConfigureAwait(false);
        await table.AddNewAsync(new AuthorizationCodeEntity
        {
            PartitionKey = Hashes.Sha256Hex(code),
            ClientId = request.Client.ClientId,
            RedirectUri = request.RedirectUri,
            Uid = uid,
            Scope = request.Scope,
            Nonce = request.Nonce,
            CodeChallenge = request.CodeChallenge,
            GrantId = grantId,
            AuthTime = authTime,
            ExpiresAt = time.GetUtcNow() + options.Value.CodeLifetime,
            DPoPJkt = request.DPoPJkt,
        }, ct).ConfigureAwait(false);
        return code;
    }

    public async Task<AuthorizationCodeEntity?> FindAsync(string? code, CancellationToken ct = default)
    {
        if (string.IsNullOrEmpty(code) || code.Length > 256) return null;
        var table = await storage.TableAsync(TableNames.AuthorizationCodes, ct).ConfigureAwait(false);
        var row = await table.GetEntityIfExistsAsync<AuthorizationCodeEntity>(Hashes.Sha256Hex(code), "", cancellationToken: ct).ConfigureAwait(false);
        return row.HasValue ? row.Value : null;
    }

    /// <summary>Marks the code used; exactly one caller gets <see cref="CodeRedemption.Redeemed"/>.</summary>
    public async Task<CodeRedemption> RedeemAsync(AuthorizationCodeEntity code, CancellationToken ct = default)
    {
        if (code.Redeemed) return CodeRedemption.Replayed;
        if (code.ExpiresAt <= time.GetUtcNow()) return CodeRedemption.Expired;
        code.Redeemed = true;
        var table = await storage.TableAsync(TableNames.AuthorizationCodes, ct).ConfigureAwait(false);
        try
        {
            await table.UpdateEntityAsync(code, code.ETag, TableUpdateMode.Replace, ct).ConfigureAwait(false);
            return CodeRedemption.Redeemed;
        }
        catch (RequestFailedException e) when (e.IsPreconditionFailed())
        {
            return CodeRedemption.Replayed;
        }
        catch (RequestFailedException e) when (e.IsNotFound())
        {
            return CodeRedemption.Unknown;
        }
    }

}
