using System.Text.Json.Nodes;
using FastContractorProxy.Identity;

namespace FastContractorProxy.Tests.Identity;

/// <summary>Issuer, audience and key-set separation between issuers.</summary>
public sealed class JwtIssuerTests
{
    [Fact]
    public async Task SecondIssuer_RejectedWhenNotTrusted()
    {
        await using IdentityHarness harness = await IdentityHarness.StartAsync(trustIssuerB: false);

        AuthResult result = harness.Bearer(TestTokens.Create(harness.RsaB, TestTokens.Claims(TestTokens.OtherIssuer)));

        Assert.Equal(AuthFailureReason.InvalidIssuer, result.Reason);
    }

    [Fact]
    public async Task SecondIssuer_AcceptedWhenTrusted()
    {
        await using IdentityHarness harness = await IdentityHarness.StartAsync(trustIssuerB: true);

        AuthResult result = harness.Bearer(TestTokens.Create(harness.RsaB, TestTokens.Claims(TestTokens.OtherIssuer)));

        Assert.Equal(AuthOutcome.Success, result.Outcome);
        Assert.Equal(TestTokens.OtherIssuer, result.Identity!.Issuer);
    }

    [Fact]
    public async Task SharedKidSignedByOtherIssuer_Rejected()
    {
        await using IdentityHarness harness = await IdentityHarness.StartAsync(trustIssuerB: true);

        // iss names issuer A, the kid exists in both key sets, and issuer B's key signed it.
        AuthResult result = harness.Bearer(TestTokens.Create(harness.RsaB, TestTokens.Claims(TestTokens.Issuer)));

        Assert.Equal(AuthFailureReason.InvalidSignature, result.Reason);
    }

    [Fact]
    public async Task WrongAudience_Rejected()
    {
        await using IdentityHarness harness = await IdentityHarness.StartAsync();
        JsonObject claims = TestTokens.Claims();
        claims["aud"] = "another-api";

        AuthResult result = harness.Bearer(TestTokens.Create(harness.RsaA, claims));

        Assert.Equal(AuthFailureReason.InvalidAudience, result.Reason);
    }

    [Fact]
    public async Task AudienceArray_Accepted()
    {
        await using IdentityHarness harness = await IdentityHarness.StartAsync();
        JsonObject claims = TestTokens.Claims();
        claims["aud"] = new JsonArray("another-api", TestTokens.Audience);

        AuthResult result = harness.Bearer(TestTokens.Create(harness.RsaA, claims));

        Assert.Equal(AuthOutcome.Success, result.Outcome);
    }

    [Fact]
    public async Task MissingAudience_Rejected()
    {
        await using IdentityHarness harness = await IdentityHarness.StartAsync();
        JsonObject claims = TestTokens.Claims();
        claims.Remove("aud");

        AuthResult result = harness.Bearer(TestTokens.Create(harness.RsaA, claims));

        Assert.Equal(AuthFailureReason.InvalidAudience, result.Reason);
    }

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("https://issuer-a.fcp.test/")]
    [InlineData("HTTPS://ISSUER-A.FCP.TEST")]
    public async Task IssuerNotExact_Rejected(string? issuer)
    {
        await using IdentityHarness harness = await IdentityHarness.StartAsync();
        JsonObject claims = TestTokens.Claims();
        if (issuer is null)
        {
            claims.Remove("iss");
        }
        else
        {
            claims["iss"] = issuer;
        }

        AuthResult result = harness.Bearer(TestTokens.Create(harness.RsaA, claims));

        Assert.Equal(AuthFailureReason.InvalidIssuer, result.Reason);
    }

    [Fact]
    public async Task UnknownKid_Rejected()
    {
        await using IdentityHarness harness = await IdentityHarness.StartAsync();
        using TestKey stranger = TestKey.Rsa("stranger");

        AuthResult result = await harness.Authenticator.AuthenticateAsync(
            System.Text.Encoding.ASCII.GetBytes("Bearer " + TestTokens.Create(stranger)), CancellationToken.None);

        Assert.Equal(AuthFailureReason.UnknownKey, result.Reason);
    }

    [Fact]
    public async Task NoKid_TriesIssuerKeys()
    {
        await using IdentityHarness harness = await IdentityHarness.StartAsync();
        JsonObject header = TestTokens.Header(harness.EcA);
        header.Remove("kid");

        AuthResult result = harness.Bearer(TestTokens.Create(harness.EcA, header: header));

        Assert.Equal(AuthOutcome.Success, result.Outcome);
    }

    [Fact]
    public void SymmetricOnlyKeySet_Rejected()
    {
        const string jwks = """{"keys":[{"kty":"oct","kid":"h","k":"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0"}]}""";

        Assert.Throws<FormatException>(() => KeySet.Parse(jwks));
    }

    [Fact]
    public async Task Identity_ReadsClaims()
    {
        await using IdentityHarness harness = await IdentityHarness.StartAsync();
        JsonObject claims = TestTokens.Claims();
        claims["groups"] = new JsonArray("dev", "ops");
        claims["roles"] = "auditor";
        long exp = claims["exp"]!.GetValue<long>();

        CallerIdentity identity = harness.Bearer(TestTokens.Create(harness.RsaA, claims)).Identity!;

        Assert.Equal("contractor-7", identity.ContractorId);
        Assert.Equal("contractor-7", identity.Subject);
        Assert.Equal("acme", identity.Organization);
        Assert.Equal("client-7", identity.ClientId);
        Assert.Equal(["items:read", "items:write"], identity.Scopes);
        Assert.Equal(["dev", "ops", "auditor"], identity.Groups);
        Assert.Equal(AuthMethod.Jwt, identity.Method);
        Assert.Equal(claims["jti"]!.GetValue<string>(), identity.TokenId);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(exp), identity.ExpiresAt);
    }

    [Fact]
    public async Task ScpArray_ReadAsScopes()
    {
        await using IdentityHarness harness = await IdentityHarness.StartAsync();
        JsonObject claims = TestTokens.Claims();
        claims.Remove("scope");
        claims["scp"] = new JsonArray("a", "b");

        CallerIdentity identity = harness.Bearer(TestTokens.Create(harness.RsaA, claims)).Identity!;

        Assert.Equal(["a", "b"], identity.Scopes);
    }
}
