using System.Globalization;

namespace Bangumoe.FakeBangumi;

/// <summary>
/// A Bangumi user of the fake. <see cref="Collections"/> is a plain list: the fake locks on the list itself while it
/// reads it, so a test that changes it while requests are in flight should do the same (<c>lock (user.Collections)</c>).
/// </summary>
public sealed class FakeUser
{
    /// <summary>Where generated and defaulted <c>updated_at</c> values start: 2025-06-01 12:00:00 +08:00.</summary>
    private static readonly DateTimeOffset BaseTime = new(2025, 6, 1, 12, 0, 0, TimeSpan.FromHours(8));

    internal FakeUser(int id, string username, string nickname)
    {
        Id = id;
        Username = username;
        Nickname = nickname;
        Email = username + "@example.com";
    }

    public int Id { get; }

    public string Username { get; }

    public string Nickname { get; }

    /// <summary>Profile signature (<c>sign</c> on <c>/v0/me</c>).</summary>
    public string Sign { get; set; } = "";

    /// <summary>E-mail address (<c>email</c> on <c>/v0/me</c>).</summary>
    public string Email { get; set; }

    /// <summary>Every subject collection of the user, in any order (the API sorts by <c>updated_at</c>, newest first).</summary>
    public List<FakeCollectionItem> Collections { get; } = [];

    /// <summary>
    /// Adds one collection item. Without <paramref name="updatedAt"/> the item gets a time one minute after the newest
    /// item the user has, so items added one after another come back newest first. <paramref name="name"/> defaults to
    /// "Anime {subjectId}".
    /// </summary>
    public FakeCollectionItem AddAnime(int subjectId, int type, int rate = 0, string? comment = null, int epStatus = 0, bool isPrivate = false,
        string? name = null, string nameCn = "", int eps = 12, string? date = "2020-01-01", bool withImages = true,
        DateTimeOffset? updatedAt = null, int subjectType = 2)
    {
        lock (Collections)
        {
            var time = updatedAt is { } given
                ? WholeSeconds(given)
                : Collections.Count == 0 ? BaseTime : Collections.Max(c => c.UpdatedAt).AddMinutes(1);
            var item = new FakeCollectionItem(subjectId, type, rate, comment, epStatus, isPrivate, time)
            {
                SubjectType = subjectType,
                Name = name ?? "Anime " + subjectId.ToString(CultureInfo.InvariantCulture),
                NameCn = nameCn,
                Eps = eps,
                Date = date,
                HasImages = withImages,
                ShortSummary = withImages ? "A subject of the fake Bangumi." : "",
                Score = withImages ? 7.5 : 0,
                Rank = withImages ? 1000 + subjectId % 1000 : 0,
                CollectionTotal = 100 + subjectId % 5000,
            };
            Collections.Add(item);
            return item;
        }
    }

    /// <summary>
    /// Deterministic test data: <paramref name="count"/> anime (subject_type 2) with subject ids from
    /// <paramref name="firstSubjectId"/>, newest first in that order (one hour apart, older than anything the user already
    /// has). Item n (1-based) has type <c>(n-1) % 5 + 1</c> (all five types), is private when n % 7 == 0, has a
    /// <c>null</c> comment when n % 5 == 0, and when n % 9 == 0 has <c>name_cn</c> "", <c>date</c> null, empty images,
    /// score 0 and rank 0. Then <c>max(1, count / 20)</c> public books (subject_type 1, ids from
    /// <c>firstSubjectId + count</c>) are mixed in between by time; they must not appear when <c>subject_type=2</c> is asked.
    /// So 120 gives 120 anime (17 private, 103 public) and 6 books.
    /// </summary>
    public void GenerateCollection(int count, int firstSubjectId = 1000)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count == 0) return;
        lock (Collections)
        {
            var newest = Collections.Count == 0 ? BaseTime : Collections.Min(c => c.UpdatedAt).AddHours(-1);
            for (var i = 0; i < count; i++)
            {
                var n = i + 1;
                var subjectId = firstSubjectId + i;
                var id = subjectId.ToString(CultureInfo.InvariantCulture);
                var type = i % 5 + 1;
                var bare = n % 9 == 0;
                var eps = (i % 3) switch { 0 => 12, 1 => 24, _ => 1 };
                var epStatus = type switch { 2 => eps, 3 => Math.Min(eps - 1, n % 6), _ => 0 };
                Collections.Add(new FakeCollectionItem(subjectId, type, i % 11, n % 5 == 0 ? null : $"第{n}条吐槽：\"不错\" 👍", epStatus,
                    n % 7 == 0, newest.AddHours(-i))
                {
                    SubjectType = 2,
                    Tags = n % 3 == 0 ? ["TV", (2000 + i % 25).ToString(CultureInfo.InvariantCulture)] : [],
                    Name = "フェイクアニメ #" + id,
                    NameCn = bare ? "" : "假动画 #" + id,
                    ShortSummary = bare ? "" : $"（假条目简介）Fake subject #{id} of the fake Bangumi.",
                    Date = bare ? null : $"{2000 + i % 25:0000}-{i % 12 + 1:00}-{i % 28 + 1:00}",
                    HasImages = !bare,
                    Eps = eps,
                    CollectionTotal = bare ? n : 1000 + 37 * i,
                    Score = bare ? 0 : Math.Round(6.0 + i % 35 / 10.0, 1),
                    Rank = bare ? 0 : 100 + 13 * i,
                    SubjectTags = bare ? [] : [new("TV", 1500 - i, 312000), new("原创", 900, 95000)],
                });
            }

            var books = Math.Max(1, count / 20);
            for (var j = 0; j < books; j++)
            {
                var subjectId = firstSubjectId + count + j;
                var id = subjectId.ToString(CultureInfo.InvariantCulture);
                Collections.Add(new FakeCollectionItem(subjectId, 2, 7, "a book, not an anime", 0, false,
                    newest.AddHours(-(20 * j + 3)).AddMinutes(-30))
                {
                    SubjectType = 1,
                    VolStatus = 1,
                    Name = "フェイク本 #" + id,
                    NameCn = "假书 #" + id,
                    ShortSummary = "A book: it must not appear in an anime import.",
                    Date = "2015-03-01",
                    Eps = 0,
                    Volumes = 3,
                    CollectionTotal = 50,
                    Score = 6.8,
                    Rank = 5000 + j,
                });
            }
        }
    }

    internal FakeCollectionItem[] Snapshot()
    {
        lock (Collections) return [.. Collections];
    }

    internal static DateTimeOffset WholeSeconds(DateTimeOffset time) =>
        new(time.Ticks - time.Ticks % TimeSpan.TicksPerSecond, time.Offset);
}

/// <summary>
/// One row of a user's subject collection, with the subject it points at (sent as the embedded <c>SlimSubject</c>).
/// <see cref="UpdatedAt"/> is sent at +08:00 in whole seconds; an empty <see cref="Comment"/> is sent as <c>null</c>.
/// </summary>
/// <param name="SubjectId">Bangumi subject id (also the subject's <c>id</c>).</param>
/// <param name="Type">Collection type: 1 wish, 2 done, 3 doing, 4 on_hold, 5 dropped (0 = a bad legacy row, never listed).</param>
/// <param name="Rate">1..10, 0 = not rated.</param>
public sealed record FakeCollectionItem(int SubjectId, int Type, int Rate, string? Comment, int EpStatus, bool Private, DateTimeOffset UpdatedAt)
{
    /// <summary>1 book, 2 anime, 3 music, 4 game, 6 real.</summary>
    public int SubjectType { get; init; } = 2;

    /// <summary>The user's own tags on the subject.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    public int VolStatus { get; init; }

    public string Name { get; init; } = "";

    /// <summary>May be "".</summary>
    public string NameCn { get; init; } = "";

    public string ShortSummary { get; init; } = "";

    /// <summary><c>YYYY-MM-DD</c> or <c>null</c>.</summary>
    public string? Date { get; init; }

    /// <summary>When false every image URL is "".</summary>
    public bool HasImages { get; init; } = true;

    public int Eps { get; init; }

    public int Volumes { get; init; }

    public int CollectionTotal { get; init; }

    public double Score { get; init; }

    public int Rank { get; init; }

    /// <summary>The subject's public tags.</summary>
    public IReadOnlyList<FakeSubjectTag> SubjectTags { get; init; } = [];

    /// <summary>
    /// The subject record cannot be loaded: the row is counted in <c>total</c> but left out of <c>data</c>, as the real
    /// server does (COLLECTIONS.md §3, "data can hold fewer than limit items before the last page").
    /// </summary>
    public bool SubjectMissing { get; init; }
}

/// <summary>A subject's public tag: <c>{name, count, total_count}</c>.</summary>
public sealed record FakeSubjectTag(string Name, int Count, int TotalCount);
