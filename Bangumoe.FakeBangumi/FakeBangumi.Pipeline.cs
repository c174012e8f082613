using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Bangumoe.FakeBangumi;

/// <summary>The request pipeline: recording, fault injection, dispatch, and the <c>/__fake/</c> control API.</summary>
public sealed partial class FakeBangumi
{
    private const string TokenPath = "/oauth/access_token";
    private const string ControlPrefix = "/__fake/";
    private static readonly object DropItemsKey = new();
    private static readonly IReadOnlyDictionary<string, string> NoForm = new Dictionary<string, string>();

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value is { Length: > 0 } p ? p : "/";
        if (path.StartsWith(ControlPrefix, StringComparison.Ordinal))
        {
            await ControlAsync(context, path).ConfigureAwait(false);
            return;
        }

        var form = await ReadFormAsync(request).ConfigureAwait(false);
        if (HttpMethods.IsPost(request.Method) && path == TokenPath && form.GetValueOrDefault("grant_type") == "refresh_token")
            Interlocked.Increment(ref _refreshCount);
        try
        {
            await DispatchAsync(context, path, form).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away (e.g. it timed out during a Slow fault or the page delay): recorded as nginx's 499.
            if (!context.Response.HasStarted) context.Response.StatusCode = 499;
        }
        catch
        {
            if (!context.Response.HasStarted) context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            throw;
        }
        finally
        {
            Record(context, path, form);
        }
    }

    private async Task DispatchAsync(HttpContext context, string path, IReadOnlyDictionary<string, string> form)
    {
        if (Faults.TryTake(path) is { } fault)
        {
            switch (fault.Kind)
            {
                case FaultKind.Slow:
                    await Task.Delay(fault.DelayMs, context.RequestAborted).ConfigureAwait(false);
                    break;
                case FaultKind.ShortPage:
                    context.Items[DropItemsKey] = fault.DropItems;
                    break;
                default:
                    await WriteFaultAsync(context, path, fault).ConfigureAwait(false);
                    return;
            }
        }

        if (path.StartsWith("/oauth/", StringComparison.Ordinal)) await OAuthAsync(context, path, form).ConfigureAwait(false);
        else if (path == "/v0" || path.StartsWith("/v0/", StringComparison.Ordinal)) await V0Async(context, path).ConfigureAwait(false);
        else if (path == "/") await IndexAsync(context).ConfigureAwait(false);
        else await WriteTextAsync(context, StatusCodes.Status404NotFound, "text/plain", "404 page not found").ConfigureAwait(false);
    }

    private async Task WriteFaultAsync(HttpContext context, string path, FakeFault fault)
    {
        var oauth = path.StartsWith("/oauth/", StringComparison.Ordinal);
        switch (fault.Kind)
        {
            case FaultKind.TooManyRequests:
                context.Response.Headers.RetryAfter = fault.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
                await WriteJsonAsync(context, StatusCodes.Status429TooManyRequests,
                    new JsonObject { ["title"] = "Too Many Request", ["description"] = "too many request, you have be rate limited" }).ConfigureAwait(false);
                break;
            case FaultKind.ServerError when oauth && Options.ResponseStyle == TokenResponseStyle.ServerPrivate:
                await WriteJsonAsync(context, StatusCodes.Status500InternalServerError, new JsonObject
                {
                    ["error"] = "Internal Server Error",
                    ["message"] = "internal error, please contact admin",
                    ["statusCode"] = 500,
                }).ConfigureAwait(false);
                break;
            case FaultKind.ServerError when oauth:
                await WriteTextAsync(context, StatusCodes.Status500InternalServerError, "text/html; charset=utf-8",
                    "<html><head><title>500 Internal Server Error</title></head><body><h1>500 Internal Server Error</h1></body></html>").ConfigureAwait(false);
                break;
            case FaultKind.ServerError:
                await WriteV0ErrorAsync(context, StatusCodes.Status500InternalServerError, "Unexpected Internal Server Error",
                    error: "fake: injected ServerError fault").ConfigureAwait(false);
                break;
            case FaultKind.BadGatewayHtml:
                await WriteTextAsync(context, StatusCodes.Status502BadGateway, "text/html; charset=utf-8",
                    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n" +
                    "<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n").ConfigureAwait(false);
                break;
            case FaultKind.ExpireToken:
                if (PresentedToken(context) is { } token)
                {
                    lock (_gate)
                    {
                        if (_accessTokens.TryGetValue(token, out var grant)) grant.Expired = true;
                    }
                }
                await WriteV0ErrorAsync(context, StatusCodes.Status401Unauthorized, ExpiredTokenMessage).ConfigureAwait(false);
                break;
            default:
                throw new InvalidOperationException($"Fault kind {fault.Kind} does not answer by itself.");
        }
    }

    private static async Task<IReadOnlyDictionary<string, string>> ReadFormAsync(HttpRequest request)
    {
        if (!request.HasFormContentType) return NoForm;
        try
        {
            var form = await request.ReadFormAsync(request.HttpContext.RequestAborted).ConfigureAwait(false);
            return form.ToDictionary(f => f.Key, f => f.Value.ToString(), StringComparer.Ordinal);
        }
        catch (InvalidDataException)
        {
            return NoForm;
        }
    }

    private void Record(HttpContext context, string path, IReadOnlyDictionary<string, string> form)
    {
        var request = context.Request;
        var recorded = new RecordedRequest(
            request.Method,
            path,
            RawQuery(request),
            request.Headers.UserAgent is { Count: > 0 } ua ? ua.ToString() : null,
            request.Headers.Authorization is { Count: > 0 } auth ? auth.ToString() : null,
            request.ContentType,
            form,
            context.Response.StatusCode);
        lock (_requests) _requests.Add(recorded);
    }

    private static string RawQuery(HttpRequest request) => request.QueryString.Value is { Length: > 1 } q ? q[1..] : "";

    /// <summary>The first value of a query or form field, or null when it is absent.</summary>
    private static string? First(IQueryCollection query, string key) => query.TryGetValue(key, out var v) && v.Count > 0 ? v[0] : null;

    // ---- control API for demos ----

    private async Task ControlAsync(HttpContext context, string path)
    {
        var request = context.Request;
        switch (path)
        {
            case "/__fake/faults" when HttpMethods.IsPost(request.Method):
                ControlFault? body;
                try
                {
                    body = await JsonSerializer.DeserializeAsync<ControlFault>(request.Body, FakeJson.Options, context.RequestAborted).ConfigureAwait(false);
                }
                catch (JsonException e)
                {
                    await WriteTextAsync(context, StatusCodes.Status400BadRequest, "text/plain", "bad fault JSON: " + e.Message).ConfigureAwait(false);
                    return;
                }
                if (body is not { PathContains: not null, Kind: not null } || body.Times < 1)
                {
                    await WriteTextAsync(context, StatusCodes.Status400BadRequest, "text/plain",
                        "expected {\"path_contains\":\"/collections\",\"kind\":\"TooManyRequests\",\"times\":1,\"retry_after_seconds\":2,\"delay_ms\":0,\"drop_items\":0}").ConfigureAwait(false);
                    return;
                }
                Faults.Add(new FakeFault(body.PathContains, body.Kind.Value, body.Times, body.RetryAfterSeconds, body.DelayMs, body.DropItems));
                context.Response.StatusCode = StatusCodes.Status204NoContent;
                return;
            case "/__fake/faults" when HttpMethods.IsDelete(request.Method):
                Faults.Clear();
                context.Response.StatusCode = StatusCodes.Status204NoContent;
                return;
            case "/__fake/expire-tokens" when HttpMethods.IsPost(request.Method):
                ExpireAllAccessTokens();
                context.Response.StatusCode = StatusCodes.Status204NoContent;
                return;
            case "/__fake/requests" when HttpMethods.IsGet(request.Method):
                await WriteJsonAsync(context, StatusCodes.Status200OK, Requests).ConfigureAwait(false);
                return;
            default:
                await WriteTextAsync(context, StatusCodes.Status404NotFound, "text/plain",
                    "control API: POST /__fake/faults, DELETE /__fake/faults, POST /__fake/expire-tokens, GET /__fake/requests").ConfigureAwait(false);
                return;
        }
    }

    private sealed class ControlFault
    {
        public string? PathContains { get; set; }

        public FaultKind? Kind { get; set; }

        public int Times { get; set; } = 1;

        public int RetryAfterSeconds { get; set; } = 1;

        public int DelayMs { get; set; }

        public int DropItems { get; set; }
    }

    private Task IndexAsync(HttpContext context)
    {
        var users = string.Concat(AllUsers().Select(u =>
            $"<li>{Html(u.Username)} ({Html(u.Nickname)}), id {u.Id}: {u.Snapshot().Length} collection items</li>"));
        return WriteTextAsync(context, StatusCodes.Status200OK, "text/html; charset=utf-8", Page("Fake Bangumi", $$"""
            <h1>Fake Bangumi</h1>
            <p>OAuth: <code>/oauth/authorize</code>, <code>/oauth/access_token</code> ({{Options.ResponseStyle}} style).
            API: <code>/v0/me</code>, <code>/v0/users/{username}/collections</code>.</p>
            <p>client_id <code>{{Html(Options.ClientId)}}</code>, redirect_uri <code>{{Html(Options.RedirectUri)}}</code></p>
            <ul>{{users}}</ul>
            """));
    }

    // ---- writing ----

    private static async Task WriteJsonAsync(HttpContext context, int status, object body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(context.Response.Body, body, body.GetType(), FakeJson.Options, context.RequestAborted).ConfigureAwait(false);
    }

    private static Task WriteTextAsync(HttpContext context, int status, string contentType, string text)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        return context.Response.WriteAsync(text, context.RequestAborted);
    }

    private static string Html(string? text) => WebUtility.HtmlEncode(text ?? "");

    private static string Page(string title, string body) => $$"""
        <!doctype html>
        <html lang="en">
        <head><meta charset="utf-8"><title>{{Html(title)}}</title>
        <style>body{font-family:sans-serif;max-width:40em;margin:2em auto} .error{color:#b00} button{display:block;margin:.5em 0;padding:.5em 1em}</style>
        </head>
        <body>
        {{body}}
        </body>
        </html>
        """;
}
