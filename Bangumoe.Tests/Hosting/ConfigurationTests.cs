using System.Reflection;
using System.Text.Json;
using Bangumoe.Accounts;
using Bangumoe.Email;
using Bangumoe.Queues;
using Bangumoe.Security;
using Bangumoe.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Bangumoe.Tests.Hosting;

public sealed class ConfigurationTests
{
    /// <summary>Each options class and the configuration section it binds.</summary>
    private static readonly (Type Options, string Section)[] Sections =
    [
        (typeof(QueueOptions), "Queues"),
        (typeof(SmtpOptions), "Smtp"),
        (typeof(SigningKeyOptions), "Signing:Keys:0"),
        (typeof(PasswordHashingOptions), "PasswordHashing"),
        (typeof(AccountOptions), "Accounts"),
        (typeof(LoginThrottleOptions), "LoginThrottle"),
        (typeof(Bangumoe.OAuth.OAuthOptions), "OAuth"),
        (typeof(Bangumoe.Bangumi.BangumiOptions), "Bangumi"),
    ];

    /// <summary>Keys read directly rather than through a bound options class.</summary>
    private static readonly string[] DirectKeys =
        ["PublicBaseUrl", "AzureWebJobsStorage", "Storage:NamePrefix", "Network:TrustForwardedFor", "Urls"];

    [Fact]
    public void Every_setting_appears_in_local_settings_sample()
    {
        var sample = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "local.settings.sample.json")));
        var values = sample.RootElement.GetProperty("Values").EnumerateObject().Select(p => p.Name.Replace("__", ":", StringComparison.Ordinal)).ToHashSet();
        Assert.Equal("custom", sample.RootElement.GetProperty("Values").GetProperty("FUNCTIONS_WORKER_RUNTIME").GetString());

        var keys = DirectKeys.Concat(Sections.SelectMany(s =>
            s.Options.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Where(p => p.CanWrite)
                .Select(p => $"{s.Section}:{p.Name}")));
        var missing = keys.Where(k => !values.Contains(k)).ToList();
        Assert.True(missing.Count == 0, "Missing from local.settings.sample.json: " + string.Join(", ", missing));
    }

    /// <summary>
    /// The validation the host runs at start-up (IStartupValidator, which ValidateOnStart registers), run directly on
    /// the app's own service registrations. That start-up really stops is shown by ExecutableTests with the real
    /// process; here every setting's message is checked without racing a host that is being torn down.
    /// </summary>
    [Theory]
    [InlineData("PublicBaseUrl", "ftp://example.com", "PublicBaseUrl")]
    [InlineData("PublicBaseUrl", "https://example.com/?q=1", "PublicBaseUrl")]
    [InlineData("Storage:NamePrefix", "Bad_Prefix", "Storage:NamePrefix")]
    [InlineData("PasswordHashing:Pbkdf2Iterations", "10000", "PasswordHashing:Pbkdf2Iterations")]
    [InlineData("Accounts:AccessTokenLifetime", "30.00:00:00", "Accounts:AccessTokenLifetime")]
    [InlineData("LoginThrottle:AccountMaxFailures", "0", "LoginThrottle:AccountMaxFailures")]
    [InlineData("Smtp:Security", "Maybe", "Smtp:Security")]
    [InlineData("OAuth:CodeLifetime", "01:00:00", "OAuth:CodeLifetime")]
    [InlineData("OAuth:RefreshReuseLeeway", "00:05:00", "OAuth:RefreshReuseLeeway")]
    [InlineData("Signing:Keys:0:PrivateKeyFile", "/nonexistent/key.pem", "Signing:Keys:0")]
    [InlineData("Bangumi:ApiBaseUrl", "api.bgm.tv", "Bangumi:ApiBaseUrl")]
    [InlineData("Bangumi:UserAgent", " ", "Bangumi:UserAgent")]
    [InlineData("Bangumi:ClientId", "bgm123", "Bangumi:ClientSecret")]
    [InlineData("Bangumi:ClientId", "bgm123", "Bangumi:TokenEncryptionKey")]
    [InlineData("Bangumi:MaxAttempts", "0", "Bangumi:MaxAttempts")]
    public void Invalid_settings_fail_start_up_validation_naming_the_key(string key, string value, string named)
    {
        var settings = new Dictionary<string, string?>
        {
            ["PublicBaseUrl"] = "https://id.example.com",
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
            ["Signing:Keys:0:PrivateKeyPem"] = TestKeys.Pem,
            [key] = value,
        };
        if (key.StartsWith("Signing", StringComparison.Ordinal)) settings["Signing:Keys:0:PrivateKeyPem"] = null;
        using var services = Registrations(settings);

        var error = Record.Exception(() => services.GetRequiredService<IStartupValidator>().Validate());
        Assert.NotNull(error);
        Assert.Contains(named, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Valid_settings_pass_start_up_validation()
    {
        using var services = Registrations(new Dictionary<string, string?>
        {
            ["PublicBaseUrl"] = "https://id.example.com",
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
            ["Signing:Keys:0:PrivateKeyPem"] = TestKeys.Pem,
        });
        services.GetRequiredService<IStartupValidator>().Validate();
    }

    private static ServiceProvider Registrations(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging()
            .AddHostingCore().AddStorage().AddQueues().AddEmail().AddSecurity().AddAccounts().AddOAuth().AddCollections().AddBangumi()
            .BuildServiceProvider();
    }
}
