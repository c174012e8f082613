namespace Bangumoe.Security;

/// <summary>
/// The scopes Bangumoe knows, and the algebra of scope strings (RFC 6749 §3.3): space-separated, case-sensitive
/// tokens compared as sets.
/// </summary>
public static class Scopes
{
    public const string OpenId = "openid";
    public const string Profile = "profile";
    public const string Email = "email";
    public const string OfflineAccess = "offline_access";
    public const string CollectionRead = "collection:read";
    public const string CollectionWrite = "collection:write";

    /// <summary>
    /// Managing the account itself (password, email, deletion, profile edits, apps). Only tokens from Bangumoe's own
    /// login carry it; a third-party app never gets it, whatever it asks for.
    /// </summary>
    public const string Account = "account";

    /// <summary>What a first-party login token may do.</summary>
    public const string FirstParty = "profile email account collection:read collection:write";

    /// <summary>The scopes a third-party app may ask for (never <see cref="Account"/>), in their canonical order.</summary>
    public static readonly IReadOnlyList<string> ThirdParty = [OpenId, Profile, Email, OfflineAccess, CollectionRead, CollectionWrite];

    /// <summary>The distinct tokens of a scope string.</summary>
    public static IReadOnlyList<string> Parse(string? scope) =>
        (scope ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.Ordinal).ToList();

    public static bool Has(string? granted, string scope) => Parse(granted).Contains(scope, StringComparer.Ordinal);

    /// <summary>True when <paramref name="granted"/> holds every scope of <paramref name="requested"/>.</summary>
    public static bool Covers(string? granted, string? requested)
    {
        var held = Parse(granted);
        return Parse(requested).All(s => held.Contains(s, StringComparer.Ordinal));
    }

    /// <summary>Third-party scopes in the order of <see cref="ThirdParty"/>, so equal sets compare equal as strings;
    /// anything else is dropped.</summary>
    public static string Canonical(IEnumerable<string> scopes)
    {
        var set = scopes.ToHashSet(StringComparer.Ordinal);
        return string.Join(' ', ThirdParty.Where(set.Contains));
    }
}
