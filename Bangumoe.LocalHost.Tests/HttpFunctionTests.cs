using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Bangumoe.LocalHost.Tests.Infrastructure;

namespace Bangumoe.LocalHost.Tests;

/// <summary>One sample host, its worker as a process of its own, shared by the HTTP tests.</summary>
public sealed class ProcessHostFixture(Azurite azurite) : IAsyncLifetime
{
    public SampleHost Sample { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Sample = await SampleHost.StartAsync(azurite);

    public ValueTask DisposeAsync() => Sample.DisposeAsync();
}

/// <summary>HTTP functions through the host: ASP.NET Core routing, forwarding to the worker, failures.</summary>
public sealed class HttpFunctionTests(ProcessHostFixture fixture) : IClassFixture<ProcessHostFixture>
{
    private HttpClient Http => fixture.Sample.Http;

    [Fact]
    public async Task A_constrained_route_value_reaches_the_function()
    {
        Assert.Equal("Hello, World", await Http.GetStringAsync("api/hello/World"));
    }

    [Fact]
    public async Task A_value_the_constraint_rejects_finds_no_function()
    {
        using var response = await Http.GetAsync("api/hello/123");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData("api/items/special", "special")]
    [InlineData("api/items/42", "item 42 GET detail=-")]
    [InlineData("api/items/abc", "item named abc")]
    [InlineData("api/items/42/extra", "item 42 GET detail=extra")]
    public async Task Routes_match_with_ASP_NET_Core_precedence_and_optional_segments(string path, string expected)
    {
        Assert.Equal(expected, await Http.GetStringAsync(path));
    }

    [Fact]
    public async Task Every_declared_method_is_routed()
    {
        using var response = await Http.PostAsync("api/items/7", null);
        Assert.Equal("item 7 POST detail=-", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("POST", "api/hello/World")]
    [InlineData("DELETE", "api/items/special")]
    public async Task A_method_no_function_declares_is_404_as_in_the_Azure_host(string method, string path)
    {
        // The Azure host treats methods as a route constraint (no match: 404), where plain ASP.NET Core says 405.
        using var response = await Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData("api/nothing-here")]
    [InlineData("hello/World")]
    [InlineData("")]
    public async Task An_unknown_route_is_404(string path)
    {
        using var response = await Http.GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Catch_all_route_query_headers_and_body_reach_the_function()
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, "api/echo/a/b/c?x=1&y=two")
        {
            Content = new StringContent("{\"hello\":\"body\"}", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Sample", "header value");
        using var response = await Http.SendAsync(request);
        var echo = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("PUT", echo.Text("method"));
        Assert.Equal("a/b/c", echo.Text("rest"));
        Assert.Equal("/api/echo/a/b/c", echo.Text("path"));
        Assert.Equal("1", echo.GetProperty("query").Text("x"));
        Assert.Equal("two", echo.GetProperty("query").Text("y"));
        Assert.Equal("header value", echo.GetProperty("headers").Text("x-sample"));
        Assert.Equal("{\"hello\":\"body\"}", echo.Text("body"));
        // The public Host reaches the app, and the route values, Query and Headers arrive as binding data.
        Assert.Equal(fixture.Sample.Host.BaseAddress.Authority, echo.Text("host"));
        var bindingData = echo.GetProperty("bindingData");
        Assert.Equal("a/b/c", bindingData.Text("rest"));
        Assert.Equal("two", JsonDocument.Parse(bindingData.Text("Query")!).RootElement.Text("y"));
        Assert.Equal("header value", JsonDocument.Parse(bindingData.Text("Headers")!).RootElement.Text("X-Sample"));
    }

    [Fact]
    public async Task The_client_address_is_appended_to_X_Forwarded_For()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/echo/forwarded");
        request.Headers.Add("X-Forwarded-For", "203.0.113.7");
        using var response = await Http.SendAsync(request);
        var echo = await response.Content.ReadFromJsonAsync<JsonElement>();

        // The worker's ASP.NET Core integration applies forwarded headers: it takes the last X-Forwarded-For entry
        // (the one the host appended: this test's address) as the client and leaves the earlier ones in the header.
        Assert.Equal("127.0.0.1", echo.Text("remoteIp"));
        Assert.Equal("203.0.113.7", echo.GetProperty("headers").Text("x-forwarded-for"));
    }

    [Fact]
    public async Task A_function_that_throws_answers_500()
    {
        using var response = await Http.GetAsync("api/throws");
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task An_empty_success_stays_a_success()
    {
        using var response = await Http.DeleteAsync("api/things/1");
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    [Fact]
    public async Task A_client_that_goes_away_cancels_the_invocation()
    {
        var tag = Guid.NewGuid().ToString("N");
        using (var gone = new CancellationTokenSource(TimeSpan.FromMilliseconds(700)))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Http.GetAsync($"api/slow?ms=20000&tag={tag}", gone.Token));
        }

        // The function saw its cancellation token fire (InvocationCancel) long before its 20 s were up.
        var cancelled = await fixture.Sample.Observations.WaitForAsync(r => r.Text("kind") == "cancelled" && r.Text("tag") == tag, seconds: 10);
        Assert.Single(cancelled);
    }

    [Fact]
    public void The_host_lists_the_functions_of_functions_metadata()
    {
        var functions = fixture.Sample.Host.Functions.ToDictionary(f => f.Name);
        Assert.Equal("api/items/{id:int}/{detail?}", functions["ItemById"].RouteTemplate);
        Assert.Equal(["GET", "POST"], functions["ItemById"].Methods);
        Assert.Equal(FunctionTriggerKind.Queue, functions["RecordMessage"].Trigger);
        Assert.Equal(fixture.Sample.WorkQueue, functions["RecordMessage"].QueueName);
    }
}
