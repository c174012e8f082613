using System.Globalization;

namespace Bangumoe.Functions.Http;

/// <summary>RFC 9457 problem details for the app API. Each <see cref="Error.Code"/> becomes a stable problem type URI.</summary>
public static class Problems
{
    public const string TypePrefix = "urn:bangumoe:problem:";

    /// <summary>Retry-After in whole seconds, at least one (a fraction of a second would read as "now").</summary>
    public static void SetRetryAfter(this HttpResponse response, TimeSpan wait) =>
        response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);

    public static IResult ToProblem(this Error error, HttpContext context)
    {
        if (error.RetryAfter is { } wait) context.Response.SetRetryAfter(wait);
        var status = error.Kind switch
        {
            ErrorKind.Validation => StatusCodes.Status400BadRequest,
            ErrorKind.Unauthorized => StatusCodes.Status401Unauthorized,
            ErrorKind.Forbidden => StatusCodes.Status403Forbidden,
            ErrorKind.NotFound => StatusCodes.Status404NotFound,
            ErrorKind.Conflict => StatusCodes.Status409Conflict,
            ErrorKind.TooManyRequests => StatusCodes.Status429TooManyRequests,
            _ => StatusCodes.Status400BadRequest,
        };
        return Status(status, error.Code, error.Message, error.FieldErrors);
    }

    /// <param name="fieldErrors">Travel as "errors" (the shape of ASP.NET's ValidationProblemDetails) whatever the status.</param>
    public static IResult Status(int status, string code, string title, IReadOnlyDictionary<string, string[]>? fieldErrors = null) =>
        TypedResults.Problem(title: title, statusCode: status, type: TypePrefix + code,
            extensions: fieldErrors is null ? null : new Dictionary<string, object?> { ["errors"] = fieldErrors });
}
