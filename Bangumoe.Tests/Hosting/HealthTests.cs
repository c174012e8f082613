using System.Globalization;
using System.Net;
using Bangumoe.Tests.Infrastructure;

namespace Bangumoe.Tests.Hosting;

public sealed class HealthTests(Emulators emulators)
{
    [Fact]
    public async Task Healthy_when_storage_answers()
    {
        await using var app = new BangumoeApp(emulators);
        var json = await (await app.CreateClient().GetAsync("/api/health")).Ok();
        Assert.Equal("healthy", json.GetProperty("status").GetString());
        Assert.Equal("ok", json.GetProperty("storage").GetString());
    }

    [Fact]
    public async Task Unavailable_when_storage_is_unreachable()
    {
        var closed = Emulators.FreePort().ToString(CultureInfo.InvariantCulture);
        var connection = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={Emulators.AccountKey};" +
                         $"QueueEndpoint=http://127.0.0.1:{closed}/devstoreaccount1;TableEndpoint=http://127.0.0.1:{closed}/devstoreaccount1;";
        await using var app = new BangumoeApp(emulators, new Dictionary<string, string?> { ["AzureWebJobsStorage"] = connection });
        var client = app.CreateClient();

        var response = await client.GetAsync("/api/health");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("unhealthy", (await response.Json()).GetProperty("status").GetString());

        // An API call in the same state is a 503 problem, not a 500.
        var register = await client.PostJson("/api/auth/register", new { uname = TestApi.NewUname(), email = TestApi.NewEmail(), password = "correct horse battery" });
        await register.Problem(HttpStatusCode.ServiceUnavailable, "storage-unavailable");
    }
}
