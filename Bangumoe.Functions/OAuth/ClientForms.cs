using Bangumoe.Functions.Pages;
using Bangumoe.OAuth;

namespace Bangumoe.Functions.OAuth;

/// <summary>
/// The app forms of the developer pages at the boundary: the posted fields as a <see cref="ClientRegistration"/>, and
/// the core's field errors (English, named like the JSON fields) as messages in the page's language next to the field.
/// </summary>
public static class ClientForms
{
    /// <summary>The form as a registration; the type only when registering (it cannot change afterwards).</summary>
    public static ClientRegistration Read(IFormCollection form, bool creating) => new(
        form["name"].ToString(), form["home_url"].ToString(), form["description"].ToString(),
        Lines(form["redirect_uris"].ToString()), creating ? form["type"].FirstOrDefault() : null, Lines(form["allowed_origins"].ToString()),
        Lines(form["post_logout_redirect_uris"].ToString()));

    /// <summary>One redirect URI or origin per line; blank lines and the spaces around one (a textarea's) do not count.</summary>
    public static List<string> Lines(string text) =>
        text.Split('\n').Select(line => line.Trim()).Where(line => line.Length > 0).ToList();

    /// <summary>Adds the localized message for each field the core refused to <paramref name="form"/>.</summary>
    public static FormState WithErrors(FormState form, Error error, ClientRegistration sent, Texts texts)
    {
        var t = texts.OAuth;
        var uris = sent.RedirectUris ?? [];
        var origins = sent.AllowedOrigins ?? [];
        var postLogout = sent.PostLogoutRedirectUris ?? [];
        var messages = new List<(string Field, string Message)>();
        foreach (var field in (error.FieldErrors ?? new Dictionary<string, string[]>()).Keys)
        {
            messages.Add(field switch
            {
                "name" => ("name", string.IsNullOrWhiteSpace(sent.Name) ? t.NameRequired : t.NameInvalid(ClientService.NameMaxLength)),
                "home_url" => ("home_url", string.IsNullOrWhiteSpace(sent.HomeUrl) ? t.HomeUrlRequired : t.HomeUrlInvalid(ClientService.HomeUrlMaxLength)),
                "description" => ("description", t.DescriptionInvalid(ClientService.DescriptionMaxLength)),
                "redirect_uris" => ("redirect_uris", uris.Count == 0 ? t.RedirectUrisRequired
                    : uris.Count > RedirectUris.MaxCount ? t.RedirectUrisTooMany(RedirectUris.MaxCount) : t.RedirectUrisRepeated),
                _ when field.StartsWith("redirect_uris[", StringComparison.Ordinal)
                       && int.TryParse(field["redirect_uris[".Length..^1], out var i) && i >= 0 && i < uris.Count => ("redirect_uris", t.RedirectUriInvalid(uris[i])),
                "allowed_origins" => ("allowed_origins", origins.Count > ClientOrigins.MaxCount ? t.AllowedOriginsTooMany(ClientOrigins.MaxCount) : t.AllowedOriginsRepeated),
                _ when field.StartsWith("allowed_origins[", StringComparison.Ordinal)
                       && int.TryParse(field["allowed_origins[".Length..^1], out var o) && o >= 0 && o < origins.Count => ("allowed_origins", t.AllowedOriginInvalid(origins[o])),
                "post_logout_redirect_uris" => ("post_logout_redirect_uris", postLogout.Count > RedirectUris.MaxCount
                    ? texts.Logout.PostLogoutTooMany(RedirectUris.MaxCount) : texts.Logout.PostLogoutRepeated),
                _ when field.StartsWith("post_logout_redirect_uris[", StringComparison.Ordinal)
                       && int.TryParse(field["post_logout_redirect_uris[".Length..^1], out var p) && p >= 0 && p < postLogout.Count
                    => ("post_logout_redirect_uris", texts.Logout.PostLogoutInvalid(postLogout[p])),
                "type" => ("type", t.TypeInvalid),
                _ => ("", ""),
            });
        }
        // Several messages for one field (two bad redirect URIs, say) are shown together.
        foreach (var group in messages.Where(m => m.Field.Length > 0).GroupBy(m => m.Field))
            form.AddError(group.Key, string.Join(' ', group.Select(m => m.Message)));
        if (!form.HasErrors) form.Message = texts.FixTheFields;
        return form;
    }
}
