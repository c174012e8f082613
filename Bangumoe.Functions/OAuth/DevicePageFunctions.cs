using Bangumoe.Functions.Http;
using Bangumoe.Functions.Pages;
using Bangumoe.OAuth;
using Microsoft.Azure.Functions.Worker;

namespace Bangumoe.Functions.OAuth;

/// <summary>
/// <c>/device</c>, the verification URI of the device grant (RFC 8628 §3.3): a signed-in person types the code their
/// device shows, sees the app and what it may do, and allows or denies; then a page sends them back to the device.
/// Reads the form and renders what <see cref="DeviceVerification"/> decided.
/// </summary>
public sealed class DevicePageFunctions(PageRequests pages, DeviceVerification verification)
{
    private const string DonePath = "/device/done";

    [Function("DevicePage")]
    [NoStore]
    [Page]
    public async Task<IResult> Show([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "device")] HttpRequest req, CancellationToken ct)
    {
        // Not signed in: the sign-in page comes back here, user_code and all.
        var page = await pages.ReadAsync(req, ct);
        if (page.Session is null) return PageResults.SignInFirst(page);
        // verification_uri_complete only fills the field: the person still presses Continue, after comparing the code
        // with the device's screen (RFC 8628 §3.3.1), and nothing is looked up (or counted) by a GET.
        var form = FormState.Empty;
        if (req.Query["user_code"].FirstOrDefault() is { Length: > 0 and <= 64 } prefill)
            form.With("user_code", UserCodes.Normalize(prefill) is { } code ? UserCodes.Display(code) : prefill);
        return CodePage(page, 200, form);
    }

    [Function("DeviceForm")]
    [NoStore]
    [Page]
    public async Task<IResult> Submit([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "device")] HttpRequest req, CancellationToken ct)
    {
        var post = await pages.ReadSignedInPostAsync(req, DeviceVerification.PagePath, ct);
        if (post.Refused is { } refused) return refused;
        var page = post.Page;
        var typed = post.Form["user_code"].FirstOrDefault();
        var address = ClientAddress.Of(req.HttpContext);
        var outcome = post.Form["action"].FirstOrDefault() switch
        {
            "allow" => await verification.DecideAsync(typed, allow: true, post.Session, address, ct),
            "deny" => await verification.DecideAsync(typed, allow: false, post.Session, address, ct),
            _ => await verification.LookUpAsync(typed, post.Session, address, ct),
        };
        var t = page.Texts.OAuth.Device;
        var form = FormState.From(post.Form).With("action", null);
        switch (outcome)
        {
            case DeviceOutcome.Consent consent:
                return PageResults.Render<DeviceConsentPage>(page, 200, new Dictionary<string, object?>
                {
                    [nameof(DeviceConsentPage.Client)] = consent.Client,
                    [nameof(DeviceConsentPage.Scopes)] = consent.Scopes,
                    [nameof(DeviceConsentPage.UserCode)] = UserCodes.Display(consent.UserCode),
                });
            case DeviceOutcome.Allowed:
                return PageResults.SeeOther(req.HttpContext, DonePath + "?result=allowed");
            case DeviceOutcome.Denied:
                return PageResults.SeeOther(req.HttpContext, DonePath + "?result=denied");
            case DeviceOutcome.Throttled throttled:
                req.HttpContext.Response.SetRetryAfter(throttled.RetryAfter);
                form.Message = t.Throttled((int)Math.Ceiling(throttled.RetryAfter.TotalMinutes));
                return CodePage(page, 429, form);
            case DeviceOutcome.Expired:
                return CodePage(page, 400, form.AddError("user_code", t.CodeExpired));
            case DeviceOutcome.Used:
                return CodePage(page, 400, form.AddError("user_code", t.CodeUsed));
            case DeviceOutcome.Unknown:
                return CodePage(page, 400, form.AddError("user_code", t.CodeUnknown));
            default:
                return CodePage(page, 400, form.AddError("user_code", t.CodeMalformed));
        }
    }

    /// <summary>After Allow or Deny (a 303 from the form): what happened, and that the device goes on by itself.</summary>
    [Function("DeviceDonePage")]
    [NoStore]
    [Page]
    public async Task<IResult> Done([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "device/done")] HttpRequest req, CancellationToken ct)
    {
        var page = await pages.ReadAsync(req, ct);
        var t = page.Texts.OAuth.Device;
        var links = new[] { new PageLink(DeviceVerification.PagePath, t.AnotherDevice) };
        return req.Query["result"] == "denied"
            ? PageResults.Message(page, 200, t.DeniedTitle, [t.Denied], links: links)
            : PageResults.Message(page, 200, t.AllowedTitle, [t.Allowed], links: links);
    }

    private static IResult CodePage(PageContext page, int status, FormState form) =>
        PageResults.Render<DeviceCodePage>(page, status, new Dictionary<string, object?> { [nameof(DeviceCodePage.Form)] = form });
}
