using System.Net;
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

    [Fact]
    public async Task An_account_mail_request_that_is_not_well_formed_is_poisoned_on_its_first_try_and_the_queue_goes_on()
    {
        // The host would try a failing message a hundred times, a second apart: within the waits below, only a message
        // the function itself set aside reaches the poison queue and leaves the queue empty.
        await using var app = new BangumoeApp(emulators, new Dictionary<string, string?>
        {
            ["AzureFunctionsJobHost:extensions:queues:maxDequeueCount"] = "100",
        });
        var client = app.CreateClient();
        var user = await app.SignUpThroughTheApi(app.CreateClient());
        var queue = new QueueClient(emulators.StorageConnectionString, app.Prefix + "account-mail-requests", new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        await queue.CreateIfNotExistsAsync();
        string[] malformed =
        [
            "{not json",
            "null",
            """{"kind":"spam","email":"someone@example.com"}""",
            // An account's address, but not as the request side writes it (normalized): no mail either.
            $$"""{"kind":"password-reset","email":"{{user.Email.ToUpperInvariant()}}"}""",
        ];
        foreach (var body in malformed) await queue.SendMessageAsync(body);

        // A well-formed request queued behind them is answered as always.
        await (await client.PostJson("/api/auth/password/forgot", new { email = user.Email })).Ok(HttpStatusCode.Accepted);
        await app.Mail.WaitForAsync(user.Email, "Reset your Bangumoe password");

        await EventuallyMessages(app, "account-mail-requests-poison", malformed.Length);
        await EventuallyEmpty(app, "account-mail-requests");
        // Each once, body intact: set aside on its one try, not tried again.
        var poisoned = (await Messages(app, "account-mail-requests-poison")).Select(m => Encoding.UTF8.GetString(Convert.FromBase64String(m)));
        Assert.Equal(malformed.Order(StringComparer.Ordinal), poisoned.Order(StringComparer.Ordinal));
        // The verification mail and the one reset mail: nothing for the malformed request that named the account.
        await app.Mail.AssertMailCountStays(user.Email, 2);
    }

    [Fact]
    public async Task A_mail_request_whose_mail_could_not_be_queued_gives_its_slot_back_and_mails_on_a_later_try()
    {
        await using var app = new BangumoeApp(emulators, new Dictionary<string, string?>
        {
            // Room for the tries below before the host would poison the request.
            ["AzureFunctionsJobHost:extensions:queues:maxDequeueCount"] = "20",
        });
        var client = app.CreateClient();
        var user = await app.SignUpThroughTheApi(app.CreateClient());
        // The outbox goes away under the running app (which created it for the verification mail), so queueing the
        // reset mail fails after the request function has taken the once-per-minute slot.
        var outbox = new QueueClient(emulators.StorageConnectionString, app.Prefix + "email-outbox");
        await outbox.DeleteAsync();

        await (await client.PostJson("/api/auth/password/forgot", new { email = user.Email })).Ok(HttpStatusCode.Accepted);
        var requests = new QueueClient(emulators.StorageConnectionString, app.Prefix + "account-mail-requests");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await requests.PeekMessagesAsync()).Value.FirstOrDefault() is not { DequeueCount: >= 1 })
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("The mail request was not tried and released within 30 s.");
            await Task.Delay(100);
        }
        // That try failed and gave the slot back: the row says no reset mail went out.
        var row = (await app.UsersTable().GetEntityAsync<Azure.Data.Tables.TableEntity>(user.Uid, "")).Value;
        Assert.Null(row.GetDateTimeOffset("ResetMailSentAt"));

        await outbox.CreateAsync();
        await app.Mail.WaitForAsync(user.Email, "Reset your Bangumoe password");
        await EventuallyEmpty(app, "account-mail-requests");
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

    private static async Task<List<string>> EventuallyMessages(BangumoeApp app, string queue, int count = 1)
    {
        List<string> messages = [];
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((messages = await Messages(app, queue)).Count < count)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{messages.Count} of {count} message(s) arrived in {queue} within 30 s.");
            await Task.Delay(100);
        }
        return messages;
    }
}
