using Bangumoe.Functions.Pages;

namespace Bangumoe.Functions.Accounts;

/// <summary>
/// The account pages' side of a form: what was posted, and the core's errors put next to the page's fields in the
/// page's language (the core's own messages are English and never shown).
/// </summary>
internal static class AccountForms
{
    /// <summary>The form shown again: what was typed (never a password) and, for each field the core named, the
    /// localized message <paramref name="localize"/> gives for that field and the error's code (it may rename the field
    /// to the page's own name).</summary>
    public static FormState WithErrors(IFormCollection form, Error error, Func<string, string, (string Field, string Message)> localize)
    {
        var state = FormState.From(form);
        foreach (var field in error.FieldErrors?.Keys ?? [])
        {
            var (name, message) = localize(field, error.Code);
            state.AddError(name, message);
        }
        return state;
    }

    /// <summary>A posted field, or null when the form lacks it (the core then keeps what is saved).</summary>
    public static string? Optional(IFormCollection form, string name) => form.TryGetValue(name, out var value) ? value.ToString() : null;
}
