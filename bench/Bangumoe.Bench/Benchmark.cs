using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Bangumoe.FakeBangumi;

namespace Bangumoe.Bench;

internal sealed record BenchOptions(string AppDir, string BareDir, string HostDll, string Storage, string MailDevUrl, int SmtpPort, TimeSpan Duration, int Connections, string Output, int AzuritePid)
{
    public static BenchOptions Parse(string[] args)
    {
        string Arg(string name, string? fallback = null)
        {
            var i = Array.IndexOf(args, "--" + name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback ?? throw new ArgumentException($"--{name} is required.");
        }
        return new BenchOptions(Arg("app-dir"), Arg("bare-dir"), Arg("host-dll"), Arg("storage"), Arg("maildev"), int.Parse(Arg("smtp-port"), CultureInfo.InvariantCulture),
            TimeSpan.FromSeconds(double.Parse(Arg("duration", "20"), CultureInfo.InvariantCulture)), int.Parse(Arg("connections", "32"), CultureInfo.InvariantCulture),
            Arg("out", "bench/last-run.md"), int.Parse(Arg("azurite-pid", "0"), CultureInfo.InvariantCulture));
    }
}

/// <summary>
/// The whole benchmark. Every figure is reported next to a baseline measured in the same run on the same machine,
/// and judged as a ratio: absolute numbers on a shared two-core machine mean little, ratios hold.
/// </summary>
internal static class Benchmark
{
    private const int AppPort = 20071;
    private const int BaselinePort = 20072;
    private const int BareWorkerPort = 20073;
    private const int FakeBangumiPort = 20081;
    private const int CollectionSize = 200;
    private const int ImportSize = 1000;

    public static async Task<int> RunAsync(BenchOptions o)
    {
        var appUrl = $"http://127.0.0.1:{AppPort}";
        var baselineUrl = $"http://127.0.0.1:{BaselinePort}";
        var bareUrl = $"http://127.0.0.1:{BareWorkerPort}";
        // Bangumoe and the bare worker both run under the local Functions host, as ./run.sh runs Bangumoe.
        string[] appArgs = ["--app", o.AppDir, "--port", AppPort.ToString(CultureInfo.InvariantCulture)];
        string[] bareArgs = ["--app", o.BareDir, "--port", BareWorkerPort.ToString(CultureInfo.InvariantCulture)];
        var baselineDll = Path.Combine(AppContext.BaseDirectory, "Bangumoe.Bench.dll");
        var rows = new List<string[]>();
        var notes = new List<string>();

        await using var fake = await FakeBangumi.FakeBangumi.StartAsync(new FakeBangumiOptions
        {
            ClientId = "bench-client",
            ClientSecret = "bench-secret",
            RedirectUri = appUrl + "/oauth2.0/redirect",
            AutoApproveUsername = "benchfan",
            PageDelay = TimeSpan.FromMilliseconds(100),
        }, $"http://127.0.0.1:{FakeBangumiPort}");
        var bangumiUser = fake.AddUser("benchfan");
        bangumiUser.GenerateCollection(ImportSize);

        var appEnv = new Dictionary<string, string>
        {
            ["PublicBaseUrl"] = appUrl,
            ["Storage__NamePrefix"] = "",
            ["AzureWebJobsStorage"] = o.Storage,
            ["Smtp__Host"] = "127.0.0.1",
            ["Smtp__Port"] = o.SmtpPort.ToString(CultureInfo.InvariantCulture),
            ["Signing__Keys__0__PrivateKeyPem"] = RSA.Create(2048).ExportPkcs8PrivateKeyPem(),
            // The per-client limit (300/min by default) would measure the limiter, not the endpoint.
            ["OAuth__ClientRequestsPerMinute"] = "1000000",
            ["Bangumi__OAuthBaseUrl"] = fake.BaseUrl,
            ["Bangumi__ApiBaseUrl"] = fake.BaseUrl,
            ["Bangumi__ClientId"] = "bench-client",
            ["Bangumi__ClientSecret"] = "bench-secret",
            ["Bangumi__TokenEncryptionKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["AzureFunctionsJobHost__extensions__queues__maxPollingInterval"] = "00:00:00.100",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        var baselineEnv = new Dictionary<string, string> { ["Urls"] = baselineUrl, ["AzureWebJobsStorage"] = o.Storage };
        var bareEnv = new Dictionary<string, string> { ["AzureWebJobsStorage"] = o.Storage };

        Log("Setting up: users, an app, 32 refresh-token families, a 200-item collection");
        BenchUser user;
        BenchUser loginUser;
        List<TokenPair> families;
        BenchClient client;
        using (var mailDev = new HttpClient { BaseAddress = new Uri(o.MailDevUrl) })
        using (var setupHttp = new HttpClient { BaseAddress = new Uri(appUrl) })
        {
            var (setupApp, _) = await ServerProcess.StartAndTimeAsync(o.HostDll, appEnv, appUrl + "/api/health", null, appArgs);
            await using (setupApp)
            {
                user = await Scenario.NewVerifiedUserAsync(setupHttp, mailDev, "benchuser");
                loginUser = await Scenario.NewVerifiedUserAsync(setupHttp, mailDev, "benchlogin");
                client = await Scenario.RegisterClientAsync(setupHttp, user);
                families = await Scenario.TokenFamiliesAsync(appUrl, user, client, "openid profile email offline_access collection:read", o.Connections);
                await Scenario.FillCollectionAsync(setupHttp, user, CollectionSize);
            }
        }

        Log("Cold start: process start → first 200 (3 rounds each, alternating)");
        var appStarts = new List<double>();
        var bareStarts = new List<double>();
        var baselineStarts = new List<double>();
        for (var round = 0; round < 3; round++)
        {
            var (b, bt) = await ServerProcess.StartAndTimeAsync(baselineDll, baselineEnv, baselineUrl + "/point", null, "baseline");
            await b.DisposeAsync();
            baselineStarts.Add(bt.TotalMilliseconds);
            var (w, wt) = await ServerProcess.StartAndTimeAsync(o.HostDll, bareEnv, bareUrl + "/point", null, bareArgs);
            await w.DisposeAsync();
            bareStarts.Add(wt.TotalMilliseconds);
            var (a, at) = await ServerProcess.StartAndTimeAsync(o.HostDll, appEnv, appUrl + "/api/me", user.Token, appArgs);
            await a.DisposeAsync();
            appStarts.Add(at.TotalMilliseconds);
        }
        var appCold = Median(appStarts);
        var bareCold = Median(bareStarts);
        var baseCold = Median(baselineStarts);
        rows.Add(["Cold start → first 200 of `GET /api/me`, host + worker (median of 3)", Ms(appCold), Ms(bareCold) + " (bare worker's `/point`, same host)", Ratio(appCold / bareCold), "≤ 1.5", Verdict(appCold / bareCold <= 1.5)]);
        rows.Add(["Host hop: cold start of the bare worker behind the local host", Ms(bareCold), Ms(baseCold) + " (plain app's `/point`)", Ratio(bareCold / baseCold), "—", "(information)"]);

        Log($"Throughput: {o.Connections} connections, {o.Duration.TotalSeconds:0} s per endpoint");
        var (baseline, _) = await ServerProcess.StartAndTimeAsync(baselineDll, baselineEnv, baselineUrl + "/point", null, "baseline");
        var (bare, _) = await ServerProcess.StartAndTimeAsync(o.HostDll, bareEnv, bareUrl + "/point", null, bareArgs);
        var (app, _) = await ServerProcess.StartAndTimeAsync(o.HostDll, appEnv, appUrl + "/api/me", user.Token, appArgs);
        await using (baseline)
        await using (bare)
        await using (app)
        {
            using var baseHttp = Load.NewClient(baselineUrl, o.Connections);
            using var bareHttp = Load.NewClient(bareUrl, o.Connections);
            using var appHttp = Load.NewClient(appUrl, o.Connections);
            var noop = await Run("baseline: `GET /noop` (no I/O)", baseHttp, o, baseline, (c, _, ct) => c.GetAsync("/noop", ct));
            var pointBefore = await Run("baseline: `GET /point` (one point read)", baseHttp, o, baseline, (c, _, ct) => c.GetAsync("/point", ct));
            var bareNoop = await Run("bare worker behind the local host: `GET /noop`", bareHttp, o, bare, (c, _, ct) => c.GetAsync("/noop", ct));
            var barePoint = await Run("bare worker behind the local host: `GET /point`", bareHttp, o, bare, (c, _, ct) => c.GetAsync("/point", ct));

            var me = await Run("`GET /api/me`", appHttp, o, app, (c, _, ct) => Bearer(c, HttpMethod.Get, "/api/me", user.Token, ct));
            var refreshTokens = families.Select(f => f.RefreshToken).ToArray();
            var refresh = await Load.RunAsync("`POST /oauth/token` (refresh grant)", appHttp, o.Connections, o.Duration, async (c, worker, ct) =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "/oauth/token")
                {
                    Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "refresh_token", ["refresh_token"] = refreshTokens[worker] }),
                };
                request.Headers.Authorization = client.Basic;
                using var response = await c.SendAsync(request, ct);
                var text = await response.Content.ReadAsStringAsync(ct);
                if (!response.IsSuccessStatusCode) return $"{(int)response.StatusCode}: {text}";
                refreshTokens[worker] = JsonDocument.Parse(text).RootElement.GetProperty("refresh_token").GetString()!;
                return null;
            }, app.Pids, o.AzuritePid);
            Report(refresh);
            var userinfo = await Run("`GET /oauth/userinfo`", appHttp, o, app, (c, worker, ct) => Bearer(c, HttpMethod.Get, "/oauth/userinfo", families[worker].AccessToken, ct));
            var collection = await Run($"`GET /api/me/collection` (first page of 20 of {CollectionSize} items)", appHttp, o, app, (c, _, ct) => Bearer(c, HttpMethod.Get, "/api/me/collection", user.Token, ct));
            var bigPage = await Run("`GET /api/me/collection?limit=100`", appHttp, o, app, (c, _, ct) => Bearer(c, HttpMethod.Get, "/api/me/collection?limit=100", user.Token, ct));
            var pointAfter = await Run("baseline: `GET /point` again", baseHttp, o, baseline, (c, _, ct) => c.GetAsync("/point", ct));
            var peakRss = app.WorkerPeakRssMiB();
            var hostRss = app.PeakRssMiB() - peakRss;

            var point = (pointBefore.RequestsPerSecond + pointAfter.RequestsPerSecond) / 2;
            rows.Add(["Baseline `GET /noop` (no I/O), plain ASP.NET Core", Rps(noop), "—", "—", "—", "(reference)", CpuOf(noop)]);
            rows.Add(["Baseline `GET /point` (point read; mean of before and after), plain ASP.NET Core", $"{point:0} req/s (p50 {pointBefore.P50Ms:0.0} / p99 {pointBefore.P99Ms:0.0} ms)", "—", "—", "—", "(baseline)", CpuOf(pointBefore)]);
            // The host hop: the same two endpoints as isolated-worker functions behind the same local host as Bangumoe.
            rows.Add(["Host hop: bare worker `GET /noop` behind the local host", Rps(bareNoop), Rps(noop), Ratio(bareNoop.RequestsPerSecond / noop.RequestsPerSecond), "—", "(the host's own cost)", CpuOf(bareNoop)]);
            rows.Add(["Host hop: bare worker `GET /point` behind the local host", Rps(barePoint), $"{point:0} req/s", Ratio(barePoint.RequestsPerSecond / point), "—", "(the host's own cost)", CpuOf(barePoint)]);
            foreach (var (result, target) in new[] { (me, 0.7), (refresh, 0.3), (userinfo, 0.7), (collection, 0.5) })
                rows.Add([result.Name, Rps(result), $"{barePoint.RequestsPerSecond:0} req/s (bare worker `/point`, same host)", Ratio(result.RequestsPerSecond / barePoint.RequestsPerSecond), $"≥ {target}", Verdict(result.RequestsPerSecond / barePoint.RequestsPerSecond >= target && result.Errors == 0), CpuOf(result)]);
            rows.Add([bigPage.Name + " (largest page, for scale)", Rps(bigPage), $"{barePoint.RequestsPerSecond:0} req/s", Ratio(bigPage.RequestsPerSecond / barePoint.RequestsPerSecond), "—", "(information)", CpuOf(bigPage)]);
            rows.Add(["Peak RSS of Bangumoe's worker during the throughput runs", $"{peakRss:0} MiB (the local host: {hostRss:0} MiB more)", "—", "—", "< 200 MB", Verdict(peakRss * 1.048576 < 200)]);

            var loginBody = JsonSerializer.Serialize(new { email = loginUser.Email, password = loginUser.Password });
            var login = await Run("`POST /api/auth/login` (PBKDF2-SHA256, 600,000 iterations)", appHttp, o, app, (c, _, ct) =>
                c.PostAsync("/api/auth/login", new StringContent(loginBody, Encoding.UTF8, "application/json"), ct));
            rows.Add([login.Name, Rps(login), "—", "—", "bound by hashing", "(reported apart)", CpuOf(login)]);
            notes.Add($"Login: {login.RequestsPerSecond:0.0} logins/s with {o.Connections} connections on {Environment.ProcessorCount} cores, p50 {login.P50Ms:0} ms; each login is one PBKDF2-SHA256 hash of 600,000 iterations (the OWASP 2023 figure).");

            Log("Bangumi import: 1,000 items, 100 ms per page, against fetching the same pages alone");
            var (fetchAlone, pages) = await FetchAloneAsync(fake, bangumiUser);
            var (importTime, wall) = await ImportAsync(appUrl, user, fake);
            rows.Add([$"Bangumi import of {ImportSize} items ({pages} pages at 100 ms)", $"{importTime.TotalSeconds:0.00} s (started→finished; {wall.TotalSeconds:0.00} s from the callback)",
                $"{fetchAlone.TotalSeconds:0.00} s (fetching alone)", Ratio(importTime / fetchAlone), "≤ 1.3", Verdict(importTime / fetchAlone <= 1.3)]);
            // The same first page once the import has grown the Collections table twelvefold: on Table Storage a range
            // query within a partition costs the same; Azurite scans every row of the table, so this shows its share.
            var collectionAfter = await Run($"`GET /api/me/collection` again, after the import ({CollectionSize + ImportSize} items)", appHttp, o, app, (c, _, ct) => Bearer(c, HttpMethod.Get, "/api/me/collection", user.Token, ct));
            rows.Add([collectionAfter.Name, Rps(collectionAfter), $"{barePoint.RequestsPerSecond:0} req/s", Ratio(collectionAfter.RequestsPerSecond / barePoint.RequestsPerSecond), "—", "(information)", CpuOf(collectionAfter)]);
            foreach (var r in new[] { me, refresh, userinfo, collection, bigPage, collectionAfter, login })
                if (r.Errors > 0) notes.Add($"{r.Name}: {r.Errors} errors, first: {r.FirstError}");
        }

        var table = new StringBuilder();
        table.AppendLine("| Measure | Measured | Baseline | Ratio | Target | | CPU µs/request (server [of which host] + Azurite) |");
        table.AppendLine("|---|---|---|---|---|---|---|");
        foreach (var row in rows) table.AppendLine("| " + string.Join(" | ", row.Length == 6 ? [.. row, ""] : row) + " |");
        var report = $"""
            ## Run of {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC

            Machine: {Environment.ProcessorCount} cores, {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024):0.0} GiB, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}.
            Load: {o.Connections} connections, {o.Duration.TotalSeconds:0} s per endpoint after a 3 s warm-up; the load generator, Azurite, Bangumoe and the baseline share the machine.

            {table}
            {string.Join("\n", notes.Select(n => "- " + n))}

            """;
        Console.WriteLine();
        Console.WriteLine(report);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(o.Output))!);
        await File.WriteAllTextAsync(o.Output, report);
        return 0;
    }

    private static async Task<LoadResult> Run(string name, HttpClient client, BenchOptions o, ServerProcess server, Func<HttpClient, int, CancellationToken, Task<HttpResponseMessage>> send)
    {
        var result = await Load.RunAsync(name, client, o.Connections, o.Duration, async (c, worker, ct) => await Load.Expect2xx(await send(c, worker, ct)), server.Pids, o.AzuritePid);
        Report(result);
        return result;
    }

    private static void Report(LoadResult r) =>
        Log($"  {r.Name}: {r.RequestsPerSecond:0} req/s, p50 {r.P50Ms:0.0} ms, p99 {r.P99Ms:0.0} ms, CPU per request: server {r.ServerCpuUs:0} µs, Azurite {r.AzuriteCpuUs:0} µs"
            + (r.Errors > 0 ? $", {r.Errors} errors ({r.FirstError})" : ""));

    private static Task<HttpResponseMessage> Bearer(HttpClient client, HttpMethod method, string path, string token, CancellationToken ct)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client.SendAsync(request, ct);
    }

    /// <summary>What the import cannot beat: /v0/me and every page, fetched one after another, doing nothing else.</summary>
    private static async Task<(TimeSpan Elapsed, int Pages)> FetchAloneAsync(FakeBangumi.FakeBangumi fake, FakeUser user)
    {
        var token = fake.IssueTokensFor(user, out _);
        using var http = new HttpClient { BaseAddress = new Uri(fake.BaseUrl) };
        http.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", "bangumoe-bench/1.0");
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        await http.GetStringAsync("/v0/me"); // connection warm
        var clock = Stopwatch.StartNew();
        await http.GetStringAsync("/v0/me");
        var pages = 0;
        for (var offset = 0; ; offset += 50)
        {
            var page = JsonDocument.Parse(await http.GetStringAsync($"/v0/users/{user.Username}/collections?subject_type=2&limit=50&offset={offset}")).RootElement;
            pages++;
            if (offset + 50 >= page.GetProperty("total").GetInt32()) break;
        }
        return (clock.Elapsed, pages);
    }

    /// <summary>Binds through the real flow and waits for the queued import; returns its own started→finished time.</summary>
    private static async Task<(TimeSpan Import, TimeSpan Wall)> ImportAsync(string appUrl, BenchUser user, FakeBangumi.FakeBangumi fake)
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(appUrl) };
        var bind = await Scenario.Send(http, HttpMethod.Get, "/api/bangumi/bind", user.Token);
        var consent = await http.GetAsync(bind.Headers.Location ?? throw new InvalidOperationException($"bind: {(int)bind.StatusCode}"));
        var callback = consent.Headers.Location ?? throw new InvalidOperationException($"Bangumi consent: {(int)consent.StatusCode}");
        var clock = Stopwatch.StartNew();
        var page = await http.GetAsync(callback.PathAndQuery);
        if (!page.IsSuccessStatusCode) throw new InvalidOperationException($"callback: {(int)page.StatusCode} {await page.Content.ReadAsStringAsync()}");
        while (true)
        {
            var status = await Scenario.Json(await Scenario.Send(http, HttpMethod.Get, "/api/me/bangumi", user.Token), "binding");
            var import = status.GetProperty("import");
            var state = import.GetProperty("status").GetString();
            if (state == "failed") throw new InvalidOperationException("The import failed: " + import.GetProperty("error"));
            if (state == "done")
                return (import.GetProperty("finished_at").GetDateTimeOffset() - import.GetProperty("started_at").GetDateTimeOffset(), clock.Elapsed);
            if (clock.Elapsed > TimeSpan.FromMinutes(5)) throw new TimeoutException("The import did not finish within 5 minutes.");
            await Task.Delay(20);
        }
    }

    private static string CpuOf(LoadResult r) => r.HostCpuUs > 0 ? $"{r.ServerCpuUs:0} [{r.HostCpuUs:0}] + {r.AzuriteCpuUs:0}" : $"{r.ServerCpuUs:0} + {r.AzuriteCpuUs:0}";

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    private static string Ms(double ms) => $"{ms:0} ms";

    private static string Rps(LoadResult r) => $"{r.RequestsPerSecond:0} req/s (p50 {r.P50Ms:0.0} / p99 {r.P99Ms:0.0} ms)";

    private static string Ratio(double ratio) => ratio.ToString("0.00", CultureInfo.InvariantCulture);

    private static string Verdict(bool met) => met ? "met" : "**missed**";

    private static void Log(string message) => Console.Error.WriteLine("==> " + message);
}
