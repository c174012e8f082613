using Bangumoe.Hosting;
using Bangumoe.OAuth;
using Microsoft.Extensions.Options;

namespace Bangumoe.Functions.Http;

public enum CorsKind
{
    /// <summary>Public documents (discovery, keys): any origin may read them.</summary>
    Public,

    /// <summary>The back-channel endpoints a browser app calls: only the origins its client registered
    /// (<see cref="ClientOrigins"/>), checked by the function through <see cref="ClientCors"/> once it knows the client.</summary>
    Client,
}

/// <summary>
/// A function with this attribute answers browser apps on other origins (CORS), never with credentials: no cookie of
/// Bangumoe's is ever sent or honoured cross-origin. Its route's preflight is a function of its own
/// (<see cref="OAuth.CorsPreflightFunctions"/>). A preflight carries no client, so it is allowed from any origin: it
/// only lets the browser send; whether the app may read the answer is decided per client on the request itself.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class CorsAttribute(CorsKind kind) : Attribute
{
    public CorsKind Kind { get; } = kind;
}

/// <summary>The CORS answers (Fetch standard §3.2): preflights, public documents, and the per-client check.</summary>
public sealed class ClientCors(ClientService clients, IOptions<AppOptions> app)
{
    /// <summary>Headers a browser app may send: the form's type, Basic client credentials or a Bearer/DPoP token, and
    /// a DPoP proof.</summary>
    private const string AllowedHeaders = "Authorization, Content-Type, DPoP";

    private string OwnOrigin => new Uri(app.Value.PublicBaseUrl).GetLeftPart(UriPartial.Authority);

    /// <summary>The answer to a preflight (an OPTIONS request) to a <see cref="CorsAttribute"/> function's route.</summary>
    public static IResult Preflight(HttpContext http, CorsKind kind)
    {
        var headers = http.Response.Headers;
        var origin = http.Request.Headers.Origin.ToString();
        headers.AccessControlAllowOrigin = kind == CorsKind.Public || origin.Length == 0 ? "*" : origin;
        headers.AccessControlAllowMethods = "GET, POST";
        headers.AccessControlAllowHeaders = AllowedHeaders;
        headers.AccessControlMaxAge = "600";
        headers.Vary = "Origin";
        return TypedResults.NoContent();
    }

    /// <summary>A public document: readable from any origin.</summary>
    public static void AllowAnyOrigin(HttpContext http)
    {
        if (http.Request.Headers.Origin.Count > 0) http.Response.Headers.AccessControlAllowOrigin = "*";
    }

    /// <summary>
    /// For a <see cref="CorsKind.Client"/> function once it knows the client: null when the request may go on (it has no
    /// <c>Origin</c>, comes from Bangumoe itself, or from an origin the client registered, whose answer the browser may
    /// then read); else the error to answer, before anything is done (a code is not used up by an app on a foreign
    /// origin).
    /// </summary>
    public async Task<Error?> CheckAsync(HttpContext http, string? clientId, CancellationToken ct)
    {
        var origin = http.Request.Headers.Origin.ToString();
        http.Response.Headers.Vary = "Origin";
        if (origin.Length == 0 || string.Equals(origin, OwnOrigin, StringComparison.Ordinal)) return null;
        // Remembered, not read: a cross-origin call costs no storage round trip beyond the one authenticating the app.
        if (await clients.FindRememberedAsync(clientId, ct).ConfigureAwait(false) is { } client && ClientOrigins.Allows(client, origin))
        {
            http.Response.Headers.AccessControlAllowOrigin = origin;
            // A browser app reads the DPoP nonce it must sign next (RFC 9449 §8) and the challenge of a refused token.
            http.Response.Headers.AccessControlExposeHeaders = "DPoP-Nonce, WWW-Authenticate";
            return null;
        }
        return new Error(ErrorKind.Validation, "invalid_request", $"The origin {origin} is not registered for this client (a redirect URI's origin or one of its allowed_origins).");
    }
}
