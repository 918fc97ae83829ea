using System.Text.Json.Nodes;
using FastContractorProxy.Identity;

namespace FastContractorProxy.Tests.Identity;

/// <summary>The algorithm comes from the issuer's allow-list, never from the token.</summary>
public sealed class JwtAlgorithmTests
{
    [Fact]
    public async Task ValidRs256_Accepted()
    {
        await using IdentityHarness harness = await IdentityHarness.StartAsync();

        AuthResult result = harness.Bearer(TestTokens.Create(harness.RsaA));

        Assert.Equal(AuthOutcome.Success, result.Outcome);
        Assert.Equal("contractor-7", result.Identity!.ContractorId);
    }

    [Fact]
    public async Task ValidEs256_Accepted()
    {
        await using IdentityHarness harness = await IdentityHarness.StartAsync();

        AuthResult result = harness.Bearer(TestTokens.Create(harness.EcA));

        Assert.Equal(AuthOutcome.Success, result.Outcome);
    }

    [Fact]
    public async Task ValidPs256_Accepted()
    {
        await using IdentityHarness harness = await IdentityHarness.StartAsync();

        string token = TestTokens.Create(harness.RsaA, header: TestTokens.Header(harness.RsaA, "PS256"), signingAlgorithm: "PS256");
        AuthResult result = harness.Bearer(token);

        Assert.Equal(AuthOutcome.Success, result.Outcome);
    }

    [Theory]
    [InlineData("none", "")]
    [InlineData("None", "")]
    [InlineData("NONE", "")]
    [InlineData("none", "junk")]
    [InlineData("None", "c2lnbmF0dXJl")]
    [InlineData("NONE", "AAAA")]
    public async Task AlgNone_Rejected(string algorithm, string signature)
    {
        await using IdentityHarness harness = await IdentityHarness.StartAsync();
        var header = new JsonObject { ["alg"] = algorithm, ["typ"] = "JWT", ["kid"] = harness.RsaA.KeyId };

        AuthResult result = harness.Bearer(TestTokens.Unsigned(header, TestTokens.Claims(), signature));

        Assert.Equal(AuthOutcome.Failed, result.Outcome);
        Assert.Equal(AuthFailureReason.AlgorithmNotAllowed, result.Reason);
    }

    [Fact]
    public async Task Hs256WithPublicKey_Rejected()
    {
        await using IdentityHarness harness = await IdentityHarness.StartAsync();
        JsonObject header = TestTokens.Header(harness.RsaA, "HS256");

        AuthResult result = harness.Bearer(TestTokens.HmacSigned(header, TestTokens.Claims(), harness.RsaA.PublicKeyBytes));

        Assert.Equal(AuthOutcome.Failed, result.Outcome);
        Assert.Equal(AuthFailureReason.AlgorithmNotAllowed, result.Reason);
    }

    [Fact]
    public async Task Rs256SignedAsRs512_Rejected()
    {
        await using IdentityHarness harness = await IdentityHarness.StartAsync();
        JsonObject header = TestTokens.Header(harness.RsaA, "RS512");

        AuthResult result = harness.Bearer(TestTokens.Create(harness.RsaA, header: header, signingAlgorithm: "RS256"));

        Assert.Equal(AuthOutcome.Failed, result.Outcome);
        Assert.Equal(AuthFailureReason.AlgorithmNotAllowed, result.Reason);
    }

    [Fact]
    public async Task Rs256SignedAsPs256_Rejected()
    {
        await using IdentityHarness harness = await IdentityHarness.StartAsync();
        JsonObject header = TestTokens.Header(harness.RsaA, "PS256");

        AuthResult result = harness.Bearer(TestTokens.Create(harness.RsaA, header: header, signingAlgorithm: "RS256"));

        Assert.Equal(AuthOutcome.Failed, result.Outcome);
        Assert.Equal(AuthFailureReason.InvalidSignature, result.Reason);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a.b")]
    [InlineData("a.b.c.d")]
    [InlineData("a.b.c")]
    [InlineData("..")]
    [InlineData("e30.e30.e30")]
    [InlineData("a.b.c.d.e")]
    public async Task MalformedToken_Rejected(string token)
    {
        await using IdentityHarness harness = await IdentityHarness.StartAsync();

        AuthResult result = harness.Bearer(token);

        Assert.Equal(AuthOutcome.Failed, result.Outcome);
        Assert.Equal(AuthFailureReason.Malformed, result.Reason);
    }

    [Fact]
    public async Task TamperedPayload_Rejected()
    {
        await using IdentityHarness harness = await IdentityHarness.StartAsync();
        string[] parts = TestTokens.Create(harness.RsaA).Split('.');
        JsonObject claims = TestTokens.Claims();
        claims["sub"] = "someone-else";

        AuthResult result = harness.Bearer(parts[0] + "." + TestTokens.Segment(claims) + "." + parts[2]);

        Assert.Equal(AuthOutcome.Failed, result.Outcome);
        Assert.Equal(AuthFailureReason.InvalidSignature, result.Reason);
    }
}
