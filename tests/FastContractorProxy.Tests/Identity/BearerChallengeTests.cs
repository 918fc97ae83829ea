using FastContractorProxy.Identity;

namespace FastContractorProxy.Tests.Identity;

public sealed class BearerChallengeTests
{
    [Fact]
    public void Missing_HasNoError()
    {
        string challenge = BearerChallenge.Format("fcp", AuthResult.Missing);

        Assert.Equal("Bearer realm=\"fcp\"", challenge);
    }

    [Fact]
    public void Expired_InvalidToken()
    {
        string challenge = BearerChallenge.Format("fcp", AuthResult.Failed(AuthFailureReason.Expired, "the token has expired"));

        Assert.Equal("Bearer realm=\"fcp\", error=\"invalid_token\", error_description=\"the token has expired\"", challenge);
    }

    [Fact]
    public void UnsupportedScheme_InvalidRequest()
    {
        string challenge = BearerChallenge.Format("fcp", AuthFailureReason.UnsupportedScheme, "x");

        Assert.Contains("error=\"invalid_request\"", challenge, StringComparison.Ordinal);
    }

    [Fact]
    public void Description_QuotesReplaced()
    {
        string challenge = BearerChallenge.Format("a\"b", AuthFailureReason.Malformed, "bad \"x\" \\ é");

        Assert.Equal("Bearer realm=\"a\\\"b\", error=\"invalid_token\", error_description=\"bad ?x? ? ?\"", challenge);
    }

    [Fact]
    public async Task Authenticator_PreformatsChallenge()
    {
        await using IdentityHarness harness = await IdentityHarness.StartAsync();

        string challenge = harness.Authenticator.Challenge(AuthResult.Failed(AuthFailureReason.InvalidAudience, "ignored"));

        Assert.Equal("Bearer realm=\"fcp\", error=\"invalid_token\", error_description=\"The token audience is not accepted\"", challenge);
    }
}
