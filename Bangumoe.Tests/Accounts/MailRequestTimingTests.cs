using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Azure.Storage.Queues;
using Bangumoe.Tests.Infrastructure;

namespace Bangumoe.Tests.Accounts;

/// <summary>
/// Issue 12, item 3: asking for a reset or a verification mail must not tell, by how long the answer takes, whether
/// the address has an account. Real HTTP to the real app: requests for an address with an account and for one without
/// are interleaved (in pairs whose order alternates, so drift, GC and the queue's background work fall on both alike),
/// after a warm-up; the two distributions of response times are then compared with a Mann–Whitney U test.
/// The app may send a mail for every request (<c>Accounts:MailResendInterval</c> 0), so no request for the known
/// address is cheaper than the first one for an address, the one an attacker probing many addresses would time.
/// </summary>
public sealed class MailRequestTimingTests(Emulators emulators, ITestOutputHelper output)
{
    private const int WarmUpPairs = 30;
    private const int SamplePairs = 200;

    /// <summary>Below this p the two kinds of address count as told apart. Strict, so that a pass is not luck and a
    /// healthy app fails once in a thousand runs; the difference before the fix gave p far below it.</summary>
    private const double Significance = 0.001;

    /// <summary>How far apart the two medians may be, as a share of the spread (interquartile range) of all samples:
    /// relative to the noise, so a loaded machine (everything slower and more scattered) does not fail it, which a
    /// bound in milliseconds would; a third of it is about 3.5 standard errors of the difference of two medians of
    /// 200 samples. Before the fix the medians were further apart than the whole spread.</summary>
    private const double MedianTolerance = 1.0 / 3;

    [Fact]
    public async Task Forgot_password_answers_an_unknown_address_as_fast_as_an_account()
    {
        await using var app = MailingEveryTime();
        var client = app.CreateClient();
        var user = await app.NewVerifiedUser();
        await AssertIndistinguishableAsync(app, client, "/api/auth/password/forgot", user.Email, "Reset your Bangumoe password", earlierMails: 0);
    }

    [Fact]
    public async Task Resending_verification_answers_an_unknown_address_as_fast_as_an_unverified_account()
    {
        await using var app = MailingEveryTime();
        var client = app.CreateClient();
        var email = TestApi.NewEmail();
        await client.Register(TestApi.NewUname(), email, AccountTestHelpers.Password);
        await app.Mail.WaitForAsync(email, "Verify");
        await AssertIndistinguishableAsync(app, client, "/api/auth/verify/resend", email, "Verify", earlierMails: 1);
    }

    [Fact]
    public void The_rank_test_gives_the_textbook_values()
    {
        // Odd against even numbers: interleaved, no shift. Rank sum of the odd ones 900, U = 435, mean 450,
        // variance 30·30·61/12; z = (15 − 0.5)/√4575 = 0.2144, p = erfc(z/√2) = 0.8303.
        var odd = Enumerable.Range(0, 30).Select(i => 2.0 * i + 1).ToList();
        var even = Enumerable.Range(1, 30).Select(i => 2.0 * i).ToList();
        var mixed = MannWhitney.Test(odd, even);
        Assert.Equal(435, mixed.U);
        Assert.Equal(0.83026, mixed.P, 4);

        // Every value of one below every value of the other: U = 0, z = 6.6456, p = 3.02e-11.
        var apart = MannWhitney.Test(Enumerable.Range(0, 30).Select(i => (double)i).ToList(), Enumerable.Range(100, 30).Select(i => (double)i).ToList());
        Assert.Equal(0, apart.U);
        Assert.Equal(3.0199e-11, apart.P, 14);

        // Ties: two samples of the same few values (as millisecond timings rounded by a clock would be) are the same.
        var same = MannWhitney.Test(Enumerable.Repeat(new[] { 1.0, 2, 2, 3 }, 10).SelectMany(x => x).ToList(), Enumerable.Repeat(new[] { 3.0, 2, 1, 2 }, 10).SelectMany(x => x).ToList());
        Assert.Equal(1, same.P, 6);
    }

    [Fact]
    public void The_rank_test_sees_a_small_steady_shift_in_noisy_timings_and_no_shift_where_there_is_none()
    {
        // Skewed, long-tailed values like response times (fixed seed: the same numbers every run).
        var random = new Random(12);
        double Timing(double shift) => 1.0 + shift + -Math.Log(1 - random.NextDouble()) * 0.3;
        var a = Enumerable.Range(0, 200).Select(_ => Timing(0)).ToList();
        var b = Enumerable.Range(0, 200).Select(_ => Timing(0)).ToList();
        var shifted = Enumerable.Range(0, 200).Select(_ => Timing(0.5)).ToList();

        Assert.True(MannWhitney.Test(a, b).P >= Significance);
        Assert.True(MannWhitney.Test(a, shifted).P < 1e-9);
    }

    private BangumoeApp MailingEveryTime() =>
        new(emulators, new Dictionary<string, string?> { ["Accounts:MailResendInterval"] = "00:00:00" });

    private async Task AssertIndistinguishableAsync(BangumoeApp app, HttpClient client, string path, string known, string subject, int earlierMails)
    {
        var unknown = TestApi.NewEmail();
        // The same length, so the bodies differ in nothing the server could spend different time on but the account.
        Assert.Equal(known.Length, unknown.Length);

        List<double> knownTimes = [], unknownTimes = [];
        for (var pair = 0; pair < WarmUpPairs + SamplePairs; pair++)
        {
            var knownFirst = pair % 2 == 0;
            var first = await TimeAsync(client, path, knownFirst ? known : unknown);
            var second = await TimeAsync(client, path, knownFirst ? unknown : known);
            if (pair < WarmUpPairs) continue;
            knownTimes.Add(knownFirst ? first : second);
            unknownTimes.Add(knownFirst ? second : first);
        }

        var test = MannWhitney.Test(knownTimes, unknownTimes);
        var (knownSpread, unknownSpread) = (Quartiles.Of(knownTimes), Quartiles.Of(unknownTimes));
        var pooled = Quartiles.Of([.. knownTimes, .. unknownTimes]);
        output.WriteLine(FormattableString.Invariant($"POST {path}, {SamplePairs} pairs after {WarmUpPairs} to warm up (ms):"));
        output.WriteLine($"  account:    {knownSpread}");
        output.WriteLine($"  no account: {unknownSpread}");
        output.WriteLine(FormattableString.Invariant($"  Mann–Whitney U = {test.U:0}, z = {test.Z:0.00}, p = {test.P:0.####E+0}"));
        output.WriteLine(FormattableString.Invariant(
            $"  medians {Math.Abs(knownSpread.Median - unknownSpread.Median):0.000} apart; at most {MedianTolerance * (pooled.Q3 - pooled.Q1):0.000} allowed (all samples: {pooled})"));

        // The mail work was done all the same (now off the request): the account got mail, the unknown address none.
        await app.Mail.WaitForAsync(known, subject, count: earlierMails + 1, timeout: TimeSpan.FromMinutes(1));
        await DrainedAsync(app, "account-mail-requests", "email-outbox");
        Assert.Empty(await app.Mail.ToAsync(unknown));
        await app.Mail.DeleteAsync(await app.Mail.ToAsync(known));

        Assert.True(test.P >= Significance,
            $"The response times tell an account from no account (p = {test.P:0.####E+0} < {Significance}): account {knownSpread}, no account {unknownSpread}.");
        Assert.True(Math.Abs(knownSpread.Median - unknownSpread.Median) <= MedianTolerance * (pooled.Q3 - pooled.Q1),
            $"The medians differ by more than a third of the interquartile range of all samples ({pooled}): account {knownSpread}, no account {unknownSpread}.");
    }

    /// <summary>Waits until these queues hold no message, in flight or waiting (the app's background work is over).</summary>
    private static async Task DrainedAsync(BangumoeApp app, params string[] queues)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        foreach (var name in queues)
        {
            var queue = new QueueClient(app.Emulators.StorageConnectionString, app.Prefix + name);
            while (await queue.ExistsAsync() && (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount > 0)
            {
                if (DateTime.UtcNow > deadline) throw new TimeoutException($"{name} still holds messages after 2 minutes.");
                await Task.Delay(200);
            }
        }
    }

    private static async Task<double> TimeAsync(HttpClient client, string path, string email)
    {
        using var body = new StringContent(JsonSerializer.Serialize(new { email }), Encoding.UTF8, "application/json");
        var watch = Stopwatch.StartNew();
        using var response = await client.PostAsync(path, body);
        await response.Content.ReadAsByteArrayAsync();
        watch.Stop();
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return watch.Elapsed.TotalMilliseconds;
    }
}
