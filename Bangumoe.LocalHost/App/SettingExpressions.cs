using System.Text.RegularExpressions;

namespace Bangumoe.LocalHost.App;

/// <summary>
/// Binding expressions of the form <c>%SettingName%</c> (as in <c>[QueueTrigger("%WorkQueue%")]</c>), which the Azure
/// host replaces with app settings before it starts a trigger.
/// </summary>
internal static partial class SettingExpressions
{
    public static string Resolve(string text, AppSettings settings) =>
        SettingReference().Replace(text, match =>
            settings[match.Groups[1].Value] ?? throw new InvalidOperationException(
                $"'{text}' refers to the setting '{match.Groups[1].Value}', which is not set."));

    [GeneratedRegex("%([^%]+)%")]
    private static partial Regex SettingReference();
}
