using Bangumoe.Security;
using Microsoft.Extensions.Options;

namespace Bangumoe.Accounts;

/// <summary>A valid device cookie: the account that signed in with it, and its own random nonce (the token's jti).</summary>
public sealed record LoginDevice(string Uid, string Nonce);

/// <summary>A device cookie to give the browser after a password sign-in.</summary>
public sealed record DeviceCookie(string Value, TimeSpan Lifetime);

/// <summary>
/// The device cookies of OWASP's "slow down online guessing attacks with device cookies": after a password sign-in in a
/// browser, it gets a token saying which account signed in there, with a nonce of its own. They are JWTs of their own
/// <c>typ</c>, signed with the app's signing keys like every other token (so no other token passes for one, and no one
/// can make one for an account whose password they do not know). Not bound to the security stamp: a device cookie grants
/// nothing but its own failure counter, so a password change need not cost the owner's browsers their trust.
/// </summary>
public sealed class LoginDevices(JwtService jwt, IOptions<LoginThrottleOptions> options)
{
    /// <summary>A fresh cookie (a new nonce, so a new counter) for the browser <paramref name="user"/> just signed in with.</summary>
    public DeviceCookie Issue(UserEntity user)
    {
        var lifetime = options.Value.DeviceCookieLifetime;
        return new DeviceCookie(jwt.Create(TokenTypes.LoginDevice, jwt.Issuer, new Dictionary<string, object> { ["sub"] = user.Uid }, lifetime), lifetime);
    }

    /// <summary>The device a cookie names; null for no cookie, an expired, tampered or foreign one, or any other token.</summary>
    public async Task<LoginDevice?> ReadAsync(string? cookie)
    {
        if (string.IsNullOrEmpty(cookie)) return null;
        var check = await jwt.ValidateAsync(cookie, TokenTypes.LoginDevice, jwt.Issuer).ConfigureAwait(false);
        return check.IsValid && check.Claim("sub") is { Length: > 0 } uid && check.Claim("jti") is { Length: > 0 } nonce
            ? new LoginDevice(uid, nonce)
            : null;
    }
}
