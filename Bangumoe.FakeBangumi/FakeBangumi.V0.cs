using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.WebUtilities;

namespace Bangumoe.FakeBangumi;

/// <summary>The v0 API (api.bgm.tv), after bangumi/server: COLLECTIONS.md §1–§5.</summary>
public sealed partial class FakeBangumi
{
    private const string ExpiredTokenMessage = "access token has been expired or doesn't exist";

    private const string DefaultUserAgentMessage = "using HTTP request library's default User-Agent is forbidden, " +
        "please read the document for User-Agent suggestion https://github.com/bangumi/api/blob/master/docs-raw/user%20agent.md";

    private static readonly string[] BlockedUserAgents = ["undici", "database", "node-fetch"];

    private static readonly string[] BlockedUserAgentPrefixes =
        ["Java/", "axios/", "okhttp/", "go-resty/", "Faraday v", "node-fetch/", "Go-http-client/", "python-requests/", "Apache-HttpClient/"];

    private static readonly TimeSpan Utc8 = TimeSpan.FromHours(8);

    private async Task V0Async(HttpContext context, string path)
    {
        // "", "v0", "users", "{username}", "collections"[, "{subject_id}"]
        var segments = path.Split('/');
        var isList = segments is ["", "v0", "users", { Length: > 0 }, "collections"];
        var isItem = segments is ["", "v0", "users", { Length: > 0 }, "collections", { Length: > 0 }];
        var isMe = segments is ["", "v0", "me"];

        if (isList && Options.PageDelay > TimeSpan.Zero) await Task.Delay(Options.PageDelay, context.RequestAborted).ConfigureAwait(false);

        // bangumi/server web/mw/ua: every route, before anything else.
        var userAgent = context.Request.Headers.UserAgent.ToString();
        if (userAgent.Length == 0)
        {
            await WriteV0ErrorAsync(context, StatusCodes.Status403Forbidden, "Please set a 'User-Agent'").ConfigureAwait(false);
            return;
        }
        if (BlockedUserAgents.Contains(userAgent, StringComparer.Ordinal) ||
            BlockedUserAgentPrefixes.Any(prefix => userAgent.StartsWith(prefix, StringComparison.Ordinal)))
        {
            await WriteV0ErrorAsync(context, StatusCodes.Status403Forbidden, DefaultUserAgentMessage).ConfigureAwait(false);
            return;
        }

        // bangumi/server web/handler/common/access_token.go: a bad token is a 401 even on public endpoints.
        var (authError, viewer, grant) = Authenticate(context);
        if (authError is not null)
        {
            await WriteV0ErrorAsync(context, StatusCodes.Status401Unauthorized, authError).ConfigureAwait(false);
            return;
        }

        if (!isList && !isItem && !isMe)
        {
            await WriteV0ErrorAsync(context, StatusCodes.Status404NotFound,
                "This is default response, if you see this response, please check your request", requestId: false).ConfigureAwait(false);
            return;
        }
        if (!HttpMethods.IsGet(context.Request.Method))
        {
            await WriteV0ErrorAsync(context, StatusCodes.Status405MethodNotAllowed, "Method Not Allowed").ConfigureAwait(false);
            return;
        }

        if (isMe) await MeAsync(context, viewer).ConfigureAwait(false);
        else if (isList) await ListCollectionsAsync(context, segments[3], viewer).ConfigureAwait(false);
        else await GetCollectionAsync(context, segments[3], segments[5], viewer).ConfigureAwait(false);

        if (grant is not null && context.Response.StatusCode is >= 200 and < 300)
        {
            lock (_gate)
            {
                if (grant.RemainingUses is { } left)
                {
                    grant.RemainingUses = Math.Max(0, left - 1);
                    if (grant.RemainingUses == 0) grant.Expired = true;
                }
            }
        }
    }

    private (string? Error, FakeUser? User, AccessTokenGrant? Grant) Authenticate(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (header.Length == 0) return (null, null, null);
        var space = header.IndexOf(' ', StringComparison.Ordinal);
        if (space < 0) return ("invalid http Authorization header, missing scope or missing token", null, null);
        if (header[..space] != "Bearer") return ("http Authorization header has wrong scope", null, null);
        var token = header[(space + 1)..];
        lock (_gate)
        {
            if (_accessTokens.TryGetValue(token, out var grant) && grant.IsValid(DateTimeOffset.UtcNow) && _usersById.TryGetValue(grant.UserId, out var user))
                return (null, user, grant);
        }
        return (ExpiredTokenMessage, null, null);
    }

    private static string? PresentedToken(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        var space = header.IndexOf(' ', StringComparison.Ordinal);
        return space < 0 ? null : header[(space + 1)..];
    }

    private static Task MeAsync(HttpContext context, FakeUser? viewer)
    {
        if (viewer is null) return WriteV0ErrorAsync(context, StatusCodes.Status401Unauthorized, "need Login");
        var avatar = AvatarPath(viewer.Id);
        return WriteJsonAsync(context, StatusCodes.Status200OK, new
        {
            Avatar = new
            {
                Large = $"https://lain.bgm.tv/pic/user/l/{avatar}?r=1391790456",
                Medium = $"https://lain.bgm.tv/pic/user/m/{avatar}?r=1391790456",
                Small = $"https://lain.bgm.tv/pic/user/s/{avatar}?r=1391790456",
            },
            viewer.Sign,
            Url = "https://bgm.tv/user/" + viewer.Username,
            viewer.Username,
            viewer.Nickname,
            viewer.Id,
            UserGroup = 10,
            RegTime = Time(new DateTimeOffset(2017, 12, 3, 8, 51, 16, Utc8).AddDays(viewer.Id - 1)),
            viewer.Email,
            TimeOffset = 8,
        });
    }

    /// <summary>Bangumi's avatar path: the id zero-padded to 9 digits, split 3/2/2, then the id (1 → 000/00/00/1.jpg).</summary>
    private static string AvatarPath(int id)
    {
        var padded = id.ToString("D9", CultureInfo.InvariantCulture);
        return $"{padded[..3]}/{padded[3..5]}/{padded[5..7]}/{id.ToString(CultureInfo.InvariantCulture)}.jpg";
    }

    /// <summary>bangumi/server web/handler/user/list_subject_collections.go, including the order of its checks.</summary>
    private async Task ListCollectionsAsync(HttpContext context, string username, FakeUser? viewer)
    {
        var query = context.Request.Query;
        var (page, error) = ParsePage(query, Options.MaxLimit);
        var subjectType = 0;
        var collectionType = 0;
        error ??= ParseSubjectType(First(query, "subject_type"), out subjectType);
        error ??= ParseCollectionType(First(query, "type"), out collectionType);
        if (error is not null)
        {
            await WriteV0ErrorAsync(context, StatusCodes.Status400BadRequest, error).ConfigureAwait(false);
            return;
        }

        if (FindUser(username) is not { } owner)
        {
            await WriteV0ErrorAsync(context, StatusCodes.Status404NotFound, "user doesn't exist or has been removed").ConfigureAwait(false);
            return;
        }

        var showPrivate = viewer is not null && viewer.Id == owner.Id;
        var rows = owner.Snapshot()
            .Where(i => i.Type is >= 1 and <= 5)
            .Where(i => subjectType == 0 || i.SubjectType == subjectType)
            .Where(i => collectionType == 0 || i.Type == collectionType)
            .Where(i => showPrivate || !i.Private)
            .OrderByDescending(i => i.UpdatedAt)
            .ToList();
        var total = rows.Count;
        if (total == 0)
        {
            await WriteJsonAsync(context, StatusCodes.Status200OK, new { Data = Array.Empty<object>(), Total = 0, page.Limit, page.Offset }).ConfigureAwait(false);
            return;
        }
        if (page.Offset > total)
        {
            await WriteV0ErrorAsync(context, StatusCodes.Status400BadRequest,
                "offset should be less than or equal to " + total.ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
            return;
        }

        var data = rows.Skip((int)page.Offset).Take((int)Math.Min(page.Limit, int.MaxValue)).Where(i => !i.SubjectMissing).ToList();
        if (context.Items[DropItemsKey] is int drop && drop > 0)
        {
            var dropped = Math.Min(drop, data.Count);
            data.RemoveRange(data.Count - dropped, dropped);
        }
        await WriteJsonAsync(context, StatusCodes.Status200OK, new { Data = data.Select(ToJson).ToList(), Total = total, page.Limit, page.Offset }).ConfigureAwait(false);
    }

    /// <summary><c>GET /v0/users/{username}/collections/{subject_id}</c> (bangumi/server get_subject_collection.go).</summary>
    private async Task GetCollectionAsync(HttpContext context, string username, string rawSubjectId, FakeUser? viewer)
    {
        if (!uint.TryParse(rawSubjectId, NumberStyles.None, CultureInfo.InvariantCulture, out var subjectId) || subjectId == 0)
        {
            await WriteV0ErrorAsync(context, StatusCodes.Status400BadRequest, GoQuote(rawSubjectId) + " is not valid ID").ConfigureAwait(false);
            return;
        }
        if (FindUser(username) is not { } owner)
        {
            await WriteV0ErrorAsync(context, StatusCodes.Status404NotFound, "user doesn't exist or has been removed").ConfigureAwait(false);
            return;
        }
        var showPrivate = viewer is not null && viewer.Id == owner.Id;
        var item = owner.Snapshot().FirstOrDefault(i =>
            i.SubjectId == subjectId && i.Type is >= 1 and <= 5 && !i.SubjectMissing && (showPrivate || !i.Private));
        if (item is null) await WriteV0ErrorAsync(context, StatusCodes.Status404NotFound, "subject is not collected by user").ConfigureAwait(false);
        else await WriteJsonAsync(context, StatusCodes.Status200OK, ToJson(item)).ConfigureAwait(false);
    }

    /// <summary>bangumi/server web/req/page.go <c>GetPageQuery</c>: limit first, then offset.</summary>
    private static ((long Limit, long Offset) Page, string? Error) ParsePage(IQueryCollection query, int maxLimit)
    {
        long limit = 30, offset = 0;
        if (First(query, "limit") is { Length: > 0 } rawLimit)
        {
            if (!long.TryParse(rawLimit, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out limit))
                return ((limit, offset), "can't parse query args limit as int: " + GoQuote(rawLimit));
            if (limit > maxLimit) return ((limit, offset), "limit should less equal than " + maxLimit.ToString(CultureInfo.InvariantCulture));
            if (limit <= 0) return ((limit, offset), "limit should be greater than zero");
        }
        if (First(query, "offset") is { Length: > 0 } rawOffset)
        {
            if (!long.TryParse(rawOffset, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out offset))
                return ((limit, offset), "can't parse query args offset as int: " + GoQuote(rawOffset));
            if (offset < 0) return ((limit, offset), "offset should be greater than or equal to 0");
        }
        return ((limit, offset), null);
    }

    /// <summary>bangumi/server web/req/query_parse.go <c>ParseSubjectType</c>: 1, 2, 3, 4, 6 (there is no 5); "" = all.</summary>
    private static string? ParseSubjectType(string? raw, out int subjectType)
    {
        subjectType = 0;
        if (string.IsNullOrEmpty(raw)) return null;
        if (!byte.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var value)) return "bad subject type: " + GoQuote(raw);
        if (value is not (1 or 2 or 3 or 4 or 6)) return GoQuote(raw) + " is not a valid subject type";
        subjectType = value;
        return null;
    }

    /// <summary>
    /// bangumi/server <c>ParseCollectionType</c>: 0..5, "" = all. The missing space in its message is the server's own.
    /// </summary>
    private static string? ParseCollectionType(string? raw, out int collectionType)
    {
        collectionType = 0;
        if (string.IsNullOrEmpty(raw)) return null;
        if (!byte.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var value)) return "bad collection type: " + GoQuote(raw);
        if (value > 5) return GoQuote(raw) + "is not a valid collection type";
        collectionType = value;
        return null;
    }

    /// <summary>Go's <c>strconv.Quote</c>, for the characters that matter here.</summary>
    private static string GoQuote(string value) => "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    /// <summary>A collection item in the field order of bangumi/server's serializers (COLLECTIONS.md §9 B).</summary>
    private static object ToJson(FakeCollectionItem item) => new
    {
        UpdatedAt = Time(item.UpdatedAt),
        Comment = string.IsNullOrEmpty(item.Comment) ? null : item.Comment,
        Tags = item.Tags ?? [],
        Subject = new
        {
            item.Date,
            Images = Images(item),
            item.Name,
            item.NameCn,
            item.ShortSummary,
            Tags = (item.SubjectTags ?? []).Select(t => new { t.Name, t.Count, t.TotalCount }).ToList(),
            item.Score,
            Type = item.SubjectType,
            Id = item.SubjectId,
            item.Eps,
            item.Volumes,
            item.CollectionTotal,
            item.Rank,
        },
        item.SubjectId,
        item.VolStatus,
        item.EpStatus,
        item.SubjectType,
        item.Type,
        item.Rate,
        item.Private,
    };

    private static object Images(FakeCollectionItem item)
    {
        if (!item.HasImages) return new { Small = "", Grid = "", Large = "", Medium = "", Common = "" };
        var id = item.SubjectId;
        var path = string.Create(CultureInfo.InvariantCulture, $"{id % 256:x2}/{id / 256 % 256:x2}/{id}_fake.jpg");
        return new
        {
            Small = "https://lain.bgm.tv/r/200/pic/cover/l/" + path,
            Grid = "https://lain.bgm.tv/r/100/pic/cover/l/" + path,
            Large = "https://lain.bgm.tv/pic/cover/l/" + path,
            Medium = "https://lain.bgm.tv/r/800/pic/cover/l/" + path,
            Common = "https://lain.bgm.tv/r/400/pic/cover/l/" + path,
        };
    }

    /// <summary>Whole seconds at +08:00, e.g. <c>2022-06-19T18:44:13+08:00</c>.</summary>
    private static string Time(DateTimeOffset time) =>
        time.ToOffset(Utc8).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);

    /// <summary>
    /// The ErrorDetail body of bangumi/server web/error.go: <c>{"title","details":{"path","method"[,"query_string"][,"error"]},
    /// "request_id","description"}</c>.
    /// </summary>
    private static Task WriteV0ErrorAsync(HttpContext context, int status, string description, string? error = null, bool requestId = true)
    {
        var request = context.Request;
        var details = new JsonObject { ["path"] = request.Path.Value, ["method"] = request.Method };
        if (RawQuery(request) is { Length: > 0 } query) details["query_string"] = query;
        if (error is not null) details["error"] = error;
        var body = new JsonObject { ["title"] = ReasonPhrases.GetReasonPhrase(status), ["details"] = details };
        if (requestId) body["request_id"] = request.Headers["Cf-Ray"] is { Count: > 0 } ray ? ray.ToString() : NewRequestId();
        body["description"] = description;
        return WriteJsonAsync(context, status, body);
    }

    /// <summary>Looks like a Cloudflare ray id (production's request_id).</summary>
    private static string NewRequestId() => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8)) + "-FAKE";
}
