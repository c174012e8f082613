namespace Bangumoe.Functions.Http;

/// <summary>
/// The caller's address, for throttling. The worker's ASP.NET Core integration runs the forwarded-headers middleware
/// for the host in front of it (a loopback proxy), so the connection's remote address is already the client the host
/// (and, in Azure, its front end) reported: the last X-Forwarded-For entry, never one the client made up.
/// </summary>
public static class ClientAddress
{
    public static string Of(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
}
