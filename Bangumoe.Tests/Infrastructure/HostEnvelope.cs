using System.Net.Http.Headers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Bangumoe.Tests.Infrastructure;

/// <summary>
/// The request the Functions host sends a custom handler for one queue message: POST /{FunctionName} with
/// {"Data":{"message": JsonConvert.SerializeObject(messageText)},"Metadata":{…}} — the message text is a JSON string
/// literal inside a JSON string, i.e. encoded twice — plus the host's invocation headers.
/// </summary>
public static class HostEnvelope
{
    private static readonly JsonSerializerOptions Newtonsoftish = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static HttpRequestMessage For(string functionName, string messageText, int dequeueCount = 1, bool withHostHeaders = true)
    {
        var now = DateTimeOffset.UtcNow;
        var envelope = new Dictionary<string, object>
        {
            ["Data"] = new Dictionary<string, object> { ["message"] = JsonSerializer.Serialize(messageText, Newtonsoftish) },
            ["Metadata"] = new Dictionary<string, object>
            {
                ["DequeueCount"] = dequeueCount,
                ["ExpirationTime"] = now.AddDays(7).ToString("yyyy-MM-ddTHH:mm:ss+00:00", System.Globalization.CultureInfo.InvariantCulture),
                ["Id"] = Guid.NewGuid().ToString(),
                ["InsertionTime"] = now.ToString("yyyy-MM-ddTHH:mm:ss+00:00", System.Globalization.CultureInfo.InvariantCulture),
                ["NextVisibleTime"] = now.AddMinutes(10).ToString("yyyy-MM-ddTHH:mm:ss+00:00", System.Globalization.CultureInfo.InvariantCulture),
                ["PopReceipt"] = "AgAAAAMAAAAAAAAA",
                ["sys"] = new Dictionary<string, object>
                {
                    ["MethodName"] = functionName,
                    ["UtcNow"] = now.ToString("o", System.Globalization.CultureInfo.InvariantCulture),
                    ["RandGuid"] = Guid.NewGuid().ToString(),
                },
            },
        };
        var request = new HttpRequestMessage(HttpMethod.Post, "/" + functionName)
        {
            Content = new StringContent(JsonSerializer.Serialize(envelope, Newtonsoftish), Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
        };
        if (withHostHeaders)
        {
            request.Headers.Add("X-Azure-Functions-InvocationId", Guid.NewGuid().ToString());
            request.Headers.Add("X-Azure-Functions-HostVersion", "4.1040.300.0");
            request.Headers.UserAgent.ParseAdd("Azure-Functions-Host/4.1040.300.0");
        }
        return request;
    }

    /// <summary>An outbox message as EmailOutbox writes it (camelCase JSON of EmailMessage).</summary>
    public static string EmailMessage(string to, string subject) => JsonSerializer.Serialize(new
    {
        to,
        subject,
        textBody = "Hello from the queue envelope test.",
        htmlBody = "<p>Hello from the queue envelope test.</p>",
    });
}
