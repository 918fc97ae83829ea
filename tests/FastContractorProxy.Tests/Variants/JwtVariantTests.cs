using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using FastContractorProxy.Tests.Access;
using FastContractorProxy.Tests.Identity;
using FastContractorProxy.Tests.Infrastructure;

namespace FastContractorProxy.Tests.Variants;

/// <summary>
/// Token variants sent as GET /public/ok through the running proxy (RFC 7519, RFC 7515, RFC 8725): every one must
/// get 401 with an invalid_token challenge and leave the upstream untouched, while the RFC-valid controls pass.
/// </summary>
public sealed class JwtVariantTests
{
    // A second RSA key that no issuer publishes, made once because RSA key generation is slow.
    private static readonly Lazy<TestKey> SharedAttackerKey = new(() => TestKey.Rsa("kid-1"));

    private static TestKey Key => AccessHarness.KeyA;

    private static JsonObject Claims()
    {
        JsonObject claims = TestTokens.Claims(AccessHarness.IssuerA);
        claims["sub"] = "alice-sub";
        return claims;
    }

    private static JsonObject Header(Action<JsonObject>? change = null)
    {
        JsonObject header = TestTokens.Header(Key);
        change?.Invoke(header);
        return header;
    }

    private static JsonObject ClaimsWith(string name, JsonNode? value)
    {
        JsonObject claims = Claims();
        claims[name] = value;
        return claims;
    }

    // Signs with RS256 whatever the header names, so only the header's content can make the token invalid.
    private static string Signed(JsonObject header, JsonObject? claims = null) =>
        TestTokens.Create(Key, claims ?? Claims(), header, "RS256");

    private static string SignedRaw(string headerJson, string claimsJson) => TestTokens.SignedRaw(Key, headerJson, claimsJson);

    private static string HeaderJson => TestTokens.Json(Header());

    private static string ClaimsJson(string extra) =>
        $$"""{"iss":"{{AccessHarness.IssuerA}}","sub":"alice-sub","aud":"{{AccessHarness.Audience}}","exp":{{TestTokens.Now + 3600}}{{extra}}}""";

    // A self-signed certificate that no issuer trusts, as the base64 DER that x5c carries.
    private static string SelfSignedCertificate()
    {
        using RSA rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=untrusted", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using X509Certificate2 certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return Convert.ToBase64String(certificate.RawData);
    }

    public static TheoryData<string, string> InvalidTokens()
    {
        string valid = AccessHarness.AliceToken();
        string[] parts = valid.Split('.');
        TestKey attacker = SharedAttackerKey.Value;
        JsonObject AttackerHeader(string name, JsonNode value)
        {
            JsonObject header = TestTokens.Header(attacker);
            header[name] = value;
            return header;
        }

        // The signature segment of a 2048-bit key is 342 characters, so it contains '-' or '_' in practice.
        string standardBase64 = parts[0] + "." + parts[1] + "." + parts[2].Replace('-', '+').Replace('_', '/');
        return new TheoryData<string, string>
        {
            // The algorithm is compared exactly (RFC 7515 section 4.1.1 values are case-sensitive).
            { "alg rs256", Signed(Header(h => h["alg"] = "rs256")) },
            { "alg Rs256", Signed(Header(h => h["alg"] = "Rs256")) },
            { "alg with a trailing space", Signed(Header(h => h["alg"] = "RS256 ")) },
            { "alg with a leading space", Signed(Header(h => h["alg"] = " RS256")) },
            { "alg with a NUL", Signed(Header(h => h["alg"] = "RS256\0")) },
            { "alg missing", Signed(Header(h => h.Remove("alg"))) },
            { "alg null", Signed(Header(h => h["alg"] = null)) },
            { "alg as an array", Signed(Header(h => h["alg"] = new JsonArray("RS256"))) },
            { "alg nOnE, empty signature", TestTokens.Unsigned(Header(h => h["alg"] = "nOnE"), Claims(), "") },
            { "alg PS256 on an RS256 signature", Signed(Header(h => h["alg"] = "PS256")) },
            { "alg HS512 with the public key", TestTokens.HmacSigned(Header(h => h["alg"] = "HS512"), Claims(), Key.PublicKeyBytes) },
            { "alg ES256 on an RS256 signature", Signed(Header(h => h["alg"] = "ES256")) },

            // Key ids that are not published: an unknown kid, however it looks.
            { "kid with path traversal", Signed(Header(h => h["kid"] = "../../../../etc/passwd")) },
            { "kid with SQL text", Signed(Header(h => h["kid"] = "x' OR '1'='1")) },
            { "kid empty", Signed(Header(h => h["kid"] = "")) },
            { "kid as a number", Signed(Header(h => h["kid"] = 1)) },
            { "kid with a NUL", Signed(Header(h => h["kid"] = "kid-1\0")) },
            { "kid in another case", Signed(Header(h => h["kid"] = "KID-1")) },

            // typ names another kind of JWT (RFC 8725 section 3.11).
            { "typ secevent+jwt", Signed(Header(h => h["typ"] = "secevent+jwt")) },
            { "typ JWE", Signed(Header(h => h["typ"] = "JWE")) },
            { "typ as a number", Signed(Header(h => h["typ"] = 1)) },

            // crit must be a non-empty array of extensions the recipient implements (RFC 7515 section 4.1.11).
            { "crit with an unknown name", Signed(Header(h => { h["crit"] = new JsonArray("x-policy"); h["x-policy"] = "a"; })) },
            { "crit with b64", Signed(Header(h => { h["crit"] = new JsonArray("b64"); h["b64"] = false; })) },
            { "crit empty", Signed(Header(h => h["crit"] = new JsonArray())) },
            { "crit naming an absent parameter", Signed(Header(h => h["crit"] = new JsonArray("x-missing"))) },
            { "crit as a string", Signed(Header(h => { h["crit"] = "x-policy"; h["x-policy"] = "a"; })) },

            // Keys carried in the token itself, with the attacker's key as the signer.
            { "jwk of the signer", TestTokens.Create(attacker, Claims(), AttackerHeader("jwk", attacker.PublicJwk())) },
            { "jku to a loopback JWKS", TestTokens.Create(attacker, Claims(), AttackerHeader("jku", "http://127.0.0.1:9/jwks.json")) },
            { "x5u to a loopback certificate", TestTokens.Create(attacker, Claims(), AttackerHeader("x5u", "http://127.0.0.1:9/cert.pem")) },
            { "x5c self-signed", TestTokens.Create(attacker, Claims(), AttackerHeader("x5c", new JsonArray(SelfSignedCertificate()))) },
            { "jwk without kid", TestTokens.Create(attacker, Claims(), new JsonObject { ["alg"] = "RS256", ["typ"] = "JWT", ["jwk"] = attacker.PublicJwk() }) },

            // Time claims of the wrong type or far out of range.
            { "nbf in ten years", Signed(Header(), ClaimsWith("nbf", TestTokens.Now + (10L * 365 * 24 * 3600))) },
            { "iat in ten years", Signed(Header(), ClaimsWith("iat", TestTokens.Now + (10L * 365 * 24 * 3600))) },
            { "iat as a string", Signed(Header(), ClaimsWith("iat", "yesterday")) },
            { "iat as an object", Signed(Header(), ClaimsWith("iat", new JsonObject { ["v"] = 1 })) },
            { "exp true", Signed(Header(), ClaimsWith("exp", true)) },
            { "exp as an array", Signed(Header(), ClaimsWith("exp", new JsonArray(TestTokens.Now + 3600))) },
            { "exp null", Signed(Header(), ClaimsWith("exp", null)) },
            { "exp as an object", Signed(Header(), ClaimsWith("exp", new JsonObject { ["v"] = TestTokens.Now + 3600 })) },
            { "exp past 64 bits", SignedRaw(HeaderJson, $$"""{"iss":"{{AccessHarness.IssuerA}}","sub":"alice-sub","aud":"{{AccessHarness.Audience}}","exp":99999999999999999999999}""") },
            { "nbf as a string", Signed(Header(), ClaimsWith("nbf", (TestTokens.Now - 10).ToString(System.Globalization.CultureInfo.InvariantCulture))) },
            { "nbf NaN text", SignedRaw(HeaderJson, ClaimsJson(",\"nbf\":\"NaN\"")) },

            // Audience and issuer are compared as exact strings (RFC 7519 sections 4.1.1, 4.1.3 and 7.3).
            { "aud array without ours", Signed(Header(), ClaimsWith("aud", new JsonArray("other-api", "another-api"))) },
            { "aud empty array", Signed(Header(), ClaimsWith("aud", new JsonArray())) },
            { "aud in upper case", Signed(Header(), ClaimsWith("aud", AccessHarness.Audience.ToUpperInvariant())) },
            { "aud with a trailing space", Signed(Header(), ClaimsWith("aud", AccessHarness.Audience + " ")) },
            { "aud array of an array", Signed(Header(), ClaimsWith("aud", new JsonArray(new JsonArray(AccessHarness.Audience)))) },
            { "aud as a number", Signed(Header(), ClaimsWith("aud", 1)) },
            { "iss with a trailing slash", Signed(Header(), ClaimsWith("iss", AccessHarness.IssuerA + "/")) },
            { "iss in upper case", Signed(Header(), ClaimsWith("iss", AccessHarness.IssuerA.ToUpperInvariant())) },
            { "iss as an array", Signed(Header(), ClaimsWith("iss", new JsonArray(AccessHarness.IssuerA))) },

            // Duplicate members: either rejected or the last one wins (RFC 7515 section 4), which is invalid here.
            { "duplicate aud, last is wrong", SignedRaw(HeaderJson, ClaimsJson(",\"aud\":\"other-api\"")) },
            { "duplicate iss, last is wrong", SignedRaw(HeaderJson, ClaimsJson(",\"iss\":\"https://evil.fcp.test\"")) },
            { "duplicate exp, last expired", SignedRaw(HeaderJson, ClaimsJson($",\"exp\":{TestTokens.Now - 3600}")) },
            { "duplicate kid, last unknown", SignedRaw(HeaderJson[..^1] + ",\"kid\":\"unknown\"}", ClaimsJson("")) },
            { "duplicate typ, last other", SignedRaw(HeaderJson[..^1] + ",\"typ\":\"dpop+jwt\"}", ClaimsJson("")) },

            // Payloads and headers that are not JSON objects.
            { "payload is an array", SignedRaw(HeaderJson, "[1]") },
            { "payload is null", SignedRaw(HeaderJson, "null") },
            { "payload with trailing text", SignedRaw(HeaderJson, ClaimsJson("") + "x") },
            { "payload with a comment", SignedRaw(HeaderJson, "/*c*/" + ClaimsJson("")) },
            { "header is a string", SignedRaw("\"RS256\"", ClaimsJson("")) },

            // base64url without padding only (RFC 7515 section 2).
            { "padding on the signature", valid + "=" },
            { "padding on the payload", parts[0] + "." + parts[1] + "==." + parts[2] },
            { "standard base64 alphabet", standardBase64 },
            { "space inside the token", parts[0] + "." + parts[1] + ". " + parts[2] },
            { "five segments", valid + ".x.y" },
            { "empty signature", parts[0] + "." + parts[1] + "." },
            { "signature of another token", parts[0] + "." + TestTokens.Segment(ClaimsWith("sub", "bob-sub")) + "." + parts[2] },
        };
    }

    [Theory]
    [MemberData(nameof(InvalidTokens))]
    public async Task InvalidToken_401(string name, string token)
    {
        await using AccessHarness proxy = await AccessHarness.StartAsync();

        RawResponse response = await proxy.SendAsync("GET", "/public/ok", token);

        Assert.True(response.StatusCode == 401, $"{name}: status {response.StatusCode}");
        Assert.Contains("error=\"invalid_token\"", response.Value("WWW-Authenticate") ?? "", StringComparison.Ordinal);
        Assert.Empty(proxy.Upstream.Requests);
    }

    /// <summary>Tokens that the RFCs call valid: a non-integer NumericDate, an audience array with ours, typ in other case.</summary>
    public static TheoryData<string, string> ValidTokens() => new()
    {
        { "exp as a fraction", SignedRaw(HeaderJson, $$"""{"iss":"{{AccessHarness.IssuerA}}","sub":"alice-sub","aud":"{{AccessHarness.Audience}}","exp":{{TestTokens.Now + 3600}}.5}""") },
        { "aud array with ours", Signed(Header(), ClaimsWith("aud", new JsonArray("other-api", AccessHarness.Audience))) },
        { "typ jwt in lower case", Signed(Header(h => h["typ"] = "jwt")) },
        { "unknown header parameter", Signed(Header(h => h["x-trace"] = "1")) },
    };

    [Theory]
    [MemberData(nameof(ValidTokens))]
    public async Task ValidToken_Accepted(string name, string token)
    {
        await using AccessHarness proxy = await AccessHarness.StartAsync();

        RawResponse response = await proxy.SendAsync("GET", "/public/ok", token);

        Assert.True(response.StatusCode == 200, $"{name}: status {response.StatusCode}");
        Assert.Equal("alice", Assert.Single(proxy.Upstream.Requests).Value("X-Contractor-Id"));
    }

    /// <summary>
    /// Authorization values around a valid token. RFC 9110 section 11.4 allows 1*SP after the scheme and a scheme
    /// in any case. A tab, extra words, two credentials or a missing scheme make the value invalid.
    /// </summary>
    public static TheoryData<string, int> AuthorizationValues()
    {
        string token = AccessHarness.AliceToken();
        return new TheoryData<string, int>
        {
            { $"Bearer\t{token}", 401 },
            { $"Bearer {token} extra", 401 },
            { $"Bearer {token}, Basic YTpi", 401 },
            { $"Basic YTpi, Bearer {token}", 401 },
            { $"Bearer {token} {token}", 401 },
            { $"Bearer {token},", 401 },
            { $"Bearer={token}", 401 },
            { $"Bearer:{token}", 401 },
            { $"Token {token}", 401 },
            { $"{token}", 401 },
            { $"Bearer \"{token}\"", 401 },
            { $"Bearer {token}", 200 },
            { $"bearer {token}", 200 },
            { $"BEARER {token}", 200 },
            { $"Bearer {token} ", 200 },
        };
    }

    [Theory]
    [MemberData(nameof(AuthorizationValues))]
    public async Task AuthorizationValue_Handled(string value, int status)
    {
        await using AccessHarness proxy = await AccessHarness.StartAsync();

        RawResponse response = await proxy.SendAsync("GET", "/public/ok", extraFields: $"Authorization: {value}\r\n");

        Assert.Equal(status, response.StatusCode);
        Assert.Equal(status == 200 ? 1 : 0, proxy.Upstream.Requests.Count);
    }

    /// <summary>Two spaces after the scheme match 1*SP (RFC 6750 section 2.1): accepted, never a different identity.</summary>
    [Fact]
    public async Task TwoSpacesAfterScheme_Accepted()
    {
        await using AccessHarness proxy = await AccessHarness.StartAsync();

        RawResponse response = await proxy.SendAsync("GET", "/public/ok", extraFields: $"Authorization: Bearer  {AccessHarness.AliceToken()}\r\n");

        Assert.Equal(200, response.StatusCode);
        Assert.Equal("alice", Assert.Single(proxy.Upstream.Requests).Value("X-Contractor-Id"));
    }

    /// <summary>Tokens outside the Authorization field are not credentials here: the request is unauthenticated.</summary>
    [Theory]
    [InlineData("/public/ok?access_token={0}", "")]
    [InlineData("/public/ok", "Cookie: access_token={0}\r\n")]
    [InlineData("/public/ok", "X-Access-Token: {0}\r\n")]
    [InlineData("/public/ok", "Proxy-Authorization: Bearer {0}\r\n")]
    public async Task TokenOutsideAuthorization_401(string target, string fields)
    {
        await using AccessHarness proxy = await AccessHarness.StartAsync();
        string token = AccessHarness.AliceToken();

        RawResponse response = await proxy.SendAsync("GET", target.Replace("{0}", token, StringComparison.Ordinal),
            extraFields: fields.Replace("{0}", token, StringComparison.Ordinal));

        Assert.Equal(401, response.StatusCode);
        Assert.StartsWith("Bearer", response.Value("WWW-Authenticate") ?? "", StringComparison.Ordinal);
        Assert.Empty(proxy.Upstream.Requests);
    }
}
