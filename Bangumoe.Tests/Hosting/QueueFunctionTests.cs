using System.Text;
using System.Text.Json;
using Azure.Storage.Queues;
using Bangumoe.Queues;
using Bangumoe.Tests.Infrastructure;

namespace Bangumoe.Tests.Hosting;

/// <summary>
/// Bangumoe's queue functions as the local Functions host runs them: it polls the app's queues (named with the
/// app's storage prefix through the <c>%Storage:NamePrefix%</c> binding expression), retries a failing message and
/// moves it to <c>&lt;queue&gt;-poison</c> after host.json's maxDequeueCount, body intact.
/// </summary>
public sealed class QueueFunctionTests(Emulators emulators)
{
    /// <summary>Two tries, no wait between them: what host.json says, overridden as Azure allows (AzureFunctionsJobHost__…).</summary>
    private static Dictionary<string, string?> TwoQuickTries(Dictionary<string, string?> settings)
    {
        settings["AzureFunctionsJobHost:extensions:queues:maxDequeueCount"] = "2";
        settings["AzureFunctionsJobHost:extensions:queues:visibilityTimeout"] = "00:00:00";
        settings["Queues:MaxDequeueCount"] = "2";
        return settings;
    }

    [Fact]
    public void Host_json_and_the_apps_idea_of_the_last_try_agree()
    {
        var host = JsonDocument.Parse(File.ReadAllText(Path.Combine(FunctionsApp.Directory, "host.json"))).RootElement;
        Assert.Equal(new QueueOptions().MaxDequeueCount, host.GetProperty("extensions").GetProperty("queues").GetProperty("maxDequeueCount").GetInt32());
    }

    [Fact]
    public async Task A_registration_mail_is_sent_by_the_SendEmail_function()
    {
        await using var app = new BangumoeApp(emulators);
        var email = TestApi.NewEmail();
        await app.CreateClient().Register(TestApi.NewUname(), email, "correct horse battery");

        var mail = await app.Mail.WaitForAsync(email, "Verify");
        Assert.StartsWith(BangumoeApp.PublicBaseUrl + "/api/auth/verify?token=", mail.Link().ToString(), StringComparison.Ordinal);
        await EventuallyEmpty(app, "email-outbox"); // deleted once the function succeeded
    }

    [Fact]
    public async Task When_smtp_is_down_registration_still_succeeds_and_the_mail_ends_in_the_poison_queue()
    {
        await using var app = new BangumoeApp(emulators, TwoQuickTries(new Dictionary<string, string?>
        {
            ["Smtp:Port"] = Emulators.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture), // nothing listens
        }));
        var email = TestApi.NewEmail();

        await app.CreateClient().Register(TestApi.NewUname(), email, "correct horse battery");

        var poisoned = await EventuallyMessages(app, "email-outbox-poison");
        var body = Encoding.UTF8.GetString(Convert.FromBase64String(Assert.Single(poisoned)));
        Assert.Equal(email, JsonDocument.Parse(body).RootElement.GetProperty("to").GetString());
        await EventuallyEmpty(app, "email-outbox");
        Assert.Empty(await app.Mail.ToAsync(email));
    }

    [Fact]
    public async Task An_import_message_that_is_not_json_is_poisoned_with_its_body_intact()
    {
        await using var app = new BangumoeApp(emulators, TwoQuickTries([]));
        app.EnsureStarted();
        var queue = new QueueClient(emulators.StorageConnectionString, app.Prefix + "bangumi-import", new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        await queue.CreateIfNotExistsAsync();
        await queue.SendMessageAsync("{not json");

        var poisoned = await EventuallyMessages(app, "bangumi-import-poison");
        Assert.Equal("{not json", Encoding.UTF8.GetString(Convert.FromBase64String(Assert.Single(poisoned))));
        await EventuallyEmpty(app, "bangumi-import");
    }

    private static async Task<List<string>> Messages(BangumoeApp app, string queue)
    {
        var client = new QueueClient(app.Emulators.StorageConnectionString, app.Prefix + queue);
        if (!await client.ExistsAsync()) return [];
        return (await client.PeekMessagesAsync(32)).Value.Select(m => m.MessageText).ToList();
    }

    private static async Task EventuallyEmpty(BangumoeApp app, string queue)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await Messages(app, queue)).Count > 0)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{queue} still holds messages after 30 s.");
            await Task.Delay(100);
        }
    }

    private static async Task<List<string>> EventuallyMessages(BangumoeApp app, string queue)
    {
        List<string> messages = [];
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((messages = await Messages(app, queue)).Count == 0)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Nothing arrived in {queue} within 30 s.");
            await Task.Delay(100);
        }
        return messages;
    }
}
