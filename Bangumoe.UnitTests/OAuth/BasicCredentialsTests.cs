using System.Text;
using Bangumoe.Functions.OAuth;

namespace Bangumoe.UnitTests.OAuth;

/// <summary>Client credentials in the Basic header: id and secret form-urlencoded before base64 (RFC 6749 §2.3.1).</summary>
public sealed class BasicCredentialsTests
{
    private static string Encode(string raw) => Convert.ToBase64String(Encoding.UTF8.GetBytes(raw));

    [Theory]
    [InlineData("app:s3cret", "app", "s3cret")]
    [InlineData("app:", "app", "")]
    [InlineData("my%20app:a%3Ab", "my app", "a:b")] // form-urlencoded: a colon in the secret travels as %3A
    [InlineData("my+app:p+w", "my app", "p w")]
    [InlineData("app:se:cret", "app", "se:cret")] // only the first colon separates
    [InlineData("%E3%82%A2%E3%83%97%E3%83%AA:x", "アプリ", "x")]
    public void Decodes_id_and_secret(string raw, string id, string secret) =>
        Assert.Equal((id, secret), BasicCredentials.Parse(Encode(raw)));

    [Theory]
    [InlineData("not base64!")]
    [InlineData("")]
    public void Refuses_what_is_not_base64(string encoded) => Assert.Null(BasicCredentials.Parse(encoded));

    [Theory]
    [InlineData("no-colon")]
    [InlineData(":secret-without-id")]
    public void Refuses_a_value_without_an_id(string raw) => Assert.Null(BasicCredentials.Parse(Encode(raw)));
}
