using System.Globalization;
using System.Net;
using Bangumoe.Hosting;

namespace Bangumoe.Functions.Hosting;

/// <summary>
/// Where Kestrel listens. Under the Functions host: 127.0.0.1 on the port the host gives in
/// <c>FUNCTIONS_CUSTOMHANDLER_PORT</c> (the host always calls IPv4 loopback). Standalone: the configured <c>Urls</c>,
/// or http://127.0.0.1:7071.
/// </summary>
public static class KestrelSetup
{
    public const int StandalonePort = 7071;

    public static WebApplicationBuilder ConfigureListening(this WebApplicationBuilder builder)
    {
        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            kestrel.AddServerHeader = false;
            var hostPort = context.Configuration[HostingMode.PortVariable];
            if (!string.IsNullOrEmpty(hostPort))
            {
                if (!int.TryParse(hostPort, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
                    throw new InvalidOperationException($"{HostingMode.PortVariable} must be a TCP port number (got '{hostPort}').");
                kestrel.Listen(IPAddress.Loopback, port);
            }
            else if (string.IsNullOrEmpty(context.Configuration["urls"]))
            {
                kestrel.Listen(IPAddress.Loopback, StandalonePort);
            }
        });
        return builder;
    }
}
