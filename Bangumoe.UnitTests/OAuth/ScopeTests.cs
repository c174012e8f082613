using Bangumoe.OAuth;
using Bangumoe.Security;

namespace Bangumoe.UnitTests.OAuth;

/// <summary>Scope strings: space-separated, case-sensitive tokens, compared as sets.</summary>
public sealed class ScopeTests
{
    [Theory]
    [InlineData("openid profile", "profile", true)]
    [InlineData("openid  profile ", "profile", true)]
    [InlineData("openid profile", "Profile", false)]
    [InlineData("openid profiles", "profile", false)]
    [InlineData("collection:read", "collection", false)]
    [InlineData("", "openid", false)]
    [InlineData(null, "openid", false)]
    public void Has_is_exact_token_membership(string? granted, string scope, bool has) => Assert.Equal(has, Scopes.Has(granted, scope));

    [Fact]
    public void Canonical_orders_and_dedupes_so_equal_sets_are_equal_strings()
    {
        Assert.Equal("openid profile email", Scopes.Canonical(["email", "profile", "openid", "email"]));
        Assert.Equal(Scopes.Canonical(["collection:write", "openid"]), Scopes.Canonical(["openid", "collection:write"]));
        // What a third-party app may not have never survives canonicalization.
        Assert.Equal("profile", Scopes.Canonical(["account", "profile", "admin"]));
    }

    [Theory]
    [InlineData("openid profile email", "profile email", true)]
    [InlineData("openid profile email", "openid", true)]
    [InlineData("openid profile", "openid profile email", false)]
    [InlineData("openid", "", true)]
    public void A_grant_covers_a_request_when_it_holds_every_scope(string granted, string requested, bool covers)
    {
        var grant = new GrantRecord("g", granted, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);
        Assert.Equal(covers, GrantService.Covers(grant, requested));
    }

    [Theory]
    [InlineData("openid profile", "profile openid", true)]
    [InlineData("openid profile", "openid email", false)]
    [InlineData("", "", true)]
    [InlineData(null, "openid", false)]
    public void Covers_compares_sets(string? granted, string requested, bool covers) => Assert.Equal(covers, Scopes.Covers(granted, requested));

    [Fact]
    public void Parse_splits_on_spaces_and_drops_repeats() =>
        Assert.Equal(["openid", "profile"], Scopes.Parse("  openid profile openid "));

    [Fact]
    public void No_grant_covers_anything() => Assert.False(GrantService.Covers(null, "openid"));

    [Fact]
    public void The_first_party_login_has_account_and_third_parties_can_never_ask_for_it()
    {
        Assert.True(Scopes.Has(Scopes.FirstParty, Scopes.Account));
        Assert.DoesNotContain(Scopes.Account, Scopes.ThirdParty);
    }
}
