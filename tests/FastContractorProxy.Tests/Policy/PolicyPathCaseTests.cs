using FastContractorProxy.Http1;
using FastContractorProxy.Policy;
using static FastContractorProxy.Tests.Policy.PolicyFixture;

namespace FastContractorProxy.Tests.Policy;

/// <summary>
/// Raw paths that try to reach /admin through dot segments, encoded dots and repeated slashes. alice may
/// GET /public/** and GET, POST /api/items/**; only the ops group may use /admin/**.
/// </summary>
public class PolicyPathCaseTests
{
    [Theory]
    [InlineData("/public/../admin/users")]
    [InlineData("/public/%2e%2e/admin/users")]
    [InlineData("/public/%2E%2e/admin/users")]
    [InlineData("/public/.%2e/admin/users")]
    [InlineData("/./admin/users")]
    public void DotSegments_DenyAdmin(string raw)
    {
        string? canonical = Canonicalize(raw);

        Assert.NotNull(canonical);
        Assert.Equal("/admin/users", canonical);
        AccessDecision decision = Decide(Sample, "alice", KnownMethod.Get, canonical);
        Assert.False(decision.Allowed);
        Assert.Equal(PolicyReason.NoGrant, decision.Reason);
        Assert.Equal("admin", decision.RouteId);
    }

    [Fact]
    public void DotSegmentsInsidePublic_Allowed()
    {
        string? canonical = Canonicalize("/public/a/../ok");

        Assert.NotNull(canonical);
        Assert.Equal("/public/ok", canonical);
        AccessDecision decision = Decide(Sample, "alice", KnownMethod.Get, canonical);
        Assert.True(decision.Allowed);
        Assert.Equal("alice-public", decision.RuleId);
    }

    [Fact]
    public void DoubleSlash_MergedThenDenied()
    {
        string? canonical = Canonicalize("//admin/users");

        Assert.NotNull(canonical);
        Assert.Equal("/admin/users", canonical);
        AccessDecision decision = Decide(Sample, "alice", KnownMethod.Get, canonical);
        Assert.False(decision.Allowed);
        Assert.Equal(PolicyReason.NoGrant, decision.Reason);
    }

    [Fact]
    public void DoubleEncodedDots_StayLiteral()
    {
        string? canonical = Canonicalize("/public/%252e%252e/admin/users");

        Assert.NotNull(canonical);
        Assert.Equal("/public/%252e%252e/admin/users", canonical);
        AccessDecision decision = Decide(Sample, "alice", KnownMethod.Get, canonical);
        Assert.True(decision.Allowed);
        Assert.Equal("docs", decision.RouteId);
        Assert.Equal("alice-public", decision.RuleId);
    }

    [Fact]
    public void DoubleEncodedDots_NotAdminForOps()
    {
        string? canonical = Canonicalize("/public/%252e%252e/admin/users");

        Assert.NotNull(canonical);
        AccessDecision decision = Decide(Sample, "bob", KnownMethod.Get, canonical);
        Assert.False(decision.Allowed);
        Assert.Equal("docs", decision.RouteId);
    }

    [Theory]
    [InlineData("/public/..%2Fadmin/users")]
    [InlineData("/public/..;/admin/users")]
    public void EncodedSlashAndParameters_Rejected(string raw)
    {
        Assert.Null(Canonicalize(raw));
    }
}
