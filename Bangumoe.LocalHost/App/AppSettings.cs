using System.Collections;
using System.Text.Json;

namespace Bangumoe.LocalHost.App;

/// <summary>
/// App settings the way Core Tools builds them: local.settings.json's <c>Values</c>, overridden by the process
/// environment, overridden by settings given in code. The host reads connections from them; the worker process gets
/// them as environment variables.
/// </summary>
internal sealed class AppSettings
{
    private readonly Dictionary<string, string?> _fromFileAndCode;
    private readonly Dictionary<string, string?> _all;

    private AppSettings(Dictionary<string, string?> fromFileAndCode, Dictionary<string, string?> all)
    {
        _fromFileAndCode = fromFileAndCode;
        _all = all;
    }

    /// <summary>Settings from local.settings.json and code only: what a worker needs beyond its own environment.</summary>
    public IReadOnlyDictionary<string, string?> Explicit => _fromFileAndCode;

    /// <summary>A setting by name; <c>:</c> and <c>__</c> separate sections alike, as in .NET configuration.</summary>
    public string? this[string name] =>
        _all.TryGetValue(name, out var value) || _all.TryGetValue(name.Replace(":", "__", StringComparison.Ordinal), out value)
        || _all.TryGetValue(name.Replace("__", ":", StringComparison.Ordinal), out value)
            ? value
            : null;

    /// <summary>Every setting whose name starts with <paramref name="prefix"/> (either separator), with the rest of its
    /// name split into sections.</summary>
    public IEnumerable<(string[] Path, string? Value)> Section(string prefix) =>
        _all.Select(s => (Name: s.Key.Replace("__", ":", StringComparison.Ordinal), s.Value))
            .Where(s => s.Name.StartsWith(prefix + ":", StringComparison.OrdinalIgnoreCase))
            .Select(s => (s.Name[(prefix.Length + 1)..].Split(':'), s.Value));

    public static AppSettings Load(LocalHostOptions options, string appDirectory)
    {
        // Azure app settings are case-insensitive.
        var file = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var path = options.SettingsFile ?? Path.Combine(appDirectory, "local.settings.json");
        if (options.SettingsFile is not null && !File.Exists(path))
            throw new FileNotFoundException($"The settings file {path} does not exist.", path);
        if (File.Exists(path))
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions
            {
                CommentHandling = JsonCommentHandling.Skip,
                AllowTrailingCommas = true,
            });
            if (document.RootElement.TryGetProperty("Values", out var values) && values.ValueKind == JsonValueKind.Object)
                foreach (var value in values.EnumerateObject())
                    file[value.Name] = value.Value.ValueKind == JsonValueKind.String ? value.Value.GetString() : value.Value.GetRawText();
        }

        var all = new Dictionary<string, string?>(file, StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry variable in Environment.GetEnvironmentVariables())
            all[(string)variable.Key] = (string?)variable.Value;

        var fromFileAndCode = new Dictionary<string, string?>(file, StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in options.Settings)
        {
            all[name] = value;
            fromFileAndCode[name] = value;
        }
        // A file value the environment overrides is not "explicit" any more: the environment's value is the setting.
        foreach (var name in file.Keys)
            if (!options.Settings.ContainsKey(name) && Environment.GetEnvironmentVariable(name) is { } fromEnvironment)
                fromFileAndCode[name] = fromEnvironment;

        return new AppSettings(fromFileAndCode, all);
    }
}
