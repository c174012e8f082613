using Bangumoe.OAuth;

namespace Bangumoe.UnitTests.OAuth;

/// <summary>PKCE S256 (RFC 7636): BASE64URL(SHA256(verifier)) equals the challenge, nothing else does.</summary>
public sealed class PkceTests
{
    // RFC 7636 Appendix B.
    private const string Verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    private const string Challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    [Fact]
    public void The_rfc_example_matches() => Assert.True(Pkce.Matches(Verifier, Challenge));

    [Theory]
    [InlineData("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXK")] // one letter's case
    [InlineData("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjX")]  // one character short
    [InlineData("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")] // the challenge itself ("plain")
    [InlineData("")]
    public void Anything_else_does_not(string verifier) => Assert.False(Pkce.Matches(verifier, Challenge));

    [Theory]
    [InlineData(Verifier, true)]
    [InlineData("a-verifier-of-exactly-forty-three-characters", true)]
    [InlineData("too-short", false)]
    [InlineData("has space in it and is long enough to be a verifier", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Verifier_syntax(string? verifier, bool valid) => Assert.Equal(valid, Pkce.IsVerifier(verifier));

    [Theory]
    [InlineData(Challenge, true)]
    [InlineData(Challenge + "=", false)]
    [InlineData("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM", false)]
    [InlineData("plain", false)]
    public void Challenge_syntax(string challenge, bool valid) => Assert.Equal(valid, Pkce.IsS256Challenge(challenge));

    [Fact]
    public void A_padded_or_standard_base64_challenge_does_not_match()
    {
        Assert.False(Pkce.Matches(Verifier, Challenge + "="));
        Assert.False(Pkce.Matches(Verifier, Challenge.Replace('-', '+')));
    }
}
