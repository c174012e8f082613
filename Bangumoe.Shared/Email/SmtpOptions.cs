using System.Net.Mail;

namespace Bangumoe.Email;

/// <summary>SMTP relay settings (configuration section <c>Smtp</c>). Locally MailDev; in Azure, for example the
/// Azure Communication Services SMTP endpoint.</summary>
public sealed class SmtpOptions
{
    public string Host { get; set; } = "127.0.0.1";

    public int Port { get; set; } = 1025;

    /// <summary><c>None</c> (MailDev), <c>StartTls</c> (port 587, e.g. Azure Communication Services) or <c>SslOnConnect</c> (port 465).</summary>
    public string Security { get; set; } = "None";

    public string? UserName { get; set; }

    public string? Password { get; set; }

    public string FromAddress { get; set; } = "no-reply@bangumoe.local";

    public string FromName { get; set; } = "Bangumoe";

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(15);

    internal static IEnumerable<string> Validate(SmtpOptions o)
    {
        if (string.IsNullOrWhiteSpace(o.Host)) yield return "Smtp:Host must name the SMTP server.";
        if (o.Port is < 1 or > 65535) yield return "Smtp:Port must be between 1 and 65535.";
        if (o.Security is not ("None" or "StartTls" or "SslOnConnect"))
            yield return "Smtp:Security must be None, StartTls or SslOnConnect.";
        if (!MailAddress.TryCreate(o.FromAddress, out _)) yield return "Smtp:FromAddress must be an email address.";
        if (!string.IsNullOrEmpty(o.UserName) && string.IsNullOrEmpty(o.Password))
            yield return "Smtp:Password is required when Smtp:UserName is set.";
        if (o.Timeout <= TimeSpan.Zero) yield return "Smtp:Timeout must be positive.";
    }
}
