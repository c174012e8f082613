using Bangumoe.Functions.Http;
using Bangumoe.Hosting;
using Bangumoe.OAuth;
using Microsoft.Extensions.Options;

namespace Bangumoe.Functions.OAuth;

/// <summary>
/// How every endpoint that a client posts its credentials to begins (token, PAR, device authorization, revocation):
/// the form is read and its credentials parsed, then a browser app's origin is checked against the ones its client
/// registered, before anything is done. Endpoints that take DPoP also read the proof here.
/// </summary>
public sealed class ClientPosts(ClientCors cors, DPoPProofs dpop, IOptions<AppOptions> app)
{
    public async Task<Result<OAuthForm>> ReadAsync(HttpRequest req, CancellationToken ct)
    {
        var form = await OAuthForm.ReadAsync(req, ct);
        if (!form.Ok) return form;
        return await cors.CheckAsync(req.HttpContext, form.Value!.Client.ClientId, ct) is { } foreign ? foreign : form;
    }

    /// <summary>The request's DPoP proof, if any. RFC 9449 §8: every answer to a DPoP request carries the nonce its next
    /// proof needs, when nonces are required.</summary>
    public DPoPPresentation? Proof(HttpRequest req)
    {
        var proof = DPoPHeaders.Read(req, app);
        if (proof is not null && dpop.NonceRequired) req.HttpContext.Response.Headers[DPoPHeaders.Nonce] = dpop.CurrentNonce();
        return proof;
    }
}
