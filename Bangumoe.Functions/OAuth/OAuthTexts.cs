using Bangumoe.Security;

namespace Bangumoe.Functions.OAuth;

/// <summary>What the authorization pages and the developer pages say (see <see cref="Pages.Texts"/>).</summary>
public sealed record OAuthTexts
{
    // The sign-in page of /oauth/authorize (and of the seed's /oauth2.0/show).
    public required string SignInTitle { get; init; }

    /// <summary>Follows the app's name: "{name} wants you to sign in with Bangumoe."</summary>
    public required string WantsYouToSignIn { get; init; }

    public required string LoginLabel { get; init; }
    public required string PasswordLabel { get; init; }
    public required string SignInButton { get; init; }
    public required string NoAccountYet { get; init; }
    public required string CreateAccount { get; init; }
    public required string ForgotPassword { get; init; }
    public required string SeedSeesProfile { get; init; }
    public required string SeedFormExpired { get; init; }

    // The consent page.
    public required string ConsentTitle { get; init; }

    /// <summary>Follows the app's name and home page: "{name} (home) would like to:".</summary>
    public required string WouldLikeTo { get; init; }

    public required string InTheAppsWords { get; init; }
    public required string SignedInAs { get; init; }
    public required string SignedInAsEnd { get; init; }
    public required string NotYou { get; init; }
    public required string Allow { get; init; }
    public required string Deny { get; init; }
    public required string WithdrawHintBefore { get; init; }
    public required string WithdrawHintAfter { get; init; }

    // What each scope lets an app do, in words.
    public required string ScopeOpenId { get; init; }
    public required string ScopeProfile { get; init; }
    public required string ScopeEmail { get; init; }
    public required string ScopeOfflineAccess { get; init; }
    public required string ScopeCollectionRead { get; init; }
    public required string ScopeCollectionWrite { get; init; }

    // The authorization pages' refusals.
    public required string AuthorizeFormExpired { get; init; }
    public required string SubmitFromSignInPage { get; init; }
    public required string DetailForDeveloper { get; init; }

    // /account/apps: the apps a person authorized.
    public required string AuthorizedAppsTitle { get; init; }
    public required string AuthorizedAppsIntro { get; init; }
    public required string NoAuthorizedApps { get; init; }
    public required string MayDo { get; init; }
    public required string FirstAuthorized { get; init; }
    public required string LastUpdated { get; init; }
    public required string HomePage { get; init; }
    public required string WithdrawButton { get; init; }
    public required Func<string, string> Withdrawn { get; init; }

    // /developer/apps: a developer's registered apps.
    public required string DeveloperAppsTitle { get; init; }
    public required string DeveloperIntro { get; init; }
    public required string ApiDescription { get; init; }
    public required string DiscoveryDocument { get; init; }
    public required string AuthorizedAppsLink { get; init; }
    public required string YourAppsHeading { get; init; }
    public required string NoApps { get; init; }
    public required string AppNameColumn { get; init; }
    public required string ClientIdLabel { get; init; }
    public required string TypeLabel { get; init; }
    public required string RegisteredColumn { get; init; }
    public required string Manage { get; init; }
    public required string TypeConfidential { get; init; }
    public required string TypePublic { get; init; }
    public required string TypeConfidentialHint { get; init; }
    public required string TypePublicHint { get; init; }
    public required string RegisterHeading { get; init; }
    public required string NameLabel { get; init; }
    public required string HomeUrlLabel { get; init; }
    public required string DescriptionLabel { get; init; }
    public required string DescriptionHint { get; init; }
    public required string RedirectUrisLabel { get; init; }
    public required Func<int, string> RedirectUrisHint { get; init; }
    public required string AllowedOriginsLabel { get; init; }
    public required Func<int, string> AllowedOriginsHint { get; init; }
    public required string TypeLegend { get; init; }
    public required string RegisterButton { get; init; }
    public required string ScopesHeading { get; init; }
    public required string AppRegistered { get; init; }
    public required string AppDeleted { get; init; }

    // Bad input in the app forms, next to the field it concerns.
    public required string NameRequired { get; init; }
    public required Func<int, string> NameInvalid { get; init; }
    public required string HomeUrlRequired { get; init; }
    public required Func<int, string> HomeUrlInvalid { get; init; }
    public required Func<int, string> DescriptionInvalid { get; init; }
    public required string RedirectUrisRequired { get; init; }
    public required Func<int, string> RedirectUrisTooMany { get; init; }
    public required string RedirectUrisRepeated { get; init; }
    public required Func<string, string> RedirectUriInvalid { get; init; }
    public required Func<int, string> AllowedOriginsTooMany { get; init; }
    public required string AllowedOriginsRepeated { get; init; }
    public required Func<string, string> AllowedOriginInvalid { get; init; }
    public required string TypeInvalid { get; init; }
    public required string AppChangedMeanwhile { get; init; }
    public required string PublicAppHasNoSecret { get; init; }

    // /developer/apps/{id}: one app.
    public required string ConnectHeading { get; init; }
    public required string RedirectUrisHeading { get; init; }
    public required string AllowedOriginsHeading { get; init; }
    public required string DiscoveryUrlLabel { get; init; }
    public required string ExampleHeading { get; init; }
    public required string ExampleExplain { get; init; }
    public required string ExampleVerifier { get; init; }
    public required string EditHeading { get; init; }
    public required string SaveButton { get; init; }
    public required string Saved { get; init; }
    public required string SecretHeading { get; init; }
    public required string SecretExplain { get; init; }
    public required string RotateButton { get; init; }
    public required string DeleteHeading { get; init; }
    public required string DeleteExplain { get; init; }
    public required string DeleteConfirm { get; init; }
    public required string DeleteConfirmMissing { get; init; }
    public required string DeleteButton { get; init; }
    public required string BackToApps { get; init; }

    // The page that shows a new secret once.
    public required string SecretTitle { get; init; }
    public required string SecretShownOnce { get; init; }
    public required string SecretRotated { get; init; }
    public required string SecretLabel { get; init; }
    public required string CopyButton { get; init; }
    public required string Copied { get; init; }
    public required string SecretSavedContinue { get; init; }

    // /device: a TV or command line signs in (RFC 8628).
    public required DeviceTexts Device { get; init; }

    /// <summary>What <paramref name="scope"/> lets an app do; an unknown scope is shown as it is.</summary>
    public string Scope(string scope) => scope switch
    {
        Scopes.OpenId => ScopeOpenId,
        Scopes.Profile => ScopeProfile,
        Scopes.Email => ScopeEmail,
        Scopes.OfflineAccess => ScopeOfflineAccess,
        Scopes.CollectionRead => ScopeCollectionRead,
        Scopes.CollectionWrite => ScopeCollectionWrite,
        _ => scope,
    };

    public static readonly OAuthTexts En = new()
    {
        SignInTitle = "Sign in to Bangumoe",
        WantsYouToSignIn = " wants you to sign in with Bangumoe.",
        LoginLabel = "Email or user name",
        PasswordLabel = "Password",
        SignInButton = "Sign in",
        NoAccountYet = "New to Bangumoe?",
        CreateAccount = "Create an account",
        ForgotPassword = "Forgot your password?",
        SeedSeesProfile = "Signing in lets it see your user name, email, nickname, avatar and intro.",
        SeedFormExpired = "This form expired; please try again.",
        ConsentTitle = "Allow access?",
        WouldLikeTo = " would like to:",
        InTheAppsWords = "In the app's own words:",
        SignedInAs = "Signed in as ",
        SignedInAsEnd = ".",
        NotYou = "Not you?",
        Allow = "Allow",
        Deny = "Deny",
        WithdrawHintBefore = "You can withdraw this at any time under ",
        WithdrawHintAfter = "; the app's access ends at once.",
        ScopeOpenId = "Sign you in with your Bangumoe identity",
        ScopeProfile = "See your user name, nickname, avatar and intro",
        ScopeEmail = "See your email address",
        ScopeOfflineAccess = "Stay connected while you are away (it can refresh its access)",
        ScopeCollectionRead = "See your anime collection, private entries included",
        ScopeCollectionWrite = "Add, change and remove entries in your anime collection",
        AuthorizeFormExpired = "This form expired or did not come from this page. Go back to the app and start the sign-in again.",
        SubmitFromSignInPage = "Submit the sign-in form from its page.",
        DetailForDeveloper = "For the app's developer:",
        AuthorizedAppsTitle = "Authorized apps",
        AuthorizedAppsIntro = "These apps may act for you within what you allowed. Withdrawing access ends every token the app holds at once; the app can ask again the next time you use it.",
        NoAuthorizedApps = "You have not allowed any app to use your account.",
        MayDo = "What it may do",
        FirstAuthorized = "First allowed",
        LastUpdated = "Last changed",
        HomePage = "Home page",
        WithdrawButton = "Withdraw access",
        Withdrawn = name => $"{name} no longer has access to your account.",
        DeveloperAppsTitle = "Your apps",
        DeveloperIntro = "Register an app so that people can sign in to it with Bangumoe and, if they allow it, let it read or change their anime collection. Apps use OAuth 2.0 with PKCE and OpenID Connect.",
        ApiDescription = "API description (OpenAPI)",
        DiscoveryDocument = "OpenID Connect discovery document",
        AuthorizedAppsLink = "Apps you have authorized",
        YourAppsHeading = "Registered apps",
        NoApps = "You have not registered an app yet.",
        AppNameColumn = "Name",
        ClientIdLabel = "Client ID",
        TypeLabel = "Type",
        RegisteredColumn = "Registered",
        Manage = "Manage",
        TypeConfidential = "Confidential",
        TypePublic = "Public",
        TypeConfidentialHint = "A server-side app that can keep a secret.",
        TypePublicHint = "A browser, phone, desktop or command-line app: no secret, PKCE only.",
        RegisterHeading = "Register a new app",
        NameLabel = "App name",
        HomeUrlLabel = "Home page",
        DescriptionLabel = "Description (optional)",
        DescriptionHint = "Shown to people when the app asks for access.",
        RedirectUrisLabel = "Redirect URIs",
        RedirectUrisHint = max => $"One per line, at most {max}. https, or http on 127.0.0.1, [::1] or localhost. The app must send one of them exactly.",
        AllowedOriginsLabel = "Other web origins (optional)",
        AllowedOriginsHint = max => $"For an app that runs in the browser: it may call the token, revocation and userinfo endpoints from its redirect URIs' origins and from these. One per line, at most {max}, written as https://app.example (no path).",
        TypeLegend = "Kind of app",
        RegisterButton = "Register app",
        ScopesHeading = "Scopes an app can ask for",
        AppRegistered = "The app is registered.",
        AppDeleted = "The app is deleted.",
        NameRequired = "Give the app a name.",
        NameInvalid = max => $"The name must be one line of at most {max} characters.",
        HomeUrlRequired = "Enter the app's home page.",
        HomeUrlInvalid = max => $"Enter an http or https address of at most {max} characters.",
        DescriptionInvalid = max => $"At most {max} characters of plain text.",
        RedirectUrisRequired = "List at least one redirect URI.",
        RedirectUrisTooMany = max => $"At most {max} redirect URIs.",
        RedirectUrisRepeated = "List each redirect URI only once.",
        RedirectUriInvalid = uri => $"{uri} is not a redirect URI Bangumoe accepts: it must be a whole https address (http only on 127.0.0.1, [::1] or localhost), at most 512 characters, without spaces, a fragment (#), wildcards (*) or a user name.",
        AllowedOriginsTooMany = max => $"At most {max} origins.",
        AllowedOriginsRepeated = "List each origin only once.",
        AllowedOriginInvalid = origin => $"{origin} is not an origin Bangumoe accepts: write it as a browser sends it, https://app.example (http only on 127.0.0.1, [::1] or localhost), in lower case, without a path or a trailing slash.",
        TypeInvalid = "Choose confidential or public.",
        AppChangedMeanwhile = "The app was changed meanwhile (in another tab?). Reload the page and try again.",
        PublicAppHasNoSecret = "A public app has no secret; it proves itself with PKCE.",
        ConnectHeading = "Connect your app",
        RedirectUrisHeading = "Redirect URIs",
        AllowedOriginsHeading = "Web origins for browser apps",
        DiscoveryUrlLabel = "Discovery URL",
        ExampleHeading = "Example authorization request",
        ExampleExplain = "Send the person's browser to an address like this one. Your app makes a new state and PKCE code_verifier for every sign-in and sends the verifier's S256 challenge; the ones below are made up for this example. After they allow, Bangumoe sends the browser to your redirect URI with code, state and iss; exchange the code at the token endpoint together with the code_verifier.",
        ExampleVerifier = "The code_verifier of this example:",
        EditHeading = "Edit the app",
        SaveButton = "Save changes",
        Saved = "Your changes are saved.",
        SecretHeading = "Client secret",
        SecretExplain = "Bangumoe keeps only a hash of the secret, so it cannot show it again. A new secret replaces the old one at once: whatever still uses the old one stops working.",
        RotateButton = "Make a new secret",
        DeleteHeading = "Delete the app",
        DeleteExplain = "Deleting the app ends every sign-in through it and every token it holds, for everyone who uses it. This cannot be undone.",
        DeleteConfirm = "Yes, delete this app for good",
        DeleteConfirmMissing = "Tick the box to confirm.",
        DeleteButton = "Delete app",
        BackToApps = "Back to your apps",
        SecretTitle = "Your client secret",
        SecretShownOnce = "This is the only time Bangumoe shows this secret. Copy it now and keep it on your server; anyone who has it can act as your app.",
        SecretRotated = "The old secret no longer works.",
        SecretLabel = "Client secret",
        CopyButton = "Copy",
        Copied = "Copied",
        SecretSavedContinue = "I have saved it: go to the app",
        Device = DeviceTexts.En,
    };

    public static readonly OAuthTexts ZhHans = new()
    {
        SignInTitle = "登录 Bangumoe",
        WantsYouToSignIn = " 请你使用 Bangumoe 账号登录。",
        LoginLabel = "邮箱或用户名",
        PasswordLabel = "密码",
        SignInButton = "登录",
        NoAccountYet = "还没有 Bangumoe 账号？",
        CreateAccount = "注册账号",
        ForgotPassword = "忘记密码？",
        SeedSeesProfile = "登录后，它可以看到你的用户名、邮箱、昵称、头像和简介。",
        SeedFormExpired = "这个表单已过期，请重试。",
        ConsentTitle = "允许访问？",
        WouldLikeTo = " 想要：",
        InTheAppsWords = "应用的自我介绍：",
        SignedInAs = "当前登录：",
        SignedInAsEnd = "。",
        NotYou = "不是你？",
        Allow = "允许",
        Deny = "拒绝",
        WithdrawHintBefore = "你可以随时在",
        WithdrawHintAfter = "中撤销授权，应用的访问会立即失效。",
        ScopeOpenId = "用你的 Bangumoe 身份登录",
        ScopeProfile = "查看你的用户名、昵称、头像和简介",
        ScopeEmail = "查看你的邮箱地址",
        ScopeOfflineAccess = "在你离开时保持连接（可以刷新它的访问权限）",
        ScopeCollectionRead = "查看你的动画收藏，包括私密条目",
        ScopeCollectionWrite = "添加、修改和删除你动画收藏中的条目",
        AuthorizeFormExpired = "这个表单已过期，或者不是从本页面提交的。请回到应用，重新开始登录。",
        SubmitFromSignInPage = "请在登录页面上提交表单。",
        DetailForDeveloper = "给应用开发者的信息：",
        AuthorizedAppsTitle = "已授权的应用",
        AuthorizedAppsIntro = "这些应用可以在你允许的范围内代表你操作。撤销访问后，应用持有的所有令牌立即失效；你下次使用它时，它可以重新请求授权。",
        NoAuthorizedApps = "你还没有允许任何应用使用你的账号。",
        MayDo = "可以做的事",
        FirstAuthorized = "首次允许",
        LastUpdated = "最近更改",
        HomePage = "主页",
        WithdrawButton = "撤销访问",
        Withdrawn = name => $"「{name}」已无法再访问你的账号。",
        DeveloperAppsTitle = "我的应用",
        DeveloperIntro = "注册应用后，用户可以用 Bangumoe 账号登录你的应用；在他们允许时，应用还可以读取或修改他们的动画收藏。应用使用 OAuth 2.0（配合 PKCE）和 OpenID Connect。",
        ApiDescription = "API 说明（OpenAPI）",
        DiscoveryDocument = "OpenID Connect 发现文档",
        AuthorizedAppsLink = "你授权过的应用",
        YourAppsHeading = "已注册的应用",
        NoApps = "你还没有注册应用。",
        AppNameColumn = "名称",
        ClientIdLabel = "客户端 ID",
        TypeLabel = "类型",
        RegisteredColumn = "注册时间",
        Manage = "管理",
        TypeConfidential = "机密客户端",
        TypePublic = "公开客户端",
        TypeConfidentialHint = "能保管密钥的服务端应用。",
        TypePublicHint = "浏览器、手机、桌面或命令行应用：没有密钥，只用 PKCE。",
        RegisterHeading = "注册新应用",
        NameLabel = "应用名称",
        HomeUrlLabel = "主页",
        DescriptionLabel = "简介（可选）",
        DescriptionHint = "应用请求授权时会展示给用户。",
        RedirectUrisLabel = "重定向 URI",
        RedirectUrisHint = max => $"每行一个，最多 {max} 个。使用 https，或在 127.0.0.1、[::1]、localhost 上使用 http。应用发送的地址必须与其中之一完全一致。",
        AllowedOriginsLabel = "其他网页来源（可选）",
        AllowedOriginsHint = max => $"供在浏览器中运行的应用使用：它可以从重定向 URI 所在的来源以及这里列出的来源调用令牌、撤销和用户信息端点。每行一个，最多 {max} 个，写成 https://app.example 的形式（不带路径）。",
        TypeLegend = "应用类型",
        RegisterButton = "注册应用",
        ScopesHeading = "应用可以请求的权限范围",
        AppRegistered = "应用已注册。",
        AppDeleted = "应用已删除。",
        NameRequired = "请填写应用名称。",
        NameInvalid = max => $"名称必须是一行文字，最多 {max} 个字符。",
        HomeUrlRequired = "请填写应用主页。",
        HomeUrlInvalid = max => $"请输入不超过 {max} 个字符的 http 或 https 网址。",
        DescriptionInvalid = max => $"最多 {max} 个字符的纯文本。",
        RedirectUrisRequired = "请至少填写一个重定向 URI。",
        RedirectUrisTooMany = max => $"最多 {max} 个重定向 URI。",
        RedirectUrisRepeated = "每个重定向 URI 只能填写一次。",
        AllowedOriginsTooMany = max => $"最多 {max} 个来源。",
        AllowedOriginsRepeated = "每个来源只能填写一次。",
        AllowedOriginInvalid = origin => $"{origin} 不是 Bangumoe 接受的来源：请按浏览器发送的形式填写，如 https://app.example（仅在 127.0.0.1、[::1]、localhost 上可用 http），小写，不带路径和末尾的斜杠。",
        RedirectUriInvalid = uri => $"{uri} 不是 Bangumoe 接受的重定向 URI：必须是完整的 https 地址（http 仅限 127.0.0.1、[::1] 或 localhost），不超过 512 个字符，不能包含空格、片段（#）、通配符（*）或用户名。",
        TypeInvalid = "请选择机密客户端或公开客户端。",
        AppChangedMeanwhile = "应用在此期间被修改了（也许在另一个标签页？）。请刷新页面后重试。",
        PublicAppHasNoSecret = "公开客户端没有密钥，它通过 PKCE 证明自己的身份。",
        ConnectHeading = "接入你的应用",
        RedirectUrisHeading = "重定向 URI",
        AllowedOriginsHeading = "浏览器应用的网页来源",
        DiscoveryUrlLabel = "发现文档地址",
        ExampleHeading = "授权请求示例",
        ExampleExplain = "把用户的浏览器引导到类似下面的地址。你的应用每次登录都要生成新的 state 和 PKCE code_verifier，并发送 code_verifier 的 S256 challenge；下面的值只是为这个示例临时生成的。用户允许后，Bangumoe 会把浏览器带到你的重定向 URI，并附上 code、state 和 iss；再用 code 和 code_verifier 到令牌端点换取令牌。",
        ExampleVerifier = "本示例的 code_verifier：",
        EditHeading = "编辑应用",
        SaveButton = "保存修改",
        Saved = "修改已保存。",
        SecretHeading = "客户端密钥",
        SecretExplain = "Bangumoe 只保存密钥的哈希，无法再次显示它。生成新密钥会立即替换旧密钥：仍在使用旧密钥的地方都会停止工作。",
        RotateButton = "生成新密钥",
        DeleteHeading = "删除应用",
        DeleteExplain = "删除应用会结束所有通过它的登录和它持有的所有令牌，对所有使用它的人都生效。此操作无法撤销。",
        DeleteConfirm = "是的，永久删除这个应用",
        DeleteConfirmMissing = "请勾选以确认。",
        DeleteButton = "删除应用",
        BackToApps = "返回我的应用",
        SecretTitle = "你的客户端密钥",
        SecretShownOnce = "这是 Bangumoe 唯一一次显示这个密钥。请立即复制并保存在你的服务器上；拿到它的人可以冒充你的应用。",
        SecretRotated = "旧密钥已失效。",
        SecretLabel = "客户端密钥",
        CopyButton = "复制",
        Copied = "已复制",
        SecretSavedContinue = "我已保存：前往应用页面",
        Device = DeviceTexts.ZhHans,
    };
}
