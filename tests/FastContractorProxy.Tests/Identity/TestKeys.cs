using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FastContractorProxy.Tests.Identity;

/// <summary>A signing key pair made for the tests, with its public JWK.</summary>
internal sealed class TestKey : IDisposable
{
    private readonly RSA? _rsa;
    private readonly ECDsa? _ec;

    private TestKey(string keyId, RSA? rsa, ECDsa? ec)
    {
        KeyId = keyId;
        _rsa = rsa;
        _ec = ec;
    }

    public string KeyId { get; }

    public static TestKey Rsa(string keyId) => new(keyId, RSA.Create(2048), null);

    public static TestKey EC(string keyId) => new(keyId, null, ECDsa.Create(ECCurve.NamedCurves.nistP256));

    /// <summary>The RSA public key in its DER encoding, used as an HMAC secret by key-confusion tokens.</summary>
    public byte[] PublicKeyBytes => _rsa!.ExportSubjectPublicKeyInfo();

    public JsonObject PublicJwk()
    {
        if (_rsa is not null)
        {
            RSAParameters p = _rsa.ExportParameters(false);
            return new JsonObject { ["kty"] = "RSA", ["use"] = "sig", ["kid"] = KeyId, ["n"] = B64(p.Modulus!), ["e"] = B64(p.Exponent!) };
        }

        ECParameters q = _ec!.ExportParameters(false);
        return new JsonObject { ["kty"] = "EC", ["use"] = "sig", ["kid"] = KeyId, ["crv"] = "P-256", ["x"] = B64(q.Q.X!), ["y"] = B64(q.Q.Y!) };
    }

    public byte[] Sign(byte[] data, string algorithm) => algorithm switch
    {
        "RS256" => _rsa!.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
        "PS256" => _rsa!.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pss),
        "ES256" => _ec!.SignData(data, HashAlgorithmName.SHA256),
        _ => throw new ArgumentException($"the test key cannot sign {algorithm}", nameof(algorithm)),
    };

    public string DefaultAlgorithm => _rsa is not null ? "RS256" : "ES256";

    public void Dispose()
    {
        _rsa?.Dispose();
        _ec?.Dispose();
    }

    public static string B64(byte[] bytes) => Base64Url.EncodeToString(bytes);

    public static string Jwks(params TestKey[] keys) =>
        new JsonObject { ["keys"] = new JsonArray(keys.Select(k => (JsonNode)k.PublicJwk()).ToArray()) }.ToJsonString();
}

/// <summary>Builds compact JWS tokens byte by byte, so tests can produce headers and claims no library would.</summary>
internal static class TestTokens
{
    public const string Issuer = "https://issuer-a.fcp.test";
    public const string OtherIssuer = "https://issuer-b.fcp.test";
    public const string Audience = "fcp-api";

    public static long Now => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    /// <summary>Claims of a valid token for <paramref name="issuer"/>, expiring in an hour.</summary>
    public static JsonObject Claims(string issuer = Issuer) => new()
    {
        ["iss"] = issuer,
        ["sub"] = "contractor-7",
        ["aud"] = Audience,
        ["exp"] = Now + 3600,
        ["iat"] = Now,
        ["jti"] = Guid.NewGuid().ToString("N"),
        ["client_id"] = "client-7",
        ["scope"] = "items:read items:write",
        ["org"] = "acme",
    };

    public static JsonObject Header(TestKey key, string? algorithm = null) => new()
    {
        ["alg"] = algorithm ?? key.DefaultAlgorithm,
        ["typ"] = "JWT",
        ["kid"] = key.KeyId,
    };

    public static string Create(TestKey key, JsonObject? claims = null, JsonObject? header = null, string? signingAlgorithm = null)
    {
        header ??= Header(key);
        string signingInput = Segment(header) + "." + Segment(claims ?? Claims());
        byte[] signature = key.Sign(Encoding.ASCII.GetBytes(signingInput), signingAlgorithm ?? key.DefaultAlgorithm);
        return signingInput + "." + TestKey.B64(signature);
    }

    /// <summary>A token with the given header and claims and an arbitrary signature segment.</summary>
    public static string Unsigned(JsonObject header, JsonObject claims, string signature) =>
        Segment(header) + "." + Segment(claims) + "." + signature;

    public static string HmacSigned(JsonObject header, JsonObject claims, byte[] secret)
    {
        string signingInput = Segment(header) + "." + Segment(claims);
        return signingInput + "." + TestKey.B64(HMACSHA256.HashData(secret, Encoding.ASCII.GetBytes(signingInput)));
    }

    public static string Segment(JsonNode node) => TestKey.B64(Encoding.UTF8.GetBytes(node.ToJsonString()));

    /// <summary>Claims encoded from raw JSON text, for values JsonObject cannot express as written (such as 1e300).</summary>
    public static string SignedRaw(TestKey key, string headerJson, string claimsJson)
    {
        string signingInput = TestKey.B64(Encoding.UTF8.GetBytes(headerJson)) + "." + TestKey.B64(Encoding.UTF8.GetBytes(claimsJson));
        byte[] signature = key.Sign(Encoding.ASCII.GetBytes(signingInput), key.DefaultAlgorithm);
        return signingInput + "." + TestKey.B64(signature);
    }

    public static string Json(JsonNode node) => node.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
}
