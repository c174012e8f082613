using Bangumoe.Accounts;
using Bangumoe.Bangumi;
using Bangumoe.Collections;
using Bangumoe.Email;
using Bangumoe.Hosting;
using Bangumoe.OAuth;
using Bangumoe.Queues;
using Bangumoe.Security;
using Bangumoe.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Bangumoe;

/// <summary>Each feature's services. Options are validated at start-up; every message names its configuration key.</summary>
public static class ServiceCollectionExtensions
{
    public static IServiceCollection AddHostingCore(this IServiceCollection services)
    {
        services.TryAddSingletonTime();
        services.AddOptions<AppOptions>()
            .Configure<IConfiguration>((o, c) => o.PublicBaseUrl = c["PublicBaseUrl"] ?? "")
            .ValidateWith(AppOptions.Validate);
        return services;
    }

    public static IServiceCollection AddStorage(this IServiceCollection services)
    {
        services.AddOptions<StorageOptions>()
            .Configure<IConfiguration>((o, c) =>
            {
                o.ConnectionString = c["AzureWebJobsStorage"] ?? o.ConnectionString;
                // The identity-based form the Functions host reads (AzureWebJobsStorage__accountName and friends).
                var identity = c.GetSection("AzureWebJobsStorage");
                o.AccountName = identity["accountName"];
                o.TableServiceUri = identity["tableServiceUri"];
                o.QueueServiceUri = identity["queueServiceUri"];
                o.Credential = identity["credential"];
                o.ClientId = identity["clientId"];
                o.NamePrefix = c[StorageOptions.NamePrefixKey] ?? "";
            })
            .ValidateWith(StorageOptions.Validate);
        services.AddSingleton<StorageClients>();
        services.AddSingleton<ExpiredRowSweeper>();
        return services;
    }

    public static IServiceCollection AddQueues(this IServiceCollection services)
    {
        services.AddOptions<QueueOptions>().BindConfiguration("Queues").ValidateWith(QueueOptions.Validate);
        services.AddSingleton<QueueSender>();
        return services;
    }

    public static IServiceCollection AddEmail(this IServiceCollection services)
    {
        services.AddOptions<SmtpOptions>().BindConfiguration("Smtp").ValidateWith(SmtpOptions.Validate);
        services.AddSingleton<EmailOutbox>();
        services.AddSingleton<SmtpEmailSender>();
        services.AddScoped<SendEmailHandler>();
        return services;
    }

    public static IServiceCollection AddSecurity(this IServiceCollection services)
    {
        services.AddOptions<SigningOptions>().BindConfiguration("Signing").ValidateWith(SigningKeyRing.Validate);
        services.AddOptions<PasswordHashingOptions>().BindConfiguration("PasswordHashing").ValidateWith(PasswordHashingOptions.Validate);
        services.AddSingleton<SigningKeyRing>();
        services.AddSingleton<JwtService>();
        services.AddSingleton<PasswordHasher>();
        services.AddSingleton<AccessTokenService>();
        return services;
    }

    public static IServiceCollection AddAccounts(this IServiceCollection services)
    {
        services.AddOptions<AccountOptions>().BindConfiguration("Accounts").ValidateWith(AccountOptions.Validate);
        services.AddOptions<LoginThrottleOptions>().BindConfiguration("LoginThrottle").ValidateWith(LoginThrottleOptions.Validate);
        services.AddSingleton<UserStore>();
        services.AddSingleton<AccountTokens>();
        services.AddSingleton<AccountEmails>();
        services.AddSingleton<LoginThrottle>();
        services.AddSingleton<LoginDevices>();
        services.AddSingleton<AccountMailRequests>();
        services.AddSingleton<AccountService>();
        services.AddScoped<AccountMailRequestHandler>();
        return services;
    }

    public static IServiceCollection AddOAuth(this IServiceCollection services)
    {
        services.AddOptions<OAuthOptions>().BindConfiguration("OAuth").ValidateWith(OAuthOptions.Validate);
        services.AddSingleton<ClientSecrets>();
        services.AddSingleton<ClientService>();
        services.AddSingleton<ClientAuthenticator>();
        services.AddSingleton<ClientAssertions>();
        services.AddSingleton<PushedAuthorizationStore>();
        services.AddSingleton<PushedAuthorizations>();
        services.AddSingleton<AuthorizationCodeStore>();
        services.AddSingleton<RefreshTokenStore>();
        services.AddSingleton<IUserDataOwner>(sp => sp.GetRequiredService<RefreshTokenStore>());
        services.AddSingleton<GrantService>();
        services.AddSingleton<DPoPProofs>();
        services.AddSingleton<TokenService>();
        services.AddSingleton<BrowserSession>();
        services.AddSingleton<EndSessionChecks>();
        services.AddSingleton<AuthorizationFlow>();
        services.AddSingleton<SeedAuthorization>();
        services.AddSingleton<RevocationService>();
        services.AddSingleton<ClientRateLimiter>();
        services.AddSingleton<IUserDataOwner>(sp => sp.GetRequiredService<ClientService>());
        services.AddOptions<DeviceGrantOptions>().BindConfiguration("DeviceGrant").ValidateWith(DeviceGrantOptions.Validate);
        services.AddSingleton<DeviceCodeStore>();
        services.AddSingleton<UserCodeThrottle>();
        services.AddSingleton<DeviceAuthorizationService>();
        services.AddSingleton<DeviceVerification>();
        return services;
    }

    public static IServiceCollection AddCollections(this IServiceCollection services)
    {
        services.AddSingleton<AnimeCatalog>();
        services.AddSingleton<CollectionStore>();
        services.AddSingleton<IUserDataOwner>(sp => sp.GetRequiredService<CollectionStore>());
        services.AddSingleton<CollectionService>();
        return services;
    }

    public static IServiceCollection AddBangumi(this IServiceCollection services)
    {
        services.AddOptions<BangumiOptions>().BindConfiguration("Bangumi").ValidateWith(BangumiOptions.Validate);
        services.AddSingleton<BangumiTokenCipher>();
        services.AddSingleton<BangumiClient>();
        services.AddSingleton<BangumiLinkStore>();
        services.AddSingleton<BangumiBinding>();
        services.AddSingleton<IUserDataOwner>(sp => sp.GetRequiredService<BangumiBinding>());
        services.AddSingleton<BangumiTokenRefresher>();
        services.AddScoped<BangumiImporter>();
        return services;
    }

    /// <summary>Validates at start-up with a function that yields one message per problem.</summary>
    public static OptionsBuilder<T> ValidateWith<T>(this OptionsBuilder<T> builder, Func<T, IEnumerable<string>> validate) where T : class
    {
        builder.Services.AddSingleton<IValidateOptions<T>>(new DelegatingValidator<T>(builder.Name, validate));
        return builder.ValidateOnStart();
    }

    private static void TryAddSingletonTime(this IServiceCollection services)
    {
        if (services.All(d => d.ServiceType != typeof(TimeProvider))) services.AddSingleton(TimeProvider.System);
    }

    private sealed class DelegatingValidator<T>(string? name, Func<T, IEnumerable<string>> validate) : IValidateOptions<T> where T : class
    {
        public ValidateOptionsResult Validate(string? optionsName, T options) =>
            name is not null && name != optionsName ? ValidateOptionsResult.Skip : OptionsValidation.ToResult(validate(options));
    }
}
