namespace Bangumoe.Functions.Accounts;

/// <summary>What the account pages say: sign-up, sign-in, the mailed links, settings (see <see cref="Pages.Texts"/>).</summary>
public sealed record AccountTexts
{
    // Fields several forms share, and their errors (the core's English messages are never shown).
    public required string UnameLabel { get; init; }
    public required string UnameHint { get; init; }
    public required string UnameInvalid { get; init; }
    public required string UnameTaken { get; init; }
    public required string EmailLabel { get; init; }
    public required Func<int, string> EmailInvalid { get; init; }
    public required string EmailTaken { get; init; }
    public required string PasswordLabel { get; init; }
    public required Func<int, int, string> PasswordHint { get; init; }
    public required Func<int, int, string> PasswordInvalid { get; init; }
    public required string ConfirmPasswordLabel { get; init; }
    public required string PasswordsDiffer { get; init; }
    public required string PasswordRequired { get; init; }
    public required string PasswordWrong { get; init; }
    public required string CheckMailboxTitle { get; init; }
    public required string MailMayTakeMinutes { get; init; }

    // Sign-up.
    public required string SignUpTitle { get; init; }
    public required string SignUpIntro { get; init; }
    public required string SignUpButton { get; init; }
    public required string HaveAccount { get; init; }
    public required string SignUpSent { get; init; }
    public required string ResendVerificationLink { get; init; }

    // Sign-in.
    public required string SignInTitle { get; init; }
    public required string LoginLabel { get; init; }
    public required string LoginRequired { get; init; }
    public required string SignInButton { get; init; }
    public required string ForgotPasswordLink { get; init; }
    public required string NoAccount { get; init; }

    // "Mail me a link": resend verification, forgot password.
    public required string ResendTitle { get; init; }
    public required string ResendIntro { get; init; }
    public required string ResendButton { get; init; }
    public required string ResendSent { get; init; }
    public required string ForgotTitle { get; init; }
    public required string ForgotIntro { get; init; }
    public required string ForgotButton { get; init; }
    public required string ForgotSent { get; init; }

    // The result of a mailed link (verification or email change).
    public required string EmailVerifiedTitle { get; init; }
    public required string EmailVerified { get; init; }
    public required string AlreadyVerifiedTitle { get; init; }
    public required string AlreadyVerified { get; init; }
    public required string EmailChangedTitle { get; init; }
    public required string EmailChanged { get; init; }
    public required string AddressTakenTitle { get; init; }
    public required string AddressTaken { get; init; }
    public required string LinkExpiredTitle { get; init; }
    public required string LinkExpired { get; init; }
    public required string LinkUsedTitle { get; init; }
    public required string LinkUsed { get; init; }
    public required string LinkInvalidTitle { get; init; }
    public required string LinkInvalid { get; init; }
    public required string GoToAccount { get; init; }

    // The password-reset page.
    public required string ChooseNewPasswordTitle { get; init; }
    public required Func<int, int, string> NewPasswordLabel { get; init; }
    public required string RepeatPasswordLabel { get; init; }
    public required string ChangePasswordButton { get; init; }
    public required string PasswordChangedTitle { get; init; }
    public required string PasswordChanged { get; init; }
    public required string ResetLinkUnusableTitle { get; init; }
    public required string ResetLinkExpired { get; init; }
    public required string ResetLinkUsed { get; init; }
    public required string ResetLinkInvalid { get; init; }
    public required string AskForNewResetMail { get; init; }
    public required string ResetLinkIncompleteTitle { get; init; }
    public required string ResetLinkIncomplete { get; init; }
    public required string SendNewResetMail { get; init; }

    // /account.
    public required string AccountTitle { get; init; }
    public required Func<string, string, string> SignedInAs { get; init; }
    public required string MoreSettings { get; init; }
    public required string AuthorizedApps { get; init; }
    public required string BangumiBinding { get; init; }
    public required string ProfileHeading { get; init; }
    public required string NicknameLabel { get; init; }
    public required Func<int, string> NicknameHint { get; init; }
    public required Func<int, string> NicknameInvalid { get; init; }
    public required string AvatarLabel { get; init; }
    public required string AvatarHint { get; init; }
    public required Func<int, string> AvatarInvalid { get; init; }
    public required string AvatarPreview { get; init; }
    public required string IntroLabel { get; init; }
    public required Func<int, string> IntroHint { get; init; }
    public required Func<int, string> IntroInvalid { get; init; }
    public required string SaveProfileButton { get; init; }
    public required string ProfileSaved { get; init; }
    public required string PasswordHeading { get; init; }
    public required string PasswordSectionHint { get; init; }
    public required string CurrentPasswordLabel { get; init; }
    public required string CurrentPasswordWrong { get; init; }
    public required string PasswordChangedHere { get; init; }
    public required string EmailHeading { get; init; }
    public required Func<string, string> CurrentEmail { get; init; }
    public required string EmailSectionHint { get; init; }
    public required string NewEmailLabel { get; init; }
    public required string ConfirmWithPasswordLabel { get; init; }
    public required string ChangeEmailButton { get; init; }
    public required string SameEmail { get; init; }
    public required string NewEmailTaken { get; init; }
    public required string EmailChangeSent { get; init; }
    public required string DeleteHeading { get; init; }
    public required string DeleteWarning { get; init; }
    public required IReadOnlyList<string> DeletedData { get; init; }
    public required string DeleteFreesNames { get; init; }
    public required string DeleteButton { get; init; }
    public required string DeletedTitle { get; init; }
    public required string Deleted { get; init; }

    public static readonly AccountTexts En = new()
    {
        UnameLabel = "User name",
        UnameHint = "3 to 32 characters: letters, digits, _ or -. It is shown on your public collection.",
        UnameInvalid = "Choose a user name of 3 to 32 characters: letters, digits, _ or -.",
        UnameTaken = "This user name is taken. Choose another one.",
        EmailLabel = "Email address",
        EmailInvalid = max => $"Enter a valid email address of at most {max} characters.",
        EmailTaken = "An account with this email address already exists. Sign in, or reset your password if you forgot it.",
        PasswordLabel = "Password",
        PasswordHint = (min, max) => $"{min} to {max} characters.",
        PasswordInvalid = (min, max) => $"Choose a password of {min} to {max} characters.",
        ConfirmPasswordLabel = "Repeat the password",
        PasswordsDiffer = "The two passwords differ.",
        PasswordRequired = "Enter your password.",
        PasswordWrong = "The password is wrong.",
        CheckMailboxTitle = "Check your mailbox",
        MailMayTakeMinutes = "The mail can take a few minutes; look in the spam folder too.",
        SignUpTitle = "Create your Bangumoe account",
        SignUpIntro = "One account for your anime collection, and for the apps that let you sign in with Bangumoe.",
        SignUpButton = "Sign up",
        HaveAccount = "Already have an account?",
        SignUpSent = "We mailed a link to the address you gave. Open it to verify your email address; then you can sign in.",
        ResendVerificationLink = "Send the verification mail again",
        SignInTitle = "Sign in to Bangumoe",
        LoginLabel = "Email or user name",
        LoginRequired = "Enter your email address or user name.",
        SignInButton = "Sign in",
        ForgotPasswordLink = "Forgot your password?",
        NoAccount = "No account yet?",
        ResendTitle = "Send the verification mail again",
        ResendIntro = "Enter the address you signed up with. If its account is not verified yet, we mail it a new link.",
        ResendButton = "Send the mail",
        ResendSent = "If an unverified account has this address, a mail with a new link is on its way. Only the newest link works.",
        ForgotTitle = "Forgot your password",
        ForgotIntro = "Enter your account's email address, and we mail you a link to choose a new password.",
        ForgotButton = "Send the reset link",
        ForgotSent = "If an account has this address, a mail with a link to choose a new password is on its way. The link works once, for a limited time.",
        EmailVerifiedTitle = "Email verified",
        EmailVerified = "Your email address is verified. You can log in now.",
        AlreadyVerifiedTitle = "Already verified",
        AlreadyVerified = "This email address was already verified. You can log in.",
        EmailChangedTitle = "Email changed",
        EmailChanged = "Your account now uses this email address.",
        AddressTakenTitle = "Address taken",
        AddressTaken = "Another account started using this email address in the meantime, so your email was not changed.",
        LinkExpiredTitle = "Link expired",
        LinkExpired = "This link has expired. Ask for a new verification mail and use the newest link.",
        LinkUsedTitle = "Link already used",
        LinkUsed = "This link was already used; each link works once.",
        LinkInvalidTitle = "Invalid link",
        LinkInvalid = "This link is not valid. Check that you copied all of it, or ask for a new mail.",
        GoToAccount = "Go to your account",
        ChooseNewPasswordTitle = "Choose a new password",
        NewPasswordLabel = (min, max) => $"New password ({min}–{max} characters)",
        RepeatPasswordLabel = "Repeat it",
        ChangePasswordButton = "Change password",
        PasswordChangedTitle = "Password changed",
        PasswordChanged = "Your password is changed and every session has ended. Sign in with the new password.",
        ResetLinkUnusableTitle = "Link not usable",
        ResetLinkExpired = "This link has expired.",
        ResetLinkUsed = "This link was already used; each link works once.",
        ResetLinkInvalid = "This link is not valid.",
        AskForNewResetMail = "Ask for a new reset mail and use the link in it.",
        ResetLinkIncompleteTitle = "Incomplete link",
        ResetLinkIncomplete = "This address lacks the part of the mailed link that proves it is yours. Open the link from the mail in full, or ask for a new one.",
        SendNewResetMail = "Send a new reset mail",
        AccountTitle = "Your account",
        SignedInAs = (uname, email) => $"Signed in as {uname} ({email}).",
        MoreSettings = "Also in your account",
        AuthorizedApps = "Apps you authorized",
        BangumiBinding = "Bangumi binding",
        ProfileHeading = "Profile",
        NicknameLabel = "Nickname",
        NicknameHint = max => $"Shown instead of your user name; at most {max} characters.",
        NicknameInvalid = max => $"Use at most {max} characters, on one line.",
        AvatarLabel = "Avatar URL",
        AvatarHint = "The http(s) address of an image; leave it empty for none.",
        AvatarInvalid = max => $"Enter an address that starts with http:// or https:// (at most {max} characters), or leave it empty.",
        AvatarPreview = "Your current avatar",
        IntroLabel = "About you",
        IntroHint = max => $"At most {max} characters.",
        IntroInvalid = max => $"Use at most {max} characters of plain text.",
        SaveProfileButton = "Save profile",
        ProfileSaved = "Your profile is saved.",
        PasswordHeading = "Change password",
        PasswordSectionHint = "Your other sessions end; you stay signed in here.",
        CurrentPasswordLabel = "Current password",
        CurrentPasswordWrong = "Your current password is wrong.",
        PasswordChangedHere = "Your password is changed. Your other sessions have ended; you stay signed in here.",
        EmailHeading = "Change email",
        CurrentEmail = email => $"Your email address is {email}.",
        EmailSectionHint = "We mail a confirmation link to the new address; your email changes when you open it.",
        NewEmailLabel = "New email address",
        ConfirmWithPasswordLabel = "Your password",
        ChangeEmailButton = "Send the confirmation mail",
        SameEmail = "This is already your email address.",
        NewEmailTaken = "Another account uses this email address.",
        EmailChangeSent = "We mailed a confirmation link to the new address. Your email changes when you open it.",
        DeleteHeading = "Delete account",
        DeleteWarning = "Deleting your account cannot be undone. It deletes at once:",
        DeletedData =
        [
            "your profile (user name, nickname, avatar, intro) and your email address",
            "your anime collection, imported items included",
            "the apps you registered: nobody can sign in with them any more",
            "the access you gave to apps, and their tokens",
            "your Bangumi binding",
        ],
        DeleteFreesNames = "Your user name and email address become free for a new account.",
        DeleteButton = "Delete my account",
        DeletedTitle = "Your account is deleted",
        Deleted = "Everything it held is gone, and you are signed out. Thank you for using Bangumoe.",
    };

    public static readonly AccountTexts ZhHans = new()
    {
        UnameLabel = "用户名",
        UnameHint = "3–32 个字符，可以使用字母、数字、_ 或 -。它会显示在你的公开收藏页上。",
        UnameInvalid = "请输入 3–32 个字符的用户名，只能包含字母、数字、_ 或 -。",
        UnameTaken = "这个用户名已被占用，请换一个。",
        EmailLabel = "邮箱地址",
        EmailInvalid = max => $"请输入有效的邮箱地址（最多 {max} 个字符）。",
        EmailTaken = "这个邮箱地址已经注册过。请直接登录；如果忘记了密码，可以重置。",
        PasswordLabel = "密码",
        PasswordHint = (min, max) => $"{min}–{max} 个字符。",
        PasswordInvalid = (min, max) => $"密码需要 {min}–{max} 个字符。",
        ConfirmPasswordLabel = "再次输入密码",
        PasswordsDiffer = "两次输入的密码不一致。",
        PasswordRequired = "请输入密码。",
        PasswordWrong = "密码不正确。",
        CheckMailboxTitle = "请查收邮件",
        MailMayTakeMinutes = "邮件可能需要几分钟才能送达，也请查看垃圾邮件文件夹。",
        SignUpTitle = "注册 Bangumoe 账号",
        SignUpIntro = "一个账号，既能管理你的动画收藏，也能登录支持 Bangumoe 的应用。",
        SignUpButton = "注册",
        HaveAccount = "已经有账号了？",
        SignUpSent = "我们已向你填写的地址发送了一封邮件。打开其中的链接验证邮箱后，就可以登录了。",
        ResendVerificationLink = "重新发送验证邮件",
        SignInTitle = "登录 Bangumoe",
        LoginLabel = "邮箱或用户名",
        LoginRequired = "请输入邮箱地址或用户名。",
        SignInButton = "登录",
        ForgotPasswordLink = "忘记密码？",
        NoAccount = "还没有账号？",
        ResendTitle = "重新发送验证邮件",
        ResendIntro = "请输入注册时使用的邮箱地址。如果对应的账号还没有验证，我们会发送一个新链接。",
        ResendButton = "发送邮件",
        ResendSent = "如果有尚未验证的账号使用这个地址，一封带有新链接的邮件已经发出。只有最新的链接有效。",
        ForgotTitle = "忘记密码",
        ForgotIntro = "请输入账号的邮箱地址，我们会发送一个设置新密码的链接。",
        ForgotButton = "发送重置链接",
        ForgotSent = "如果有账号使用这个地址，一封带有设置新密码链接的邮件已经发出。链接只能使用一次，并且有时间限制。",
        EmailVerifiedTitle = "邮箱已验证",
        EmailVerified = "你的邮箱地址已验证，现在可以登录了。",
        AlreadyVerifiedTitle = "邮箱早已验证",
        AlreadyVerified = "这个邮箱地址之前已经验证过，可以直接登录。",
        EmailChangedTitle = "邮箱已更改",
        EmailChanged = "你的账号现在使用这个邮箱地址。",
        AddressTakenTitle = "地址已被占用",
        AddressTaken = "在此期间另一个账号开始使用这个邮箱地址，所以你的邮箱没有更改。",
        LinkExpiredTitle = "链接已过期",
        LinkExpired = "这个链接已经过期。请重新申请验证邮件，并使用最新的链接。",
        LinkUsedTitle = "链接已使用",
        LinkUsed = "这个链接已经用过了；每个链接只能使用一次。",
        LinkInvalidTitle = "链接无效",
        LinkInvalid = "这个链接无效。请检查是否完整复制，或重新申请一封邮件。",
        GoToAccount = "前往账号设置",
        ChooseNewPasswordTitle = "设置新密码",
        NewPasswordLabel = (min, max) => $"新密码（{min}–{max} 个字符）",
        RepeatPasswordLabel = "再输入一次",
        ChangePasswordButton = "修改密码",
        PasswordChangedTitle = "密码已修改",
        PasswordChanged = "你的密码已修改，所有会话都已结束。请用新密码登录。",
        ResetLinkUnusableTitle = "链接无法使用",
        ResetLinkExpired = "这个链接已经过期。",
        ResetLinkUsed = "这个链接已经用过了；每个链接只能使用一次。",
        ResetLinkInvalid = "这个链接无效。",
        AskForNewResetMail = "请重新申请一封重置邮件，并使用其中的链接。",
        ResetLinkIncompleteTitle = "链接不完整",
        ResetLinkIncomplete = "这个地址缺少邮件链接中证明身份的部分。请完整打开邮件里的链接，或重新申请一封。",
        SendNewResetMail = "重新发送重置邮件",
        AccountTitle = "你的账号",
        SignedInAs = (uname, email) => $"当前登录：{uname}（{email}）。",
        MoreSettings = "账号的其他设置",
        AuthorizedApps = "已授权的应用",
        BangumiBinding = "Bangumi 绑定",
        ProfileHeading = "个人资料",
        NicknameLabel = "昵称",
        NicknameHint = max => $"代替用户名显示；最多 {max} 个字符。",
        NicknameInvalid = max => $"最多 {max} 个字符，且只能有一行。",
        AvatarLabel = "头像地址",
        AvatarHint = "图片的 http(s) 地址；留空表示不使用头像。",
        AvatarInvalid = max => $"请输入以 http:// 或 https:// 开头的地址（最多 {max} 个字符），或者留空。",
        AvatarPreview = "你当前的头像",
        IntroLabel = "自我介绍",
        IntroHint = max => $"最多 {max} 个字符。",
        IntroInvalid = max => $"最多 {max} 个字符的纯文本。",
        SaveProfileButton = "保存资料",
        ProfileSaved = "你的个人资料已保存。",
        PasswordHeading = "修改密码",
        PasswordSectionHint = "你在其他地方的登录会全部结束；这里保持登录。",
        CurrentPasswordLabel = "当前密码",
        CurrentPasswordWrong = "当前密码不正确。",
        PasswordChangedHere = "你的密码已修改。其他地方的登录都已结束；这里保持登录。",
        EmailHeading = "修改邮箱",
        CurrentEmail = email => $"你当前的邮箱地址是 {email}。",
        EmailSectionHint = "我们会向新地址发送一封确认邮件；打开其中的链接后，邮箱才会更改。",
        NewEmailLabel = "新邮箱地址",
        ConfirmWithPasswordLabel = "你的密码",
        ChangeEmailButton = "发送确认邮件",
        SameEmail = "这已经是你的邮箱地址了。",
        NewEmailTaken = "另一个账号正在使用这个邮箱地址。",
        EmailChangeSent = "我们已向新地址发送确认链接。打开链接后，你的邮箱才会更改。",
        DeleteHeading = "删除账号",
        DeleteWarning = "删除账号后无法恢复。以下内容会立即删除：",
        DeletedData =
        [
            "你的个人资料（用户名、昵称、头像、自我介绍）和邮箱地址",
            "你的动画收藏，包括导入的条目",
            "你注册的应用：之后没有人能再用它们登录",
            "你授予应用的访问权限，以及它们的令牌",
            "你的 Bangumi 绑定",
        ],
        DeleteFreesNames = "你的用户名和邮箱地址之后可以被新账号使用。",
        DeleteButton = "删除我的账号",
        DeletedTitle = "你的账号已删除",
        Deleted = "账号中的所有内容都已删除，你也已经退出登录。感谢你使用 Bangumoe。",
    };
}
