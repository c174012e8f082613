using System.Security.Cryptography;
using Bangumoe.OAuth;
using Bangumoe.Security;
using Microsoft.IdentityModel.Tokens;

namespace Bangumoe.Tests.OAuth;

/// <summary>
/// The redirect URI rules on their own (no app): what may be registered, and that matching is exact string equality
/// but for the port of a loopback IP literal (RFC 8252 §7.3). Also the client secret primitives.
/// </summary>
public sealed class RedirectUriTests
{
    // ---- Registration ------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("https://app.example.com/cb")]
    [InlineData("https://app.example.com/cb?x=1")]
    [InlineData("https://app.example.com:8443/oauth/callback")]
    [InlineData("http://127.0.0.1:8080/cb")]
    [InlineData("http://127.0.0.1/cb")]
    [InlineData("http://[::1]/cb")]
    [InlineData("http://[::1]:8080/cb")]
    [InlineData("http://localhost:3000/callback")]
    [InlineData("http://localhost/cb")]
    public void An_acceptable_redirect_uri_can_be_registered(string uri) =>
        Assert.Null(RedirectUris.Problem(uri));

    [Theory]
    [InlineData("http://app.example.com/cb")]                      // http off loopback
    [InlineData("http://127.0.0.1.evil.com/cb")]                   // looks like loopback, is not
    [InlineData("http://localhost.evil.com/cb")]
    [InlineData("https://app.example.com/cb#frag")]                // fragment
    [InlineData("https://app.example.com/cb#")]                    // empty fragment
    [InlineData("https://user:pw@app.example.com/cb")]             // user info
    [InlineData("https://user@app.example.com/cb")]
    [InlineData("http://evil@127.0.0.1/cb")]
    [InlineData("https://*.example.com/cb")]                       // wildcards
    [InlineData("https://app.example.com/*")]
    [InlineData("/relative/cb")]                                   // not absolute
    [InlineData("cb")]
    [InlineData("//app.example.com/cb")]
    [InlineData("javascript:alert(1)")]                            // other schemes
    [InlineData("data:text/html,<script>alert(1)</script>")]
    [InlineData("custom-scheme:/cb")]
    [InlineData("com.example.app:/oauth2redirect")]
    [InlineData("ftp://x/cb")]
    [InlineData("file:///etc/passwd")]
    [InlineData("https://app.example.com/c b")]                    // whitespace
    [InlineData("https://app.example.com/cb ")]
    [InlineData(" https://app.example.com/cb")]
    [InlineData("https://app.example.com/cb\t")]
    [InlineData("https://app.example.com/cb\n")]
    [InlineData("https://app.example.com/\u00A0cb")]
    [InlineData("")]
    public void An_unacceptable_redirect_uri_cannot_be_registered(string uri) =>
        Assert.NotNull(RedirectUris.Problem(uri));

    [Fact]
    public void A_null_redirect_uri_cannot_be_registered() =>
        Assert.NotNull(RedirectUris.Problem(null));

    [Fact]
    public void A_redirect_uri_may_have_at_most_512_characters()
    {
        const string prefix = "https://app.example.com/";
        var longest = prefix + new string('a', 512 - prefix.Length);
        Assert.Equal(512, longest.Length);
        Assert.Null(RedirectUris.Problem(longest));
        Assert.NotNull(RedirectUris.Problem(longest + "a"));
    }

    // ---- Matching ----------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("https://app.example.com/cb")]
    [InlineData("https://app.example.com/cb?x=1")]
    [InlineData("http://127.0.0.1/cb")]
    [InlineData("http://[::1]:8080/cb")]
    [InlineData("http://localhost:3000/cb")]
    public void A_registered_uri_matches_itself(string uri)
    {
        Assert.True(RedirectUris.Matches(uri, uri));
        Assert.True(RedirectUris.Matches([uri], uri));
        Assert.True(RedirectUris.Matches(["https://other.example.com/cb", uri], uri));
    }

    public static TheoryData<string> HttpsNearMisses =>
    [
        "https://app.example.com/cb/",
        "https://app.example.com/cb//",
        "https://app.example.com/CB",
        "https://app.example.com/Cb",
        "https://APP.example.com/cb",
        "HTTPS://app.example.com/cb",
        "https://app.example.com/cb?x=1",
        "https://app.example.com/cb?",
        "https://app.example.com/cb#x",
        "https://app.example.com/cb#",
        "https://app.example.com/cb/../cb",
        "https://app.example.com/./cb",
        "https://app.example.com/%63b",
        "https://app.example.com/c%62",
        "https://app.example.com.evil.com/cb",
        "https://app.example.com./cb",
        "https://evil.com/https://app.example.com/cb",
        "https://app.example.com@evil.com/cb",
        "https://evil.com@app.example.com/cb",
        "https://app.example.com:443/cb",
        "https://app.example.com:8443/cb",
        "http://app.example.com/cb",
        "https://app.example.com/cb ",
        " https://app.example.com/cb",
        "https://app.example.com/cbx",
        "https://app.example.com/c",
        "https://app.example.com",
        "https://app.example.com/",
        "//app.example.com/cb",
        "/cb",
        "https://app.example.com\\cb",
        "",
    ];

    [Theory]
    [MemberData(nameof(HttpsNearMisses))]
    public void Near_misses_of_an_https_uri_do_not_match(string requested)
    {
        const string registered = "https://app.example.com/cb";
        Assert.False(RedirectUris.Matches(registered, requested), $"'{requested}' matched '{registered}'");
        Assert.False(RedirectUris.Matches([registered], requested), $"'{requested}' matched '{registered}'");
    }

    [Fact]
    public void Null_matches_nothing()
    {
        Assert.False(RedirectUris.Matches(["https://app.example.com/cb"], null));
        Assert.False(RedirectUris.Matches(["http://127.0.0.1/cb"], null));
        Assert.False(RedirectUris.Matches(Array.Empty<string>(), null));
        Assert.False(RedirectUris.Matches(Array.Empty<string>(), "https://app.example.com/cb"));
    }

    [Fact]
    public void An_empty_registration_never_matches_an_empty_request()
    {
        Assert.False(RedirectUris.Matches([""], ""));
        Assert.False(RedirectUris.Matches([""], null));
    }

    [Theory]
    [InlineData("http://127.0.0.1/cb", "http://127.0.0.1:51234/cb")]
    [InlineData("http://127.0.0.1/cb", "http://127.0.0.1:1/cb")]
    [InlineData("http://127.0.0.1/cb", "http://127.0.0.1:65535/cb")]
    [InlineData("http://127.0.0.1:8080/cb", "http://127.0.0.1:9090/cb")]
    [InlineData("http://127.0.0.1:8080/cb", "http://127.0.0.1/cb")]
    [InlineData("http://127.0.0.1/cb?app=1", "http://127.0.0.1:4000/cb?app=1")]
    [InlineData("http://[::1]:8080/cb", "http://[::1]:9090/cb")]
    [InlineData("http://[::1]/cb", "http://[::1]:9090/cb")]
    [InlineData("http://[::1]:9090/cb", "http://[::1]/cb")]
    public void A_loopback_ip_literal_matches_on_any_port(string registered, string requested)
    {
        Assert.True(RedirectUris.Matches(registered, requested));
        Assert.True(RedirectUris.Matches([registered], requested));
    }

    [Theory]
    [InlineData("http://127.0.0.1/cb", "http://127.0.0.1:5000/cb2")]
    [InlineData("http://127.0.0.1/cb", "http://127.0.0.1:5000/cb/")]
    [InlineData("http://127.0.0.1/cb", "http://127.0.0.1:5000/CB")]
    [InlineData("http://127.0.0.1/cb", "http://127.0.0.1:5000")]
    [InlineData("http://127.0.0.1/cb", "http://127.0.0.1.evil.com/cb")]
    [InlineData("http://127.0.0.1/cb", "http://127.0.0.1.evil.com:5000/cb")]
    [InlineData("http://127.0.0.1/cb", "http://evil@127.0.0.1/cb")]
    [InlineData("http://127.0.0.1/cb", "http://evil@127.0.0.1:5000/cb")]
    [InlineData("http://127.0.0.1/cb", "http://127.0.0.1:80@evil.com/cb")]          // user info "127.0.0.1:80", host evil.com
    [InlineData("http://127.0.0.1/cb", "http://127.0.0.1:x@evil.com/cb")]
    [InlineData("http://127.0.0.1/cb", "http://127.0.0.1:5000\\@evil.com/cb")]      // backslash: path "/@evil.com/cb"
    [InlineData("http://127.0.0.1/cb", "https://127.0.0.1/cb")]
    [InlineData("http://127.0.0.1/cb", "https://127.0.0.1:5000/cb")]
    [InlineData("http://127.0.0.1/cb", "http://localhost/cb")]
    [InlineData("http://127.0.0.1/cb", "http://localhost:5000/cb")]
    [InlineData("http://127.0.0.1/cb", "http://127.0.0.2/cb")]
    [InlineData("http://127.0.0.1/cb", "http://127.1:5000/cb")]
    [InlineData("http://127.0.0.1/cb", "http://[::1]:5000/cb")]
    [InlineData("http://127.0.0.1/cb", "http://127.0.0.1/cb?x")]
    [InlineData("http://127.0.0.1/cb", "http://127.0.0.1:5000/cb?x")]
    [InlineData("http://127.0.0.1/cb", "http://127.0.0.1:5000/cb#x")]
    [InlineData("http://127.0.0.1/cb", "http://127.0.0.1:5000/cb ")]
    [InlineData("http://127.0.0.1/cb", "http://127.0.0.1:5000/%63b")]
    [InlineData("http://127.0.0.1/cb", "http://127.0.0.1:5000/x/../cb")]
    [InlineData("http://localhost:3000/cb", "http://localhost:4000/cb")]        // localhost is not an IP literal
    [InlineData("http://localhost/cb", "http://localhost:4000/cb")]
    [InlineData("http://localhost:3000/cb", "http://127.0.0.1:3000/cb")]
    [InlineData("http://[::1]/cb", "http://[::1]:9090/cb2")]
    [InlineData("http://[::1]/cb", "http://[0:0:0:0:0:0:0:1]:9090/cb")]
    [InlineData("http://[::1]/cb", "https://[::1]:9090/cb")]
    [InlineData("http://[::1]/cb", "http://127.0.0.1:9090/cb")]
    [InlineData("http://[::1]/cb", "http://[::1]:9090@evil.com/cb")]
    [InlineData("https://127.0.0.1/cb", "https://127.0.0.1:5000/cb")]          // the exception is for http only
    [InlineData("https://app.example.com:8443/cb", "https://app.example.com:9443/cb")] // and for loopback IPs only
    public void Loopback_near_misses_do_not_match(string registered, string requested)
    {
        Assert.False(RedirectUris.Matches(registered, requested), $"'{requested}' matched '{registered}'");
        Assert.False(RedirectUris.Matches([registered], requested), $"'{requested}' matched '{registered}'");
    }

    // ---- Client secrets ----------------------------------------------------------------------------------------

    private static readonly ClientSecrets Secrets =
        new(new PasswordHasher(Microsoft.Extensions.Options.Options.Create(new PasswordHashingOptions())));

    private static bool IsBase64Url(string s) => s.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    [Fact]
    public void A_new_secret_has_at_least_256_random_bits()
    {
        var secrets = Enumerable.Range(0, 200).Select(_ => ClientSecrets.NewSecret()).ToList();
        foreach (var secret in secrets)
        {
            Assert.True(secret.Length >= 43, $"'{secret}' is shorter than 43 characters");
            Assert.True(IsBase64Url(secret), $"'{secret}' is not base64url");
            Assert.True(Base64UrlEncoder.DecodeBytes(secret).Length >= 32);
        }
        Assert.Equal(secrets.Count, secrets.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void A_new_client_id_is_long_random_and_url_safe()
    {
        var ids = Enumerable.Range(0, 200).Select(_ => ClientSecrets.NewClientId()).ToList();
        foreach (var id in ids)
        {
            Assert.True(id.Length >= 22, $"'{id}' is shorter than 22 characters (128 bits)");
            Assert.True(IsBase64Url(id), $"'{id}' is not base64url");
        }
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void A_generated_secret_verifies_against_its_hash_and_nothing_else_does()
    {
        var secret = ClientSecrets.NewSecret();
        var hash = ClientSecrets.HashGenerated(secret);
        Assert.StartsWith("sha256$", hash, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, hash, StringComparison.Ordinal);
        Assert.True(Secrets.Verify(hash, secret));

        Assert.False(Secrets.Verify(hash, ClientSecrets.NewSecret()));
        Assert.False(Secrets.Verify(hash, secret + "x"));
        Assert.False(Secrets.Verify(hash, secret[..^1]));
        Assert.False(Secrets.Verify(hash, secret.ToUpperInvariant()));
        Assert.False(Secrets.Verify(hash, " " + secret));
        Assert.False(Secrets.Verify(hash, ""));
        Assert.False(Secrets.Verify(hash, null));
        Assert.False(Secrets.Verify("", secret));
        Assert.False(Secrets.Verify("", ""));
        Assert.False(Secrets.Verify("", null));
        // The hash itself is not a secret that verifies.
        Assert.False(Secrets.Verify(hash, hash));
        // A tampered hash verifies nothing.
        var tampered = "sha256$" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        Assert.False(Secrets.Verify(tampered, secret));
        Assert.False(Secrets.Verify("garbage", secret));
    }

    [Fact]
    public void The_same_secret_hashes_the_same_and_different_secrets_differently()
    {
        var secret = ClientSecrets.NewSecret();
        Assert.Equal(ClientSecrets.HashGenerated(secret), ClientSecrets.HashGenerated(secret));
        Assert.NotEqual(ClientSecrets.HashGenerated(secret), ClientSecrets.HashGenerated(ClientSecrets.NewSecret()));
    }

    [Fact]
    public void An_over_long_presented_secret_never_verifies()
    {
        var huge = new string('a', 4096);
        Assert.False(Secrets.Verify(ClientSecrets.HashGenerated(huge), huge));
        Assert.False(Secrets.Verify(Secrets.HashChosen(huge), huge));
    }

    [Fact]
    public void A_chosen_secret_is_password_hashed_and_verifies()
    {
        const string chosen = "my app's chosen secret";
        var hash = Secrets.HashChosen(chosen);
        Assert.DoesNotContain(chosen, hash, StringComparison.Ordinal);
        Assert.False(hash.StartsWith("sha256$", StringComparison.Ordinal), hash);
        Assert.True(Secrets.Verify(hash, chosen));
        Assert.False(Secrets.Verify(hash, chosen + "!"));
        Assert.False(Secrets.Verify(hash, ""));
        Assert.False(Secrets.Verify(hash, null));
        // Salted: the same secret chosen twice hashes differently, and each verifies.
        var again = Secrets.HashChosen(chosen);
        Assert.NotEqual(hash, again);
        Assert.True(Secrets.Verify(again, chosen));
    }
}
