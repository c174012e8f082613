using Bangumoe.Tests.Infrastructure;

namespace Bangumoe.Tests.OAuth;

/// <summary>
/// oauth4webapi, the strict RP-certified client the checklist measures us against, signs a user in through the real
/// executable and runs every check it has (strict-client.mjs): discovery, iss and state in the callback, the token
/// response, id_token and nonce, userinfo sub, RFC 9068 access-token validation, refresh, introspection, revocation.
/// </summary>
public sealed class StrictClientTests(BrowserHost host) : IClassFixture<BrowserHost>
{
    [Fact]
    public async Task Oauth4webapi_completes_the_whole_flow_with_all_its_checks()
    {
        var developer = await host.NewVerifiedUserAsync();
        var user = await host.NewVerifiedUserAsync();
        const string redirect = "https://strict-client.example/callback";
        var client = await host.RegisterConfidentialAppAsync(developer, "Strict Client", redirect);

        var seen = await NodeClients.RunAsync("strict-client.mjs", new Dictionary<string, string>
        {
            ["ISSUER"] = host.Issuer,
            ["CLIENT_ID"] = client.ClientId,
            ["CLIENT_SECRET"] = client.Secret!,
            ["REDIRECT_URI"] = redirect,
            ["LOGIN"] = user.Email,
            ["PASSWORD"] = user.Password,
        }, TimeSpan.FromSeconds(60));
        Assert.Equal(user.Uid, seen.GetProperty("sub").GetString());
        Assert.Equal(user.Uid, seen.GetProperty("userinfo_sub").GetString());
        Assert.Equal(user.Uid, seen.GetProperty("at_sub").GetString());
        Assert.Equal(client.ClientId, seen.GetProperty("at_client_id").GetString());
        Assert.Equal(user.Email, seen.GetProperty("email").GetString());
        Assert.True(seen.GetProperty("refreshed").GetBoolean());
        Assert.True(seen.GetProperty("active_before_revoke").GetBoolean());
        Assert.False(seen.GetProperty("active_after_revoke").GetBoolean());
    }
}
