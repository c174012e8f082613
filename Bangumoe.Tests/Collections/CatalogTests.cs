using System.Net;
using System.Text.Json;
using Bangumoe.Tests.Infrastructure;
using static Bangumoe.Tests.Collections.CollectionTestHelpers;

namespace Bangumoe.Tests.Collections;

/// <summary>The anime catalog: <c>POST /api/anime</c>, <c>GET /api/anime/{id}</c> and the search <c>GET /api/anime</c>.</summary>
public sealed class CatalogTests(DefaultApp app) : IClassFixture<DefaultApp>
{
    private async Task<(HttpClient Client, TestUser User)> SignedIn()
    {
        var client = app.NewClient();
        return (client, await app.NewVerifiedUser());
    }

    [Fact]
    public async Task A_user_adds_an_anime_and_anyone_can_read_it_back()
    {
        var (client, user) = await SignedIn();
        var marker = NewMarker();
        var name = "Shingeki no Kyojin " + marker;

        var created = await client.CreateAnime(user.Token, new
        {
            name, name_cn = "进击的巨人", episodes = 25, director = "荒木哲郎", air_date = "2013-04-07",
            image = "https://lain.bgm.tv/pic/cover/l/c6/6b/42_d.jpg",
        });
        Assert.StartsWith("bm-", created.Id(), StringComparison.Ordinal);
        Assert.Equal(name, created.GetProperty("name").GetString());
        Assert.Equal("进击的巨人", created.GetProperty("name_cn").GetString());
        Assert.Equal(25, created.GetProperty("episodes").GetInt32());
        Assert.Equal("荒木哲郎", created.GetProperty("director").GetString());
        Assert.Equal("2013-04-07", created.GetProperty("air_date").GetString());
        Assert.Equal("https://lain.bgm.tv/pic/cover/l/c6/6b/42_d.jpg", created.GetProperty("image").GetString());
        Assert.Equal(JsonValueKind.Null, created.GetProperty("bangumi_id").ValueKind);
        Assert.True((DateTimeOffset.UtcNow - created.Time("created_at")).Duration() < TimeSpan.FromMinutes(5), created.Raw("created_at"));

        // Reading it needs no token, and gives back exactly what was created.
        var anonymous = app.NewClient();
        var read = await (await anonymous.GetAsync(AnimePath(created.Id()))).Ok();
        Assert.Equal(created.GetRawText(), read.GetRawText());

        // It is in the catalog listing too.
        var found = Assert.Single(await anonymous.Search(marker));
        Assert.Equal(created.GetRawText(), found.GetRawText());
    }

    [Fact]
    public async Task Only_a_name_is_needed_and_unset_fields_are_written_as_null()
    {
        var (client, user) = await SignedIn();
        var created = await client.CreateAnime(user.Token, new { name = "Only a name " + NewMarker() });

        foreach (var field in new[] { "name_cn", "episodes", "director", "air_date", "image", "bangumi_id" })
            Assert.True(created.GetProperty(field).ValueKind == JsonValueKind.Null, $"{field} is {created.Raw(field)}");

        // Explicit nulls for the optional fields are the same as leaving them out.
        var nulls = await client.CreateAnime(user.Token, new
        {
            name = "Explicit nulls " + NewMarker(), name_cn = (string?)null, episodes = (int?)null, director = (string?)null,
            air_date = (string?)null, image = (string?)null,
        });
        foreach (var field in new[] { "name_cn", "episodes", "director", "air_date", "image", "bangumi_id" })
            Assert.True(nulls.GetProperty(field).ValueKind == JsonValueKind.Null, $"{field} is {nulls.Raw(field)}");
    }

    [Fact]
    public async Task Every_new_anime_gets_its_own_id()
    {
        var (client, user) = await SignedIn();
        var name = "Same name " + NewMarker();
        var first = await client.CreateAnime(user.Token, new { name });
        var second = await client.CreateAnime(user.Token, new { name });
        Assert.NotEqual(first.Id(), second.Id());
        Assert.Equal(2, (await client.Search(name)).Count);
    }

    [Fact]
    public async Task Limits_are_inclusive()
    {
        var (client, user) = await SignedIn();
        var marker = NewMarker();
        var name = marker + new string('n', 128 - marker.Length);
        var image = "https://example.com/" + new string('i', 1024 - "https://example.com/".Length);
        Assert.Equal(1024, image.Length);

        var max = await client.CreateAnime(user.Token, new
        {
            name, name_cn = new string('中', 128), episodes = 5000, director = new string('d', 64), air_date = "2024-02-29", image,
        });
        Assert.Equal(name, max.GetProperty("name").GetString());
        Assert.Equal(new string('中', 128), max.GetProperty("name_cn").GetString());
        Assert.Equal(5000, max.GetProperty("episodes").GetInt32());
        Assert.Equal(new string('d', 64), max.GetProperty("director").GetString());
        Assert.Equal("2024-02-29", max.GetProperty("air_date").GetString());
        Assert.Equal(image, max.GetProperty("image").GetString());

        var min = await client.CreateAnime(user.Token, new { name = "x", episodes = 1, image = "http://example.com/a.png" });
        Assert.Equal("x", min.GetProperty("name").GetString());
        Assert.Equal(1, min.GetProperty("episodes").GetInt32());
        Assert.Equal("http://example.com/a.png", min.GetProperty("image").GetString());

        // 128 characters once the surrounding spaces are trimmed.
        var padded = await client.CreateAnime(user.Token, new { name = "  " + name + "  " });
        Assert.Equal(name, padded.GetProperty("name").GetString()!.Trim());
    }

    public static TheoryData<string, string> BadAnime => new()
    {
        // The marker ({0}) is always in name or name_cn, so the test can check nothing with it was created.
        { """{"name_cn":"{0}"}""", "name" },
        { """{"name":null,"name_cn":"{0}"}""", "name" },
        { """{"name":"","name_cn":"{0}"}""", "name" },
        { """{"name":"   ","name_cn":"{0}"}""", "name" },
        { """{"name":"{0}""" + new string('n', 129) + "\"}", "name" },
        { """{"name":"{0}","name_cn":""" + "\"" + new string('中', 129) + "\"}", "name_cn" },
        { """{"name":"{0}","episodes":0}""", "episodes" },
        { """{"name":"{0}","episodes":-1}""", "episodes" },
        { """{"name":"{0}","episodes":5001}""", "episodes" },
        { """{"name":"{0}","director":""" + "\"" + new string('d', 65) + "\"}", "director" },
        { """{"name":"{0}","air_date":"2023-02-29"}""", "air_date" },
        { """{"name":"{0}","air_date":"2024-13-01"}""", "air_date" },
        { """{"name":"{0}","air_date":"2024/04/07"}""", "air_date" },
        { """{"name":"{0}","air_date":"2024-4-7"}""", "air_date" },
        { """{"name":"{0}","air_date":"2024-04-07T00:00:00Z"}""", "air_date" },
        { """{"name":"{0}","air_date":"yesterday"}""", "air_date" },
        { """{"name":"{0}","image":"ftp://example.com/a.png"}""", "image" },
        { """{"name":"{0}","image":"javascript:alert(1)"}""", "image" },
        { """{"name":"{0}","image":"/relative/a.png"}""", "image" },
        { """{"name":"{0}","image":"not a url"}""", "image" },
        { """{"name":"{0}","image":"https://example.com/""" + new string('i', 1025 - "https://example.com/".Length) + "\"}", "image" },
    };

    [Theory]
    [MemberData(nameof(BadAnime))]
    public async Task An_invalid_field_is_a_400_naming_it_and_creates_nothing(string template, string field)
    {
        var (client, user) = await SignedIn();
        var marker = NewMarker();
        var response = await client.SendRaw(HttpMethod.Post, "/api/anime", user.Token, template.Replace("{0}", marker, StringComparison.Ordinal));
        var problem = await response.Problem(HttpStatusCode.BadRequest, "validation");
        Assert.Equal(new[] { field }, problem.FieldNames());
        Assert.Empty(await client.Search(marker));
    }

    [Fact]
    public async Task Several_invalid_fields_are_all_named()
    {
        var (client, user) = await SignedIn();
        var marker = NewMarker();
        var problem = await client.PostAnime(user.Token, new
        {
            name = marker, name_cn = new string('中', 129), episodes = 0, director = new string('d', 65), air_date = "2023-02-29", image = "ftp://x",
        }).Problem(HttpStatusCode.BadRequest, "validation");
        Assert.Equal(new[] { "air_date", "director", "episodes", "image", "name_cn" }, problem.FieldNames().Order(StringComparer.Ordinal));
        Assert.Empty(await client.Search(marker));
    }

    [Theory]
    [InlineData("""{"name":"{0}","episodes":"twelve"}""")]
    [InlineData("""{"name":"{0}","episodes":"12"}""")]
    [InlineData("""{"name":"{0}","episodes":12.5}""")]
    [InlineData("""{"name":["{0}"]}""")]
    [InlineData("""{"name":"{0}","director":7}""")]
    [InlineData("""{"name":"{0}","image":true}""")]
    [InlineData("""{"name":"{0}" """)]
    [InlineData("""["{0}"]""")]
    public async Task A_body_of_the_wrong_shape_is_a_400_and_creates_nothing(string template)
    {
        var (client, user) = await SignedIn();
        var marker = NewMarker();
        var response = await client.SendRaw(HttpMethod.Post, "/api/anime", user.Token, template.Replace("{0}", marker, StringComparison.Ordinal));
        await response.Problem(HttpStatusCode.BadRequest);
        Assert.Empty(await client.Search(marker));
    }

    [Fact]
    public async Task Adding_an_anime_needs_a_token()
    {
        var client = app.NewClient();
        var marker = NewMarker();
        await client.PostAnime(null, new { name = marker }).Problem(HttpStatusCode.Unauthorized, "unauthenticated");
        await client.PostAnime("not.a.token", new { name = marker }).Problem(HttpStatusCode.Unauthorized, "invalid-token");
        Assert.Empty(await client.Search(marker));
    }

    [Theory]
    [InlineData("bm-doesnotexist")]
    [InlineData("bgm-999999999")]
    [InlineData("nothing-like-an-id")]
    public async Task An_unknown_anime_is_a_404(string id)
    {
        var client = app.NewClient();
        await (await client.GetAsync(AnimePath(id))).Problem(HttpStatusCode.NotFound, "anime-not-found");
    }

    [Fact]
    public async Task Search_matches_name_or_name_cn_ignoring_case()
    {
        var (client, user) = await SignedIn();
        var marker = NewMarker();
        var byName = await client.CreateAnime(user.Token, new { name = $"Cowboy Bebop {marker}" });
        var byChineseName = await client.CreateAnime(user.Token, new { name = $"Unrelated {NewMarker()}", name_cn = $"星际牛仔 {marker}" });
        var neither = await client.CreateAnime(user.Token, new { name = $"Cowboy Bebop {NewMarker()}", name_cn = "星际牛仔" });

        var ids = (await client.Search(marker)).Select(a => a.Id()).ToList();
        Assert.Equal(new[] { byName.Id(), byChineseName.Id() }.Order(StringComparer.Ordinal), ids);

        // Case does not matter, either way round, and a substring in the middle of a word matches.
        Assert.Equal(ids, (await client.Search(marker.ToUpperInvariant())).Select(a => a.Id()));
        Assert.Equal(new[] { byName.Id() }, (await client.Search($"BOP {marker}")).Select(a => a.Id()));
        Assert.Equal(new[] { byChineseName.Id() }, (await client.Search($"牛仔 {marker}")).Select(a => a.Id()));
        Assert.Contains(neither.Id(), (await client.Search("cowboy bebop")).Select(a => a.Id()));
        Assert.Empty(await client.Search(marker + "x"));
    }

    [Fact]
    public async Task Search_ignores_case_beyond_ascii_too()
    {
        var (client, user) = await SignedIn();
        var marker = NewMarker();
        var madoka = await client.CreateAnime(user.Token, new { name = $"Mahō Shōjo Madoka Magica {marker}" });
        var greek = await client.CreateAnime(user.Token, new { name = $"Ωμέγα Ένα {marker}" });

        Assert.Equal(new[] { madoka.Id() }, (await client.Search($"MAHŌ SHŌJO MADOKA MAGICA {marker}")).Select(a => a.Id()));
        Assert.Equal(new[] { greek.Id() }, (await client.Search($"ωμέγα ένα {marker}")).Select(a => a.Id()));
    }

    [Fact]
    public async Task Search_finds_cjk_substrings()
    {
        var (client, user) = await SignedIn();
        var titan = await client.CreateAnime(user.Token, new { name = "Shingeki no Kyojin " + NewMarker(), name_cn = "进击的巨人" });
        var other = await client.CreateAnime(user.Token, new { name = "Other " + NewMarker(), name_cn = "孤独摇滚" });

        var found = await client.Search("进击");
        Assert.Contains(titan.Id(), found.Select(a => a.Id()));
        Assert.DoesNotContain(other.Id(), found.Select(a => a.Id()));
        Assert.All(found, a => Assert.Contains("进击", a.StringOrNull("name") + "|" + a.StringOrNull("name_cn"), StringComparison.Ordinal));
        Assert.Contains(titan.Id(), (await client.Search("巨人")).Select(a => a.Id()));
    }

    [Fact]
    public async Task Paging_visits_every_anime_once_in_id_order()
    {
        var (client, user) = await SignedIn();
        var marker = NewMarker();
        var created = new List<string>();
        for (var i = 0; i < 23; i++) created.Add((await client.CreateAnime(user.Token, new { name = $"Paged {i} {marker}" })).Id());

        // The whole catalog (no q), small pages.
        var pages = await app.NewClient().AllPages("/api/anime", null, limit: 7);
        var all = pages.SelectMany(p => p.Items).Select(a => a.Id()).ToList();
        Assert.Equal(all.Distinct(StringComparer.Ordinal).Count(), all.Count);
        Assert.Equal(all.Order(StringComparer.Ordinal), all);
        Assert.Superset(created.ToHashSet(StringComparer.Ordinal), all.ToHashSet(StringComparer.Ordinal));
        Assert.Null(pages[^1].NextCursor);

        // Only this test's anime, matched by q, with limit 1 and 100.
        foreach (var limit in new[] { 1, 5, 100 })
        {
            var matched = (await client.Search(marker, limit)).Select(a => a.Id()).ToList();
            Assert.Equal(created.Order(StringComparer.Ordinal), matched);
        }
    }

    [Fact]
    public async Task Search_among_many_other_entries_finds_every_match_by_following_the_cursor()
    {
        var (client, user) = await SignedIn();
        var marker = NewMarker();
        var wanted = new List<string>();
        for (var i = 0; i < 40; i++)
        {
            var name = i % 8 == 3 ? $"Needle {i} {marker}" : $"Hay {i} {NewMarker()}";
            var anime = await client.CreateAnime(user.Token, new { name });
            if (i % 8 == 3) wanted.Add(anime.Id());
        }

        var pages = await client.AllPages(WithQuery("/api/anime", ("q", marker)), null, limit: 2);
        var ids = pages.SelectMany(p => p.Items).Select(a => a.Id()).ToList();
        Assert.Equal(wanted.Order(StringComparer.Ordinal), ids);
        Assert.All(pages.SelectMany(p => p.Items), a => Assert.Contains(marker, a.GetProperty("name").GetString(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_default_page_holds_20()
    {
        var (client, user) = await SignedIn();
        var marker = NewMarker();
        for (var i = 0; i < 21; i++) await client.CreateAnime(user.Token, new { name = $"Default {i} {marker}" });
        var first = await client.GetPage("/api/anime", null);
        Assert.Equal(20, first.Items.Count);
        Assert.NotNull(first.NextCursor);
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=101", "limit")]
    [InlineData("limit=-1", "limit")]
    [InlineData("limit=ten", "limit")]
    [InlineData("cursor=not-a-cursor", "cursor")]
    [InlineData("cursor=%25%25%25", "cursor")]
    [InlineData("cursor=%E8%BF%9B%E5%87%BB", "cursor")]
    public async Task A_bad_limit_or_cursor_is_a_400_naming_it(string query, string field)
    {
        var client = app.NewClient();
        var problem = await (await client.GetAsync("/api/anime?" + query)).Problem(HttpStatusCode.BadRequest);
        Assert.Contains(field, problem.FieldNames());
    }

    [Fact]
    public async Task A_query_of_more_than_100_characters_is_a_400()
    {
        var client = app.NewClient();
        await client.GetPage(WithQuery("/api/anime", ("q", new string('q', 100))), null);
        await (await client.GetAsync(WithQuery("/api/anime", ("q", new string('q', 101))))).Problem(HttpStatusCode.BadRequest);
    }
}
