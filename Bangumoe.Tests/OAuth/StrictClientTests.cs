using System.Diagnostics;
using System.Text.Json;
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

        var start = new ProcessStartInfo("node", [Path.Combine(RepoPaths.Root, "Bangumoe.Tests", "OAuth", "strict-client.mjs")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepoPaths.Root,
        };
        start.Environment["ISSUER"] = host.Issuer;
        start.Environment["CLIENT_ID"] = client.ClientId;
        start.Environment["CLIENT_SECRET"] = client.Secret!;
        start.Environment["REDIRECT_URI"] = redirect;
        start.Environment["LOGIN"] = user.Email;
        start.Environment["PASSWORD"] = user.Password;
        using var node = Process.Start(start)!;
        var stdout = node.StandardOutput.ReadToEndAsync();
        var stderr = node.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await node.WaitForExitAsync(timeout.Token);
        Assert.True(node.ExitCode == 0, $"oauth4webapi refused something:\n{await stderr}\n{await stdout}");

        var seen = JsonDocument.Parse((await stdout).Trim()).RootElement;
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
