using System.Security.Cryptography;
using System.Text.Json;
using Azure;
using Bangumoe.Security;
using Bangumoe.Storage;
using Microsoft.IdentityModel.Tokens;

namespace Bangumoe.OAuth;

/// <summary>A pushed authorization request: table <c>PushedAuthorizationRequests</c>, PartitionKey = SHA-256 of the
/// request_uri's random part (the request_uri itself is never stored).</summary>
public sealed class PushedAuthorizationEntity : TableRow
{
    public string ClientId { get; set; } = "";

    /// <summary>The authorization parameters as the client pushed them (a JSON object of strings), without its credentials.</summary>
    public string ParametersJson { get; set; } = "{}";

    public DateTimeOffset ExpiresAt { get; set; }
}

/// <summary>What became of a request_uri presented at /oauth/authorize.</summary>
public abstract record PushedRequestUse
{
    public sealed record Used(IReadOnlyDictionary<string, string> Parameters) : PushedRequestUse;

    /// <summary>Unknown, expired, another client's, or used before: the same answer for each, so none can be probed.</summary>
    public sealed record Refused(string Description) : PushedRequestUse;
}

/// <summary>
/// Pushed authorization requests (RFC 9126): 256 random bits behind a <c>urn:ietf:params:oauth:request_uri:</c> prefix,
/// stored hashed, living <see cref="Lifetime"/>, used once. Using one is an ETag-conditional delete, so of any number of
/// browsers presenting the same request_uri at once exactly one gets the request.
/// </summary>
public sealed class PushedAuthorizationStore(StorageClients storage, TimeProvider time)
{
    public const string UriPrefix = "urn:ietf:params:oauth:request_uri:";

    /// <summary>Long enough for the client to redirect the browser, short enough that a leaked one is soon useless (RFC 9126 §2.2).</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(60);

    public async Task<string> PushAsync(string clientId, IReadOnlyDictionary<string, string> parameters, CancellationToken ct)
    {
        var secret = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        var table = await storage.TableAsync(TableNames.PushedAuthorizationRequests, ct).ConfigureAwait(false);
        await table.AddNewAsync(new PushedAuthorizationEntity
        {
            PartitionKey = Hashes.Sha256Hex(secret),
            ClientId = clientId,
            ParametersJson = JsonSerializer.Serialize(parameters),
            ExpiresAt = time.GetUtcNow() + Lifetime,
        }, ct).ConfigureAwait(false);
        return UriPrefix + secret;
    }

    /// <summary>Takes the request pushed as <paramref name="requestUri"/> by <paramref name="clientId"/>, once.</summary>
    public async Task<PushedRequestUse> UseAsync(string requestUri, string clientId, CancellationToken ct)
    {
        if (!requestUri.StartsWith(UriPrefix, StringComparison.Ordinal) || requestUri.Length > UriPrefix.Length + 64)
            return new PushedRequestUse.Refused("request_uri is not one this server issued.");
        var table = await storage.TableAsync(TableNames.PushedAuthorizationRequests, ct).ConfigureAwait(false);
        var key = Hashes.Sha256Hex(requestUri[UriPrefix.Length..]);
        var found = await table.GetEntityIfExistsAsync<PushedAuthorizationEntity>(key, "", cancellationToken: ct).ConfigureAwait(false);
        const string Gone = "request_uri is unknown, expired or used already; push the request again.";
        if (!found.HasValue || found.Value is not { } row) return new PushedRequestUse.Refused(Gone);
        // Another client's request is left alone: presenting it must not let anyone spend it.
        if (row.ClientId != clientId) return new PushedRequestUse.Refused("request_uri was not pushed by this client_id.");
        if (!await table.TryDeleteAsync(key, "", row.ETag, ct).ConfigureAwait(false)) return new PushedRequestUse.Refused(Gone);
        if (row.ExpiresAt <= time.GetUtcNow()) return new PushedRequestUse.Refused(Gone);
        return new PushedRequestUse.Used(JsonSerializer.Deserialize<Dictionary<string, string>>(row.ParametersJson) ?? []);
    }
}
