using Bangumoe.Accounts;
using Bangumoe.Functions.Http;
using Microsoft.Azure.Functions.Worker;

namespace Bangumoe.Functions.Pages;

/// <summary>
/// The language switch in every page's header: remembers the choice for a year in a cookie (and, for a signed-in
/// person, on the account, so mails follow it), then goes back to the page it came from.
/// </summary>
public sealed class LanguageFunctions(PageRequests pages, AccountService accounts)
{
    [Function("ChooseLanguage")]
    [Page]
    public async Task<IResult> Choose([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "lang")] HttpRequest req, CancellationToken ct)
    {
        var post = await pages.ReadPostAsync(req, "/", ct);
        if (post.Refused is { } refused) return refused;
        var chosen = Texts.All.FirstOrDefault(t => t.Lang == post.Form["lang"].ToString());
        if (chosen is null) return PageResults.SeeOther(req.HttpContext, PageResults.LocalPath(post.Form["return_to"]));
        BrowserCookies.SetLanguage(req.HttpContext, chosen.Lang);
        if (post.Page.User is { } user) await accounts.SetLanguageAsync(user, chosen.Lang, ct);
        return PageResults.SeeOther(req.HttpContext, PageResults.LocalPath(post.Form["return_to"]));
    }
}
