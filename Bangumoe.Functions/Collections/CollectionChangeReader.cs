using System.Text.Json;
using Bangumoe.Collections;

namespace Bangumoe.Functions.Collections;

/// <summary>
/// Reads the body of <c>PUT /api/me/collection/{anime_id}</c> from raw JSON, because binding to a record cannot tell an
/// absent field from a null one; a field of the wrong JSON type is marked, so the core reports it with the others.
/// </summary>
public static class CollectionChangeReader
{
    public static CollectionChange Read(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object) return new CollectionChange(default, default, default, default, default, NotAnObject: true);
        return new CollectionChange(
            Field(body, "status", e => e.ValueKind == JsonValueKind.String ? (true, e.GetString()) : (false, null)),
            Field(body, "score", Int),
            Field(body, "comment", e => e.ValueKind == JsonValueKind.String ? (true, e.GetString()) : (false, null)),
            Field(body, "episodes_watched", Int),
            Field(body, "private", e => e.ValueKind is JsonValueKind.True or JsonValueKind.False ? (true, e.GetBoolean()) : (false, (bool?)null)));
    }

    /// <summary>A whole JSON number that fits an int; anything else (text, 1.5, 1e10) is the wrong type.</summary>
    private static (bool, int?) Int(JsonElement e) =>
        e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out var n) ? (true, n) : (false, null);

    private static Optional<T?> Field<T>(JsonElement body, string name, Func<JsonElement, (bool Ok, T? Value)> read)
    {
        if (!body.TryGetProperty(name, out var value)) return default;
        if (value.ValueKind == JsonValueKind.Null) return Optional<T?>.Of(default);
        var (ok, result) = read(value);
        return ok ? Optional<T?>.Of(result) : Optional<T?>.Malformed;
    }
}
