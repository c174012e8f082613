using System.Security.Cryptography;
using Bangumoe.Email;
using Bangumoe.Security;
using Microsoft.Extensions.Options;

namespace Bangumoe.Accounts;

/// <summary>What following a mailed link did.</summary>
public enum LinkOutcome
{
    EmailVerified,
    AlreadyVerified,
    EmailChanged,
    PasswordReset,
    /// <summary>The new address was claimed by another account in the meantime.</summary>
    EmailTaken,
    Expired,
    AlreadyUsed,
    Invalid,
}

/// <param name="DeviceCookie">The browser's device cookie (<see cref="LoginDevices"/>), as sent; null from the JSON API,
/// whose callers are not browsers and are always throttled as untrusted.</param>
public sealed record LoginRequest(string? Email, string? Uname, string? Password, string ClientAddress, string? DeviceCookie = null)
{
    /// <summary>What a sign-in form's one "email or user name" field says: an address when it has an @, else a name.</summary>
    public static LoginRequest For(string? login, string? password, string clientAddress, string? deviceCookie)
    {
        var text = (login ?? "").Trim();
        var byEmail = text.Contains('@', StringComparison.Ordinal);
        return new LoginRequest(byEmail ? text : null, byEmail || text.Length == 0 ? null : text, password, clientAddress, deviceCookie);
    }
}

public sealed record ProfileChange(string? Nickname, string? Avatar, string? Intro);

/// <summary>The account use cases. Validation first, so bad input never writes anything.</summary>
public sealed class AccountService(
    UserStore users,
    PasswordHasher hasher,
    AccountTokens links,
    AccountEmails mails,
    EmailOutbox outbox,
    AccountMailRequests mailRequests,
    AccessTokenService accessTokens,
    LoginThrottle throttle,
    LoginDevices devices,
    IEnumerable<IUserDataOwner> dataOwners,
    IOptions<AccountOptions> options,
    TimeProvider time)
{
    private AccountOptions Options => options.Value;

    /// <param name="language">The language the person signed up in: their mails are written in it.</param>
    public async Task<Result<UserEntity>> RegisterAsync(string? uname, string? email, string? password, string? language = null, CancellationToken ct = default)
    {
        var errors = new FieldErrors();
        AccountRules.CheckRegistration(uname, email, password, errors);
        if (errors.Any) return errors.ToError();

        var now = time.GetUtcNow();
        var user = new UserEntity
        {
            PartitionKey = Guid.CreateVersion7().ToString("N"),
            Uname = uname!,
            Email = AccountRules.NormalizeEmail(email!),
            PasswordHash = hasher.Hash(password!),
            SecurityStamp = NewStamp(),
            Nickname = uname,
            CreatedAt = now,
            Language = Languages.Normalize(language),
            VerificationMailSentAt = now,
        };
        switch (await users.CreateAsync(user, ct).ConfigureAwait(false))
        {
            case UserStore.CreateOutcome.EmailTaken:
                return new Error(ErrorKind.Conflict, "email-taken", "An account with this email already exists.") { FieldErrors = One("email", "Already registered.") };
            case UserStore.CreateOutcome.UnameTaken:
                return new Error(ErrorKind.Conflict, "uname-taken", "This user name is taken.") { FieldErrors = One("uname", "Already taken.") };
        }
        await outbox.EnqueueAsync(mails.Verification(user, links.EmailVerification(user)), ct).ConfigureAwait(false);
        return user;
    }

    /// <summary>Mails a new verification link if the address belongs to an unverified account. Says nothing either way,
    /// not even by its timing: it only queues the request (<see cref="AccountMailRequests"/>).</summary>
    public Task ResendVerificationAsync(string? email, CancellationToken ct = default) =>
        mailRequests.EnqueueAsync(AccountMailRequest.Verification, email, ct);

    /// <summary>Mails a reset link if the address has an account. Says nothing either way, not even by its timing: it
    /// only queues the request (<see cref="AccountMailRequests"/>).</summary>
    public Task ForgotPasswordAsync(string? email, CancellationToken ct = default) =>
        mailRequests.EnqueueAsync(AccountMailRequest.PasswordReset, email, ct);

    /// <summary>
    /// The queued half of <see cref="ResendVerificationAsync"/> and <see cref="ForgotPasswordAsync"/>: no mail for an
    /// address without an account, no verification mail for a verified one, and at most one of a kind per interval.
    /// </summary>
    public async Task SendRequestedMailAsync(AccountMailRequest request, CancellationToken ct = default)
    {
        var user = await users.FindAsync(KeyKind.Email, request.Email, ct).ConfigureAwait(false);
        if (user is null) return;
        if (request.Kind == AccountMailRequest.Verification)
        {
            if (user.EmailVerified) return;
            await SendOncePerIntervalAsync(user, u => u.VerificationMailSentAt, (u, t) => u.VerificationMailSentAt = t,
                u => mails.Verification(u, links.EmailVerification(u)), ct).ConfigureAwait(false);
        }
        else if (request.Kind == AccountMailRequest.PasswordReset)
        {
            await SendOncePerIntervalAsync(user, u => u.ResetMailSentAt, (u, t) => u.ResetMailSentAt = t,
                u => mails.PasswordReset(u, links.PasswordReset(u)), ct).ConfigureAwait(false);
        }
    }

    /// <summary>Follows a mailed verification or email-change link.</summary>
    public async Task<LinkOutcome> FollowEmailLinkAsync(string? token, CancellationToken ct = default)
    {
        var check = await links.CheckAsync(token, TokenTypes.EmailVerification).ConfigureAwait(false);
        if (check.Status == TokenStatus.Invalid)
        {
            var change = await links.CheckAsync(token, TokenTypes.EmailChange).ConfigureAwait(false);
            if (change.Status != TokenStatus.Invalid) return await ChangeEmailAsync(change, ct).ConfigureAwait(false);
        }
        if (check.Status == TokenStatus.Expired) return LinkOutcome.Expired;
        if (check.Status == TokenStatus.Invalid) return LinkOutcome.Invalid;

        var user = await users.GetAsync(check.Claim("sub")!, ct).ConfigureAwait(false);
        // Bound to the address it was sent to: after an email change the old link means nothing.
        if (user is null || user.Email != check.Claim(AccountTokens.EmailClaim)) return LinkOutcome.Invalid;
        if (!await links.RedeemAsync(check, ct).ConfigureAwait(false)) return LinkOutcome.AlreadyUsed;
        if (user.EmailVerified) return LinkOutcome.AlreadyVerified;
        await users.MutateAsync(user, u => u.EmailVerified = true, ct).ConfigureAwait(false);
        return LinkOutcome.EmailVerified;
    }

    public async Task<Result<IssuedAccessToken>> LoginAsync(LoginRequest request, CancellationToken ct = default)
    {
        var result = await AuthenticateAsync(request, ct).ConfigureAwait(false);
        return result.Ok ? IssueFirstPartyToken(result.Value!) : result.Error!;
    }

    /// <summary>
    /// Checks a login (email or uname, and password), throttled by <see cref="LoginThrottle"/>: by the browser's device
    /// cookie when it has one of this account, else per account and client address, per account and per address.
    /// Shared by <c>/api/auth/login</c> and every sign-in page, so all count against the same limits.
    /// </summary>
    public async Task<Result<UserEntity>> AuthenticateAsync(LoginRequest request, CancellationToken ct = default)
    {
        var errors = new FieldErrors();
        var byEmail = !string.IsNullOrEmpty(request.Email);
        if (byEmail == !string.IsNullOrEmpty(request.Uname)) errors.Add(byEmail ? "uname" : "email", "Send exactly one of email and uname.");
        AccountRules.CheckPresent(request.Password, errors, "password");
        var identifier = byEmail ? request.Email : request.Uname;
        // Longer than any registrable email or uname; also keeps the throttle's table key within limits.
        if (identifier?.Length > 128) errors.Add(byEmail ? "email" : "uname", "Must be at most 128 characters.");
        if (request.Password?.Length > 1024) errors.Add("password", "Must be at most 1024 characters.");
        if (errors.Any) return errors.ToError();

        var user = await users.FindAsync(byEmail ? KeyKind.Email : KeyKind.Uname, identifier!, ct).ConfigureAwait(false);
        // Read whether or not the account exists, so that unknown and known accounts cost the same work.
        var device = await devices.ReadAsync(request.DeviceCookie).ConfigureAwait(false);
        var counters = throttle.CountersFor(user, identifier!, request.ClientAddress, device);
        // Counted before the (slow) password check, so that a burst of guesses is no better than one after another.
        if (await throttle.AdmitAsync(counters, ct).ConfigureAwait(false) is { } wait)
            return new Error(ErrorKind.TooManyRequests, "login-throttled", "Too many failed logins. Try again later.") { RetryAfter = wait };

        var check = PasswordCheck.Failed;
        if (user is null) hasher.VerifyAgainstDummy(request.Password!);
        else check = hasher.Verify(user.PasswordHash, request.Password!);
        // One answer for "no such user" and "wrong password": no enumeration through login. The failure stays counted.
        if (check == PasswordCheck.Failed) return new Error(ErrorKind.Unauthorized, "invalid-credentials", "The login or password is wrong.");
        await throttle.RefundAsync(counters, ct).ConfigureAwait(false);
        if (check == PasswordCheck.SuccessRehashNeeded)
        {
            // Best effort: if the row changed meanwhile, the upgrade waits for the next login.
            user!.PasswordHash = hasher.Hash(request.Password!);
            _ = await users.UpdateAsync(user, ct).ConfigureAwait(false);
        }
        if (!user!.EmailVerified)
            return new Error(ErrorKind.Forbidden, "email-not-verified", "Verify your email address first; POST /api/auth/verify/resend mails a new link.");
        return user;
    }

    public async Task<Result<UserEntity>> UpdateProfileAsync(UserEntity user, ProfileChange change, CancellationToken ct = default)
    {
        var errors = new FieldErrors();
        if (change.Nickname is { Length: > 0 } nick && (nick.Trim().Length > AccountRules.NicknameMaxLength || !AccountRules.IsSingleLine(nick)))
            errors.Add("nickname", $"Must be at most {AccountRules.NicknameMaxLength} characters on one line.");
        if (change.Avatar is { Length: > 0 } avatar && (avatar.Length > AccountRules.AvatarMaxLength || !AccountRules.IsHttpUrl(avatar)))
            errors.Add("avatar", $"Must be an http(s) URL of at most {AccountRules.AvatarMaxLength} characters.");
        if (change.Intro is { Length: > 0 } intro && (intro.Length > AccountRules.IntroMaxLength || !AccountRules.IsPlainText(intro)))
            errors.Add("intro", $"Must be at most {AccountRules.IntroMaxLength} characters of plain text.");
        if (errors.Any) return errors.ToError();

        // Absent (null) keeps a field; an empty string clears it.
        return await users.MutateAsync(user, u =>
        {
            if (change.Nickname is not null) u.Nickname = Blank(change.Nickname.Trim());
            if (change.Avatar is not null) u.Avatar = Blank(change.Avatar.Trim());
            if (change.Intro is not null) u.Intro = Blank(change.Intro);
        }, ct).ConfigureAwait(false);
    }

    /// <summary>Changes the password and ends every session; the caller gets a fresh token to carry on.</summary>
    public async Task<Result<IssuedAccessToken>> ChangePasswordAsync(UserEntity user, string? current, string? next, CancellationToken ct = default)
    {
        var result = await ReplacePasswordAsync(user, current, next, ct).ConfigureAwait(false);
        return result.Ok ? IssueFirstPartyToken(result.Value!) : result.Error!;
    }

    /// <summary>Changes the password and ends every session (a new security stamp); returns the account with its new
    /// stamp, so the caller can start a fresh session of its own kind (a token, a page's cookie).</summary>
    public async Task<Result<UserEntity>> ReplacePasswordAsync(UserEntity user, string? current, string? next, CancellationToken ct = default)
    {
        var errors = new FieldErrors();
        AccountRules.CheckPresent(current, errors, "current_password");
        AccountRules.CheckPassword(next, errors, "new_password");
        if (errors.Any) return errors.ToError();
        if (hasher.Verify(user.PasswordHash, current!) == PasswordCheck.Failed)
            return WrongPassword("current_password");
        var newHash = hasher.Hash(next!);
        return await users.MutateAsync(user, u =>
        {
            u.PasswordHash = newHash;
            u.SecurityStamp = NewStamp();
        }, ct).ConfigureAwait(false);
    }

    public async Task<Result<LinkOutcome>> ResetPasswordAsync(string? token, string? newPassword, CancellationToken ct = default)
    {
        var errors = new FieldErrors();
        AccountRules.CheckPresent(token, errors, "token");
        AccountRules.CheckPassword(newPassword, errors, "new_password");
        if (errors.Any) return errors.ToError();

        var check = await links.CheckAsync(token, TokenTypes.PasswordReset).ConfigureAwait(false);
        if (check.Status != TokenStatus.Valid) return LinkError(check.Status == TokenStatus.Expired ? LinkOutcome.Expired : LinkOutcome.Invalid);
        var user = await users.GetAsync(check.Claim("sub")!, ct).ConfigureAwait(false);
        if (user is null || user.SecurityStamp != check.Claim(AccountTokens.StampClaim))
            return LinkError(await links.IsRedeemedAsync(check, ct).ConfigureAwait(false) ? LinkOutcome.AlreadyUsed : LinkOutcome.Invalid);
        if (!await links.RedeemAsync(check, ct).ConfigureAwait(false)) return LinkError(LinkOutcome.AlreadyUsed);

        var newHash = hasher.Hash(newPassword!);
        await users.MutateAsync(user, u =>
        {
            u.PasswordHash = newHash;
            u.SecurityStamp = NewStamp();
            // The link reached this mailbox, which proves it is the user's: an unverified account becomes verified,
            // and someone who registered your address first cannot keep it from you.
            u.EmailVerified = true;
        }, ct).ConfigureAwait(false);
        return LinkOutcome.PasswordReset;
    }

    public async Task<Result<string>> RequestEmailChangeAsync(UserEntity user, string? newEmail, string? password, CancellationToken ct = default)
    {
        var errors = new FieldErrors();
        AccountRules.CheckEmail(newEmail, errors, "new_email");
        AccountRules.CheckPresent(password, errors, "password");
        if (errors.Any) return errors.ToError();
        var normalized = AccountRules.NormalizeEmail(newEmail!);
        if (hasher.Verify(user.PasswordHash, password!) == PasswordCheck.Failed) return WrongPassword("password");
        if (normalized == user.Email) return Error.Field("new_email", "This is already your email address.");
        if (await users.FindAsync(KeyKind.Email, normalized, ct).ConfigureAwait(false) is not null)
            return new Error(ErrorKind.Conflict, "email-taken", "An account with this email already exists.") { FieldErrors = One("new_email", "Already registered.") };
        await outbox.EnqueueAsync(mails.EmailChange(user, normalized, links.EmailChange(user, normalized)), ct).ConfigureAwait(false);
        return normalized;
    }

    /// <summary>Deletes the account and everything it owns; its email and user name are free again.</summary>
    public async Task<Error?> DeleteAccountAsync(UserEntity user, string? password, CancellationToken ct = default)
    {
        var errors = new FieldErrors();
        AccountRules.CheckPresent(password, errors, "password");
        if (errors.Any) return errors.ToError();
        if (hasher.Verify(user.PasswordHash, password!) == PasswordCheck.Failed) return WrongPassword("password");
        // Marked first, so that work already under way sees the deletion after its own write (see DeletingSince); a
        // deletion racing this one has then done the rest. Owned data next: if this fails half-way the account still
        // exists and the user can simply try again.
        var now = time.GetUtcNow();
        if (await users.TryMutateAsync(user, u =>
            {
                u.DeletingSince ??= now;
                return true;
            }, ct).ConfigureAwait(false) is not { } marked) return null;
        user = marked;
        foreach (var owner in dataOwners) await owner.DeleteUserDataAsync(user.Uid, ct).ConfigureAwait(false);
        if (!await users.DeleteAsync(user, ct).ConfigureAwait(false))
        {
            var fresh = await users.GetAsync(user.Uid, ct).ConfigureAwait(false);
            if (fresh is not null) await users.DeleteAsync(fresh, ct).ConfigureAwait(false);
        }
        return null;
    }

    /// <summary>Remembers the language the person chose on a page, for their mails.</summary>
    public async Task SetLanguageAsync(UserEntity user, string language, CancellationToken ct = default)
    {
        var tag = Languages.Normalize(language);
        if (user.Language == tag) return;
        await users.TryMutateAsync(user, u =>
        {
            if (u.Language == tag) return false;
            u.Language = tag;
            return true;
        }, ct).ConfigureAwait(false);
    }

    public IssuedAccessToken IssueFirstPartyToken(UserEntity user) =>
        accessTokens.Issue(user, AccessTokenService.FirstPartyClientId, Scopes.FirstParty, Options.AccessTokenLifetime);

    private async Task<LinkOutcome> ChangeEmailAsync(TokenCheck check, CancellationToken ct)
    {
        if (check.Status == TokenStatus.Expired) return LinkOutcome.Expired;
        var user = await users.GetAsync(check.Claim("sub")!, ct).ConfigureAwait(false);
        var newEmail = check.Claim(AccountTokens.NewEmailClaim);
        if (user is null || newEmail is null || user.Email != check.Claim(AccountTokens.EmailClaim))
            return await links.IsRedeemedAsync(check, ct).ConfigureAwait(false) ? LinkOutcome.AlreadyUsed : LinkOutcome.Invalid;
        if (!await links.RedeemAsync(check, ct).ConfigureAwait(false)) return LinkOutcome.AlreadyUsed;
        if (!await users.ClaimAsync(KeyKind.Email, newEmail, user.Uid, ct).ConfigureAwait(false)) return LinkOutcome.EmailTaken;
        var oldEmail = user.Email;
        user = await users.MutateAsync(user, u =>
        {
            u.Email = newEmail;
            u.EmailVerified = true;
        }, ct).ConfigureAwait(false);
        await users.ReleaseAsync(KeyKind.Email, oldEmail, user.Uid).ConfigureAwait(false);
        await outbox.EnqueueAsync(mails.EmailChanged(oldEmail, user), ct).ConfigureAwait(false);
        return LinkOutcome.EmailChanged;
    }

    /// <summary>At most one mail of a kind per <see cref="AccountOptions.MailResendInterval"/>; the conditional write
    /// makes concurrent requests send one mail, not several.</summary>
    private async Task SendOncePerIntervalAsync(UserEntity user, Func<UserEntity, DateTimeOffset?> last, Action<UserEntity, DateTimeOffset?> set,
        Func<UserEntity, EmailMessage> mail, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var previous = last(user);
        if (previous is { } sent && now - sent < Options.MailResendInterval) return;
        set(user, now);
        if (!await users.UpdateAsync(user, ct).ConfigureAwait(false)) return;
        try
        {
            await outbox.EnqueueAsync(mail(user), ct).ConfigureAwait(false);
        }
        catch
        {
            // Give the slot back, so that the queue's next try of this request can take it and send the mail, rather
            // than find it "sent" and leave the person waiting out the interval for nothing. Only if the row is still
            // as we wrote it; should storage fail for this too, that next try finds the slot taken, as before.
            set(user, previous);
            await users.UpdateAsync(user, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    private static Error WrongPassword(string field) =>
        new(ErrorKind.Forbidden, "wrong-password", "The password is wrong.") { FieldErrors = One(field, "Wrong password.") };

    private static Error LinkError(LinkOutcome outcome) => outcome switch
    {
        LinkOutcome.Expired => new Error(ErrorKind.Validation, "link-expired", "This link has expired; ask for a new one.") { FieldErrors = One("token", "Expired.") },
        LinkOutcome.AlreadyUsed => new Error(ErrorKind.Validation, "link-used", "This link was already used.") { FieldErrors = One("token", "Already used.") },
        _ => new Error(ErrorKind.Validation, "link-invalid", "This link is not valid.") { FieldErrors = One("token", "Invalid.") },
    };

    private static Dictionary<string, string[]> One(string field, string message) => new() { [field] = [message] };

    private static string? Blank(string s) => s.Length == 0 ? null : s;

    private static string NewStamp() => Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
}
