using System.Collections.Concurrent;
using Azure.Core;
using Azure.Identity;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Microsoft.Extensions.Options;

namespace Bangumoe.Storage;

/// <summary>
/// The storage clients, created once per process. Tables and queues are created on first use (once per name and
/// process), so start-up does no network I/O and a request never pays for a create call twice.
/// </summary>
public sealed class StorageClients
{
    private readonly StorageOptions _options;
    private readonly ConcurrentDictionary<string, Lazy<Task<TableClient>>> _tables = new();
    private readonly ConcurrentDictionary<string, Lazy<Task<QueueClient>>> _queues = new();
    private readonly Lazy<TableServiceClient> _tableService;
    private readonly Lazy<QueueServiceClient> _queueService;
    private readonly Lazy<QueueServiceClient> _rawQueueService;

    public StorageClients(IOptions<StorageOptions> options)
    {
        _options = options.Value;
        var credential = _options.UsesIdentity ? CredentialFor(_options) : null;
        _tableService = new(() => credential is null
            ? new TableServiceClient(_options.ConnectionString, Configure(new TableClientOptions()))
            : new TableServiceClient(_options.TableUri, credential, Configure(new TableClientOptions())));
        // Messages are base64 on the wire: that is what the Functions queue trigger expects (messageEncoding base64).
        _queueService = new(() => Queues(credential, QueueMessageEncoding.Base64));
        // The standalone listener reads raw text so that it can tell a message that is not base64 (poison at once,
        // as the host does) from one that is.
        _rawQueueService = new(() => Queues(credential, QueueMessageEncoding.None));
    }

    /// <summary>The credential of the identity-based settings: the managed identity in Azure (user-assigned when a
    /// client id is given), the developer's own sign-in (Azure CLI, Visual Studio…) elsewhere.</summary>
    internal static TokenCredential CredentialFor(StorageOptions options) =>
        !string.IsNullOrWhiteSpace(options.ClientId)
            ? new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(options.ClientId))
            : string.Equals(options.Credential, "managedidentity", StringComparison.OrdinalIgnoreCase)
                ? new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned)
                : new DefaultAzureCredential();

    private QueueServiceClient Queues(TokenCredential? credential, QueueMessageEncoding encoding)
    {
        var options = Configure(new QueueClientOptions { MessageEncoding = encoding });
        return credential is null
            ? new QueueServiceClient(_options.ConnectionString, options)
            : new QueueServiceClient(_options.QueueUri, credential, options);
    }

    public TableServiceClient TableService => _tableService.Value;

    public QueueServiceClient QueueService => _queueService.Value;

    public string TableName(string name) => _options.NamePrefix + name;

    public string QueueName(string name) => _options.NamePrefix + name;

    /// <summary>The table, created if it does not exist yet (once per process).</summary>
    public Task<TableClient> TableAsync(string name, CancellationToken ct = default) =>
        GetOnce(_tables, TableName(name), async fullName =>
        {
            var client = TableService.GetTableClient(fullName);
            await client.CreateIfNotExistsAsync(ct).ConfigureAwait(false);
            return client;
        });

    /// <summary>The queue (base64 messages), created if it does not exist yet (once per process).</summary>
    public Task<QueueClient> QueueAsync(string name, CancellationToken ct = default) =>
        GetOnce(_queues, QueueName(name), async fullName =>
        {
            var client = QueueService.GetQueueClient(fullName);
            await client.CreateIfNotExistsAsync(cancellationToken: ct).ConfigureAwait(false);
            return client;
        });

    /// <summary>The same queue read as raw text (no base64 decoding by the SDK).</summary>
    public async Task<QueueClient> RawQueueAsync(string name, CancellationToken ct = default)
    {
        var queue = await QueueAsync(name, ct).ConfigureAwait(false);
        return _rawQueueService.Value.GetQueueClient(queue.Name);
    }

    private static async Task<T> GetOnce<T>(ConcurrentDictionary<string, Lazy<Task<T>>> cache, string key, Func<string, Task<T>> create)
    {
        var lazy = cache.GetOrAdd(key, k => new Lazy<Task<T>>(() => create(k)));
        try
        {
            return await lazy.Value.ConfigureAwait(false);
        }
        catch
        {
            // A failed create (storage down, cancelled) must not be cached: the next caller tries again.
            cache.TryRemove(new KeyValuePair<string, Lazy<Task<T>>>(key, lazy));
            throw;
        }
    }

    private static T Configure<T>(T options) where T : ClientOptions
    {
        // Fail fast: a request should not hang for a minute of SDK retries when storage is down.
        options.Retry.MaxRetries = 3;
        options.Retry.Delay = TimeSpan.FromMilliseconds(200);
        options.Retry.MaxDelay = TimeSpan.FromSeconds(2);
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(10);
        return options;
    }
}
