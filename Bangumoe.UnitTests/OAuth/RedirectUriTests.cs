using Bangumoe.OAuth;

namespace Bangumoe.UnitTests.OAuth;

/// <summary>Redirect URIs are registered strictly and matched exactly; loopback IP literals may change port (RFC 8252 §7.3).</summary>
public sealed class RedirectUriTests
{
    [Theory]
    [InlineData("https://app.example/cb")]
    [InlineData("https://app.example:8443/cb?x=1")]
    [InlineData("http://127.0.0.1/cb")]
    [InlineData("http://[::1]:5000/cb")]
    [InlineData("http://localhost:3000/cb")]
    public void Https_and_loopback_http_can_be_registered(string uri) => Assert.Null(RedirectUris.Problem(uri));

    [Theory]
    [InlineData("", "must not be empty")]
    [InlineData("http://app.example/cb", "https")]
    [InlineData("https://app.example/cb#frag", "fragment")]
    [InlineData("https://*.example/cb", "wildcards")]
    [InlineData("https://user:pw@app.example/cb", "user info")]
    [InlineData("https://app.example/c b", "spaces")]
    [InlineData("/relative/cb", "absolute")]
    [InlineData("javascript:alert(1)", "https")]
    [InlineData("com.example.app:/oauth", "https")]
    public void Registration_refuses_with_a_reason(string uri, string reason) =>
        Assert.Contains(reason, RedirectUris.Problem(uri), StringComparison.Ordinal);

    [Fact]
    public void A_uri_longer_than_the_limit_is_refused() =>
        Assert.NotNull(RedirectUris.Problem("https://app.example/" + new string('a', RedirectUris.MaxLength)));

    [Theory]
    [InlineData("https://app.example/cb", "https://app.example/cb", true)]
    [InlineData("https://app.example/cb", "https://app.example/cb/", false)]
    [InlineData("https://app.example/cb", "https://APP.example/cb", false)]
    [InlineData("https://app.example/cb", "https://app.example/cb?x=1", false)]
    [InlineData("https://app.example/cb", "https://app.example/CB", false)]
    [InlineData("https://app.example/cb", "https://app.example:443/cb", false)]
    [InlineData("https://app.example/cb", "https://app.example/cb%2F..", false)]
    [InlineData("https://app.example/cb", "https://app.example.evil.com/cb", false)]
    [InlineData("http://127.0.0.1/cb", "http://127.0.0.1:51234/cb", true)]
    [InlineData("http://127.0.0.1:8080/cb", "http://127.0.0.1:9090/cb", true)]
    [InlineData("http://[::1]/cb", "http://[::1]:9/cb", true)]
    [InlineData("http://127.0.0.1/cb", "http://127.0.0.1:51234/cb2", false)]
    [InlineData("http://127.0.0.1/cb", "http://127.0.0.1:x@evil.com/cb", false)]
    [InlineData("http://127.0.0.1/cb", "http://evil.com@127.0.0.1:1/cb", false)]
    [InlineData("http://127.0.0.1/cb", "https://127.0.0.1:51234/cb", false)]
    [InlineData("http://localhost/cb", "http://localhost:51234/cb", false)] // only IP literals get the port leeway
    [InlineData("http://127.0.0.1/cb", "http://127.0.0.2:1/cb", false)]
    public void Matching_is_exact_but_for_the_loopback_port(string registered, string requested, bool matches) =>
        Assert.Equal(matches, RedirectUris.Matches([registered], requested));

    [Fact]
    public void Nothing_matches_a_missing_uri()
    {
        Assert.False(RedirectUris.Matches(["https://app.example/cb"], null));
        Assert.False(RedirectUris.Matches(["https://app.example/cb"], ""));
        Assert.False(RedirectUris.Matches([], "https://app.example/cb"));
    }
}
