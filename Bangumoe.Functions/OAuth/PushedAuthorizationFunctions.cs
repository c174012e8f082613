using Bangumoe.Functions.Http;
using Bangumoe.Hosting;
using Bangumoe.OAuth;
using Microsoft.Azure.Functions.Worker;

namespace Bangumoe.Functions.OAuth;

/// <summary>
/// <c>/oauth/par</c> (RFC 9126): the client posts its authorization request over the back channel, authenticated as at
/// the token endpoint, and gets a request_uri to send the browser to /oauth/authorize with. Speaks RFC 6749 JSON errors
/// like the other protocol endpoints; browser apps may call it across origins as they call /oauth/token.
/// </summary>
public sealed class PushedAuthorizationFunctions(PushedAuthorizations pushed, ClientPosts posts)
{
    [Function("PushedAuthorizationRequest")]
    [NoStore]
    [Cors(CorsKind.Client)]
    public async Task<IResult> Push([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "oauth/par")] HttpRequest req, CancellationToken ct)
    {
        var form = await posts.ReadAsync(req, ct);
        if (!form.Ok) return OAuthResults.Error(req, form.Error!);
        var f = form.Value!;
        var result = await pushed.PushAsync(new PushRequest(f.Client, f.Values, ClientAddress.Of(req.HttpContext), posts.Proof(req)), ct);
        if (!result.Ok) return OAuthResults.Error(req, result.Error!);
        return TypedResults.Json(new Dictionary<string, object>
        {
            ["request_uri"] = result.Value!.RequestUri,
            ["expires_in"] = result.Value.ExpiresIn,
        }, statusCode: StatusCodes.Status201Created);
    }

    [Function("PushedAuthorizationRequestPreflight")]
    public IResult Preflight([HttpTrigger(AuthorizationLevel.Anonymous, "options", Route = "oauth/par")] HttpRequest req) =>
        ClientCors.Preflight(req.HttpContext, CorsKind.Client);
}
