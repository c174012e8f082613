using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace Bangumoe.Tests.Infrastructure;

/// <summary>
/// What every page must hold in a real browser, checked where a journey reaches it: at a phone's width (375 px) and a
/// desktop's (1280 px) nothing scrolls sideways and a screenshot is saved for people to look at
/// (TestResults/screenshots/pages/{language}/{name}-{width}.png); axe finds no serious or critical accessibility
/// violation; and tap targets (buttons, fields, links that are not inside a sentence) are at least 24×24 CSS px (WCAG 2.2
/// target size, minimum).
/// </summary>
public static class PageAudit
{
    public static readonly int[] Widths = [375, 1280];

    public static string Directory(string language) => Path.Combine(BrowserHost.ScreenshotDirectory, "pages", language);

    public static async Task AuditAsync(this IPage page, string language, string name)
    {
        System.IO.Directory.CreateDirectory(Directory(language));
        var problems = new List<string>();
        foreach (var width in Widths)
        {
            await page.SetViewportSizeAsync(width, width < 600 ? 812 : 900);
            var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
            if (overflow > 0) problems.Add($"{width}px: scrolls sideways by {overflow}px");
            var small = await page.EvaluateAsync<string[]>("""
                () => [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea')]
                  .filter(e => !(e.tagName === 'A' && e.closest('p, td, dd')))
                  .filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 && (r.width < 24 || r.height < 24); })
                  .map(e => e.outerHTML.slice(0, 120))
                """);
            foreach (var element in small) problems.Add($"{width}px: tap target smaller than 24px: {element}");
            var path = Path.Combine(Directory(language), $"{name}-{width}.png");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        }
        await page.SetViewportSizeAsync(1280, 900);

        AxeResult axe = await page.RunAxe();
        foreach (var violation in axe.Violations.Where(v => v.Impact is "serious" or "critical"))
            problems.Add($"axe {violation.Impact} {violation.Id}: {violation.Help} at {string.Join(", ", violation.Nodes.Select(n => n.Target?.ToString()))}");

        Assert.True(problems.Count == 0, $"Page '{name}' ({language}, {page.Url}):\n" + string.Join("\n", problems));
    }
}
