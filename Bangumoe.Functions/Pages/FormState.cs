namespace Bangumoe.Functions.Pages;

/// <summary>
/// A form shown again after bad input: what the person typed (so nothing is lost; passwords are never echoed) and a
/// message per field, in the page's language, shown next to the field. <see cref="Message"/> is about the whole form.
/// </summary>
public sealed class FormState
{
    private static readonly HashSet<string> NeverEchoed = new(StringComparer.Ordinal)
    {
        "password", "current_password", "new_password", "confirm_password", BrowserCookies.CsrfField,
    };

    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _errors = new(StringComparer.Ordinal);

    public static FormState Empty => new();

    /// <summary>The posted values, minus passwords and the CSRF token.</summary>
    public static FormState From(IFormCollection form)
    {
        var state = new FormState();
        foreach (var (name, value) in form)
            if (!NeverEchoed.Contains(name)) state._values[name] = value.ToString();
        return state;
    }

    public string? Message { get; set; }

    public bool HasErrors => _errors.Count > 0 || Message is not null;

    public string? Value(string name) => _values.GetValueOrDefault(name);

    public FormState With(string name, string? value)
    {
        if (value is null) _values.Remove(name); else _values[name] = value;
        return this;
    }

    public string? Error(string name) => _errors.GetValueOrDefault(name);

    public FormState AddError(string name, string message)
    {
        _errors.TryAdd(name, message);
        return this;
    }

    /// <summary>The fields with an error, in order, for the summary at the top of the form.</summary>
    public IEnumerable<KeyValuePair<string, string>> Errors => _errors;
}
