using System.Security.Cryptography;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Bangumoe.Tests.Infrastructure;

/// <summary>A clock the tests can move forward; real time keeps passing underneath.</summary>
public sealed class TestClock : TimeProvider
{
    private long _offsetTicks;

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow().AddTicks(Interlocked.Read(ref _offsetTicks));

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);
}

/// <summary>The signing key of the test run, so tests can also forge tokens the way an attacker with the key could.</summary>
public static class TestKeys
{
    public static readonly RSA Rsa = RSA.Create(2048);
    public static readonly string Pem = Rsa.ExportPkcs8PrivateKeyPem();
}

/// <summary>
/// Bangumoe in process against the real emulators: the real Program, its real queue listener, real SMTP to MailDev.
/// Each instance has its own storage name prefix, clock and settings.
/// </summary>
public class BangumoeApp(Emulators emulators, IDictionary<string, string?>? overrides = null, Action<IServiceCollection>? services = null)
    : WebApplicationFactory<Program>
{
    public const string PublicBaseUrl = "http://bangumoe.test";

    public Emulators Emulators { get; } = emulators;

    public TestClock Clock { get; } = new();

    public string Prefix { get; } = "t" + Convert.ToHexString(RandomNumberGenerator.GetBytes(5)).ToLowerInvariant();

    public MailDev Mail => Emulators.Mail;

    public Dictionary<string, string?> Settings => new()
    {
        ["PublicBaseUrl"] = PublicBaseUrl,
        ["AzureWebJobsStorage"] = Emulators.StorageConnectionString,
        ["Storage:NamePrefix"] = Prefix,
        ["Smtp:Host"] = "127.0.0.1",
        ["Smtp:Port"] = Emulators.SmtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Signing:Keys:0:PrivateKeyPem"] = TestKeys.Pem,
        ["Queues:MaxPollingInterval"] = "00:00:00.200",
        ["Queues:VisibilityTimeout"] = "00:00:01",
        ["Network:TrustForwardedFor"] = "true",
        ["Logging:LogLevel:Default"] = "Warning",
    };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        var settings = Settings;
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>()) settings[key] = value;
        builder.ConfigureAppConfiguration((_, config) => config.AddInMemoryCollection(settings));
        builder.ConfigureTestServices(collection =>
        {
            collection.AddSingleton<TimeProvider>(Clock);
            services?.Invoke(collection);
        });
    }
}

/// <summary>The app most tests share (one per test class).</summary>
public sealed class DefaultApp(Emulators emulators) : BangumoeApp(emulators);
