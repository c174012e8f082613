namespace Bangumoe.Storage;

/// <summary>
/// Where tables and queues live, read from the settings the Functions host itself uses for its queue triggers, so the
/// host and the app always talk to the same account: either a connection string (<c>AzureWebJobsStorage</c>), or
/// identity-based settings (<c>AzureWebJobsStorage__accountName</c>, or <c>__tableServiceUri</c> and
/// <c>__queueServiceUri</c>, with <c>__credential</c> and <c>__clientId</c>), which win when present.
/// </summary>
public sealed class StorageOptions
{
    /// <summary>
    /// Connection string (key <c>AzureWebJobsStorage</c>). <c>UseDevelopmentStorage=true</c> means Azurite on its
    /// default ports.
    /// </summary>
    public string ConnectionString { get; set; } = "UseDevelopmentStorage=true";

    /// <summary>Identity-based: the account name (key <c>AzureWebJobsStorage:accountName</c>).</summary>
    public string? AccountName { get; set; }

    /// <summary>Identity-based: explicit service URIs (keys <c>AzureWebJobsStorage:tableServiceUri</c>, <c>…:queueServiceUri</c>).</summary>
    public string? TableServiceUri { get; set; }
    public string? QueueServiceUri { get; set; }

    /// <summary>Identity-based: <c>managedidentity</c> to use the app's managed identity (key <c>AzureWebJobsStorage:credential</c>).</summary>
    public string? Credential { get; set; }

    /// <summary>Identity-based: client id of a user-assigned managed identity (key <c>AzureWebJobsStorage:clientId</c>).</summary>
    public string? ClientId { get; set; }

    /// <summary>The setting <see cref="NamePrefix"/> is read from; the queue triggers name it too (<c>%Storage:NamePrefix%</c>),
    /// so the host resolves the same prefix for the queues it polls.</summary>
    public const string NamePrefixKey = "Storage:NamePrefix";

    /// <summary>
    /// Prefix for every table and queue name (key <see cref="NamePrefixKey"/>). Empty in production. Tests set it so
    /// that parallel test apps sharing one Azurite never see each other's rows or messages.
    /// </summary>
    public string NamePrefix { get; set; } = "";

    public bool UsesIdentity => !string.IsNullOrWhiteSpace(AccountName) || !string.IsNullOrWhiteSpace(TableServiceUri) || !string.IsNullOrWhiteSpace(QueueServiceUri);

    public Uri TableUri => Endpoint(TableServiceUri, "table");

    public Uri QueueUri => Endpoint(QueueServiceUri, "queue");

    private Uri Endpoint(string? explicitUri, string service) =>
        !string.IsNullOrWhiteSpace(explicitUri) ? new Uri(explicitUri) : new Uri($"https://{AccountName}.{service}.core.windows.net");

    internal static IEnumerable<string> Validate(StorageOptions o)
    {
        if (o.UsesIdentity)
        {
            if (!string.IsNullOrWhiteSpace(o.AccountName) && !o.AccountName.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c)))
                yield return "AzureWebJobsStorage:accountName must be a storage account name (lowercase letters and digits).";
            if (string.IsNullOrWhiteSpace(o.AccountName) && (string.IsNullOrWhiteSpace(o.TableServiceUri) || string.IsNullOrWhiteSpace(o.QueueServiceUri)))
                yield return "AzureWebJobsStorage:tableServiceUri and AzureWebJobsStorage:queueServiceUri must both be set when AzureWebJobsStorage:accountName is not.";
            foreach (var (key, value) in new[] { ("AzureWebJobsStorage:tableServiceUri", o.TableServiceUri), ("AzureWebJobsStorage:queueServiceUri", o.QueueServiceUri) })
            {
                if (!string.IsNullOrWhiteSpace(value) && (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps))
                    yield return $"{key} must be an absolute https URL (got '{value}').";
            }
        }
        else if (string.IsNullOrWhiteSpace(o.ConnectionString))
        {
            yield return "AzureWebJobsStorage must be a storage connection string (e.g. UseDevelopmentStorage=true), or set AzureWebJobsStorage:accountName for a managed identity.";
        }
        if (!string.IsNullOrWhiteSpace(o.Credential) && !string.Equals(o.Credential, "managedidentity", StringComparison.OrdinalIgnoreCase))
            yield return "AzureWebJobsStorage:credential must be 'managedidentity' or empty.";
        // Table names allow only letters and digits; queue names only lowercase letters, digits and '-'.
        if (o.NamePrefix.Length > 20 || !o.NamePrefix.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c))
            || (o.NamePrefix.Length > 0 && !char.IsAsciiLetterLower(o.NamePrefix[0])))
            yield return "Storage:NamePrefix must be at most 20 lowercase letters and digits, starting with a letter.";
    }
}
