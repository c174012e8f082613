using Bangumoe.Accounts;

namespace Bangumoe.UnitTests.Accounts;

/// <summary>A URL a person stores (avatar, an app's home page) is accepted only as RFC 3986 writes it.</summary>
public sealed class HttpUrlTests
{
    [Theory]
    [InlineData("https://lain.bgm.tv/pic/user/l/icon.jpg")]
    [InlineData("http://example.com")]
    [InlineData("https://example.com:8443/a/b?q=1&r=%E5%8A%A8%E7%94%BB#top")]
    [InlineData("https://example.com/it's(fine)!*+,;=@~")]
    [InlineData("https://[2001:db8::1]/x")]
    public void Well_formed_http_urls_are_accepted(string url) => Assert.True(AccountRules.IsHttpUrl(url), url);

    [Theory]
    [InlineData("https://example.com/\"><script>alert(1)</script>")]
    [InlineData("https://example.com/<b>")]
    [InlineData("https://example.com/a b")]
    [InlineData("https://example.com/动画")]
    [InlineData("https://example.com/%zz")]
    [InlineData("https://example.com/%4")]
    [InlineData("https://example.com/a\\b")]
    [InlineData("https://example.com/`x`")]
    [InlineData("https://example.com/{x}")]
    [InlineData("https://example.com/^|")]
    [InlineData("javascript:alert(1)")]
    [InlineData("ftp://example.com/x")]
    [InlineData("/relative/path")]
    [InlineData("https:///no-host")]
    public void Anything_else_is_refused(string url) => Assert.False(AccountRules.IsHttpUrl(url), url);
}
