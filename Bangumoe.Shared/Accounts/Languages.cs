namespace Bangumoe.Accounts;

/// <summary>The languages Bangumoe speaks, by BCP 47 tag: on its pages and in its mails.</summary>
public static class Languages
{
    public const string English = "en";
    public const string SimplifiedChinese = "zh-Hans";

    public static readonly IReadOnlyList<string> All = [English, SimplifiedChinese];

    /// <summary>A supported tag as given, anything else English.</summary>
    public static string Normalize(string? tag) => tag == SimplifiedChinese ? SimplifiedChinese : English;
}
