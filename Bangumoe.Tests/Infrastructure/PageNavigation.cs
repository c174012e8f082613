using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Bangumoe.Tests.Infrastructure;

/// <summary>
/// Waiting for a page to arrive and load, without the lost wake-up in Playwright .NET's own waits
/// (playwright-dotnet#3364, open for 1.62): <c>WaitForURLAsync</c> and the load-state wait after a navigation check
/// the frame's state and only then listen, so an event that comes in between is never seen, and the wait times out
/// on a page that loaded long ago. CI met it once: "Timeout 60000ms exceeded", with the page's network idle. The
/// client still records the URL and the load states when nobody listens, so these poll what it recorded.
/// </summary>
public static class PageNavigation
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>Waits until the page's address matches <paramref name="glob"/> (Playwright's URL globs: <c>**</c> any
    /// text, <c>*</c> any text without a slash, everything else literal) and the page has loaded.</summary>
    public static async Task ArriveAtAsync(this IPage page, string glob)
    {
        var pattern = GlobPattern(glob);
        var waited = Stopwatch.StartNew();
        while (!pattern.IsMatch(page.Url))
        {
            if (waited.Elapsed > Patience) throw new TimeoutException($"The page stayed at {page.Url}; it never reached {glob}.");
            await Task.Delay(50);
        }
        await page.LoadedAsync(Patience - waited.Elapsed);
    }

    /// <summary>Runs <paramref name="action"/> (a click that navigates, perhaps to the same address) and waits for
    /// the page it leads to to load. The navigation is listened for before the click, so it cannot be missed.</summary>
    public static async Task NavigateByAsync(this IPage page, Func<Task> action)
    {
        var navigated = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnNavigated(object? sender, IFrame frame)
        {
            if (frame == page.MainFrame) navigated.TrySetResult();
        }
        page.FrameNavigated += OnNavigated;
        var waited = Stopwatch.StartNew();
        try
        {
            await action();
            await navigated.Task.WaitAsync(Patience);
        }
        finally
        {
            page.FrameNavigated -= OnNavigated;
        }
        await page.LoadedAsync(Patience - waited.Elapsed);
    }

    /// <summary>Short waits for the load state, over and over: one that missed the event finds it recorded at the
    /// next check.</summary>
    private static async Task LoadedAsync(this IPage page, TimeSpan patience)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await page.WaitForLoadStateAsync(LoadState.Load, new PageWaitForLoadStateOptions { Timeout = 2000 });
                return;
            }
            catch (TimeoutException) when (waited.Elapsed < patience)
            {
            }
        }
    }

    private static Regex GlobPattern(string glob) =>
        new("^" + string.Concat(Regex.Split(glob, @"(\*\*|\*)").Select(part => part switch
        {
            "**" => ".*",
            "*" => "[^/]*",
            _ => Regex.Escape(part),
        })) + "$", RegexOptions.CultureInvariant);
}
