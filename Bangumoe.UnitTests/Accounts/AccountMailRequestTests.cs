using System.Text.Json;
using Bangumoe.Accounts;
using Bangumoe.Queues;

namespace Bangumoe.UnitTests.Accounts;

/// <summary>
/// What the <c>account-mail-requests</c> queue function accepts: exactly what the request side writes. Anything else can
/// never become a request by being tried again, so the function poisons it at once (see the queue function tests).
/// </summary>
public sealed class AccountMailRequestTests
{
    [Theory]
    [InlineData(AccountMailRequest.Verification, "someone@example.com")]
    [InlineData(AccountMailRequest.PasswordReset, "a.b+c@mail.example.org")]
    public void What_the_request_side_writes_is_read_back(string kind, string email)
    {
        var body = JsonSerializer.Serialize(new AccountMailRequest(kind, email), QueueJson.Options);
        Assert.Equal(new AccountMailRequest(kind, email), AccountMailRequestHandler.Parse(body));
    }

    [Theory]
    [InlineData("")]
    [InlineData("{not json")]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("\"someone@example.com\"")]
    [InlineData("{}")]
    [InlineData("""{"kind":"verification"}""")]
    [InlineData("""{"email":"someone@example.com"}""")]
    [InlineData("""{"kind":"spam","email":"someone@example.com"}""")]
    [InlineData("""{"kind":"Verification","email":"someone@example.com"}""")]
    [InlineData("""{"kind":5,"email":"someone@example.com"}""")]
    [InlineData("""{"kind":"verification","email":null}""")]
    [InlineData("""{"kind":"verification","email":""}""")]
    [InlineData("""{"kind":"verification","email":"Someone@Example.com"}""")]
    [InlineData("""{"kind":"verification","email":" someone@example.com"}""")]
    [InlineData("""{"kind":"verification","email":"not-an-email"}""")]
    [InlineData("""{"kind":"password-reset","email":"<b>@example.com"}""")]
    [InlineData("""{"kind":"password-reset","email":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@example.com"}""")]
    public void Anything_else_is_not_a_request(string body) => Assert.Null(AccountMailRequestHandler.Parse(body));
}
