using Bangumoe.Functions.Pages;

namespace Bangumoe.Functions.OAuth;

/// <summary>What the developer pages say about how an app authenticates (its secret or its keys) and about pushed
/// authorization requests. Its own record, beside <see cref="OAuthTexts"/>, in both languages.</summary>
public sealed record ClientAuthTexts
{
    public required string MethodLegend { get; init; }
    public required string MethodSecret { get; init; }
    public required string MethodSecretHint { get; init; }
    public required string MethodKeys { get; init; }
    public required string MethodKeysHint { get; init; }
    public required string MethodOnlyConfidential { get; init; }
    public required string JwksLabel { get; init; }
    public required Func<int, string> JwksHint { get; init; }
    public required string RequireParLabel { get; init; }
    public required string RequireParHint { get; init; }

    // The app page.
    public required string MethodHeading { get; init; }
    public required string RequireParHeading { get; init; }
    public required string Yes { get; init; }
    public required string No { get; init; }
    public required string KeysAppHasNoSecret { get; init; }

    // Errors.
    public required string MethodInvalid { get; init; }
    public required Func<string, string> JwksInvalid { get; init; }
    public required string JwksOnlyForKeys { get; init; }

    /// <summary>The texts in the page's language.</summary>
    public static ClientAuthTexts Of(Texts texts) => texts.Lang == Texts.ZhHans.Lang ? ZhHans : En;

    public static readonly ClientAuthTexts En = new()
    {
        MethodLegend = "How the app proves itself to Bangumoe",
        MethodSecret = "With a secret (client_secret_basic)",
        MethodSecretHint = "Bangumoe makes a secret that the app sends with each call to the token endpoint.",
        MethodKeys = "With its own keys (private_key_jwt)",
        MethodKeysHint = "The app signs a short-lived JWT with a private key that never leaves it; Bangumoe keeps only the public keys below. The app has no secret.",
        MethodOnlyConfidential = "Only a confidential app proves itself; a public app has no credentials.",
        JwksLabel = "Public keys (JWKS)",
        JwksHint = max => $"For private_key_jwt: the app's public keys as a JSON Web Key Set, {{\"keys\": [...]}}; at most {max} RSA (RS256 or PS256, 2048 bits or more) or P-256 (ES256) keys. Never paste a private key.",
        RequireParLabel = "Require pushed authorization requests (PAR)",
        RequireParHint = "The app posts each authorization request to /oauth/par first; /oauth/authorize then refuses a request written in the URL, so none can be forged or changed on the way.",
        MethodHeading = "How it authenticates",
        RequireParHeading = "Pushed authorization requests",
        Yes = "Required",
        No = "Not required",
        KeysAppHasNoSecret = "This app authenticates with its keys (private_key_jwt), so it has no secret. To use a secret instead, choose it under Edit, save, then make a new secret here.",
        MethodInvalid = "Choose a secret or keys; a public app has neither.",
        JwksInvalid = why => $"These keys cannot be used: {why}",
        JwksOnlyForKeys = "Public keys are used only with private_key_jwt: choose it, or leave the keys empty.",
    };

    public static readonly ClientAuthTexts ZhHans = new()
    {
        MethodLegend = "应用向 Bangumoe 证明身份的方式",
        MethodSecret = "使用密钥字符串（client_secret_basic）",
        MethodSecretHint = "Bangumoe 生成一个密钥，应用每次调用令牌端点时发送它。",
        MethodKeys = "使用自己的密钥对（private_key_jwt）",
        MethodKeysHint = "应用用从不离开它的私钥签署一个短时效的 JWT；Bangumoe 只保存下面的公钥。这样的应用没有密钥字符串。",
        MethodOnlyConfidential = "只有机密客户端需要证明身份；公开客户端没有凭据。",
        JwksLabel = "公钥（JWKS）",
        JwksHint = max => $"用于 private_key_jwt：以 JSON Web Key Set 形式填写应用的公钥，{{\"keys\": [...]}}；最多 {max} 个 RSA（RS256 或 PS256，至少 2048 位）或 P-256（ES256）密钥。切勿粘贴私钥。",
        RequireParLabel = "要求推送授权请求（PAR）",
        RequireParHint = "应用先把每个授权请求提交到 /oauth/par；之后 /oauth/authorize 会拒绝写在网址里的请求，因此请求无法在途中被伪造或篡改。",
        MethodHeading = "身份验证方式",
        RequireParHeading = "推送授权请求",
        Yes = "必须使用",
        No = "不要求",
        KeysAppHasNoSecret = "此应用使用自己的密钥对（private_key_jwt）验证身份，因此没有密钥字符串。如需改用密钥字符串，请在“编辑”中选择并保存，然后在这里生成新密钥。",
        MethodInvalid = "请选择密钥字符串或密钥对；公开客户端两者都没有。",
        JwksInvalid = why => $"无法使用这些公钥：需要 {{\"keys\": [...]}} 形式的 JSON，最多 {Bangumoe.OAuth.ClientKeys.MaxCount} 个 RSA（至少 2048 位）或 P-256 公钥，不含私钥部分。（详情：{why}）",
        JwksOnlyForKeys = "公钥只在选择 private_key_jwt 时使用：请选择它，或将公钥留空。",
    };
}
