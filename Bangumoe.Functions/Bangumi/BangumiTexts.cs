namespace Bangumoe.Functions.Bangumi;

/// <summary>What the Bangumi binding page says (see <see cref="Pages.Texts"/>).</summary>
public sealed record BangumiTexts
{
    public static readonly BangumiTexts En = new()
    {
    };

    public static readonly BangumiTexts ZhHans = new()
    {
    };
}
