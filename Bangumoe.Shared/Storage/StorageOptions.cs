namespace Bangumoe.Storage;

/// <summary>Where tables and queues live.</summary>
public sealed class StorageOptions
{
    /// <summary>
    /// Connection string of the storage account (configuration key <c>AzureWebJobsStorage</c>, the same setting the
    /// Functions host uses for its queue triggers). <c>UseDevelopmentStorage=true</c> means Azurite on its default ports.
    /// </summary>
    public string ConnectionString { get; set; } = "UseDevelopmentStorage=true";

    /// <summary>
    /// Prefix for every table and queue name (key <c>Storage:NamePrefix</c>). Empty in production: the Functions
    /// host's queue triggers name the unprefixed queues. Tests set it so that parallel test apps sharing one Azurite
    /// never see each other's rows or messages.
    /// </summary>
    public string NamePrefix { get; set; } = "";

    internal static IEnumerable<string> Validate(StorageOptions o)
    {
        if (string.IsNullOrWhiteSpace(o.ConnectionString))
            yield return "AzureWebJobsStorage must be a storage connection string (e.g. UseDevelopmentStorage=true).";
        // Table names allow only letters and digits; queue names only lowercase letters, digits and '-'.
        if (o.NamePrefix.Length > 20 || !o.NamePrefix.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c))
            || (o.NamePrefix.Length > 0 && !char.IsAsciiLetterLower(o.NamePrefix[0])))
            yield return "Storage:NamePrefix must be at most 20 lowercase letters and digits, starting with a letter.";
    }
}
