using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.WebUtilities;

namespace Bangumoe.FakeBangumi;

/// <summary>The OAuth endpoints of bgm.tv (OAUTH.md §1–§5, §7), in either <see cref="TokenResponseStyle"/>.</summary>
public sealed partial class FakeBangumi
{
    /// <summary>bangumi/server-private lib/scope.ts.</summary>
    private static readonly string[] KnownScopes =
        ["read:collection", "write:collection", "read:indices", "write:indices", "read:topic", "write:topic", "read:wiki", "write:wiki"];

    private Task OAuthAsync(HttpContext context, string path, IReadOnlyDictionary<string, string> form)
    {
        var method = context.Request.Method;
        return path switch
        {
            "/oauth/authorize" when HttpMethods.IsGet(method) => AuthorizeAsync(context, QueryFields(context.Request.Query), fromForm: false),
            "/oauth/authorize" when HttpMethods.IsPost(method) => AuthorizeAsync(context, form, fromForm: true),
            TokenPath => TokenAsync(context, form),
            _ => WriteTextAsync(context, StatusCodes.Status404NotFound, "text/plain", "404 page not found"),
        };
    }

    private static Dictionary<string, string> QueryFields(IQueryCollection query) =>
        query.Where(q => q.Value.Count > 0).ToDictionary(q => q.Key, q => q.Value[0] ?? "", StringComparer.Ordinal);

    // ---- authorize ----

    /// <summary>
    /// GET shows the consent page (or approves at once as <see cref="FakeBangumiOptions.AutoApproveUsername"/>); POST is
    /// the consent page's form, carrying the same parameters plus <c>username</c>. Errors are pages, never redirects.
    /// </summary>
    private Task AuthorizeAsync(HttpContext context, IReadOnlyDictionary<string, string> fields, bool fromForm)
    {
        var clientId = fields.GetValueOrDefault("client_id");
        var responseType = fields.GetValueOrDefault("response_type");
        var redirectUri = fields.GetValueOrDefault("redirect_uri");
        var state = fields.GetValueOrDefault("state");
        var scope = fields.GetValueOrDefault("scope");

        string? error = null;
        if (clientId is null) error = "querystring must have required property 'client_id'";
        else if (responseType is null) error = "querystring must have required property 'response_type'";
        else if (responseType != "code") error = "Invalid response type";
        else if (clientId != Options.ClientId) error = "App does not exist";
        else if (!string.IsNullOrEmpty(redirectUri) && redirectUri != Options.RedirectUri) error = "Redirect URI mismatch";
        else if (!string.IsNullOrEmpty(scope) && scope.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                     .FirstOrDefault(s => !KnownScopes.Contains(s, StringComparer.Ordinal)) is { } unknownScope)
            error = "invalid scope: " + unknownScope;
        if (error is not null) return AuthorizeErrorAsync(context, error);

        var username = fromForm ? fields.GetValueOrDefault("username") : Options.AutoApproveUsername;
        if (username is null)
        {
            return fromForm
                ? AuthorizeErrorAsync(context, "Choose the user to authorize as.")
                : ConsentPageAsync(context, fields);
        }
        if (FindUser(username) is not { } user) return AuthorizeErrorAsync(context, $"The fake has no user '{username}'.");

        var code = NewToken();
        lock (_gate) _codes[code] = new CodeGrant(user.Id, clientId!, scope, DateTimeOffset.UtcNow + Options.CodeLifetime);
        context.Response.StatusCode = StatusCodes.Status302Found;
        context.Response.Headers.Location = Callback(code, string.IsNullOrEmpty(state) ? null : state);
        return Task.CompletedTask;
    }

    /// <summary>The registered callback (which may have its own query) plus <c>code</c> and, when one was sent, <c>state</c>.</summary>
    private string Callback(string code, string? state)
    {
        var registered = Options.RedirectUri;
        var hash = registered.IndexOf('#', StringComparison.Ordinal);
        var fragment = hash < 0 ? "" : registered[hash..];
        var uri = hash < 0 ? registered : registered[..hash];
        uri = QueryHelpers.AddQueryString(uri, "code", code);
        if (state is not null) uri = QueryHelpers.AddQueryString(uri, "state", state);
        return uri + fragment;
    }

    private static Task AuthorizeErrorAsync(HttpContext context, string message) =>
        WriteTextAsync(context, StatusCodes.Status400BadRequest, "text/html; charset=utf-8", Page("Bangumi · Authorization error", $"""
            <h1>Authorization error</h1>
            <p class="error" id="error">{Html(message)}</p>
            """));

    private Task ConsentPageAsync(HttpContext context, IReadOnlyDictionary<string, string> fields)
    {
        var hidden = string.Concat(new[] { "client_id", "response_type", "redirect_uri", "state", "scope" }
            .Where(fields.ContainsKey)
            .Select(name => $"""<input type="hidden" name="{name}" value="{Html(fields[name])}">"""));
        var users = AllUsers();
        var buttons = users.Length == 0
            ? "<p class=\"error\">The fake has no users: add some with AddUser.</p>"
            : string.Concat(users.Select(u =>
                $"""<button type="submit" name="username" value="{Html(u.Username)}">Authorize as {Html(u.Username)}</button> <small>{Html(u.Nickname)}, id {u.Id}</small>"""));
        return WriteTextAsync(context, StatusCodes.Status200OK, "text/html; charset=utf-8", Page("Bangumi · Authorize", $"""
            <h1>Fake Bangumi</h1>
            <p>The application <code>{Html(fields["client_id"])}</code> asks to access your Bangumi account.</p>
            <form method="post" action="/oauth/authorize">
            {hidden}
            {buttons}
            </form>
            """));
    }

    // ---- token ----

    private Task TokenAsync(HttpContext context, IReadOnlyDictionary<string, string> form)
    {
        var legacy = Options.ResponseStyle == TokenResponseStyle.Legacy;
        if (!HttpMethods.IsPost(context.Request.Method))
        {
            return legacy
                ? LegacyErrorAsync(context, StatusCodes.Status405MethodNotAllowed, "invalid_request", "The request method must be POST when requesting an access token")
                : WriteJsonAsync(context, StatusCodes.Status404NotFound, new JsonObject
                {
                    ["message"] = $"Route {context.Request.Method}:{TokenPath} not found",
                    ["error"] = "Not Found",
                    ["statusCode"] = 404,
                });
        }
        var urlEncoded = context.Request.ContentType is { } type &&
            type.Split(';')[0].Trim().Equals("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase);
        return legacy ? LegacyTokenAsync(context, urlEncoded ? form : NoForm) : ServerPrivateTokenAsync(context, form, urlEncoded);
    }

    /// <summary>
    /// The legacy PHP site (its messages are bshaffer/oauth2-server-php's, as quoted in OAUTH.md §7): grant type, then
    /// client credentials, then the grant. A body that is not form-encoded reads as empty, as in PHP.
    /// </summary>
    private Task LegacyTokenAsync(HttpContext context, IReadOnlyDictionary<string, string> form)
    {
        var grantType = form.GetValueOrDefault("grant_type");
        if (string.IsNullOrEmpty(grantType)) return LegacyErrorAsync(context, 400, "invalid_request", "The grant type was not specified in the request");
        if (grantType is not ("authorization_code" or "refresh_token"))
            return LegacyErrorAsync(context, 400, "unsupported_grant_type", $"Grant type \"{grantType}\" not supported");

        var clientId = form.GetValueOrDefault("client_id");
        var secret = form.GetValueOrDefault("client_secret");
        if (string.IsNullOrEmpty(clientId) || string.IsNullOrEmpty(secret))
            return LegacyErrorAsync(context, 400, "invalid_client", "Client credentials were not found in the headers or body");
        if (clientId != Options.ClientId || secret != Options.ClientSecret)
            return LegacyErrorAsync(context, 400, "invalid_client", "The client credentials are invalid");

        var redirectOk = form.GetValueOrDefault("redirect_uri") == Options.RedirectUri;
        var now = DateTimeOffset.UtcNow;
        if (grantType == "authorization_code")
        {
            if (form.GetValueOrDefault("code") is not { Length: > 0 } code)
                return LegacyErrorAsync(context, 400, "invalid_request", "Missing parameter: \"code\" is required");
            Issued? issued = null;
            string? failure;
            lock (_gate)
            {
                if (!_codes.TryGetValue(code, out var grant) || grant.ClientId != clientId) failure = "unknown";
                else if (!redirectOk) failure = "redirect";
                else
                {
                    _codes.Remove(code);
                    failure = grant.ExpiresAt <= now ? "expired" : null;
                    if (failure is null) issued = Issue(grant.UserId, clientId, grant.Scope);
                }
            }
            return failure switch
            {
                "unknown" => LegacyErrorAsync(context, 400, "invalid_grant", "Authorization code doesn't exist or is invalid for the client"),
                "redirect" => LegacyRedirectMismatchAsync(context),
                "expired" => LegacyErrorAsync(context, 400, "invalid_grant", "The authorization code has expired"),
                _ => TokenResponseAsync(context, issued!),
            };
        }
        else
        {
            if (form.GetValueOrDefault("refresh_token") is not { Length: > 0 } refresh)
                return LegacyErrorAsync(context, 400, "invalid_request", "Missing parameter: \"refresh_token\" is required");
            Issued? issued = null;
            string? failure;
            lock (_gate)
            {
                if (!_refreshTokens.TryGetValue(refresh, out var grant) || grant.Used || grant.ClientId != clientId) failure = "unknown";
                else if (grant.ExpiresAt <= now) failure = "expired";
                else if (!redirectOk) failure = "redirect";
                else
                {
                    failure = null;
                    grant.Used = true;
                    issued = Issue(grant.UserId, clientId, grant.Scope);
                }
            }
            return failure switch
            {
                "unknown" => LegacyErrorAsync(context, 400, "invalid_grant", "Invalid refresh token"),
                "expired" => LegacyErrorAsync(context, 400, "invalid_grant", "Refresh token has expired"),
                "redirect" => LegacyRedirectMismatchAsync(context),
                _ => TokenResponseAsync(context, issued!),
            };
        }
    }

    private static Task LegacyRedirectMismatchAsync(HttpContext context) =>
        LegacyErrorAsync(context, 400, "redirect_uri_mismatch", "The redirect URI provided is missing or does not match",
            "http://tools.ietf.org/html/rfc6749#section-3.1.2");

    private static Task LegacyErrorAsync(HttpContext context, int status, string error, string description, string? uri = null)
    {
        NoStore(context);
        var body = new JsonObject { ["error"] = error, ["error_description"] = description };
        if (uri is not null) body["error_uri"] = uri;
        return WriteJsonAsync(context, status, body);
    }

    /// <summary>
    /// bangumi/server-private routes/oauth/index.ts, in its order of checks. Stricter in one way: a body that is not
    /// form-encoded is refused (the real one also parses JSON; OAUTH.md §3 says to send the form encoding).
    /// </summary>
    private Task ServerPrivateTokenAsync(HttpContext context, IReadOnlyDictionary<string, string> form, bool urlEncoded)
    {
        if (!urlEncoded)
        {
            return ServerPrivateErrorAsync(context, 400, "REQUEST_VALIDATION_ERROR",
                $"body must be application/x-www-form-urlencoded (this fake got '{context.Request.ContentType}')");
        }
        foreach (var required in new[] { "grant_type", "client_id", "client_secret", "redirect_uri" })
        {
            if (!form.ContainsKey(required))
                return ServerPrivateErrorAsync(context, 400, "REQUEST_VALIDATION_ERROR", $"body must have required property '{required}'");
        }
        var grantType = form["grant_type"];
        var clientId = form["client_id"];
        var secret = form["client_secret"];
        var redirectUri = form["redirect_uri"];
        var now = DateTimeOffset.UtcNow;
        Issued? issued = null;
        (int Status, string Code, string Message)? failure = null;
        if (grantType == "authorization_code")
        {
            if (form.GetValueOrDefault("code") is not { Length: > 0 } code) failure = (400, "MISSING_AUTHORIZATION_CODE", "Authorization code is missing");
            else if (clientId != Options.ClientId) failure = (404, "APP_NONEXISTENCE", "App does not exist");
            else if (redirectUri != Options.RedirectUri) failure = (400, "REDIRECT_URI_MISMATCH", "Redirect URI mismatch");
            else if (secret != Options.ClientSecret) failure = (400, "INVALID_CLIENT_SECRET", "Invalid client secret");
            else
            {
                lock (_gate)
                {
                    if (!_codes.TryGetValue(code, out var grant) || grant.ClientId != clientId || grant.ExpiresAt <= now)
                    {
                        failure = (400, "INVALID_AUTHORIZATION_CODE", "Invalid authorization code");
                    }
                    else
                    {
                        _codes.Remove(code);
                        issued = Issue(grant.UserId, clientId, grant.Scope);
                    }
                }
            }
        }
        else if (grantType == "refresh_token")
        {
            if (form.GetValueOrDefault("refresh_token") is not { Length: > 0 } refresh)
            {
                failure = (400, "MISSING_REFRESH_TOKEN", "Refresh token is missing");
            }
            else
            {
                lock (_gate)
                {
                    // The refresh token is looked up first, then the client (routes/oauth/index.ts tokenFromRefresh).
                    if (!_refreshTokens.TryGetValue(refresh, out var grant) || grant.Used || grant.ExpiresAt <= now)
                        failure = (400, "INVALID_REFRESH_TOKEN", "Invalid refresh token or expired");
                    else if (clientId != Options.ClientId) failure = (400, "INVALID_CLIENT_ID", "Invalid client ID");
                    else if (redirectUri != Options.RedirectUri) failure = (400, "REDIRECT_URI_MISMATCH", "Redirect URI mismatch");
                    else if (secret != Options.ClientSecret) failure = (400, "INVALID_CLIENT_SECRET", "Invalid client secret");
                    else if (grant.ClientId != clientId) failure = (400, "INVALID_REFRESH_TOKEN", "Invalid refresh token or expired");
                    else
                    {
                        grant.Used = true;
                        issued = Issue(grant.UserId, clientId, grant.Scope);
                    }
                }
            }
        }
        else
        {
            failure = (400, "INVALID_GRANT_TYPE", "Invalid grant type");
        }
        return failure is { } f ? ServerPrivateErrorAsync(context, f.Status, f.Code, f.Message) : TokenResponseAsync(context, issued!);
    }

    private static Task ServerPrivateErrorAsync(HttpContext context, int status, string code, string message) =>
        WriteJsonAsync(context, status, new JsonObject
        {
            ["statusCode"] = status,
            ["code"] = code,
            ["error"] = ReasonPhrases.GetReasonPhrase(status),
            ["message"] = message,
        });

    /// <summary>Legacy: <c>user_id</c> a number and <c>"scope":null</c>; server-private: <c>user_id</c> a string and no <c>scope</c>.</summary>
    private Task TokenResponseAsync(HttpContext context, Issued issued)
    {
        NoStore(context);
        var expiresIn = (long)Options.AccessTokenLifetime.TotalSeconds;
        object body = Options.ResponseStyle == TokenResponseStyle.Legacy
            ? new { AccessToken = issued.Access, ExpiresIn = expiresIn, TokenType = "Bearer", Scope = (string?)null, RefreshToken = issued.Refresh, UserId = issued.UserId }
            : new { AccessToken = issued.Access, ExpiresIn = expiresIn, TokenType = "Bearer", RefreshToken = issued.Refresh, UserId = issued.UserId.ToString(CultureInfo.InvariantCulture) };
        return WriteJsonAsync(context, StatusCodes.Status200OK, body);
    }

    /// <summary>A freshly issued pair. Call with <see cref="_gate"/> held.</summary>
    private Issued Issue(int userId, string clientId, string? scope)
    {
        var (access, refresh) = IssuePairLocked(userId, clientId, scope);
        return new Issued(access, refresh, userId);
    }

    private sealed record Issued(string Access, string Refresh, int UserId);

    private static void NoStore(HttpContext context)
    {
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.Pragma = "no-cache";
    }
}
