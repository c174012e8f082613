using System.Net;
using System.Net.Http.Headers;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Bangumoe.Functions;
using Bangumoe.Functions.Http;
using Bangumoe.Functions.OpenApi;
using Bangumoe.Tests.Bangumi;
using Bangumoe.Tests.Infrastructure;
using Microsoft.Azure.Functions.Worker;

namespace Bangumoe.Tests.Hosting;

/// <summary>
/// <c>/openapi.json</c> describes the API as it is: every route and method the Functions SDK registered is in it, it is
/// a valid OpenAPI 3.1 document, and the answers of a realistic run through the API (accounts, profile, catalog,
/// collection, apps, the OAuth endpoints, the seed's endpoints, errors) match its schemas.
/// </summary>
public sealed partial class OpenApiTests(DefaultApp app) : IClassFixture<DefaultApp>
{
    private static readonly string[] HttpMethods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

    private async Task<JsonObject> ServedAsync()
    {
        var response = await app.CreateClient().GetAsync("/openapi.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }

    /// <summary>The HTTP functions functions.metadata registered: name, route (as an OpenAPI path) and methods.</summary>
    private static List<(string Name, string Path, string[] Methods)> HttpFunctions() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(FunctionsApp.Directory, "functions.metadata"))).RootElement.EnumerateArray()
            .Select(f => (Name: f.GetProperty("name").GetString()!, Trigger: f.GetProperty("bindings")[0]))
            .Where(f => f.Trigger.GetProperty("type").GetString() == "httpTrigger")
            .Select(f => (f.Name, OpenApiPath(f.Trigger.GetProperty("route").GetString()!),
                f.Trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()!.ToLowerInvariant()).ToArray()))
            .ToList();

    /// <summary>An ASP.NET Core route template as an OpenAPI path: <c>api/anime/{id:int}</c> → <c>/api/anime/{id}</c>
    /// (constraints, defaults, optional and catch-all marks dropped).</summary>
    /// <remarks>The start page's route is an optional parameter that only matches nothing (an empty route never reaches a
    /// function): in the document it is "/".</remarks>
    public static string OpenApiPath(string route) =>
        "/" + RouteParameter().Replace(route, m => m.Value.EndsWith(":maxlength(0)?}", StringComparison.Ordinal) ? "" : "{" + m.Groups[1].Value + "}");

    [GeneratedRegex(@"\{\**([A-Za-z0-9_]+)[^}]*\}")]
    private static partial Regex RouteParameter();

    private static readonly HashSet<string> PageFunctions = typeof(BangumoeWorker).Assembly.GetTypes().SelectMany(t => t.GetMethods())
        .Where(m => m.GetCustomAttribute<PageAttribute>() is not null)
        .Select(m => m.GetCustomAttribute<FunctionAttribute>()!.Name)
        .ToHashSet(StringComparer.Ordinal);

    [Theory]
    [InlineData("api/anime/{id}", "/api/anime/{id}")]
    [InlineData("api/anime/{id:int}", "/api/anime/{id}")]
    [InlineData("u/{uname:regex(^[a-z]+$)}/x", "/u/{uname}/x")]
    [InlineData("files/{*path}", "/files/{path}")]
    [InlineData("a/{b?}", "/a/{b}")]
    [InlineData("a/{b=1}", "/a/{b}")]
    [InlineData(".well-known/jwks.json", "/.well-known/jwks.json")]
    public void Route_templates_become_openapi_paths(string route, string path) => Assert.Equal(path, OpenApiPath(route));

    [Fact]
    public async Task Every_route_and_method_of_functions_metadata_is_in_the_document_under_its_function_name()
    {
        var paths = (await ServedAsync())["paths"]!.AsObject();
        var functions = HttpFunctions();
        var missing = new List<string>();
        var misnamed = new List<string>();
        foreach (var (name, path, methods) in functions)
        {
            foreach (var method in methods)
            {
                if (paths[path]?[method] is not JsonObject operation) missing.Add(Stub(name, path, method));
                else if (operation["operationId"]?.GetValue<string>() != name) misnamed.Add($"{method.ToUpperInvariant()} {path}: operationId is \"{operation["operationId"]}\", the function is \"{name}\"");
                else if (PageFunctions.Contains(name) && operation["tags"]?.AsArray().Any(t => t!.GetValue<string>() == "pages") != true)
                    misnamed.Add($"{method.ToUpperInvariant()} {path}: {name} is a page ([Page]); tag it \"pages\"");
            }
        }
        var registered = functions.SelectMany(f => f.Methods.Select(m => $"{m.ToUpperInvariant()} {f.Path}")).ToHashSet(StringComparer.Ordinal);
        var stale = paths.SelectMany(p => p.Value!.AsObject().Where(o => HttpMethods.Contains(o.Key)).Select(o => $"{o.Key.ToUpperInvariant()} {p.Key}"))
            .Where(route => !registered.Contains(route)).ToList();

        var report = new StringBuilder();
        if (missing.Count > 0)
        {
            report.AppendLine($"{missing.Count} route(s) of functions.metadata are not in Bangumoe.Functions/OpenApi/openapi.json. Add each under \"paths\" (merge with an existing path's methods), e.g.:");
            foreach (var stub in missing) report.AppendLine(stub);
        }
        if (misnamed.Count > 0) report.AppendLine("Operations that do not match their function:").AppendLine("  " + string.Join("\n  ", misnamed));
        if (stale.Count > 0) report.AppendLine("Operations no function answers (remove them):").AppendLine("  " + string.Join("\n  ", stale));
        Assert.True(report.Length == 0, report.ToString());
    }

    /// <summary>What to paste for a missing route: a page in brief, or the outline of an API operation.</summary>
    private static string Stub(string name, string path, string method)
    {
        var page = PageFunctions.Contains(name);
        var responses = !page
            ? """{ "200": { "description": "TODO", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/TODO" } } } }, "5XX": { "$ref": "#/components/responses/ServerProblem" } }"""
            : method == "get"
                ? """{ "200": { "$ref": "#/components/responses/Page" }, "303": { "$ref": "#/components/responses/SignInFirst" } }"""
                : """{ "303": { "$ref": "#/components/responses/PageSeeOther" }, "4XX": { "$ref": "#/components/responses/Page" } }""";
        var parameters = RouteParameter().Matches(path).Select(m => $$"""{ "name": "{{m.Groups[1].Value}}", "in": "path", "required": true, "schema": { "type": "string" } }""").ToList();
        var body = page && method == "post"
            ? """, "requestBody": { "required": true, "content": { "application/x-www-form-urlencoded": { "schema": { "type": "object", "required": ["csrf"], "properties": { "csrf": { "type": "string" } } } } } }"""
            : "";
        return $$"""  "{{path}}": { "{{method}}": { "operationId": "{{name}}", "tags": ["{{(page ? "pages" : "TODO")}}"], "summary": "TODO"{{(parameters.Count > 0 ? $", \"parameters\": [{string.Join(", ", parameters)}]" : "")}}{{body}}, "responses": {{responses}} } }""";
    }

    [Fact]
    public async Task The_document_is_served_as_json_naming_this_server()
    {
        var response = await app.CreateClient().GetAsync("/openapi.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("public, max-age=3600", response.Headers.CacheControl?.ToString());
        Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        var served = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(BangumoeApp.PublicBaseUrl, served["servers"]![0]!["url"]!.GetValue<string>());
        var schemes = served["components"]!["securitySchemes"]!;
        Assert.Equal(BangumoeApp.PublicBaseUrl + "/.well-known/openid-configuration", schemes["openIdConnect"]!["openIdConnectUrl"]!.GetValue<string>());
        var code = schemes["oauth2"]!["flows"]!["authorizationCode"]!;
        Assert.Equal(BangumoeApp.PublicBaseUrl + "/oauth/authorize", code["authorizationUrl"]!.GetValue<string>());
        Assert.Equal(BangumoeApp.PublicBaseUrl + "/oauth/token", code["tokenUrl"]!.GetValue<string>());

        // The scopes an app can ask for are the ones discovery announces.
        var discovery = await (await app.CreateClient().GetAsync("/.well-known/openid-configuration")).Json();
        Assert.Equal(discovery.GetProperty("scopes_supported").EnumerateArray().Select(s => s.GetString()!).Order(StringComparer.Ordinal),
            code["scopes"]!.AsObject().Select(s => s.Key).Order(StringComparer.Ordinal));
        Assert.Equal(discovery.GetProperty("token_endpoint").GetString(), code["tokenUrl"]!.GetValue<string>());

        // Apart from the origin, it is the maintained file.
        var maintained = OpenApiFunctions.Maintained().AsObject();
        foreach (var node in new[] { maintained, served.AsObject() })
        {
            node.Remove("servers");
            node["components"]!["securitySchemes"]!.AsObject().Remove("openIdConnect");
            node["components"]!["securitySchemes"]!.AsObject().Remove("oauth2");
        }
        Assert.True(JsonNode.DeepEquals(maintained, served), "The served document differs from OpenApi/openapi.json beyond servers and the OAuth URLs.");
    }

    [Fact]
    public async Task The_document_is_valid_OpenAPI_3_1_and_every_reference_and_path_parameter_resolves()
    {
        var text = await app.CreateClient().GetStringAsync("/openapi.json");
        var document = JsonNode.Parse(text)!.AsObject();
        Assert.Matches(@"^3\.1\.\d+$", document["openapi"]!.GetValue<string>());
        Assert.False(string.IsNullOrWhiteSpace(document["info"]?["title"]?.GetValue<string>()));
        Assert.False(string.IsNullOrWhiteSpace(document["info"]?["version"]?.GetValue<string>()));
        var paths = document["paths"]!.AsObject();
        Assert.NotEmpty(paths);

        var problems = new List<string>();
        var operationIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (path, item) in paths)
        {
            if (!path.StartsWith('/')) problems.Add($"{path}: a path starts with /");
            var templated = RouteParameter().Matches(path).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
            foreach (var (method, node) in item!.AsObject())
            {
                if (!HttpMethods.Contains(method)) continue;
                var operation = node!.AsObject();
                var where = $"{method.ToUpperInvariant()} {path}";
                var id = operation["operationId"]?.GetValue<string>();
                if (id is null || !operationIds.Add(id)) problems.Add($"{where}: operationId missing or not unique ({id})");
                if (operation["summary"] is null) problems.Add($"{where}: no summary");
                if (operation["tags"] is not JsonArray { Count: > 0 }) problems.Add($"{where}: no tag");
                if (operation["responses"] is not JsonObject { Count: > 0 }) problems.Add($"{where}: no responses");
                var inPath = (operation["parameters"]?.AsArray() ?? [])
                    .Select(p => p!["$ref"] is { } r ? Resolve(document, r.GetValue<string>()) : p!)
                    .Where(p => p["in"]!.GetValue<string>() == "path").Select(p => p["name"]!.GetValue<string>()).ToHashSet(StringComparer.Ordinal);
                if (!inPath.SetEquals(templated)) problems.Add($"{where}: path parameters {string.Join(",", inPath)} differ from the template's {string.Join(",", templated)}");
            }
        }
        foreach (var reference in References(document))
        {
            if (!reference.StartsWith("#/", StringComparison.Ordinal)) problems.Add($"{reference}: only local references");
            else
                try { _ = Resolve(document, reference); }
                catch (Exception) { problems.Add($"{reference}: does not resolve"); }
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));

        // Every schema is a valid JSON Schema (draft 2020-12, OpenAPI 3.1's dialect), and builds.
        var contract = new OpenApiContract(document);
        foreach (var (name, schema) in document["components"]!["schemas"]!.AsObject())
        {
            var meta = Json.Schema.MetaSchemas.Draft202012.Evaluate(JsonSerializer.SerializeToElement(schema), new Json.Schema.EvaluationOptions { OutputFormat = Json.Schema.OutputFormat.List });
            Assert.True(meta.IsValid, $"{name} is not a valid JSON Schema: " + string.Join("; ", (meta.Details ?? []).Where(d => d.Errors is not null).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}"))));
            _ = contract.Errors("/components/schemas/" + name, JsonSerializer.SerializeToElement(new JsonObject()));
        }

        // And Microsoft's OpenAPI reader reads it as 3.1 without errors.
        var read = Microsoft.OpenApi.OpenApiDocument.Parse(text, "json");
        Assert.True(read.Diagnostic is { Errors.Count: 0 }, string.Join("\n", read.Diagnostic?.Errors.Select(e => $"{e.Pointer}: {e.Message}") ?? []));
        Assert.Equal(Microsoft.OpenApi.OpenApiSpecVersion.OpenApi3_1, read.Diagnostic!.SpecificationVersion);
        Assert.Equal(paths.Count, read.Document!.Paths.Count);
    }

    private static JsonNode Resolve(JsonNode document, string reference)
    {
        var node = document;
        foreach (var part in reference[2..].Split('/'))
            node = node[part.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)] ?? throw new KeyNotFoundException(reference);
        return node;
    }

    private static IEnumerable<string> References(JsonNode? node) => node switch
    {
        JsonObject obj => obj.SelectMany(p => p.Key == "$ref" && p.Value is JsonValue v ? [v.GetValue<string>()] : References(p.Value)),
        JsonArray array => array.SelectMany(References),
        _ => [],
    };

    /// <summary>
    /// One person's and one developer's day through the API, every answer checked against the document: the account
    /// from registration to deletion, the catalog and collection, apps, an app's OAuth flow and its tokens, the seed's
    /// endpoints, and the errors clients meet (bad input, no or a bad token, missing scope, other people's things,
    /// a body too large, the wrong media type).
    /// </summary>
    [Fact]
    public async Task Real_answers_match_the_documents_schemas()
    {
        var contract = new OpenApiContract(await ServedAsync());
        var api = contract.Client(app);

        // Accounts.
        var uname = TestApi.NewUname();
        var email = TestApi.NewEmail();
        const string password = AccountTestHelpers.Password;
        await (await api.PostJson("/api/auth/register", new { uname, email, password })).Ok(HttpStatusCode.Created);
        await (await api.PostJson("/api/auth/register", new { uname, email, password })).Problem(HttpStatusCode.Conflict);
        await (await api.PostJson("/api/auth/register", new { uname = "x", email = "nope", password = "short" })).Problem(HttpStatusCode.BadRequest, "validation");
        await (await api.PostRaw("/api/auth/register", "{\"uname\":", "application/json")).Problem(HttpStatusCode.BadRequest, "malformed-json");
        await (await api.PostRaw("/api/auth/register", "uname=x", "text/plain")).Problem(HttpStatusCode.UnsupportedMediaType);
        await (await api.PostRaw("/api/auth/register", "{\"uname\":\"" + new string('a', 70_000) + "\"}")).Problem(HttpStatusCode.RequestEntityTooLarge);
        await (await api.PostJson("/api/auth/login", new { email, password })).Problem(HttpStatusCode.Forbidden, "email-not-verified");
        Assert.Equal(HttpStatusCode.Accepted, (await api.PostJson("/api/auth/verify/resend", new { email })).StatusCode);
        var mail = await app.Mail.WaitForAsync(email, "Verify");
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync(mail.Link().PathAndQuery)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await api.GetAsync("/api/auth/verify?token=garbage")).StatusCode);
        await (await api.PostJson("/api/auth/login", new { email, password = "wrong password" })).Problem(HttpStatusCode.Unauthorized, "invalid-credentials");
        var token = (await (await api.PostJson("/api/auth/login", new { uname, password })).Ok()).GetProperty("access_token").GetString()!;

        await (await api.Send(HttpMethod.Get, "/api/me", token)).Ok();
        await (await api.Send(HttpMethod.Get, "/api/me")).Problem(HttpStatusCode.Unauthorized, "unauthenticated");
        await (await api.Send(HttpMethod.Get, "/api/me", "not-a-token")).Problem(HttpStatusCode.Unauthorized, "invalid-token");
        await (await api.Send(HttpMethod.Patch, "/api/me", token, new { nickname = "萌え", avatar = "https://lain.bgm.tv/pic/user/l/icon.jpg", intro = "Watching everything." })).Ok();
        await (await api.Send(HttpMethod.Patch, "/api/me", token, new { avatar = "javascript:alert(1)" })).Problem(HttpStatusCode.BadRequest, "validation");
        await (await api.Send(HttpMethod.Post, "/api/me/email", token, new { new_email = TestApi.NewEmail(), password })).Ok(HttpStatusCode.Accepted);
        await (await api.Send(HttpMethod.Post, "/api/me/email", token, new { new_email = TestApi.NewEmail(), password = "wrong password" })).Problem(HttpStatusCode.Forbidden);
        token = (await (await api.Send(HttpMethod.Post, "/api/me/password", token, new { current_password = password, new_password = password + "!" })).Ok()).GetProperty("access_token").GetString()!;
        Assert.Equal(HttpStatusCode.Accepted, (await api.PostJson("/api/auth/password/forgot", new { email })).StatusCode);
        await (await api.PostJson("/api/auth/password/reset", new { token = "garbage", new_password = "another password" })).Problem(HttpStatusCode.BadRequest);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/auth/password/reset?token=garbage")).StatusCode);
        await (await api.GetAsync("/api/health")).Ok();

        // The catalog and the collection.
        var anime = await (await api.Send(HttpMethod.Post, "/api/anime", token, new { name = "Contract Test " + uname, name_cn = "契约测试", episodes = 12, director = "Someone", air_date = "2024-04-01", image = "https://example.com/a.jpg" })).Ok(HttpStatusCode.Created);
        var animeId = anime.GetProperty("id").GetString()!;
        await (await api.Send(HttpMethod.Post, "/api/anime", token, new { name = "", episodes = 0 })).Problem(HttpStatusCode.BadRequest, "validation");
        await (await api.Send(HttpMethod.Post, "/api/anime", null, new { name = "x" })).Problem(HttpStatusCode.Unauthorized);
        await (await api.GetAsync("/api/anime/" + animeId)).Ok();
        await (await api.GetAsync("/api/anime/bm-nothing-here")).Problem(HttpStatusCode.NotFound, "anime-not-found");
        await (await api.GetAsync("/api/anime?q=" + Uri.EscapeDataString("契约") + "&limit=5")).Ok();
        await (await api.GetAsync("/api/anime?limit=0")).Problem(HttpStatusCode.BadRequest, "validation");
        await (await api.Send(HttpMethod.Put, "/api/me/collection/" + animeId, token, new { status = "doing", score = 8, comment = "好看", episodes_watched = 3, @private = false })).Ok(HttpStatusCode.Created);
        await (await api.Send(HttpMethod.Put, "/api/me/collection/" + animeId, token, new { status = "done", comment = (string?)null })).Ok();
        await (await api.Send(HttpMethod.Put, "/api/me/collection/" + animeId, token, new { status = "finished", score = 11 })).Problem(HttpStatusCode.BadRequest, "validation");
        await (await api.Send(HttpMethod.Put, "/api/me/collection/bm-nothing-here", token, new { status = "wish" })).Problem(HttpStatusCode.NotFound, "anime-not-found");
        await (await api.Send(HttpMethod.Get, "/api/me/collection/" + animeId, token)).Ok();
        await (await api.Send(HttpMethod.Get, "/api/me/collection?status=done&limit=10", token)).Ok();
        await (await api.Send(HttpMethod.Get, "/api/me/collection?cursor=garbage", token)).Problem(HttpStatusCode.BadRequest);
        await (await api.Send(HttpMethod.Get, "/api/me/collection/stats", token)).Ok();
        await (await api.GetAsync($"/api/users/{uname}/collection")).Ok();
        await (await api.GetAsync("/api/users/nobody-" + uname + "/collection")).Problem(HttpStatusCode.NotFound, "user-not-found");
        Assert.Equal(HttpStatusCode.NoContent, (await api.Send(HttpMethod.Delete, "/api/me/collection/" + animeId, token)).StatusCode);
        await (await api.Send(HttpMethod.Delete, "/api/me/collection/" + animeId, token)).Problem(HttpStatusCode.NotFound, "collection-item-not-found");
        await (await api.Send(HttpMethod.Get, "/api/me/collection/" + animeId, token)).Problem(HttpStatusCode.NotFound);

        // A developer's apps.
        var confidential = await (await api.Send(HttpMethod.Post, "/api/clients", token, new { name = "Contract App", home_url = "https://client.example", description = "Checks the contract.", redirect_uris = new[] { OAuthFlow.RedirectUri }, type = "confidential" })).Ok(HttpStatusCode.Created);
        var publicApp = await (await api.Send(HttpMethod.Post, "/api/clients", token, new { name = "Contract SPA", home_url = "https://client.example", redirect_uris = new[] { "http://127.0.0.1/callback" }, type = "public" })).Ok(HttpStatusCode.Created);
        await (await api.Send(HttpMethod.Post, "/api/clients", token, new { name = "", redirect_uris = new[] { "https://x.example/cb#frag" }, type = "weird" })).Problem(HttpStatusCode.BadRequest, "validation");
        var clientId = confidential.GetProperty("client_id").GetString()!;
        var publicId = publicApp.GetProperty("client_id").GetString()!;
        await (await api.Send(HttpMethod.Get, "/api/clients", token)).Ok();
        await (await api.Send(HttpMethod.Get, "/api/clients/" + clientId, token)).Ok();
        await (await api.Send(HttpMethod.Patch, "/api/clients/" + clientId, token, new { description = "Still checking." })).Ok();
        await (await api.Send(HttpMethod.Patch, "/api/clients/" + clientId, token, new { type = "public" })).Problem(HttpStatusCode.BadRequest);
        var secret = (await (await api.Send(HttpMethod.Post, $"/api/clients/{clientId}/secret", token)).Ok()).GetProperty("client_secret").GetString()!;
        await (await api.Send(HttpMethod.Post, $"/api/clients/{publicId}/secret", token)).Problem(HttpStatusCode.BadRequest);
        await (await api.Send(HttpMethod.Get, "/api/clients/no-such-app", token)).Problem(HttpStatusCode.NotFound, "client-not-found");

        // Discovery, keys, and an app's tokens.
        await (await api.GetAsync("/.well-known/openid-configuration")).Ok();
        await (await api.GetAsync("/.well-known/oauth-authorization-server")).Ok();
        await (await api.GetAsync("/.well-known/jwks.json")).Ok();
        var user = await app.NewVerifiedUser();
        var client = new RegisteredClient(clientId, secret, OAuthFlow.RedirectUri);
        var flow = new OAuthFlow(app);
        var (verifier, challenge) = OAuthFlow.Pkce();
        var authorize = OAuthFlow.AuthorizeUrl(client, "openid profile email offline_access collection:read", "st", challenge, nonce: "n");
        var browser = contract.Client(app, cookies: true);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync(authorize)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await browser.GetAsync("/oauth/authorize?client_id=nope")).StatusCode);
        var code = OAuthFlow.Query(await flow.SignInAndAllowAsync(authorize, user))["code"];
        var basic = TokenHelpers.Basic(clientId, secret);
        var tokens = await (await api.PostOAuthAsync("/oauth/token", new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code", ["code"] = code, ["redirect_uri"] = OAuthFlow.RedirectUri, ["code_verifier"] = verifier,
        }, basic)).Ok();
        var appToken = tokens.GetProperty("access_token").GetString()!;
        var refresh = tokens.GetProperty("refresh_token").GetString()!;
        var refreshed = await (await api.PostOAuthAsync("/oauth/token", new Dictionary<string, string> { ["grant_type"] = "refresh_token", ["refresh_token"] = refresh }, basic)).Ok();
        await (await api.PostOAuthAsync("/oauth/token", new Dictionary<string, string> { ["grant_type"] = "client_credentials" }, basic)).Ok();
        var device = await (await api.PostOAuthAsync("/oauth/device_authorization", new Dictionary<string, string> { ["scope"] = "openid profile" }, basic)).Ok();
        await (await api.PostOAuthAsync("/oauth/device_authorization", new Dictionary<string, string> { ["scope"] = "account" }, basic)).AssertOAuthError(HttpStatusCode.BadRequest, "invalid_scope");
        await (await api.PostOAuthAsync("/oauth/token", new Dictionary<string, string> { ["grant_type"] = "urn:ietf:params:oauth:grant-type:device_code", ["device_code"] = device.GetProperty("device_code").GetString()! }, basic)).AssertOAuthError(HttpStatusCode.BadRequest, "authorization_pending");
        await (await api.PostOAuthAsync("/oauth/token", new Dictionary<string, string> { ["grant_type"] = "password" }, basic)).AssertOAuthError(HttpStatusCode.BadRequest, "unsupported_grant_type");
        await (await api.PostOAuthAsync("/oauth/token", new Dictionary<string, string> { ["grant_type"] = "refresh_token", ["refresh_token"] = "garbage" }, basic)).AssertOAuthError(HttpStatusCode.BadRequest, "invalid_grant");
        await (await api.PostOAuthAsync("/oauth/token", new Dictionary<string, string> { ["grant_type"] = "client_credentials" }, TokenHelpers.Basic(clientId, "wrong"))).AssertOAuthError(HttpStatusCode.Unauthorized, "invalid_client");
        await (await api.PostRaw("/oauth/token", "{}")).AssertOAuthError(HttpStatusCode.BadRequest, "invalid_request");
        await (await api.Send(HttpMethod.Get, "/oauth/userinfo", refreshed.GetProperty("access_token").GetString())).Ok();
        await (await api.Send(HttpMethod.Post, "/oauth/userinfo", appToken)).Ok();
        await (await api.Send(HttpMethod.Get, "/oauth/userinfo", token)).Problem(HttpStatusCode.Forbidden, "insufficient-scope");
        await (await api.Send(HttpMethod.Get, "/api/me", appToken)).Ok();
        await (await api.Send(HttpMethod.Get, "/api/me/collection", appToken)).Ok();
        await (await api.Send(HttpMethod.Patch, "/api/me", appToken, new { intro = "x" })).Problem(HttpStatusCode.Forbidden, "insufficient-scope");
        Assert.True((await (await api.PostOAuthAsync("/oauth/introspect", new Dictionary<string, string> { ["token"] = appToken }, basic)).Ok()).GetProperty("active").GetBoolean());
        Assert.True((await (await api.PostOAuthAsync("/oauth/introspect", new Dictionary<string, string> { ["token"] = refreshed.GetProperty("refresh_token").GetString()! }, basic)).Ok()).GetProperty("active").GetBoolean());
        Assert.False((await (await api.PostOAuthAsync("/oauth/introspect", new Dictionary<string, string> { ["token"] = "garbage" }, basic)).Ok()).GetProperty("active").GetBoolean());
        await (await api.PostOAuthAsync("/oauth/introspect", new Dictionary<string, string> { ["token"] = "garbage", ["client_id"] = publicId })).AssertOAuthError(HttpStatusCode.Unauthorized, "invalid_client");
        Assert.Equal(HttpStatusCode.OK, (await api.PostOAuthAsync("/oauth/revoke", new Dictionary<string, string> { ["token"] = appToken }, basic)).StatusCode);
        await (await api.PostOAuthAsync("/oauth/revoke", new Dictionary<string, string>(), basic)).AssertOAuthError(HttpStatusCode.BadRequest, "invalid_request");
        await (await api.PostOAuthAsync("/oauth/par", new Dictionary<string, string>
        {
            ["response_type"] = "code", ["redirect_uri"] = OAuthFlow.RedirectUri, ["scope"] = "openid", ["code_challenge"] = challenge, ["code_challenge_method"] = "S256",
        }, basic)).Ok(HttpStatusCode.Created);
        await (await api.PostOAuthAsync("/oauth/par", new Dictionary<string, string> { ["response_type"] = "code" }, basic)).AssertOAuthError(HttpStatusCode.BadRequest, "invalid_request");
        await (await api.Send(HttpMethod.Get, "/api/me/authorizations", user.Token)).Ok();
        Assert.Equal(HttpStatusCode.NoContent, (await api.Send(HttpMethod.Delete, "/api/me/authorizations/" + clientId, user.Token)).StatusCode);
        await (await api.Send(HttpMethod.Delete, "/api/me/authorizations/" + clientId, user.Token)).Problem(HttpStatusCode.NotFound, "authorization-not-found");

        // The seed's endpoints.
        var seedApp = await (await api.Send(HttpMethod.Post, "/oauth2.0/sign", token, new { appname = "Seed App", homeURL = "https://seed.example", appDesc = "Old client.", backURL = "https://seed.example/back" })).Ok(HttpStatusCode.Created);
        await (await api.Send(HttpMethod.Post, "/aouth2.0/sign", token, new { appname = "Seed App 2", homeURL = "https://seed.example", backURL = "https://seed.example/back2", secrets = "a chosen secret of some length" })).Ok(HttpStatusCode.Created);
        await (await api.Send(HttpMethod.Post, "/aouth2.0/sign", token, new { appname = "", homeURL = "nope", backURL = "nope" })).Problem(HttpStatusCode.BadRequest, "validation");
        var seedId = seedApp.GetProperty("client_id").GetString()!;
        var show = $"/oauth2.0/show?client_id={Uri.EscapeDataString(seedId)}&redirect_url={Uri.EscapeDataString("https://seed.example/back")}";
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync(show)).StatusCode);
        var signedIn = await api.PostJson(show + "&state=s1", new { email = user.Email, password = user.Password });
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        await (await api.PostJson(show, new { email = user.Email, password = "wrong password" })).Problem(HttpStatusCode.Unauthorized);
        var seedCode = OAuthFlow.Query(signedIn.Headers.Location!)["code"];
        var seedToken = (await (await api.PostJson("/oauth2.0/granttoken", new { client_id = seedId, client_secrets = seedApp.GetProperty("client_secret").GetString(), code = seedCode })).Ok()).GetProperty("token").GetString();
        await (await api.PostJson("/oauth2.0/granttoken", new { client_id = seedId, client_secrets = "wrong", code = seedCode })).AssertOAuthError(HttpStatusCode.Unauthorized, "invalid_client");
        await (await api.PostJson("/oauth2.0/getinfo", new { token = seedToken })).Ok();
        await (await api.PostJson("/aouth2.0/getinfo", new { token = seedToken })).Ok();
        await (await api.PostJson("/aouth2.0/getinfo", new { token = "garbage" })).Problem(HttpStatusCode.Unauthorized, "invalid-token");

        // Bangumi is not configured on this server; the binding API says so.
        await (await api.Send(HttpMethod.Get, "/api/me/bangumi", token)).Ok();
        await (await api.Send(HttpMethod.Get, "/api/bangumi/bind", token)).Problem(HttpStatusCode.NotFound, "bangumi-not-configured");
        await (await api.Send(HttpMethod.Post, "/api/me/bangumi/sync", token)).Problem(HttpStatusCode.NotFound, "bangumi-not-bound");
        await (await api.Send(HttpMethod.Delete, "/api/me/bangumi?purge=maybe", token)).Problem(HttpStatusCode.BadRequest, "validation");
        await (await api.Send(HttpMethod.Delete, "/api/me/bangumi", token)).Problem(HttpStatusCode.NotFound, "bangumi-not-bound");

        // Files and pages.
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/assets/site.css")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync("/assets/nothing.css")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/openapi.json")).StatusCode);
        Assert.Equal(HttpStatusCode.SeeOther, (await api.GetAsync("/account/bangumi")).StatusCode);

        // And the end of the account.
        await (await api.Send(HttpMethod.Delete, "/api/me", token, new { password = "wrong password" })).Problem(HttpStatusCode.Forbidden, "wrong-password");
        Assert.Equal(HttpStatusCode.NoContent, (await api.Send(HttpMethod.Delete, "/api/clients/" + clientId, token)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await api.Send(HttpMethod.Delete, "/api/me", token, new { password = password + "!" })).StatusCode);

        // Every API operation that answers JSON was seen succeeding.
        var unseen = ApiOperations(await ServedAsync()).Where(o => !contract.Checked.Keys.Any(k => k.StartsWith(o + " 2", StringComparison.Ordinal))).ToList();
        Assert.True(unseen.SequenceEqual(["GET /api/bangumi/bind", "POST /api/me/bangumi/sync"]), "Not exercised with success: " + string.Join(", ", unseen));
    }

    [Fact]
    public async Task The_contract_check_refuses_what_the_document_does_not_describe()
    {
        var contract = new OpenApiContract(await ServedAsync());
        const string profile = "/components/schemas/Profile";
        var good = new JsonObject
        {
            ["uid"] = "u1", ["uname"] = "moe", ["email"] = "moe@example.com", ["email_verified"] = true,
            ["nickname"] = null, ["avatar"] = null, ["intro"] = "hi", ["created_at"] = "2026-11-27T12:34:56.1234567+00:00",
        };
        Assert.Empty(contract.Errors(profile, JsonSerializer.SerializeToElement(good)));
        JsonObject With(Action<JsonObject> change)
        {
            var copy = (JsonObject)good.DeepClone();
            change(copy);
            return copy;
        }
        Assert.NotEmpty(contract.Errors(profile, JsonSerializer.SerializeToElement(With(p => p["password_hash"] = "x"))));
        Assert.NotEmpty(contract.Errors(profile, JsonSerializer.SerializeToElement(With(p => p.Remove("uname")))));
        Assert.NotEmpty(contract.Errors(profile, JsonSerializer.SerializeToElement(With(p => p["email_verified"] = "yes"))));
        Assert.NotEmpty(contract.Errors(profile, JsonSerializer.SerializeToElement(With(p => p["created_at"] = "yesterday"))));
        Assert.NotEmpty(contract.Errors("/components/schemas/CollectionItem", JsonSerializer.SerializeToElement(new JsonObject { ["status"] = "finished" })));
        // Problem details stay open to extensions.
        Assert.Empty(contract.Errors("/components/schemas/Problem", JsonSerializer.SerializeToElement(new JsonObject { ["type"] = "urn:bangumoe:problem:x", ["title"] = "X", ["status"] = 400, ["extra"] = 1 })));
    }

    /// <summary>"METHOD path" of every operation with a JSON success answer.</summary>
    public static IEnumerable<string> ApiOperations(JsonObject document) =>
        document["paths"]!.AsObject().SelectMany(p => p.Value!.AsObject()
            .Where(o => HttpMethods.Contains(o.Key) && o.Value!["responses"]!.AsObject()
                .Any(r => r.Key.StartsWith('2') && (r.Value!["content"]?.AsObject().Any(c => c.Key.EndsWith("json", StringComparison.Ordinal)) ?? false)))
            .Select(o => $"{o.Key.ToUpperInvariant()} {p.Key}"));
}

/// <summary>The Bangumi binding's answers against the document, on a server with a (fake) Bangumi configured.</summary>
public sealed class OpenApiBangumiTests(Bangumi.BangumiFixture f) : IClassFixture<Bangumi.BangumiFixture>
{
    [Fact]
    public async Task Binding_answers_match_the_documents_schemas()
    {
        var contract = new OpenApiContract(JsonNode.Parse(await f.App.CreateClient().GetStringAsync("/openapi.json"))!.AsObject());
        var api = contract.Client(f.App);
        var user = await f.App.NewVerifiedUser();
        var bangumiUser = Bangumi.BangumiExtraSteps.NewBangumiUser(f, anime: 60);

        using (var asJson = new HttpRequestMessage(HttpMethod.Get, "/api/bangumi/bind"))
        {
            asJson.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user.Token);
            asJson.Headers.Accept.ParseAdd("application/json");
            await (await api.SendAsync(asJson)).Ok();
        }
        await (await api.Send(HttpMethod.Get, "/api/bangumi/bind")).Problem(HttpStatusCode.Unauthorized);
        var bind = await api.Send(HttpMethod.Get, "/api/bangumi/bind", user.Token);
        Assert.Equal(HttpStatusCode.Redirect, bind.StatusCode);
        using (f.SlowPages(TimeSpan.FromMilliseconds(500)))
        {
            var callback = await Bangumi.BangumiSteps.ApproveOnBangumiAsync(f, bind.Headers.Location!, bangumiUser);
            Assert.Equal(HttpStatusCode.SeeOther, (await api.GetAsync(callback.PathAndQuery)).StatusCode);
            Assert.Equal(HttpStatusCode.BadRequest, (await api.GetAsync(callback.PathAndQuery.Replace("/oauth2.0/", "/oauth/", StringComparison.Ordinal))).StatusCode);
            await (await api.Send(HttpMethod.Get, "/api/me/bangumi", user.Token)).Ok();
            await (await api.Send(HttpMethod.Post, "/api/me/bangumi/sync", user.Token)).Ok(HttpStatusCode.Accepted);
        }
        await Bangumi.BangumiSteps.WaitForImportAsync(f.App.CreateClient(), user);
        var done = await (await api.Send(HttpMethod.Get, "/api/me/bangumi", user.Token)).Ok();
        Assert.Equal("done", done.GetProperty("import").GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.NoContent, (await api.Send(HttpMethod.Delete, "/api/me/bangumi?purge=true", user.Token)).StatusCode);
        await (await api.Send(HttpMethod.Get, "/api/me/bangumi", user.Token)).Ok();

        var bangumiOperations = OpenApiTests.ApiOperations(JsonNode.Parse(await f.App.CreateClient().GetStringAsync("/openapi.json"))!.AsObject())
            .Where(o => o.Contains("bangumi", StringComparison.Ordinal)).ToList();
        Assert.Equal(["GET /api/bangumi/bind", "GET /api/me/bangumi", "POST /api/me/bangumi/sync"], bangumiOperations.Order(StringComparer.Ordinal));
        Assert.All(bangumiOperations, o => Assert.Contains(contract.Checked.Keys, k => k.StartsWith(o + " 2", StringComparison.Ordinal)));
    }
}
