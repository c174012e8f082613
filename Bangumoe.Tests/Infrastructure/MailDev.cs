using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Bangumoe.Tests.Infrastructure;

public sealed record Mail(string Id, string Subject, string Text, string Html, IReadOnlyList<string> To)
{
    /// <summary>The first link in the mail's text whose URL contains <paramref name="contains"/>.</summary>
    public Uri Link(string contains = "token=")
    {
        foreach (Match m in Regex.Matches(Text, @"https?://\S+"))
            if (m.Value.Contains(contains, StringComparison.Ordinal)) return new Uri(m.Value);
        throw new InvalidOperationException($"No link containing '{contains}' in mail '{Subject}':\n{Text}");
    }

    public string Token => Uri.UnescapeDataString(Regex.Match(Link().Query, "token=([^&]+)").Groups[1].Value);
}

/// <summary>Reads what MailDev caught, through its REST API (<c>/api/email</c>).</summary>
public sealed partial class MailDev(HttpClient http)
{
    public Task<IReadOnlyList<Mail>> AllAsync() => ReadAsync("/api/email");

    /// <summary>The mails to one address. MailDev filters them (its inbox holds every mail the suite sent, thousands by
    /// the end, and <see cref="WaitForAsync"/> asks ten times a second); the app writes every address in lower case.</summary>
    public async Task<IReadOnlyList<Mail>> ToAsync(string address)
    {
        var to = address.ToLowerInvariant();
        return (await ReadAsync("/api/email?envelope.to.address=" + Uri.EscapeDataString(to))).Where(m => m.To.Contains(to)).ToList();
    }

    private async Task<IReadOnlyList<Mail>> ReadAsync(string path)
    {
        var json = await http.GetFromJsonAsync<JsonElement>(path);
        return json.EnumerateArray().Select(e => new Mail(
            e.GetProperty("id").GetString()!,
            e.TryGetProperty("subject", out var s) ? s.GetString() ?? "" : "",
            e.TryGetProperty("text", out var t) ? t.GetString() ?? "" : "",
            e.TryGetProperty("html", out var h) ? h.GetString() ?? "" : "",
            e.GetProperty("envelope").GetProperty("to").EnumerateArray().Select(a => a.GetProperty("address").GetString()!.ToLowerInvariant()).ToList()))
            .ToList();
    }

    /// <summary>Waits until <paramref name="count"/> mails (optionally with a subject containing text) reached the address.</summary>
    public async Task<Mail> WaitForAsync(string address, string? subjectContains = null, int count = 1, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var mails = (await ToAsync(address)).Where(m => subjectContains is null || m.Subject.Contains(subjectContains, StringComparison.OrdinalIgnoreCase)).ToList();
            if (mails.Count >= count) return mails[count - 1];
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Expected {count} mail(s) to {address}{(subjectContains is null ? "" : $" about '{subjectContains}'")}, found {mails.Count}.");
            await Task.Delay(100);
        }
    }

    /// <summary>Deletes these mails (a test that sends hundreds keeps the inbox every other test reads small).</summary>
    public async Task DeleteAsync(IEnumerable<Mail> mails)
    {
        using var response = await http.PostAsJsonAsync("/api/email/delete", new { ids = mails.Select(m => m.Id).ToArray() });
        response.EnsureSuccessStatusCode();
    }
}
