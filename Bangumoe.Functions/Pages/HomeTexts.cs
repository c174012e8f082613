namespace Bangumoe.Functions.Pages;

/// <summary>What the start page and the dashboard say (see <see cref="Pages.Texts"/>).</summary>
public sealed record HomeTexts
{
    public static readonly HomeTexts En = new()
    {
    };

    public static readonly HomeTexts ZhHans = new()
    {
    };
}
