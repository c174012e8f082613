using System.Security.Cryptography;

namespace Bangumoe.Functions.Hosting;

/// <summary>The executable's commands besides serving: <c>emit-functions &lt;dir&gt;</c> and <c>new-signing-key</c>.</summary>
public static class Commands
{
    public static bool IsCommand(string[] args) => args is ["emit-functions", ..] or ["new-signing-key", ..];

    /// <summary>Runs a command that needs no app (new-signing-key); null when the app must be built first.</summary>
    public static int? RunWithoutApp(string[] args)
    {
        if (args is not ["new-signing-key", ..]) return null;
        using var rsa = RSA.Create(2048);
        Console.Out.Write(rsa.ExportPkcs8PrivateKeyPem() + "\n");
        return 0;
    }

    public static int RunWithApp(string[] args, WebApplication app)
    {
        if (args is not ["emit-functions", var directory])
        {
            Console.Error.WriteLine("usage: Bangumoe.Functions emit-functions <dir> | new-signing-key");
            return 2;
        }
        // The route builder's sources: the global EndpointDataSource is only filled once the app starts.
        var endpoints = ((IEndpointRouteBuilder)app).DataSources.SelectMany(source => source.Endpoints);
        FunctionMetadata.Write(app.Services, endpoints, directory);
        Console.Out.WriteLine($"Wrote host.json and the function folders to {Path.GetFullPath(directory)}");
        return 0;
    }
}
