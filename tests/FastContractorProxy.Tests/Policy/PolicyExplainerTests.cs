using FastContractorProxy.Http1;
using FastContractorProxy.Paths;
using FastContractorProxy.Policy;

namespace FastContractorProxy.Tests.Policy;

public class PolicyExplainerTests
{
    [Fact]
    public void Explain_ListsCandidates()
    {
        var request = new ExplainRequest { ContractorId = "alice", RawPath = "/api/items/export/../export/x.csv", Now = PolicyFixture.Monday };

        PolicyExplanation explanation = PolicyExplainer.Explain(PolicyFixture.Sample, request, PathOptions.Strict);

        Assert.Equal("/api/items/export/x.csv", explanation.CanonicalPath);
        Assert.NotNull(explanation.Decision);
        Assert.Equal(PolicyReason.DeniedByRule, explanation.Decision.Value.Reason);
        Assert.Equal("no-bulk-export", explanation.Decision.Value.RuleId);
        ExplainedRule deny = Assert.Single(explanation.Candidates);
        Assert.Equal(RuleKind.Deny, deny.Kind);
        Assert.Equal("denied_by_rule", deny.Outcome);
    }

    [Fact]
    public void Explain_FailedConditionsShown()
    {
        var june = new DateTimeOffset(2026, 6, 1, 9, 0, 0, TimeSpan.Zero);
        var request = new ExplainRequest { ContractorId = "alice", RawPath = "/api/reports/2025", Now = june };

        PolicyExplanation explanation = PolicyExplainer.Explain(PolicyFixture.Sample, request, PathOptions.Strict);

        ExplainedRule grant = Assert.Single(explanation.Candidates);
        Assert.Equal("alice-reports-2025", grant.Id);
        Assert.Equal("scope_missing", grant.Outcome);
        Assert.True(grant.Evaluated);
    }

    [Fact]
    public void Explain_RejectedPath()
    {
        var request = new ExplainRequest { ContractorId = "alice", RawPath = "/public/..%2Fadmin" };

        PolicyExplanation explanation = PolicyExplainer.Explain(PolicyFixture.Sample, request, PathOptions.Strict);

        Assert.Null(explanation.CanonicalPath);
        Assert.Equal(RejectReason.EncodedSlashInPath, explanation.PathRejection);
        Assert.Null(explanation.Decision);
    }

    [Fact]
    public void ToText_ShowsDecision()
    {
        var request = new ExplainRequest { ContractorId = "alice", Method = KnownMethod.Post, RawPath = "/public/%2e%2e/api/items", Now = PolicyFixture.Monday };

        string text = PolicyExplainer.Explain(PolicyFixture.Sample, request, PathOptions.Strict).ToText();

        Assert.Contains("canonical: /api/items", text, StringComparison.Ordinal);
        Assert.Contains("decision:  allow (allowed)", text, StringComparison.Ordinal);
        Assert.Contains("rule:      alice-items", text, StringComparison.Ordinal);
        Assert.Contains("route:     items -> cluster items-api", text, StringComparison.Ordinal);
        Assert.Contains("grant alice-items  GET,POST /api/items/**  -> allowed", text, StringComparison.Ordinal);
    }
}
