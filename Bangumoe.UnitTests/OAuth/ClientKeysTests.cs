using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Bangumoe.OAuth;
using Microsoft.IdentityModel.Tokens;

namespace Bangumoe.UnitTests.OAuth;

/// <summary>What an app may register as its private_key_jwt keys: public RSA (2048+ bits) and P-256 keys, at most five.</summary>
public sealed class ClientKeysTests
{
    private static JsonObject Ec(bool withPrivate = false)
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var p = ec.ExportParameters(withPrivate);
        var key = new JsonObject { ["kty"] = "EC", ["crv"] = "P-256", ["x"] = Base64UrlEncoder.Encode(p.Q.X), ["y"] = Base64UrlEncoder.Encode(p.Q.Y) };
        if (withPrivate) key["d"] = Base64UrlEncoder.Encode(p.D);
        return key;
    }

    private static JsonObject Rsa(int bits)
    {
        using var rsa = RSA.Create(bits);
        var p = rsa.ExportParameters(false);
        return new JsonObject { ["kty"] = "RSA", ["n"] = Base64UrlEncoder.Encode(p.Modulus), ["e"] = Base64UrlEncoder.Encode(p.Exponent) };
    }

    private static string Set(params JsonNode[] keys) => new JsonObject { ["keys"] = new JsonArray(keys) }.ToJsonString();

    [Fact]
    public void Public_rsa_and_p256_keys_are_accepted_and_usable()
    {
        var rsa = Rsa(2048);
        rsa["alg"] = "PS256";
        rsa["kid"] = "r1";
        var ec = Ec();
        ec["use"] = "sig";
        var jwks = Set(rsa, ec);
        Assert.Null(ClientKeys.Problem(jwks));
        Assert.Equal(2, ClientKeys.SigningKeys(jwks).Count);
    }

    [Theory]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("{\"keys\": []}")]
    [InlineData("{\"keys\": {}}")]
    [InlineData("not json")]
    [InlineData("{\"keys\": [{\"kty\": \"oct\", \"k\": \"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0\"}]}")]
    [InlineData("{\"keys\": [{\"kty\": \"EC\", \"crv\": \"P-384\", \"x\": \"AA\", \"y\": \"AA\"}]}")]
    [InlineData("{\"keys\": [{\"kty\": \"RSA\", \"n\": \"AQAB\", \"e\": \"AQAB\"}]}")]
    [InlineData("{\"keys\": [1]}")]
    public void Malformed_sets_are_refused(string jwks) => Assert.NotNull(ClientKeys.Problem(jwks));

    [Fact]
    public void Private_material_small_rsa_wrong_alg_repeated_kid_and_six_keys_are_refused()
    {
        Assert.Contains("private", ClientKeys.Problem(Set(Ec(withPrivate: true))), StringComparison.Ordinal);
        Assert.Contains("2048", ClientKeys.Problem(Set(Rsa(1024))), StringComparison.Ordinal);
        var hs = Ec();
        hs["alg"] = "HS256";
        Assert.NotNull(ClientKeys.Problem(Set(hs)));
        var enc = Rsa(2048);
        enc["use"] = "enc";
        Assert.NotNull(ClientKeys.Problem(Set(enc)));
        var (a, b) = (Ec(), Ec());
        a["kid"] = "same";
        b["kid"] = "same";
        Assert.Contains("twice", ClientKeys.Problem(Set(a, b)), StringComparison.Ordinal);
        Assert.Contains("At most 5", ClientKeys.Problem(Set(Ec(), Ec(), Ec(), Ec(), Ec(), Ec())), StringComparison.Ordinal);
        Assert.Null(ClientKeys.Problem(Set(Ec(), Ec(), Ec(), Ec(), Ec())));
    }
}
