using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;

namespace Bangumoe.FakeBangumi;

/// <summary>
/// A fake Bangumi on real loopback HTTP (Kestrel): the OAuth endpoints of bgm.tv (<c>/oauth/authorize</c>,
/// <c>/oauth/access_token</c>) and the v0 API of api.bgm.tv (<c>/v0/me</c>, <c>/v0/users/{username}/collections</c>) on
/// one base URL, following /work/shared/bangumi/OAUTH.md and COLLECTIONS.md. Tests drive it through the public members;
/// the standalone program (Program.cs) drives it through the same object plus a small control API under <c>/__fake/</c>.
/// </summary>
public sealed partial class FakeBangumi : IAsyncDisposable
{
    internal const string DefaultStandaloneUrl = "http://127.0.0.1:7081";

    private readonly WebApplication _app;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, FakeUser> _usersByName = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<int, FakeUser> _usersById = [];
    private readonly Dictionary<string, CodeGrant> _codes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, AccessTokenGrant> _accessTokens = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RefreshTokenGrant> _refreshTokens = new(StringComparer.Ordinal);
    private readonly List<RecordedRequest> _requests = [];
    private int? _pendingTokenBudget;
    private int _refreshCount;
    private int _disposed;

    private FakeBangumi(WebApplication app, FakeBangumiOptions options)
    {
        _app = app;
        Options = options;
    }

    /// <summary>The base URL of both the OAuth endpoints and <c>/v0</c>, e.g. <c>http://127.0.0.1:54321</c> (no trailing slash).</summary>
    public string BaseUrl { get; private set; } = "";

    public FakeBangumiOptions Options { get; }

    public FaultQueue Faults { get; } = new();

    /// <summary>Every request answered so far (not the <c>/__fake/</c> control API), oldest first. A snapshot.</summary>
    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (_requests) return [.. _requests];
        }
    }

    /// <summary>How many <c>grant_type=refresh_token</c> requests reached the token endpoint, whatever their outcome (injected faults included).</summary>
    public int RefreshCount => Volatile.Read(ref _refreshCount);

    /// <summary>Starts a fake on <paramref name="url"/> (port 0 = a free port) and returns once it listens.</summary>
    public static async Task<FakeBangumi> StartAsync(FakeBangumiOptions? options = null, string url = "http://127.0.0.1:0")
    {
        var fake = Create([], options ?? new FakeBangumiOptions(), url, standalone: false);
        try
        {
            await fake.StartServerAsync().ConfigureAwait(false);
        }
        catch
        {
            await fake.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return fake;
    }

    /// <summary>
    /// The one place the web app is built, for <see cref="StartAsync"/> and for the standalone program. Without
    /// <paramref name="options"/> they are read from configuration (<c>FakeBangumi:*</c>); without <paramref name="url"/>
    /// the configured <c>urls</c> (e.g. <c>--urls</c>) are used, else <see cref="DefaultStandaloneUrl"/>.
    /// </summary>
    internal static FakeBangumi Create(string[] args, FakeBangumiOptions? options, string? url, bool standalone)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = args,
            ApplicationName = typeof(FakeBangumi).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.SetMinimumLevel(standalone ? LogLevel.Information : LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        var app = builder.Build();

        var fake = new FakeBangumi(app, options ?? ReadOptions(app.Configuration));
        if (url is not null)
        {
            app.Urls.Clear();
            app.Urls.Add(url);
        }
        else if (string.IsNullOrWhiteSpace(app.Configuration["urls"]))
        {
            app.Urls.Add(DefaultStandaloneUrl);
        }
        app.Run(fake.HandleAsync);
        return fake;
    }

    /// <summary>For the standalone program: starts, prints where it listens, and runs until Ctrl+C.</summary>
    internal async Task RunUntilShutdownAsync()
    {
        await StartServerAsync().ConfigureAwait(false);
        var users = string.Join(", ", AllUsers().Select(u => u.Username));
        Console.WriteLine($"""
            Fake Bangumi listening on {BaseUrl}
              authorize:  {BaseUrl}/oauth/authorize   token: {BaseUrl}/oauth/access_token   API: {BaseUrl}/v0
              client_id={Options.ClientId} client_secret={Options.ClientSecret} redirect_uri={Options.RedirectUri}
              style={Options.ResponseStyle} page delay={Options.PageDelay.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)} ms users: {users}
            """);
        await _app.WaitForShutdownAsync().ConfigureAwait(false);
    }

    private async Task StartServerAsync()
    {
        await _app.StartAsync().ConfigureAwait(false);
        BaseUrl = _app.Urls.First().TrimEnd('/');
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _app.StopAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Connections that would not close in time are cut by the dispose below.
        }
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    // ---- users ----

    /// <summary>Adds a user; ids are 1, 2, 3… in order. Usernames are unique (compared case-insensitively, like MySQL).</summary>
    public FakeUser AddUser(string username, string? nickname = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(username);
        lock (_gate)
        {
            if (_usersByName.ContainsKey(username)) throw new InvalidOperationException($"The fake already has a user '{username}'.");
            var user = new FakeUser(_usersById.Count + 1, username, nickname ?? username);
            _usersByName.Add(username, user);
            _usersById.Add(user.Id, user);
            return user;
        }
    }

    public FakeUser? FindUser(string username)
    {
        lock (_gate) return _usersByName.GetValueOrDefault(username);
    }

    private FakeUser[] AllUsers()
    {
        lock (_gate) return [.. _usersById.Values.OrderBy(u => u.Id)];
    }

    // ---- tokens ----

    /// <summary>Every access token issued so far is expired from now on (401 on <c>/v0</c>). Refresh tokens stay usable.</summary>
    public void ExpireAllAccessTokens()
    {
        lock (_gate)
        {
            foreach (var token in _accessTokens.Values) token.Expired = true;
        }
    }

    /// <summary>
    /// A token that expires in the middle of an import: every access token that is valid now stays valid for
    /// <paramref name="requests"/> more successful (2xx) authenticated <c>/v0</c> requests, then expires. If no access token
    /// is valid now, the budget goes to the next access token issued instead (once; from any grant or
    /// <see cref="IssueTokensFor"/>). Tokens issued later are not affected.
    /// </summary>
    public void ExpireAccessTokenAfter(int requests)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(requests);
        lock (_gate)
        {
            var now = DateTimeOffset.UtcNow;
            var current = _accessTokens.Values.Where(t => t.IsValid(now)).ToList();
            if (current.Count == 0)
            {
                _pendingTokenBudget = requests;
                return;
            }
            foreach (var token in current)
            {
                token.RemainingUses = requests;
                if (requests == 0) token.Expired = true;
            }
        }
    }

    /// <summary>Test shortcut: issues an access/refresh pair for <paramref name="user"/> without the browser flow; returns the access token.</summary>
    public string IssueTokensFor(FakeUser user, out string refreshToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        lock (_gate)
        {
            var (access, refresh) = IssuePairLocked(user.Id, Options.ClientId, scope: null);
            refreshToken = refresh;
            return access;
        }
    }

    private (string Access, string Refresh) IssuePairLocked(int userId, string clientId, string? scope)
    {
        var now = DateTimeOffset.UtcNow;
        var access = NewToken();
        var refresh = NewToken();
        var grant = new AccessTokenGrant(userId, clientId, now + Options.AccessTokenLifetime);
        if (_pendingTokenBudget is { } budget)
        {
            grant.RemainingUses = budget;
            grant.Expired = budget == 0;
            _pendingTokenBudget = null;
        }
        _accessTokens.Add(access, grant);
        // Legacy refresh tokens lived 14 days (bangumi/api#33), server-private's 93 days (OAUTH.md §0).
        var refreshLifetime = Options.ResponseStyle == TokenResponseStyle.Legacy ? TimeSpan.FromDays(14) : TimeSpan.FromDays(93);
        _refreshTokens.Add(refresh, new RefreshTokenGrant(userId, clientId, scope, now + refreshLifetime));
        return (access, refresh);
    }

    /// <summary>30 random bytes, base64url: 40 characters (server-private's <c>randomBase64url(30)</c>).</summary>
    private static string NewToken() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(30));

    private sealed record CodeGrant(int UserId, string ClientId, string? Scope, DateTimeOffset ExpiresAt);

    private sealed class AccessTokenGrant(int userId, string clientId, DateTimeOffset expiresAt)
    {
        public int UserId { get; } = userId;

        public string ClientId { get; } = clientId;

        public DateTimeOffset ExpiresAt { get; } = expiresAt;

        public bool Expired { get; set; }

        /// <summary>Successful authenticated requests left before the token expires; null = no such limit.</summary>
        public int? RemainingUses { get; set; }

        public bool IsValid(DateTimeOffset now) => !Expired && now < ExpiresAt && RemainingUses is null or > 0;
    }

    private sealed class RefreshTokenGrant(int userId, string clientId, string? scope, DateTimeOffset expiresAt)
    {
        public int UserId { get; } = userId;

        public string ClientId { get; } = clientId;

        public string? Scope { get; } = scope;

        public DateTimeOffset ExpiresAt { get; } = expiresAt;

        /// <summary>Rotated away: a refresh token works once.</summary>
        public bool Used { get; set; }
    }

    // ---- configuration (standalone) ----

    private static FakeBangumiOptions ReadOptions(IConfiguration configuration)
    {
        var section = configuration.GetSection("FakeBangumi");
        var options = new FakeBangumiOptions();
        if (section["ClientId"] is { Length: > 0 } clientId) options.ClientId = clientId;
        if (section["ClientSecret"] is { Length: > 0 } secret) options.ClientSecret = secret;
        if (section["RedirectUri"] is { Length: > 0 } redirect) options.RedirectUri = redirect;
        if (section["PageDelay"] is { Length: > 0 } delay) options.PageDelay = ParseDuration(delay);
        if (section["ResponseStyle"] is { Length: > 0 } style) options.ResponseStyle = Enum.Parse<TokenResponseStyle>(style, ignoreCase: true);
        if (section["AutoApproveUsername"] is { Length: > 0 } auto) options.AutoApproveUsername = auto;
        if (section["MaxLimit"] is { Length: > 0 } max) options.MaxLimit = int.Parse(max, NumberStyles.None, CultureInfo.InvariantCulture);
        return options;
    }

    /// <summary>A bare integer is milliseconds ("100"); anything else is a TimeSpan ("00:00:00.100").</summary>
    private static TimeSpan ParseDuration(string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            ? TimeSpan.FromMilliseconds(ms)
            : TimeSpan.Parse(value, CultureInfo.InvariantCulture);
}
