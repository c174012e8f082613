using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Bangumoe.Tests.Infrastructure;
using Json.Schema;
using Microsoft.AspNetCore.WebUtilities;

namespace Bangumoe.Tests.Hosting;

/// <summary>
/// Bangumoe's OpenAPI document as a contract the tests hold real traffic to: a message handler that matches each
/// request to its path and method in the document and checks the answer's status, media type, Location and body
/// (against the JSON Schema there, draft 2020-12, with JsonSchema.Net), and the request's body when it succeeded.
/// Objects are checked strictly (<c>unevaluatedProperties: false</c> added where the document leaves them open), so
/// a field the API writes but the document does not name fails, while the published document stays open to new fields.
/// </summary>
public sealed partial class OpenApiContract
{
    private readonly JsonObject _document;
    private readonly Uri _documentUri = new($"https://contract.bangumoe.test/{Guid.NewGuid():N}/openapi.json");
    private readonly BuildOptions _build;
    private readonly ConcurrentDictionary<string, JsonSchema> _schemas = new(StringComparer.Ordinal);
    private readonly List<(string Template, Regex Pattern, int Parameters)> _paths;

    public OpenApiContract(JsonObject document)
    {
        _document = (JsonObject)document.DeepClone();
        Strict(_document["components"]!["schemas"]!);
        foreach (var (_, item) in _document["paths"]!.AsObject()) Strict(item!);
        var registry = new SchemaRegistry();
        registry.Register(_documentUri, new JsonElementBaseDocument(JsonSerializer.SerializeToElement(_document), _documentUri));
        _build = new BuildOptions { SchemaRegistry = registry };
        _paths = _document["paths"]!.AsObject()
            .Select(p => (p.Key, new Regex("^" + PathParameter().Replace(Regex.Escape(p.Key).Replace(@"\{", "{", StringComparison.Ordinal), "[^/]+") + "$"), PathParameter().Matches(p.Key).Count))
            .ToList();
    }

    /// <summary>What was checked: "METHOD template status".</summary>
    public ConcurrentDictionary<string, int> Checked { get; } = new(StringComparer.Ordinal);

    /// <summary>A handler to put in front of a client's: every exchange through it is checked.</summary>
    public DelegatingHandler Handler(HttpMessageHandler inner) => new Checking(this) { InnerHandler = inner };

    public HttpClient Client(BangumoeApp app, bool cookies = false) =>
        new(Handler(app.CreateHandler(new ClientOptions { AllowAutoRedirect = false, HandleCookies = cookies }))) { BaseAddress = new Uri("http://localhost"), Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>The document's path template for a request path: a literal path wins over a templated one.</summary>
    public string? Template(string path) =>
        _paths.Where(p => p.Pattern.IsMatch(path)).OrderBy(p => p.Parameters).Select(p => p.Template).FirstOrDefault();

    /// <summary>Validates <paramref name="instance"/> against the schema at <paramref name="pointer"/> (a JSON pointer into the document).</summary>
    public IReadOnlyList<string> Errors(string pointer, JsonElement instance)
    {
        var schema = _schemas.GetOrAdd(pointer, p => JsonSchema.Build(
            JsonSerializer.SerializeToElement(new JsonObject { ["$ref"] = _documentUri + "#" + p.Replace("+", "%2B", StringComparison.Ordinal) }), _build,
            new Uri($"https://contract.bangumoe.test/check/{Guid.NewGuid():N}")));
        var result = schema.Evaluate(instance, new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true });
        return result.IsValid
            ? []
            : (result.Details ?? []).Append(result)
                .Where(d => d.Errors is { Count: > 0 })
                .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation} ({d.EvaluationPath}): {e.Key}: {e.Value}"))
                .ToList();
    }

    private async Task CheckAsync(HttpRequestMessage request, string? requestBody, HttpResponseMessage response)
    {
        var path = request.RequestUri!.AbsolutePath;
        var method = request.Method.Method.ToLowerInvariant();
        var status = (int)response.StatusCode;
        var what = $"{request.Method} {request.RequestUri.PathAndQuery} → {status}";
        var template = Template(path) ?? throw Fail($"{what}: no path of the document matches {path}.");
        if (_document["paths"]![template]![method] is not JsonObject operation) throw Fail($"{what}: {template} has no {method} operation.");
        var responses = operation["responses"]!.AsObject();
        var key = new[] { status.ToString(System.Globalization.CultureInfo.InvariantCulture), $"{status / 100}XX", "default" }.FirstOrDefault(responses.ContainsKey)
                  ?? throw Fail($"{what}: status {status} is not documented for {method.ToUpperInvariant()} {template} (documented: {string.Join(", ", responses.Select(r => r.Key))}).");
        var pointer = $"/paths/{Escape(template)}/{method}/responses/{key}";
        var documented = responses[key]!.AsObject();
        if (documented["$ref"] is { } reference)
        {
            pointer = reference.GetValue<string>()[1..];
            documented = Resolve(pointer);
        }
        Checked.AddOrUpdate($"{method.ToUpperInvariant()} {template} {status}", 1, (_, n) => n + 1);

        var headers = documented["headers"]?.AsObject();
        if (headers?.ContainsKey("Location") == true && response.Headers.Location is null) throw Fail($"{what}: the document promises a Location header; there is none.");

        var body = await response.Content.ReadAsStringAsync();
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        var content = documented["content"]?.AsObject();
        if (body.Length == 0)
        {
            if (content is not null && !content.Any(c => c.Key.StartsWith("text/", StringComparison.Ordinal)))
                throw Fail($"{what}: the document promises a body ({string.Join(", ", content.Select(c => c.Key))}); there is none.");
        }
        else
        {
            if (content is null) throw Fail($"{what}: the document promises no body; got {mediaType}: {Cut(body)}");
            if (mediaType is null || !content.ContainsKey(mediaType))
                throw Fail($"{what}: answered {mediaType}; the document has {string.Join(", ", content.Select(c => c.Key))}.");
            if (mediaType.EndsWith("json", StringComparison.Ordinal))
            {
                var errors = Errors($"{pointer}/content/{Escape(mediaType)}/schema", JsonDocument.Parse(body).RootElement);
                if (errors.Count > 0) throw Fail($"{what}: the body does not match the document's schema:\n  {string.Join("\n  ", errors)}\nBody: {Cut(body)}");
            }
        }

        // What a client sent that succeeded must be what the document describes.
        if (status is >= 200 and < 300 && requestBody is { Length: > 0 } && request.Content?.Headers.ContentType?.MediaType is { } sent
            && operation["requestBody"]?["content"]?[sent] is not null)
        {
            var instance = sent == "application/x-www-form-urlencoded"
                ? JsonSerializer.SerializeToElement(QueryHelpers.ParseQuery(requestBody).ToDictionary(f => f.Key, f => f.Value.ToString()))
                : JsonDocument.Parse(requestBody).RootElement;
            var errors = Errors($"/paths/{Escape(template)}/{method}/requestBody/content/{Escape(sent)}/schema", instance);
            if (errors.Count > 0) throw Fail($"{what}: the request body does not match the document's schema:\n  {string.Join("\n  ", errors)}\nBody: {Cut(requestBody)}");
        }
    }

    private JsonObject Resolve(string pointer)
    {
        JsonNode node = _document;
        foreach (var part in pointer.Trim('/').Split('/')) node = node[part.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)]!;
        return node.AsObject();
    }

    /// <summary>Closes every object schema that names its properties and says nothing about others.</summary>
    private static void Strict(JsonNode node)
    {
        switch (node)
        {
            case JsonObject obj:
                if (obj["properties"] is JsonObject && !obj.ContainsKey("additionalProperties") && !obj.ContainsKey("unevaluatedProperties"))
                    obj["unevaluatedProperties"] = false;
                foreach (var (_, child) in obj.ToList()) if (child is not null) Strict(child);
                break;
            case JsonArray array:
                foreach (var child in array) if (child is not null) Strict(child);
                break;
        }
    }

    private static string Escape(string key) => key.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    private static string Cut(string text) => text.Length > 2000 ? text[..2000] + "…" : text;

    private static Exception Fail(string message) => new Xunit.Sdk.XunitException("OpenAPI contract: " + message);

    [GeneratedRegex(@"\\?\{[^}/]+\}")]
    private static partial Regex PathParameter();

    private sealed class Checking(OpenApiContract contract) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var requestBody = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
            var response = await base.SendAsync(request, cancellationToken);
            await response.Content.LoadIntoBufferAsync(cancellationToken);
            await contract.CheckAsync(request, requestBody, response);
            return response;
        }
    }
}
