using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Bangumoe.LocalHost.Tests.Infrastructure;

namespace Bangumoe.LocalHost.Tests;

/// <summary>host.json settings the host honours for HTTP: routePrefix and functionTimeout.</summary>
public sealed class HostJsonTests(Azurite azurite)
{
    [Fact]
    public async Task The_route_prefix_and_function_timeout_come_from_host_json()
    {
        using var app = SampleAppOutput.CopyWithHostJson(hostJson =>
        {
            hostJson["extensions"]!["http"]!["routePrefix"] = "custom/v1";
            hostJson["functionTimeout"] = "00:00:02";
        });
        await using var sample = await SampleHost.StartAsync(azurite, app.Path);

        Assert.Equal("Hello, Prefix", await sample.Http.GetStringAsync("custom/v1/hello/Prefix"));
        using (var unprefixed = await sample.Http.GetAsync("api/hello/Prefix"))
            Assert.Equal(HttpStatusCode.NotFound, unprefixed.StatusCode);

        var clock = Stopwatch.StartNew();
        using var slow = await sample.Http.GetAsync("custom/v1/slow?ms=20000&tag=timeout");
        Assert.Equal(HttpStatusCode.InternalServerError, slow.StatusCode);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(10));
        Assert.Contains("functionTimeout", await slow.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task An_empty_route_prefix_serves_routes_from_the_root()
    {
        using var app = SampleAppOutput.CopyWithHostJson(hostJson => hostJson["extensions"]!["http"]!["routePrefix"] = "");
        await using var sample = await SampleHost.StartAsync(azurite, app.Path);

        Assert.Equal("Hello, Root", await sample.Http.GetStringAsync("hello/Root"));
    }
}
