using Azure;
using Bangumoe.Accounts;
using Bangumoe.Storage;

namespace Bangumoe.OAuth;

/// <summary>What an owner sends to register or change an app. Null means "keep" on update.</summary>
public sealed record ClientRegistration(string? Name, string? HomeUrl, string? Description, IReadOnlyList<string>? RedirectUris, string? Type,
    IReadOnlyList<string>? AllowedOrigins = null, IReadOnlyList<string>? PostLogoutRedirectUris = null)
{
    /// <summary>RFC 7591 token_endpoint_auth_method: a confidential app's secret (client_secret_basic or _post, the
    /// same) or private_key_jwt; a public app's is "none".</summary>
    public string? TokenEndpointAuthMethod { get; init; }

    /// <summary>The app's public keys (a JWKS as JSON) for private_key_jwt.</summary>
    public string? Jwks { get; init; }

    public bool? RequirePushedAuthorizationRequests { get; init; }
}

/// <summary>A newly registered app, or one whose secret was rotated: the only time the secret is shown.</summary>
public sealed record ClientWithSecret(ClientEntity Client, string? Secret);

/// <summary>Registration and management of third-party apps. Only the owner sees or changes an app; to anyone else it does not exist.</summary>
public sealed class ClientService(StorageClients storage, ClientSecrets secrets, TimeProvider time) : IUserDataOwner
{
    /// <summary>How long an instance trusts its memory of an app (whether it exists, for checking app tokens; its web
    /// origins, for CORS). Its own changes it knows at once.</summary>
    private static readonly TimeSpan MemoryLifetime = TimeSpan.FromSeconds(60);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (ClientEntity? Client, DateTimeOffset Until)> _remembered = new(StringComparer.Ordinal);

    public const int NameMaxLength = 64;
    public const int DescriptionMaxLength = 500;
    public const int HomeUrlMaxLength = 256;

    public async Task<ClientEntity?> FindAsync(string? clientId, CancellationToken ct = default)
    {
        if (string.IsNullOrEmpty(clientId) || clientId.Length > 64) return null;
        var table = await storage.TableAsync(TableNames.Clients, ct).ConfigureAwait(false);
        var row = await table.GetEntityIfExistsAsync<ClientEntity>(KeyEncoding.Escape(clientId), "", cancellationToken: ct).ConfigureAwait(false);
        return row.HasValue ? row.Value : null;
    }

    /// <summary>
    /// Whether the app still exists, for every request made with one of its access tokens. Remembered for a minute, so
    /// the hot path does no storage I/O: a deleted app's tokens stop at once on the instance that deleted it and within
    /// a minute elsewhere (its refresh tokens stop at once everywhere, since the app can no longer authenticate).
    /// </summary>
    public async Task<bool> ExistsAsync(string clientId, CancellationToken ct = default) =>
        await FindRememberedAsync(clientId, ct).ConfigureAwait(false) is not null;

    /// <summary>The app as this instance last saw it, at most a minute ago: for the hot paths that need only what rarely
    /// changes (whether it exists, its web origins), never for authenticating it.</summary>
    public async Task<ClientEntity?> FindRememberedAsync(string? clientId, CancellationToken ct = default)
    {
        if (string.IsNullOrEmpty(clientId)) return null;
        var now = time.GetUtcNow();
        if (_remembered.TryGetValue(clientId, out var known) && known.Until > now) return known.Client;
        var client = await FindAsync(clientId, ct).ConfigureAwait(false);
        _remembered[clientId] = (client, now + MemoryLifetime);
        return client;
    }

    /// <summary>The app if <paramref name="ownerUid"/> owns it; null (a 404) for everyone else.</summary>
    public async Task<ClientEntity?> FindOwnedAsync(string ownerUid, string? clientId, CancellationToken ct = default)
    {
        var client = await FindAsync(clientId, ct).ConfigureAwait(false);
        return client is not null && client.OwnerUid == ownerUid ? client : null;
    }

    public async Task<IReadOnlyList<ClientEntity>> ListOwnedAsync(string ownerUid, CancellationToken ct = default)
    {
        var index = await storage.TableAsync(TableNames.OwnerClients, ct).ConfigureAwait(false);
        var ids = new List<string>();
        await foreach (var row in index.QueryAsync<OwnerClientEntity>(e => e.PartitionKey == ownerUid, cancellationToken: ct).ConfigureAwait(false))
            ids.Add(row.RowKey);
        var clients = await Task.WhenAll(ids.Select(id => FindOwnedAsync(ownerUid, id, ct))).ConfigureAwait(false);
        return clients.OfType<ClientEntity>().OrderBy(c => c.CreatedAt).ToList();
    }

    /// <summary>Registers an app. A confidential app gets a generated secret unless <paramref name="chosenSecret"/> is given
    /// (the seed's sign-up lets the developer choose one).</summary>
    public async Task<Result<ClientWithSecret>> RegisterAsync(string ownerUid, ClientRegistration registration, string? chosenSecret = null, CancellationToken ct = default)
    {
        var errors = new FieldErrors();
        Check(registration, errors, creating: true);
        if (errors.Any) return errors.ToError();

        var confidential = (registration.Type ?? ClientTypes.Confidential) == ClientTypes.Confidential;
        // An app that signs its assertions with a key has no secret at all: one it cannot use is one less to leak.
        var keyBased = confidential && registration.TokenEndpointAuthMethod == ClientAuthMethods.PrivateKeyJwt;
        var secret = confidential && !keyBased ? chosenSecret ?? ClientSecrets.NewSecret() : null;
        var client = new ClientEntity
        {
            PartitionKey = ClientSecrets.NewClientId(),
            OwnerUid = ownerUid,
            Name = registration.Name!.Trim(),
            HomeUrl = registration.HomeUrl!.Trim(),
            Description = registration.Description?.Trim() ?? "",
            RedirectUris = registration.RedirectUris!,
            AllowedOrigins = registration.AllowedOrigins ?? [],
            PostLogoutRedirectUris = registration.PostLogoutRedirectUris ?? [],
            Type = confidential ? ClientTypes.Confidential : ClientTypes.Public,
            SecretHash = secret is null ? "" : chosenSecret is null ? ClientSecrets.HashGenerated(secret) : secrets.HashChosen(secret),
            CreatedAt = time.GetUtcNow(),
            TokenEndpointAuthMethod = keyBased ? ClientAuthMethods.PrivateKeyJwt : "",
            JwksJson = keyBased ? registration.Jwks!.Trim() : "",
            RequirePushedAuthorizationRequests = registration.RequirePushedAuthorizationRequests ?? false,
        };
        var table = await storage.TableAsync(TableNames.Clients, ct).ConfigureAwait(false);
        await table.AddNewAsync(client, ct).ConfigureAwait(false);
        var index = await storage.TableAsync(TableNames.OwnerClients, ct).ConfigureAwait(false);
        await index.UpsertEntityAsync(new OwnerClientEntity { PartitionKey = ownerUid, RowKey = client.ClientId }, cancellationToken: ct).ConfigureAwait(false);
        return new ClientWithSecret(client, secret);
    }

    public async Task<Result<ClientEntity>> UpdateAsync(ClientEntity client, ClientRegistration change, CancellationToken ct = default)
    {
        var errors = new FieldErrors();
        Check(change, errors, creating: false);
        if (change.Type is not null && change.Type != client.Type) errors.Add("type", "The type of an app cannot change; register a new app.");
        CheckKeys(change, errors, client);
        if (errors.Any) return errors.ToError();

        if (change.Name is not null) client.Name = change.Name.Trim();
        if (change.HomeUrl is not null) client.HomeUrl = change.HomeUrl.Trim();
        if (change.Description is not null) client.Description = change.Description.Trim();
        if (change.RedirectUris is not null) client.RedirectUris = change.RedirectUris;
        if (change.AllowedOrigins is not null) client.AllowedOrigins = change.AllowedOrigins;
        if (change.PostLogoutRedirectUris is not null) client.PostLogoutRedirectUris = change.PostLogoutRedirectUris;
        if (change.RequirePushedAuthorizationRequests is { } requirePar) client.RequirePushedAuthorizationRequests = requirePar;
        if (change.Jwks is not null) client.JwksJson = change.Jwks.Trim();
        if (change.TokenEndpointAuthMethod is { } method && client.IsConfidential)
        {
            var keyBased = method == ClientAuthMethods.PrivateKeyJwt;
            // Switching to keys retires the secret, so "cannot use its secret" holds; switching back needs a new secret
            // (the old one is gone), made with "New secret".
            if (keyBased && !client.UsesPrivateKeyJwt) client.SecretHash = "";
            client.TokenEndpointAuthMethod = keyBased ? ClientAuthMethods.PrivateKeyJwt : "";
        }
        // Keys are kept only while they are what the app authenticates with.
        if (!client.UsesPrivateKeyJwt) client.JwksJson = "";
        return await ReplaceAsync(client, ct).ConfigureAwait(false);
    }

    public async Task<Result<ClientWithSecret>> RotateSecretAsync(ClientEntity client, CancellationToken ct = default)
    {
        if (!client.IsConfidential) return Error.Field("type", "A public app has no secret.");
        if (client.UsesPrivateKeyJwt) return Error.Field("token_endpoint_auth_method", "This app authenticates with its keys (private_key_jwt), not a secret.");
        var secret = ClientSecrets.NewSecret();
        client.SecretHash = ClientSecrets.HashGenerated(secret);
        var replaced = await ReplaceAsync(client, ct).ConfigureAwait(false);
        return replaced.Ok ? new ClientWithSecret(replaced.Value!, secret) : replaced.Error!;
    }

    /// <summary>Revokes one of the client's own (client_credentials) tokens until it would have expired anyway.</summary>
    public async Task RevokeTokenIdAsync(ClientEntity client, string jti, DateTimeOffset until, CancellationToken ct = default)
    {
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var now = time.GetUtcNow().ToUnixTimeSeconds();
            var revoked = client.Revoked.Where(r => r.Value >= now).ToDictionary();
            if (revoked.ContainsKey(jti)) return;
            revoked[jti] = until.ToUnixTimeSeconds();
            client.Revoked = revoked;
            if ((await ReplaceAsync(client, ct).ConfigureAwait(false)).Ok) return;
            client = await FindAsync(client.ClientId, ct).ConfigureAwait(false) ?? throw new InvalidOperationException("The client was deleted.");
        }
    }

    public async Task DeleteAsync(ClientEntity client, CancellationToken ct = default)
    {
        _remembered[client.ClientId] = (null, DateTimeOffset.MaxValue);
        var table = await storage.TableAsync(TableNames.Clients, ct).ConfigureAwait(false);
        await IgnoreNotFound(table.DeleteEntityAsync(client.PartitionKey, "", ETag.All, ct)).ConfigureAwait(false);
        var index = await storage.TableAsync(TableNames.OwnerClients, ct).ConfigureAwait(false);
        await IgnoreNotFound(index.DeleteEntityAsync(client.OwnerUid, client.ClientId, ETag.All, ct)).ConfigureAwait(false);
    }

    /// <summary>Deleting an account deletes the apps it registered.</summary>
    public async Task DeleteUserDataAsync(string uid, CancellationToken cancellationToken)
    {
        foreach (var client in await ListOwnedAsync(uid, cancellationToken).ConfigureAwait(false))
            await DeleteAsync(client, cancellationToken).ConfigureAwait(false);
    }

    private async Task<Result<ClientEntity>> ReplaceAsync(ClientEntity client, CancellationToken ct)
    {
        var table = await storage.TableAsync(TableNames.Clients, ct).ConfigureAwait(false);
        try
        {
            var response = await table.UpdateEntityAsync(client, client.ETag, Azure.Data.Tables.TableUpdateMode.Replace, ct).ConfigureAwait(false);
            client.ETag = response.Headers.ETag ?? default;
            _remembered[client.ClientId] = (client, time.GetUtcNow() + MemoryLifetime);
            return client;
        }
        catch (RequestFailedException e) when (e.IsPreconditionFailed())
        {
            return new Error(ErrorKind.Conflict, "client-changed", "The app was changed meanwhile; read it again and retry.");
        }
        catch (RequestFailedException e) when (e.IsNotFound())
        {
            return new Error(ErrorKind.NotFound, "client-not-found", "No such app.");
        }
    }

    private static void Check(ClientRegistration r, FieldErrors errors, bool creating)
    {
        if (creating || r.Name is not null)
        {
            if (string.IsNullOrWhiteSpace(r.Name)) errors.Add("name", "Required.");
            else if (r.Name.Trim().Length > NameMaxLength || !AccountRules.IsSingleLine(r.Name)) errors.Add("name", $"Must be one line of at most {NameMaxLength} characters.");
        }
        if (creating || r.HomeUrl is not null)
        {
            if (string.IsNullOrWhiteSpace(r.HomeUrl)) errors.Add("home_url", "Required.");
            else if (r.HomeUrl.Trim().Length > HomeUrlMaxLength || !AccountRules.IsHttpUrl(r.HomeUrl.Trim())) errors.Add("home_url", $"Must be an http(s) URL of at most {HomeUrlMaxLength} characters.");
        }
        if (r.Description is not null && (r.Description.Length > DescriptionMaxLength || !AccountRules.IsPlainText(r.Description)))
            errors.Add("description", $"Must be at most {DescriptionMaxLength} characters of plain text.");
        if (creating || r.RedirectUris is not null)
        {
            if (r.RedirectUris is null || r.RedirectUris.Count == 0) errors.Add("redirect_uris", "List at least one redirect URI.");
            else if (r.RedirectUris.Count > RedirectUris.MaxCount) errors.Add("redirect_uris", $"At most {RedirectUris.MaxCount} redirect URIs.");
            else
            {
                for (var i = 0; i < r.RedirectUris.Count; i++)
                    if (RedirectUris.Problem(r.RedirectUris[i]) is { } problem) errors.Add($"redirect_uris[{i}]", "The redirect URI " + problem + ".");
                if (r.RedirectUris.Distinct(StringComparer.Ordinal).Count() != r.RedirectUris.Count) errors.Add("redirect_uris", "Each redirect URI once.");
            }
        }
        if (r.PostLogoutRedirectUris is { } postLogout)
        {
            // Optional (an app that never signs people out registers none), otherwise the rules of redirect URIs.
            if (postLogout.Count > RedirectUris.MaxCount) errors.Add("post_logout_redirect_uris", $"At most {RedirectUris.MaxCount} post-logout redirect URIs.");
            for (var i = 0; i < postLogout.Count && i < RedirectUris.MaxCount; i++)
                if (RedirectUris.Problem(postLogout[i]) is { } problem) errors.Add($"post_logout_redirect_uris[{i}]", "The post-logout redirect URI " + problem + ".");
            if (postLogout.Distinct(StringComparer.Ordinal).Count() != postLogout.Count) errors.Add("post_logout_redirect_uris", "Each post-logout redirect URI once.");
        }
        if (r.AllowedOrigins is { } origins)
        {
            if (origins.Count > ClientOrigins.MaxCount) errors.Add("allowed_origins", $"At most {ClientOrigins.MaxCount} origins.");
            for (var i = 0; i < origins.Count && i < ClientOrigins.MaxCount; i++)
                if (ClientOrigins.Problem(origins[i]) is { } problem) errors.Add($"allowed_origins[{i}]", "The origin " + problem + ".");
            if (origins.Distinct(StringComparer.Ordinal).Count() != origins.Count) errors.Add("allowed_origins", "Each origin once.");
        }
        if (creating && r.Type is not null and not ClientTypes.Confidential and not ClientTypes.Public)
            errors.Add("type", "Must be \"confidential\" or \"public\".");
        if (creating) CheckKeys(r, errors, null);
    }

    /// <summary>The authentication method and keys, as they would be after the change: a public app is "none"; a
    /// confidential one uses its secret or private_key_jwt, and the latter needs a valid JWKS.</summary>
    private static void CheckKeys(ClientRegistration r, FieldErrors errors, ClientEntity? existing)
    {
        var confidential = existing?.IsConfidential ?? (r.Type ?? ClientTypes.Confidential) == ClientTypes.Confidential;
        var method = r.TokenEndpointAuthMethod ?? existing?.AuthMethodName;
        if (r.TokenEndpointAuthMethod is { } sent)
        {
            if (!confidential && sent != ClientAuthMethods.None)
                errors.Add("token_endpoint_auth_method", "A public app has no credentials: its method is \"none\".");
            else if (confidential && sent is not (ClientAuthMethods.ClientSecretBasic or ClientAuthMethods.ClientSecretPost or ClientAuthMethods.PrivateKeyJwt))
                errors.Add("token_endpoint_auth_method", "Must be \"client_secret_basic\", \"client_secret_post\" or \"private_key_jwt\".");
        }
        var jwks = r.Jwks ?? existing?.JwksJson;
        if (method == ClientAuthMethods.PrivateKeyJwt && confidential)
        {
            if (ClientKeys.Problem(jwks) is { } problem) errors.Add("jwks", problem);
        }
        else if (!string.IsNullOrWhiteSpace(r.Jwks))
        {
            errors.Add("jwks", "Keys are used only with token_endpoint_auth_method \"private_key_jwt\".");
        }
    }

    private static async Task IgnoreNotFound(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.IsNotFound())
        {
        }
    }
}
