using System.Text.Json;

namespace Bangumoe.Collections;

/// <summary>A field of a partial update: absent (keep), or set to a value, where null clears it.</summary>
public readonly record struct Optional<T>(bool IsSet, T? Value)
{
    public static Optional<T> Of(T? value) => new(true, value);

    public T? Or(T? current) => IsSet ? Value : current;
}

/// <summary>
/// The body of <c>PUT /api/me/collection/{anime_id}</c>: <c>status</c> always; the other fields only when present
/// (absent keeps the stored value, null clears it). Parsed from raw JSON because binding to a record cannot tell an
/// absent field from a null one, and so that a wrong type and a wrong value are reported together, by field.
/// </summary>
public sealed record CollectionInput(string Status, Optional<int?> Score, Optional<string?> Comment, Optional<int?> EpisodesWatched, Optional<bool?> Private)
{
    public const int CommentMaxLength = 256;
    public const int MaxEpisodesWatched = 10000;

    /// <param name="episodes">The anime's episode count, when known: episodes_watched may not exceed it.</param>
    public static Result<CollectionInput> Parse(JsonElement body, int? episodes = null)
    {
        var errors = new FieldErrors();
        if (body.ValueKind != JsonValueKind.Object) return Error.Field("body", "Must be a JSON object.");

        string? status = null;
        if (!body.TryGetProperty("status", out var s) || s.ValueKind == JsonValueKind.Null) errors.Add("status", "Required.");
        else if (s.ValueKind != JsonValueKind.String || !CollectionStatus.IsValid(s.GetString()))
            errors.Add("status", "Must be one of: " + string.Join(", ", CollectionStatus.All) + ".");
        else status = s.GetString();

        var score = Int(body, "score", 1, 10, errors, "Must be a whole number from 1 to 10, or null for no score.");
        var watched = episodes is { } total
            ? Int(body, "episodes_watched", 0, total, errors, $"Must be a whole number from 0 to {total}, the number of episodes of this anime.")
            : Int(body, "episodes_watched", 0, MaxEpisodesWatched, errors, $"Must be a whole number from 0 to {MaxEpisodesWatched}.");

        var comment = default(Optional<string?>);
        if (body.TryGetProperty("comment", out var c))
        {
            if (c.ValueKind == JsonValueKind.Null) comment = Optional<string?>.Of(null);
            else if (c.ValueKind != JsonValueKind.String) errors.Add("comment", "Must be text, or null.");
            else
            {
                var text = c.GetString()!.Trim();
                if (text.EnumerateRunes().Count() > CommentMaxLength) errors.Add("comment", $"Must be at most {CommentMaxLength} characters.");
                else if (!Accounts.AccountRules.IsPlainText(text)) errors.Add("comment", "Must not contain control characters.");
                else comment = Optional<string?>.Of(text.Length == 0 ? null : text);
            }
        }

        var isPrivate = default(Optional<bool?>);
        if (body.TryGetProperty("private", out var p))
        {
            if (p.ValueKind is JsonValueKind.True or JsonValueKind.False) isPrivate = Optional<bool?>.Of(p.GetBoolean());
            else if (p.ValueKind == JsonValueKind.Null) isPrivate = Optional<bool?>.Of(null);
            else errors.Add("private", "Must be true or false.");
        }

        return errors.Any ? errors.ToError() : new CollectionInput(status!, score, comment, watched, isPrivate);
    }

    private static Optional<int?> Int(JsonElement body, string name, int min, int max, FieldErrors errors, string message)
    {
        if (!body.TryGetProperty(name, out var value)) return default;
        if (value.ValueKind == JsonValueKind.Null) return Optional<int?>.Of(null);
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n) && n >= min && n <= max) return Optional<int?>.Of(n);
        errors.Add(name, message);
        return default;
    }
}
