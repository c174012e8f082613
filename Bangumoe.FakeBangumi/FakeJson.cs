using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bangumoe.FakeBangumi;

/// <summary>
/// JSON as Bangumi writes it: snake_case names, nulls written out, UTF-8 text unescaped (Go's encoder does not escape
/// non-ASCII). Bodies whose keys are not snake_case (Fastify's <c>statusCode</c>) are built as <c>JsonObject</c>s.
/// </summary>
internal static class FakeJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter() },
    };
}
