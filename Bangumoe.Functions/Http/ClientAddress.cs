using Bangumoe.Hosting;

namespace Bangumoe.Functions.Http;

/// <summary>
/// The caller's address, for throttling. Behind the Functions host every request comes from loopback, and Azure's
/// front end appends the real client to X-Forwarded-For, so there the last entry is the one to trust (earlier entries
/// are whatever the client sent). Standalone, the socket's address is used unless <c>Network:TrustForwardedFor</c> says
/// a trusted proxy stands in front.
/// </summary>
public static class ClientAddress
{
    public static string Of(HttpContext context)
    {
        var mode = context.RequestServices.GetRequiredService<HostingMode>();
        var config = context.RequestServices.GetRequiredService<IConfiguration>();
        var trust = mode.UnderFunctionsHost || config.GetValue<bool>("Network:TrustForwardedFor");
        if (trust && context.Request.Headers["X-Forwarded-For"].ToString() is { Length: > 0 } forwarded)
        {
            var last = forwarded.Split(',')[^1].Trim();
            if (System.Net.IPEndPoint.TryParse(last, out var endpoint)) return endpoint.Address.ToString();
            if (last.Length is > 0 and <= 64) return last;
        }
        return context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
    }
}
