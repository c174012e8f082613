namespace Bangumoe.Collections;

/// <summary>
/// A field of a partial update as the client sent it: absent (keep the stored value), set to a value (where null
/// clears it), or of the wrong type (reported with the other field errors).
/// </summary>
public readonly record struct Optional<T>(bool IsSet, T? Value, bool WrongType = false)
{
    public static Optional<T> Of(T? value) => new(true, value);

    public static readonly Optional<T> Malformed = new(false, default, WrongType: true);

    public T? Or(T? current) => IsSet ? Value : current;
}

/// <summary>
/// <c>PUT /api/me/collection/{anime_id}</c> as the endpoint read it: <c>status</c> always; the other fields only when
/// present. <paramref name="NotAnObject"/> when the body was JSON but not an object.
/// </summary>
public sealed record CollectionChange(Optional<string?> Status, Optional<int?> Score, Optional<string?> Comment, Optional<int?> EpisodesWatched,
    Optional<bool?> Private, bool NotAnObject = false);

/// <summary>A validated collection change: every field error is reported at once, by field.</summary>
public sealed record CollectionInput(string Status, Optional<int?> Score, Optional<string?> Comment, Optional<int?> EpisodesWatched, Optional<bool?> Private)
{
    public const int CommentMaxLength = 256;
    public const int MaxEpisodesWatched = 10000;

    /// <param name="episodes">The anime's episode count, when known: episodes_watched may not exceed it.</param>
    public static Result<CollectionInput> Validate(CollectionChange change, int? episodes = null)
    {
        if (change.NotAnObject) return Error.Field("body", "Must be a JSON object.");
        var errors = new FieldErrors();

        var status = change.Status;
        if (status.WrongType || (status.IsSet && status.Value is not null && !CollectionStatus.IsValid(status.Value)))
            errors.Add("status", "Must be one of: " + string.Join(", ", CollectionStatus.All) + ".");
        else if (!status.IsSet || status.Value is null) errors.Add("status", "Required.");

        var score = Range(change.Score, "score", 1, 10, errors, "Must be a whole number from 1 to 10, or null for no score.");
        var watched = episodes is { } total
            ? Range(change.EpisodesWatched, "episodes_watched", 0, total, errors, $"Must be a whole number from 0 to {total}, the number of episodes of this anime.")
            : Range(change.EpisodesWatched, "episodes_watched", 0, MaxEpisodesWatched, errors, $"Must be a whole number from 0 to {MaxEpisodesWatched}.");

        var comment = change.Comment;
        if (comment.WrongType) errors.Add("comment", "Must be text, or null.");
        else if (comment is { IsSet: true, Value: { } raw })
        {
            var text = raw.Trim();
            if (text.EnumerateRunes().Count() > CommentMaxLength) errors.Add("comment", $"Must be at most {CommentMaxLength} characters.");
            else if (!Accounts.AccountRules.IsPlainText(text)) errors.Add("comment", "Must not contain control characters.");
            else comment = Optional<string?>.Of(text.Length == 0 ? null : text);
        }

        if (change.Private.WrongType) errors.Add("private", "Must be true or false.");

        return errors.Any ? errors.ToError() : new CollectionInput(status.Value!, score, comment, watched, change.Private);
    }

    private static Optional<int?> Range(Optional<int?> value, string name, int min, int max, FieldErrors errors, string message)
    {
        if (value.WrongType || (value.Value is { } n && (n < min || n > max))) errors.Add(name, message);
        return value;
    }
}
