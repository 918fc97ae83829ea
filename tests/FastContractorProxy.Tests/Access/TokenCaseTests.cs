using System.Text.Json.Nodes;
using FastContractorProxy.Tests.Identity;
using FastContractorProxy.Tests.Infrastructure;

namespace FastContractorProxy.Tests.Access;

/// <summary>
/// Invalid tokens through the running proxy. Each gets 401 with an RFC 6750 challenge naming invalid_token, on
/// protected and anonymous routes alike, and the upstream receives nothing.
/// </summary>
public sealed class TokenCaseTests
{
    public static TheoryData<string, string> InvalidTokens()
    {
        TestKey key = AccessHarness.KeyA;
        JsonObject Claims() => new()
        {
            ["iss"] = AccessHarness.IssuerA,
            ["sub"] = "alice-sub",
            ["aud"] = AccessHarness.Audience,
            ["exp"] = TestTokens.Now + 3600,
        };
        JsonObject Header(string alg) => new() { ["alg"] = alg, ["typ"] = "JWT", ["kid"] = key.KeyId };
        JsonObject Without(string name)
        {
            JsonObject claims = Claims();
            claims.Remove(name);
            return claims;
        }

        JsonObject With(string name, JsonNode? value)
        {
            JsonObject claims = Claims();
            claims[name] = value;
            return claims;
        }

        string rs256 = TestTokens.Create(key, Claims());
        string[] parts = rs256.Split('.');
        return new TheoryData<string, string>
        {
            // Algorithm confusion and none.
            { "alg none, empty signature", TestTokens.Unsigned(Header("none"), Claims(), "") },
            { "alg None, junk signature", TestTokens.Unsigned(Header("None"), Claims(), "abc") },
            { "alg NONE", TestTokens.Unsigned(Header("NONE"), Claims(), "") },
            { "HS256 with the RSA public key", TestTokens.HmacSigned(Header("HS256"), Claims(), key.PublicKeyBytes) },
            { "RS256 signature, header says RS512", TestTokens.Segment(Header("RS512")) + "." + parts[1] + "." + parts[2] },
            { "two segments", "a.b" },
            { "four segments", "a.b.c.d" },

            // Time claims (the issuer's clock skew is 60 s).
            { "exp an hour ago", TestTokens.Create(key, With("exp", TestTokens.Now - 3600)) },
            { "no exp", TestTokens.Create(key, Without("exp")) },
            { "nbf an hour ahead", TestTokens.Create(key, With("nbf", TestTokens.Now + 3600)) },
            { "exp 120 s ago", TestTokens.Create(key, With("exp", TestTokens.Now - 120)) },
            { "exp as a string", TestTokens.Create(key, With("exp", "9999999999")) },
            { "exp 1e300", TestTokens.SignedRaw(key, TestTokens.Json(Header("RS256")), $"{{\"iss\":\"{AccessHarness.IssuerA}\",\"sub\":\"alice-sub\",\"aud\":\"{AccessHarness.Audience}\",\"exp\":1e300}}") },
            { "exp -1", TestTokens.Create(key, With("exp", -1)) },

            // Issuer and audience.
            { "wrong aud", TestTokens.Create(key, With("aud", "other-api")) },
            { "no aud", TestTokens.Create(key, Without("aud")) },
            { "empty iss", TestTokens.Create(key, With("iss", "")) },
            { "no iss", TestTokens.Create(key, Without("iss")) },
            { "issuer A's kid, signed by issuer B's key", TestTokens.Create(AccessHarness.KeyB, Claims()) },
            { "untrusted issuer", TestTokens.Create(key, With("iss", "https://evil.fcp.test")) },
        };
    }

    [Theory]
    [MemberData(nameof(InvalidTokens))]
    public async Task InvalidToken_401OnProtectedRoute(string name, string token)
    {
        await using AccessHarness proxy = await AccessHarness.StartAsync();

        RawResponse response = await proxy.SendAsync("GET", "/public/ok", token);

        Assert.True(response.StatusCode == 401, $"{name}: status {response.StatusCode}");
        string challenge = response.Value("WWW-Authenticate")!;
        Assert.StartsWith("Bearer realm=\"fcp\", error=\"invalid_token\"", challenge, StringComparison.Ordinal);
        Assert.DoesNotContain(token.Length > 8 ? token[..8] : token, challenge.Replace("Bearer realm", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Empty(proxy.Upstream.Requests);
    }

    [Theory]
    [MemberData(nameof(InvalidTokens))]
    public async Task InvalidToken_401EvenOnAnonymousRoute(string name, string token)
    {
        await using AccessHarness proxy = await AccessHarness.StartAsync();

        RawResponse response = await proxy.SendAsync("GET", "/healthz", token);

        Assert.True(response.StatusCode == 401, $"{name}: status {response.StatusCode}");
        Assert.Empty(proxy.Upstream.Requests);
    }

    [Fact]
    public async Task ExpiredWithinClockSkew_Accepted()
    {
        await using AccessHarness proxy = await AccessHarness.StartAsync();

        RawResponse response = await proxy.SendAsync("GET", "/public/ok", AccessHarness.AliceToken(c => c["exp"] = TestTokens.Now - 30));

        Assert.Equal(200, response.StatusCode);
    }

    [Fact]
    public async Task SecondIssuerOnRouteBoundToFirst_401()
    {
        await using AccessHarness proxy = await AccessHarness.StartAsync();
        string tokenB = AccessHarness.AliceToken(key: AccessHarness.KeyB, issuer: AccessHarness.IssuerB);

        RawResponse bound = await proxy.SendAsync("GET", "/public/ok", tokenB);
        RawResponse unbound = await proxy.SendAsync("GET", "/api/items/1", tokenB);

        Assert.Equal(401, bound.StatusCode);
        Assert.Contains("error=\"invalid_token\"", bound.Value("WWW-Authenticate"), StringComparison.Ordinal);
        Assert.Equal(200, unbound.StatusCode);
        Assert.Equal("/api/items/1", Assert.Single(proxy.Upstream.Requests).Target);
    }

    [Theory]
    [InlineData("Basic YWxpY2U6c2VjcmV0")]
    [InlineData("Bearer")]
    [InlineData("Bearer ")]
    public async Task UnusableAuthorization_401(string value)
    {
        await using AccessHarness proxy = await AccessHarness.StartAsync();

        RawResponse response = await proxy.SendAsync("GET", "/healthz", extraFields: $"Authorization: {value}\r\n");

        Assert.Equal(401, response.StatusCode);
        Assert.Empty(proxy.Upstream.Requests);
    }

    [Fact]
    public async Task TwoAuthorizationFields_400()
    {
        await using AccessHarness proxy = await AccessHarness.StartAsync();
        string token = AccessHarness.AliceToken();

        RawResponse response = await proxy.SendAsync("GET", "/public/ok", token, $"authorization: Bearer {token}\r\n");

        Assert.Equal(400, response.StatusCode);
        Assert.Empty(proxy.Upstream.Requests);
    }

    [Fact]
    public async Task OversizedToken_401()
    {
        await using AccessHarness proxy = await AccessHarness.StartAsync();
        string token = AccessHarness.AliceToken(c => c["pad"] = new string('x', 9000));

        RawResponse response = await proxy.SendAsync("GET", "/public/ok", token);

        Assert.Equal(401, response.StatusCode);
        Assert.Contains("token_too_large", response.BodyText, StringComparison.Ordinal);
    }
}
