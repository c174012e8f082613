using Bangumoe.Functions.Http;
using Bangumoe.OAuth;
using Microsoft.Azure.Functions.Worker;

namespace Bangumoe.Functions.OAuth;

/// <summary>
/// <c>POST /oauth/device_authorization</c> (RFC 8628 §3.1): a back-channel protocol endpoint like the token endpoint, so
/// it speaks RFC 6749 errors, is never cached, and answers browser apps on their registered origins. The device then
/// polls <c>/oauth/token</c> with <c>grant_type=urn:ietf:params:oauth:grant-type:device_code</c>.
/// </summary>
public sealed class DeviceAuthorizationFunctions(DeviceAuthorizationService devices, ClientPosts posts)
{
    [Function("DeviceAuthorization")]
    [NoStore]
    [Cors(CorsKind.Client)]
    public async Task<IResult> Start([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "oauth/device_authorization")] HttpRequest req, CancellationToken ct)
    {
        var form = await posts.ReadAsync(req, ct);
        if (!form.Ok) return OAuthResults.Error(req, form.Error!);
        var f = form.Value!;
        var result = await devices.StartAsync(new DeviceAuthorizationRequest(f.Client, f["scope"], ClientAddress.Of(req.HttpContext)), ct);
        if (!result.Ok) return OAuthResults.Error(req, result.Error!);
        var response = result.Value!;
        return TypedResults.Json(new Dictionary<string, object>
        {
            ["device_code"] = response.DeviceCode,
            ["user_code"] = response.UserCode,
            ["verification_uri"] = response.VerificationUri,
            ["verification_uri_complete"] = response.VerificationUriComplete,
            ["expires_in"] = response.ExpiresIn,
            ["interval"] = response.Interval,
        });
    }
}
