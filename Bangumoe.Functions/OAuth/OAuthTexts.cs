namespace Bangumoe.Functions.OAuth;

/// <summary>What the authorization pages and the developer pages say (see <see cref="Pages.Texts"/>).</summary>
public sealed record OAuthTexts
{
    public static readonly OAuthTexts En = new()
    {
    };

    public static readonly OAuthTexts ZhHans = new()
    {
    };
}
