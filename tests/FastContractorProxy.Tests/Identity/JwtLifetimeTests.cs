using System.Text.Json.Nodes;
using FastContractorProxy.Identity;

namespace FastContractorProxy.Tests.Identity;

/// <summary>exp and nbf with a configured clock skew of 60 s.</summary>
public sealed class JwtLifetimeTests
{
    private static readonly TimeSpan Skew = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task ExpiredAnHourAgo_Rejected()
    {
        await using IdentityHarness harness = await IdentityHarness.StartAsync(clockSkew: Skew);
        JsonObject claims = TestTokens.Claims();
        claims["exp"] = TestTokens.Now - 3600;

        AuthResult result = harness.Bearer(TestTokens.Create(harness.RsaA, claims));

        Assert.Equal(AuthFailureReason.Expired, result.Reason);
    }

    [Fact]
    public async Task MissingExp_Rejected()
    {
        await using IdentityHarness harness = await IdentityHarness.StartAsync(clockSkew: Skew);
        JsonObject claims = TestTokens.Claims();
        claims.Remove("exp");

        AuthResult result = harness.Bearer(TestTokens.Create(harness.RsaA, claims));

        Assert.Equal(AuthFailureReason.MissingExpiration, result.Reason);
    }

    [Fact]
    public async Task NbfAnHourAhead_Rejected()
    {
        await using IdentityHarness harness = await IdentityHarness.StartAsync(clockSkew: Skew);
        JsonObject claims = TestTokens.Claims();
        claims["nbf"] = TestTokens.Now + 3600;
        claims["exp"] = TestTokens.Now + 7200;

        AuthResult result = harness.Bearer(TestTokens.Create(harness.RsaA, claims));

        Assert.Equal(AuthFailureReason.NotYetValid, result.Reason);
    }

    [Fact]
    public async Task ExpiredWithinSkew_Accepted()
    {
        await using IdentityHarness harness = await IdentityHarness.StartAsync(clockSkew: Skew);
        JsonObject claims = TestTokens.Claims();
        claims["exp"] = TestTokens.Now - 30;

        AuthResult result = harness.Bearer(TestTokens.Create(harness.RsaA, claims));

        Assert.Equal(AuthOutcome.Success, result.Outcome);
    }

    [Fact]
    public async Task ExpiredBeyondSkew_Rejected()
    {
        await using IdentityHarness harness = await IdentityHarness.StartAsync(clockSkew: Skew);
        JsonObject claims = TestTokens.Claims();
        claims["exp"] = TestTokens.Now - 120;

        AuthResult result = harness.Bearer(TestTokens.Create(harness.RsaA, claims));

        Assert.Equal(AuthFailureReason.Expired, result.Reason);
    }

    [Theory]
    [InlineData("\"9999999999\"")]
    [InlineData("1e300")]
    [InlineData("-1")]
    [InlineData("0")]
    [InlineData("1.5e9")]
    [InlineData("99999999999999999999")]
    [InlineData("null")]
    [InlineData("true")]
    [InlineData("[1]")]
    public async Task NonNumericExp_Rejected(string exp)
    {
        await using IdentityHarness harness = await IdentityHarness.StartAsync(clockSkew: Skew);
        string header = TestTokens.Json(TestTokens.Header(harness.RsaA));
        string claims = $$"""{"iss":"{{TestTokens.Issuer}}","sub":"c","aud":"{{TestTokens.Audience}}","exp":{{exp}}}""";

        AuthResult result = harness.Bearer(TestTokens.SignedRaw(harness.RsaA, header, claims));

        Assert.Equal(AuthOutcome.Failed, result.Outcome);
    }

    [Fact]
    public async Task StringNbf_Rejected()
    {
        await using IdentityHarness harness = await IdentityHarness.StartAsync(clockSkew: Skew);
        JsonObject claims = TestTokens.Claims();
        claims["nbf"] = "0";

        AuthResult result = harness.Bearer(TestTokens.Create(harness.RsaA, claims));

        Assert.Equal(AuthOutcome.Failed, result.Outcome);
    }
}
