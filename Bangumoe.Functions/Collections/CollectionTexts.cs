namespace Bangumoe.Functions.Collections;

/// <summary>What the anime, collection and public profile pages say (see <see cref="Pages.Texts"/>).</summary>
public sealed record CollectionTexts
{
    public static readonly CollectionTexts En = new()
    {
    };

    public static readonly CollectionTexts ZhHans = new()
    {
    };
}
