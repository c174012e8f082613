using System.Security.Cryptography;
using Bangumoe.Functions;
using Microsoft.Extensions.Hosting;

// The one command besides serving: a development signing key for ./run.sh and for setting up a deployment.
if (args is ["new-signing-key"])
{
    using var rsa = RSA.Create(2048);
    Console.Out.Write(rsa.ExportPkcs8PrivateKeyPem() + "\n");
    return;
}

BangumoeWorker.CreateBuilder(args).Build().Run();
