using System.Text;
using System.Text.Json.Nodes;
using FastContractorProxy.Identity;

namespace FastContractorProxy.Tests.Identity;

/// <summary>Header members: crit, typ, key-locating headers; and the size limit.</summary>
public sealed class JwtHeaderTests
{
    [Fact]
    public async Task CritHeader_Rejected()
    {
        await using IdentityHarness harness = await IdentityHarness.StartAsync();
        JsonObject header = TestTokens.Header(harness.RsaA);
        header["crit"] = new JsonArray("exp");
        header["exp"] = 1;

        AuthResult result = harness.Bearer(TestTokens.Create(harness.RsaA, header: header));

        Assert.Equal(AuthFailureReason.UnsupportedCritical, result.Reason);
    }

    [Theory]
    [InlineData("JWT")]
    [InlineData("at+jwt")]
    [InlineData("application/at+jwt")]
    public async Task AcceptedTyp_Accepted(string type)
    {
        await using IdentityHarness harness = await IdentityHarness.StartAsync();
        JsonObject header = TestTokens.Header(harness.RsaA);
        header["typ"] = type;

        AuthResult result = harness.Bearer(TestTokens.Create(harness.RsaA, header: header));

        Assert.Equal(AuthOutcome.Success, result.Outcome);
    }

    [Theory]
    [InlineData("JWS")]
    [InlineData("dpop+jwt")]
    [InlineData(null)]
    public async Task OtherTyp_Rejected(string? type)
    {
        await using IdentityHarness harness = await IdentityHarness.StartAsync();
        JsonObject header = TestTokens.Header(harness.RsaA);
        header["typ"] = type;
        if (type is null)
        {
            header.Remove("typ");
        }

        AuthResult result = harness.Bearer(TestTokens.Create(harness.RsaA, header: header));

        Assert.Equal(AuthFailureReason.InvalidType, result.Reason);
    }

    [Fact]
    public async Task DuplicateAlg_Rejected()
    {
        await using IdentityHarness harness = await IdentityHarness.StartAsync();
        string header = $$"""{"alg":"RS256","typ":"JWT","kid":"{{harness.RsaA.KeyId}}","alg":"none"}""";

        AuthResult result = harness.Bearer(TestTokens.SignedRaw(harness.RsaA, header, TestTokens.Json(TestTokens.Claims())));

        Assert.Equal(AuthFailureReason.Malformed, result.Reason);
    }

    [Fact]
    public async Task DuplicateExp_Rejected()
    {
        await using IdentityHarness harness = await IdentityHarness.StartAsync();
        string header = TestTokens.Json(TestTokens.Header(harness.RsaA));
        string claims = $$"""{"iss":"{{TestTokens.Issuer}}","sub":"c","aud":"{{TestTokens.Audience}}","exp":1,"exp":{{TestTokens.Now + 3600}}}""";

        AuthResult result = harness.Bearer(TestTokens.SignedRaw(harness.RsaA, header, claims));

        Assert.Equal(AuthFailureReason.Malformed, result.Reason);
    }

    [Fact]
    public async Task JkuAndX5cOfAttacker_Ignored()
    {
        await using IdentityHarness harness = await IdentityHarness.StartAsync();
        using TestKey attacker = TestKey.Rsa(harness.RsaA.KeyId);
        JsonObject header = TestTokens.Header(attacker);
        header["jku"] = "http://127.0.0.1:9/jwks";
        header["x5c"] = new JsonArray(Convert.ToBase64String(attacker.PublicKeyBytes));
        header["jwk"] = attacker.PublicJwk();

        AuthResult result = harness.Bearer(TestTokens.Create(attacker, header: header));

        Assert.Equal(AuthFailureReason.InvalidSignature, result.Reason);
    }

    [Fact]
    public async Task JkuOnValidToken_Accepted()
    {
        await using IdentityHarness harness = await IdentityHarness.StartAsync();
        JsonObject header = TestTokens.Header(harness.RsaA);
        header["jku"] = "http://127.0.0.1:9/jwks";
        header["x5u"] = "http://127.0.0.1:9/cert";

        AuthResult result = harness.Bearer(TestTokens.Create(harness.RsaA, header: header));

        Assert.Equal(AuthOutcome.Success, result.Outcome);
    }

    [Fact]
    public async Task OversizeToken_RejectedBeforeDecoding()
    {
        await using IdentityHarness harness = await IdentityHarness.StartAsync();
        // Not base64url at all, so decoding it would report Malformed; the size check must come first.
        string token = new('!', IdentitySettings.DefaultMaxTokenBytes + 1);

        AuthResult result = harness.Bearer(token);

        Assert.Equal(AuthFailureReason.TooLarge, result.Reason);
    }

    [Fact]
    public async Task TokenAtLimit_NotTooLarge()
    {
        await using IdentityHarness harness = await IdentityHarness.StartAsync();
        string token = new('!', IdentitySettings.DefaultMaxTokenBytes);

        AuthResult result = harness.Bearer(token);

        Assert.Equal(AuthFailureReason.Malformed, result.Reason);
    }

    [Fact]
    public async Task ValidButPadded_TooLarge()
    {
        await using IdentityHarness harness = await IdentityHarness.StartAsync();
        JsonObject claims = TestTokens.Claims();
        claims["pad"] = new string('x', IdentitySettings.DefaultMaxTokenBytes);

        AuthResult result = harness.Bearer(TestTokens.Create(harness.RsaA, claims));

        Assert.Equal(AuthFailureReason.TooLarge, result.Reason);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public async Task EmptyAuthorization_Missing(string value)
    {
        await using IdentityHarness harness = await IdentityHarness.StartAsync();

        AuthResult result = harness.Authenticator.Authenticate(Encoding.ASCII.GetBytes(value));

        Assert.Equal(AuthOutcome.Missing, result.Outcome);
    }

    [Fact]
    public async Task BasicScheme_Unsupported()
    {
        await using IdentityHarness harness = await IdentityHarness.StartAsync();

        AuthResult result = harness.Authenticator.Authenticate("Basic dXNlcjpwYXNz"u8);

        Assert.Equal(AuthFailureReason.UnsupportedScheme, result.Reason);
    }

    [Fact]
    public async Task SchemeCase_Ignored()
    {
        await using IdentityHarness harness = await IdentityHarness.StartAsync();
        string token = TestTokens.Create(harness.RsaA);

        AuthResult result = harness.Authenticator.Authenticate(Encoding.ASCII.GetBytes("bEARER   " + token));

        Assert.Equal(AuthOutcome.Success, result.Outcome);
    }

    [Fact]
    public async Task FailureDescription_OmitsToken()
    {
        await using IdentityHarness harness = await IdentityHarness.StartAsync();
        JsonObject claims = TestTokens.Claims();
        claims["aud"] = "another-api";
        string token = TestTokens.Create(harness.RsaA, claims);

        AuthResult result = harness.Bearer(token);

        Assert.DoesNotContain(token.Split('.')[1], result.Description!, StringComparison.Ordinal);
        Assert.Contains("aud", result.Description!, StringComparison.Ordinal);
    }
}
