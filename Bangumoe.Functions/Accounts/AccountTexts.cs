namespace Bangumoe.Functions.Accounts;

/// <summary>What the account pages say: sign-up, sign-in, settings, authorized apps (see <see cref="Pages.Texts"/>).</summary>
public sealed record AccountTexts
{
    public static readonly AccountTexts En = new()
    {
    };

    public static readonly AccountTexts ZhHans = new()
    {
    };
}
