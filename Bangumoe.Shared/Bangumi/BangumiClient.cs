using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;

namespace Bangumoe.Bangumi;

/// <summary>How a Bangumi call ended, in the terms the import acts on.</summary>
public enum BangumiOutcome
{
    Ok,

    /// <summary>401: the access token is expired or unknown (refresh once, then give up).</summary>
    Unauthorized,

    /// <summary>429: wait (Retry-After) and try again.</summary>
    RateLimited,

    /// <summary>5xx, a network error, a timeout or a body that is not what the spec says: try again later.</summary>
    Transient,

    /// <summary>Any other 4xx: trying again will not help.</summary>
    Rejected,
}

public sealed record BangumiResponse<T>(BangumiOutcome Outcome, T? Value, string? Reason = null, TimeSpan? RetryAfter = null)
{
    public bool Ok => Outcome == BangumiOutcome.Ok;
}

public sealed record BangumiTokens(string AccessToken, string RefreshToken, TimeSpan ExpiresIn, long? UserId);

public sealed record BangumiUser(long Id, string Username, string? Nickname);

public sealed record BangumiImages(string? Large, string? Common, string? Medium, string? Small, string? Grid);

public sealed record BangumiSubject(int Id, string? Name, string? NameCn, string? Date, BangumiImages? Images, int Eps);

public sealed record BangumiCollectionItem(int SubjectId, int SubjectType, int Rate, int Type, string? Comment, int EpStatus, DateTimeOffset? UpdatedAt, bool Private, BangumiSubject? Subject);

public sealed record BangumiCollectionPage(IReadOnlyList<BangumiCollectionItem> Data, int Total, int Limit, int Offset);

/// <summary>
/// Bangumi's OAuth endpoints (on the web host) and the v0 API (on the API host), as described in bangumi/OAUTH.md and
/// bangumi/COLLECTIONS.md: form-encoded token requests with the client credentials in the body and redirect_uri on
/// both grants, user_id as a number or a string, both error shapes, and the configured User-Agent on every request.
/// One HttpClient for the process.
/// </summary>
public sealed class BangumiClient : IDisposable
{
    public const int PageSize = 50;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
    };

    private readonly BangumiOptions _options;
    private readonly string _redirectUri;
    private readonly HttpClient _http;

    public BangumiClient(IOptions<BangumiOptions> options, IOptions<Hosting.AppOptions> app)
    {
        _options = options.Value;
        _redirectUri = CallbackUrl(app.Value);
        _http = new HttpClient(new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.All,
        })
        { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>Where Bangumi sends the user back: the seed's path.</summary>
    public static string CallbackUrl(Hosting.AppOptions app) => app.Url("/oauth2.0/redirect");

    public string AuthorizeUrl(string state) =>
        _options.OAuthBaseUrl.TrimEnd('/') + "/oauth/authorize?client_id=" + Uri.EscapeDataString(_options.ClientId)
        + "&response_type=code&redirect_uri=" + Uri.EscapeDataString(_redirectUri) + "&state=" + Uri.EscapeDataString(state);

    public Task<BangumiResponse<BangumiTokens>> ExchangeCodeAsync(string code, CancellationToken ct) =>
        TokenRequestAsync(new() { ["grant_type"] = "authorization_code", ["code"] = code }, ct);

    public Task<BangumiResponse<BangumiTokens>> RefreshAsync(string refreshToken, CancellationToken ct) =>
        TokenRequestAsync(new() { ["grant_type"] = "refresh_token", ["refresh_token"] = refreshToken }, ct);

    public async Task<BangumiResponse<BangumiUser>> GetMeAsync(string accessToken, CancellationToken ct)
    {
        var response = await ApiGetAsync<MeBody>("/v0/me", accessToken, ct).ConfigureAwait(false);
        if (!response.Ok) return new(response.Outcome, null, response.Reason, response.RetryAfter);
        var me = response.Value!;
        return string.IsNullOrEmpty(me.Username)
            ? new(BangumiOutcome.Transient, null, "Bangumi's /v0/me answered without a username.")
            : new(BangumiOutcome.Ok, new BangumiUser(me.Id, me.Username, me.Nickname));
    }

    public async Task<BangumiResponse<BangumiCollectionPage>> GetAnimeCollectionsAsync(string accessToken, string username, int offset, CancellationToken ct)
    {
        var path = $"/v0/users/{Uri.EscapeDataString(username)}/collections?subject_type=2&limit={PageSize}&offset={offset.ToString(CultureInfo.InvariantCulture)}";
        var response = await ApiGetAsync<PageBody>(path, accessToken, ct).ConfigureAwait(false);
        // The list shrank while we paged (COLLECTIONS.md §8): an offset past the end is the end.
        if (response.Outcome == BangumiOutcome.Rejected && response.Reason?.Contains("offset should be", StringComparison.Ordinal) == true)
            return new(BangumiOutcome.Ok, new BangumiCollectionPage([], offset, PageSize, offset));
        if (!response.Ok) return new(response.Outcome, null, response.Reason, response.RetryAfter);
        var page = response.Value!;
        return new(BangumiOutcome.Ok, new BangumiCollectionPage(page.Data ?? [], page.Total, page.Limit, page.Offset));
    }

    public void Dispose() => _http.Dispose();

    private async Task<BangumiResponse<BangumiTokens>> TokenRequestAsync(Dictionary<string, string> form, CancellationToken ct)
    {
        form["client_id"] = _options.ClientId;
        form["client_secret"] = _options.ClientSecret;
        form["redirect_uri"] = _redirectUri;
        using var request = new HttpRequestMessage(HttpMethod.Post, _options.OAuthBaseUrl.TrimEnd('/') + "/oauth/access_token")
        {
            Content = new FormUrlEncodedContent(form),
        };
        var (status, body, retryAfter, failure) = await SendAsync(request, ct).ConfigureAwait(false);
        if (failure is not null) return new(BangumiOutcome.Transient, null, failure);
        var json = TryParse(body);
        if (status == HttpStatusCode.OK && json is { } ok && TryReadTokens(ok) is { } tokens) return new(BangumiOutcome.Ok, tokens);
        if (status == HttpStatusCode.OK) return new(BangumiOutcome.Transient, null, "Bangumi's token response is not one we understand.");
        if (status == HttpStatusCode.TooManyRequests) return new(BangumiOutcome.RateLimited, null, "Bangumi is rate limiting us.", retryAfter);
        // Legacy errors are RFC 6749 ({error, error_description}); server-private's are Fastify's ({code, message}).
        var reason = json is { ValueKind: JsonValueKind.Object } e
            ? Text(e, "error_description") ?? Text(e, "message") ?? Text(e, "error") ?? Text(e, "code")
            : null;
        return (int)status is >= 400 and < 500 && json is not null
            ? new(BangumiOutcome.Rejected, null, "Bangumi refused the authorization: " + (reason ?? ((int)status).ToString(CultureInfo.InvariantCulture)) + ".")
            : new(BangumiOutcome.Transient, null, $"Bangumi's token endpoint answered {(int)status}.");
    }

    private async Task<BangumiResponse<T>> ApiGetAsync<T>(string pathAndQuery, string accessToken, CancellationToken ct) where T : class
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, _options.ApiBaseUrl.TrimEnd('/') + pathAndQuery);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        var (status, body, retryAfter, failure) = await SendAsync(request, ct).ConfigureAwait(false);
        if (failure is not null) return new(BangumiOutcome.Transient, null, failure);
        var json = TryParse(body);
        var description = json is { ValueKind: JsonValueKind.Object } e ? Text(e, "description") : null;
        switch ((int)status)
        {
            case 200:
                try
                {
                    return json?.Deserialize<T>(Json) is { } value
                        ? new(BangumiOutcome.Ok, value)
                        : new(BangumiOutcome.Transient, null, "Bangumi answered with an empty body.");
                }
                catch (JsonException)
                {
                    return new(BangumiOutcome.Transient, null, "Bangumi answered with a body that does not follow its API.");
                }
            case 401:
                return new(BangumiOutcome.Unauthorized, null, "Bangumi refused the access token: " + (description ?? "401") + ".");
            case 429:
                return new(BangumiOutcome.RateLimited, null, "Bangumi is rate limiting us (429).", retryAfter);
            case >= 500:
                return new(BangumiOutcome.Transient, null, $"Bangumi answered {(int)status}" + (description is null ? "." : ": " + description + "."));
            default:
                return new(BangumiOutcome.Rejected, null, $"Bangumi answered {(int)status}" + (description is null ? "." : ": " + description + "."));
        }
    }

    private async Task<(HttpStatusCode Status, string Body, TimeSpan? RetryAfter, string? Failure)> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        request.Headers.TryAddWithoutValidation("User-Agent", _options.UserAgent);
        request.Headers.Accept.ParseAdd("application/json");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_options.RequestTimeout);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
            return (response.StatusCode, body, RetryAfterOf(response), null);
        }
        catch (HttpRequestException e)
        {
            return (0, "", null, "Could not reach Bangumi: " + e.Message);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return (0, "", null, $"Bangumi did not answer within {_options.RequestTimeout.TotalSeconds:0} s.");
        }
    }

    private static TimeSpan? RetryAfterOf(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta) return delta;
        if (header?.Date is { } date) return date - DateTimeOffset.UtcNow;
        return null;
    }

    private static BangumiTokens? TryReadTokens(JsonElement json)
    {
        var access = Text(json, "access_token");
        var refresh = Text(json, "refresh_token");
        if (access is null || refresh is null || !json.TryGetProperty("expires_in", out var expires) || !TryLong(expires, out var seconds) || seconds <= 0)
            return null;
        long? userId = json.TryGetProperty("user_id", out var uid) && TryLong(uid, out var id) ? id : null;
        return new BangumiTokens(access, refresh, TimeSpan.FromSeconds(seconds), userId);
    }

    /// <summary>A number, or a string holding one: the two implementations disagree on user_id's type.</summary>
    private static bool TryLong(JsonElement value, out long result)
    {
        result = 0;
        return value.ValueKind switch
        {
            JsonValueKind.Number => value.TryGetInt64(out result),
            JsonValueKind.String => long.TryParse(value.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out result),
            _ => false,
        };
    }

    private static string? Text(JsonElement json, string name) =>
        json.ValueKind == JsonValueKind.Object && json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } s
            ? s
            : null;

    private static JsonElement? TryParse(string body)
    {
        try
        {
            return body.Length == 0 ? null : JsonDocument.Parse(body).RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private sealed record MeBody(long Id, string? Username, string? Nickname);

    private sealed record PageBody(List<BangumiCollectionItem>? Data, int Total, int Limit, int Offset);
}
