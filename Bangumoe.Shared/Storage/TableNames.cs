namespace Bangumoe.Storage;

/// <summary>
/// Every table and its key design. Each hot path is a point read (PartitionKey + RowKey) or a single-partition query.
/// </summary>
public static class TableNames
{
    /// <summary>
    /// One row per account. PK = uid, RK = "". Read by uid on every authenticated request (token → user).
    /// </summary>
    public const string Users = "Users";

    /// <summary>
    /// Uniqueness claims. PK = "email|{normalized email}" or "uname|{lowercased uname}", RK = "", property Uid.
    /// Inserted with AddEntity, so the store (not a check-then-insert) decides who owns an email or a user name.
    /// A claim counts only while the user row it names exists and still carries that email/uname, so a crash between
    /// writes never locks an address forever: such a stale claim is taken over with an ETag-conditional update.
    /// </summary>
    public const string UserKeys = "UserKeys";

    /// <summary>
    /// Redeemed single-use tokens (verification, reset, email change). PK = jti, RK = "". Redeeming is an insert:
    /// the second redemption of the same jti conflicts, so a race has exactly one winner.
    /// </summary>
    public const string TokenRedemptions = "TokenRedemptions";

    /// <summary>
    /// Failed-login counters, RK = "". PK = "device|{device cookie nonce}" (attempts from a browser that signed into the
    /// account before), or for every other attempt "account-ip|{account}|{client address}", "account|{account}" and
    /// "ip|{client address}", where {account} is the uid or "unknown|{identifier}". Each attempt reads its one or three
    /// rows by point reads. Kept in the table (not in memory) so throttling holds across instances.
    /// </summary>
    public const string LoginAttempts = "LoginAttempts";

    /// <summary>Registered third-party apps. PK = client_id, RK = "". Point read on every OAuth request.</summary>
    public const string Clients = "Clients";

    /// <summary>Each owner's apps. PK = owner uid, RK = client_id: "my apps" is one single-partition query.</summary>
    public const string OwnerClients = "OwnerClients";

    /// <summary>
    /// Authorization codes. PK = SHA-256 of the code, RK = "". Redeemed with an ETag-conditional write: one winner.
    /// </summary>
    public const string AuthorizationCodes = "AuthorizationCodes";

    /// <summary>
    /// Refresh tokens, one row per family (the chain one authorization started). PK = uid, RK = family id; the token is
    /// "{uid}.{family}.{secret}" and the row keeps the SHA-256 of the current secret and of the last ten it replaced.
    /// A refresh is a point read; rotation is one write of the row conditional on its ETag, so concurrent refreshes have
    /// exactly one winner; a retired token presented again is recognised as a reuse. Deleting an account deletes the
    /// partition.
    /// </summary>
    public const string RefreshTokens = "RefreshTokens";

    /// <summary>
    /// Device authorizations (RFC 8628). PK = the user code (8 letters), RK = "": the /device page finds a code by what
    /// the person types, the token endpoint by the user code at the head of the device code (whose SHA-256 the row
    /// keeps). Polls, decisions and the redemption are ETag-conditional writes of the one row: one winner each.
    /// </summary>
    public const string DeviceCodes = "DeviceCodes";

    /// <summary>User-code lookups on /device, counted against guessing. PK = "account|{uid}" or "address|{client
    /// address}", RK = "": one or two point reads per lookup.</summary>
    public const string UserCodeGuesses = "UserCodeGuesses";

    /// <summary>
    /// The anime catalog. PK = "anime" (one partition: an import writes a page of entries as one batch, and the listing
    /// is one ordered range query), RK = id: "bgm-{subject id}" for Bangumi subjects, so an entry is never duplicated,
    /// or "bm-{random}" for entries users add.
    /// </summary>
    public const string Anime = "Anime";

    /// <summary>
    /// Collections. PK = uid; per item an item row (RK "a|{anime id}") and an index row (RK "t|{inverted ticks}|{anime
    /// id}", newest first), written together in one transaction. Listing is one range query; deleting an account
    /// deletes the partition's rows.
    /// </summary>
    public const string Collections = "Collections";

    /// <summary>
    /// Bangumi bindings. PK = uid, RK = "": the bound Bangumi user, the encrypted Bangumi tokens and the state of the
    /// latest import. Every change is ETag-conditional, which is what serializes token refreshes and import runs.
    /// Unbinding keeps the row as a marker without tokens (Unbound, PurgeOnUnbind) for a run still in flight.
    /// </summary>
    public const string BangumiLinks = "BangumiLinks";

    /// <summary>Pending binds. PK = SHA-256 of the OAuth state sent to Bangumi, RK = "", property Uid; consumed by an
    /// ETag-conditional delete, so a state works once.</summary>
    public const string BangumiStates = "BangumiStates";

    /// <summary>private_key_jwt assertions seen. PK = SHA-256 of "{client_id}\n{jti}", RK = "", property ExpiresAt.
    /// Recording one is an insert: a replayed assertion conflicts, so of any number of uses exactly one is accepted.</summary>
    public const string ClientAssertionIds = "ClientAssertionIds";

    /// <summary>Pushed authorization requests (RFC 9126). PK = SHA-256 of the request_uri's random part, RK = "": the
    /// client, the parameters and the expiry. Used once: an ETag-conditional delete, so one browser wins.</summary>
    public const string PushedAuthorizationRequests = "PushedAuthorizationRequests";

    /// <summary>
    /// DPoP proofs seen (RFC 9449 §11.1). PK = SHA-256 of "{jkt} {jti}", RK = "". Accepting a proof is an insert, so a
    /// replayed proof conflicts: one use wins across instances. Rows carry ExpiresAt, after which the proof is too old
    /// to be accepted anyway.
    /// </summary>
    public const string DPoPProofs = "DPoPProofs";
}
