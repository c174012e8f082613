using System.Globalization;
using Bangumoe.Collections;

namespace Bangumoe.Functions.Collections;

/// <summary>The choices of the collect forms (the anime page's and the collection page's in-place one), in the page's language.</summary>
public static class CollectionChoices
{
    public static IReadOnlyList<(string Value, string Text)> Statuses(CollectionTexts c) => CollectionStatus.All.Select(s => (s, c.Status(s))).ToList();

    /// <summary>"No score", then 10 down to 1.</summary>
    public static IReadOnlyList<(string Value, string Text)> Scores(CollectionTexts c) =>
        [("", c.NoScore), .. Enumerable.Range(1, 10).Reverse().Select(n => (n.ToString(CultureInfo.InvariantCulture), n.ToString(CultureInfo.InvariantCulture)))];
}
