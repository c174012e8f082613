using System.Diagnostics;
using System.Text.Json;
using Bangumoe.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Bangumoe.Tests.OAuth;

/// <summary>
/// The device grant end to end, as a TV app and its user would live it: oauth4webapi (device-client.mjs) asks for codes
/// and polls the real executable's token endpoint, while the person, in headless Chromium, opens the verification link,
/// signs in, compares and confirms the code, and allows or denies. The device hears the decision on its next poll.
/// </summary>
public sealed class DeviceGrantBrowserTests(BrowserHost host) : IClassFixture<BrowserHost>
{
    /// <summary>The device app, started: its codes (the first line it prints) and the process, still polling.</summary>
    private sealed record RunningDevice(Process Node, JsonElement Shown, Task<string> Rest) : IDisposable
    {
        public string UserCode => Shown.GetProperty("user_code").GetString()!;

        /// <summary>Waits for the device to finish; returns its last line.</summary>
        public async Task<JsonElement> FinishedAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            await Node.WaitForExitAsync(timeout.Token);
            var rest = await Rest;
            Assert.True(Node.ExitCode == 0, $"oauth4webapi refused something:\n{await Node.StandardError.ReadToEndAsync()}\n{rest}");
            return JsonDocument.Parse(rest.Trim().Split('\n')[^1]).RootElement.Clone();
        }

        public void Dispose()
        {
            if (!Node.HasExited) Node.Kill();
            Node.Dispose();
        }
    }

    private async Task<RunningDevice> StartDeviceAsync(RegisteredClient client, string scope)
    {
        var start = new ProcessStartInfo("node", [Path.Combine(RepoPaths.Root, "Bangumoe.Tests", "OAuth", "device-client.mjs")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepoPaths.Root,
        };
        start.Environment["ISSUER"] = host.Issuer;
        start.Environment["CLIENT_ID"] = client.ClientId;
        start.Environment["SCOPE"] = scope;
        if (client.Secret is not null) start.Environment["CLIENT_SECRET"] = client.Secret;
        var node = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var first = await node.StandardOutput.ReadLineAsync(timeout.Token);
        if (first is null) Assert.Fail("The device app printed nothing: " + await node.StandardError.ReadToEndAsync());
        var shown = JsonDocument.Parse(first).RootElement.Clone();
        Assert.Equal("show", shown.GetProperty("step").GetString());
        return new RunningDevice(node, shown, node.StandardOutput.ReadToEndAsync());
    }

    /// <summary>Follows the verification link the device shows; signs in when asked; returns at the prefilled code.</summary>
    /// <param name="audit">Also hold both pages to <see cref="PageAudit"/> (widths, tap targets, axe).</param>
    private async Task OpenVerificationLinkAsync(IPage page, RunningDevice device, TestUser user, string screenshot, bool audit = false)
    {
        var link = device.Shown.GetProperty("verification_uri_complete").GetString()!;
        Assert.Equal(host.Issuer + "/device?user_code=" + device.UserCode, link);
        await page.GotoAsync(link);
        if (page.Url.StartsWith(host.Issuer + "/login", StringComparison.Ordinal))
        {
            await page.Locator("#login").FillAsync(user.Email);
            await page.Locator("#password").FillAsync(user.Password);
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        }
        await page.GetByRole(AriaRole.Heading, new() { Name = "Connect a device" }).WaitForAsync(new() { Timeout = 30_000 });
        Assert.Equal(link, page.Url);
        Assert.Equal(device.UserCode, await page.Locator("#user_code").InputValueAsync());
        await page.ScreenshotAsync(screenshot + "-1-code");
        if (audit) await page.AuditAsync("en", "device-code");
        await page.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
        await page.GetByRole(AriaRole.Heading, new() { Name = "Allow this device?" }).WaitForAsync();
        await page.ScreenshotAsync(screenshot + "-2-consent");
        if (audit) await page.AuditAsync("en", "device-consent");
    }

    [Fact]
    public async Task A_person_allows_in_Chromium_while_oauth4webapi_polls_and_then_gets_tokens_once()
    {
        var developer = await host.NewVerifiedUserAsync();
        var user = await host.NewVerifiedUserAsync();
        var client = await host.RegisterPublicAppAsync(developer, "Couch TV", "http://127.0.0.1/callback");
        using var device = await StartDeviceAsync(client, "openid profile offline_access");
        Assert.Equal(host.Issuer + "/device", device.Shown.GetProperty("verification_uri").GetString());

        await using var context = await host.NewContextAsync();
        var page = await context.NewPageAsync();
        var console = new List<string>();
        page.Console += (_, m) => console.Add($"{m.Type}: {m.Text}");
        await OpenVerificationLinkAsync(page, device, user, "device-allow", audit: true);
        var main = await page.Locator("main").InnerTextAsync();
        Assert.Contains("Couch TV", main, StringComparison.Ordinal);
        Assert.Contains("Code on the device: " + device.UserCode, main, StringComparison.Ordinal);
        Assert.Contains($"Signed in as {user.Uname}.", main, StringComparison.Ordinal);
        Assert.Equal(["Sign you in with your Bangumoe identity", "See your user name, nickname, avatar and intro", "Stay connected while you are away (it can refresh its access)"],
            await page.Locator("main ul li").AllInnerTextsAsync());
        await page.GetByRole(AriaRole.Button, new() { Name = "Allow", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Heading, new() { Name = "Done" }).WaitForAsync();
        Assert.Empty(console);

        var done = await device.FinishedAsync();
        var answers = done.GetProperty("answers").EnumerateArray().Select(a => a.GetString()).ToList();
        // Pending at once; slow_down for the poll right after; pending until the person allowed; tokens; then used up.
        Assert.Equal(["authorization_pending", "slow_down"], answers.Take(2));
        Assert.Equal(["tokens", "invalid_grant"], answers.TakeLast(2));
        Assert.All(answers.Skip(2).SkipLast(2), a => Assert.Equal("authorization_pending", a));
        Assert.Equal(10, done.GetProperty("interval").GetInt32());
        Assert.Equal(user.Uid, done.GetProperty("sub").GetString());
        Assert.Equal(user.Uid, done.GetProperty("userinfo_sub").GetString());
        Assert.Equal(user.Uid, done.GetProperty("at_sub").GetString());
        Assert.Equal(client.ClientId, done.GetProperty("at_client_id").GetString());
        Assert.Equal(JsonValueKind.Null, done.GetProperty("nonce").ValueKind);
        Assert.Equal("openid profile offline_access", done.GetProperty("scope").GetString());
        Assert.True(done.GetProperty("has_refresh_token").GetBoolean());
    }

    [Fact]
    public async Task A_person_denies_in_Chromium_and_the_confidential_device_hears_access_denied()
    {
        var developer = await host.NewVerifiedUserAsync();
        var user = await host.NewVerifiedUserAsync();
        var client = await host.RegisterConfidentialAppAsync(developer, "Sync CLI", "https://sync.example/callback");
        using var device = await StartDeviceAsync(client, "collection:read");

        await using var context = await host.NewContextAsync();
        var page = await context.NewPageAsync();
        await OpenVerificationLinkAsync(page, device, user, "device-deny");
        Assert.Equal(["See your anime collection, private entries included"], await page.Locator("main ul li").AllInnerTextsAsync());
        await page.GetByRole(AriaRole.Button, new() { Name = "Deny", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Heading, new() { Name = "Access denied" }).WaitForAsync();

        var done = await device.FinishedAsync();
        var answers = done.GetProperty("answers").EnumerateArray().Select(a => a.GetString()).ToList();
        Assert.Equal("access_denied", answers[^1]);
        Assert.DoesNotContain("tokens", answers);
        Assert.False(done.TryGetProperty("sub", out _));
    }
}
