using Bangumoe.OAuth;

namespace Bangumoe.UnitTests.OAuth;

/// <summary>CORS origins are registered as a browser serializes them, and compared byte for byte with the Origin header.</summary>
public sealed class ClientOriginTests
{
    [Theory]
    [InlineData("https://app.example")]
    [InlineData("https://app.example:8443")]
    [InlineData("http://localhost:5173")]
    [InlineData("http://127.0.0.1:8080")]
    [InlineData("http://[::1]:3000")]
    public void Origins_as_browsers_send_them_can_be_registered(string origin) => Assert.Null(ClientOrigins.Problem(origin));

    [Theory]
    [InlineData("", "must not be empty")]
    [InlineData("https://app.example/", "as a browser sends it (https://app.example)")]
    [InlineData("https://App.Example", "as a browser sends it (https://app.example)")]
    [InlineData("https://app.example:443", "as a browser sends it (https://app.example)")]
    [InlineData("https://app.example/spa", "as a browser sends it")]
    [InlineData("https://user@app.example", "as a browser sends it")]
    [InlineData("http://app.example", "https")]
    [InlineData("null", "must be an origin")]
    [InlineData("*", "must be an origin")]
    [InlineData("/app", "must be an origin")]
    [InlineData("chrome-extension://abcdef", "https")]
    public void Anything_else_is_refused_with_a_reason(string origin, string reason) =>
        Assert.Contains(reason, ClientOrigins.Problem(origin), StringComparison.Ordinal);

    [Fact]
    public void A_client_allows_its_redirect_uris_origins_and_its_listed_ones_and_nothing_else()
    {
        var client = new ClientEntity
        {
            RedirectUris = ["https://login.tracker.example/cb?x=1", "http://127.0.0.1:7000/callback"],
            AllowedOrigins = ["https://tracker.example"],
        };
        Assert.True(ClientOrigins.Allows(client, "https://login.tracker.example"));
        Assert.True(ClientOrigins.Allows(client, "http://127.0.0.1:7000"));
        Assert.True(ClientOrigins.Allows(client, "https://tracker.example"));
        Assert.False(ClientOrigins.Allows(client, "https://tracker.example.evil"));
        Assert.False(ClientOrigins.Allows(client, "http://127.0.0.1:7001"));
        Assert.False(ClientOrigins.Allows(client, "https://TRACKER.example"));
        Assert.False(ClientOrigins.Allows(client, "null"));
    }
}
