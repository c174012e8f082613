using System.Text.Json;

namespace Bangumoe.Functions.Http;

/// <summary>The request's body is not what the function can read: thrown by <see cref="RequestBodies"/>, answered by
/// <see cref="HttpPolicyMiddleware"/>.</summary>
public sealed class RequestBodyException(int status, string code, string message, string? field = null, string fieldMessage = "")
    : Exception(message)
{
    public int Status { get; } = status;
    public string Code { get; } = code;
    public string? Field { get; } = field;
    public string FieldMessage { get; } = fieldMessage;
}

/// <summary>Reads the wire formats into typed input: JSON bodies (snake_case, strict numbers) and forms.</summary>
public static class RequestBodies
{
    public static async Task<T> ReadJsonAsync<T>(this HttpRequest request, CancellationToken ct)
    {
        if (request.ContentLength == 0 || (request.ContentLength is null && !request.Headers.ContainsKey("Transfer-Encoding")))
            throw new RequestBodyException(400, "bad-request", "This request needs a JSON body.");
        if (!request.HasJsonContentType())
            throw new RequestBodyException(415, "unsupported-media-type", "Send the body as application/json.");
        var options = request.HttpContext.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        try
        {
            return await request.ReadFromJsonAsync<T>(options, ct)
                   ?? throw new RequestBodyException(400, "bad-request", "The request body is JSON null; send an object.");
        }
        catch (JsonException json)
        {
            // The parser's own message names internal types; say what the client can act on instead.
            throw new RequestBodyException(400, "malformed-json", "The request body is not valid JSON of the expected shape.",
                JsonField(json.Path), "Has the wrong type, or the JSON breaks off here.");
        }
    }

    /// <summary>The form, or null when the body is not a form.</summary>
    public static async Task<IFormCollection?> ReadFormOrNullAsync(this HttpRequest request, CancellationToken ct) =>
        request.HasFormContentType ? await request.ReadFormAsync(ct) : null;

    /// <summary>"$.password" becomes "password"; the whole body ("$") names no field.</summary>
    private static string? JsonField(string? path) =>
        path is null || path == "$" ? null : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path;
}
