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
        (typeof(Bangumoe.OAuth.DeviceGrantOptions), "DeviceGrant"),
        (typeof(Bangumoe.Bangumi.BangumiOptions), "Bangumi"),
    ];

    /// <summary>Keys read directly rather than through a bound options class.</summary>
    private static readonly string[] DirectKeys =
        ["PublicBaseUrl", "AzureWebJobsStorage", "Storage:NamePrefix"];

    [Fact]
    public void Every_setting_appears_in_local_settings_sample()
    {
        var sample = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "local.settings.sample.json")));
        var values = sample.RootElement.GetProperty("Values").EnumerateObject().Select(p => p.Name.Replace("__", ":", StringComparison.Ordinal)).ToHashSet();
        Assert.Equal("dotnet-isolated", sample.RootElement.GetProperty("Values").GetProperty("FUNCTIONS_WORKER_RUNTIME").GetString());

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
    [InlineData("LoginThrottle:AccountAddressMaxFailures", "0", "LoginThrottle:AccountAddressMaxFailures")]
    [InlineData("LoginThrottle:DeviceMaxFailures", "-1", "LoginThrottle:DeviceMaxFailures")]
    [InlineData("LoginThrottle:DeviceCookieLifetime", "500.00:00:00", "LoginThrottle:DeviceCookieLifetime")]
    [InlineData("Smtp:Security", "Maybe", "Smtp:Security")]
    [InlineData("OAuth:CodeLifetime", "01:00:00", "OAuth:CodeLifetime")]
    [InlineData("OAuth:RefreshReuseLeeway", "00:05:00", "OAuth:RefreshReuseLeeway")]
    [InlineData("DeviceGrant:PollingInterval", "00:00:02.500", "DeviceGrant:PollingInterval")]
    [InlineData("DeviceGrant:WrongCodesPerAccount", "0", "DeviceGrant:WrongCodesPerAccount")]
    [InlineData("Signing:Keys:0:PrivateKeyFile", "/nonexistent/key.pem", "Signing:Keys:0")]
    [InlineData("AzureWebJobsStorage:accountName", "Not_An_Account", "AzureWebJobsStorage:accountName")]
    [InlineData("AzureWebJobsStorage:tableServiceUri", "http://acct.table.core.windows.net", "AzureWebJobsStorage:queueServiceUri")]
    [InlineData("AzureWebJobsStorage:credential", "accountkey", "AzureWebJobsStorage:credential")]
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

    [Fact]
    public void Identity_based_storage_settings_win_over_the_connection_string()
    {
        var clientId = Guid.NewGuid().ToString();
        using var services = Registrations(new Dictionary<string, string?>
        {
            ["PublicBaseUrl"] = "https://id.example.com",
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
            ["AzureWebJobsStorage:accountName"] = "stbgmdev",
            ["AzureWebJobsStorage:credential"] = "managedidentity",
            ["AzureWebJobsStorage:clientId"] = clientId,
            ["Signing:Keys:0:PrivateKeyPem"] = TestKeys.Pem,
        });
        services.GetRequiredService<IStartupValidator>().Validate();
        var storage = services.GetRequiredService<Bangumoe.Storage.StorageClients>();
        Assert.Equal("https://stbgmdev.table.core.windows.net/", storage.TableService.Uri.ToString());
        Assert.Equal("https://stbgmdev.queue.core.windows.net/", storage.QueueService.Uri.ToString());
        Assert.Equal("stbgmdev", storage.TableService.AccountName);
        var options = services.GetRequiredService<IOptions<Bangumoe.Storage.StorageOptions>>().Value;
        Assert.IsType<Azure.Identity.ManagedIdentityCredential>(Bangumoe.Storage.StorageClients.CredentialFor(options));
        Assert.IsType<Azure.Identity.DefaultAzureCredential>(Bangumoe.Storage.StorageClients.CredentialFor(new Bangumoe.Storage.StorageOptions { AccountName = "stbgmdev" }));
    }

    [Fact]
    public void Explicit_service_uris_are_used_as_given_and_without_identity_settings_the_connection_string_is()
    {
        using (var identity = Registrations(new Dictionary<string, string?>
        {
            ["PublicBaseUrl"] = "https://id.example.com",
            ["AzureWebJobsStorage:tableServiceUri"] = "https://tables.example.net/",
            ["AzureWebJobsStorage:queueServiceUri"] = "https://queues.example.net/",
            ["Signing:Keys:0:PrivateKeyPem"] = TestKeys.Pem,
        }))
        {
            identity.GetRequiredService<IStartupValidator>().Validate();
            var storage = identity.GetRequiredService<Bangumoe.Storage.StorageClients>();
            Assert.Equal("https://tables.example.net/", storage.TableService.Uri.ToString());
            Assert.Equal("https://queues.example.net/", storage.QueueService.Uri.ToString());
        }
        using var connectionString = Registrations(new Dictionary<string, string?>
        {
            ["PublicBaseUrl"] = "https://id.example.com",
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
            ["Signing:Keys:0:PrivateKeyPem"] = TestKeys.Pem,
        });
        Assert.Equal("http://127.0.0.1:10002/devstoreaccount1", connectionString.GetRequiredService<Bangumoe.Storage.StorageClients>().TableService.Uri.ToString().TrimEnd('/'));
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
