using System.Text;
using FastContractorProxy.Policy;

namespace FastContractorProxy.Tests.Policy;

public class PolicyAnalyzerTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 20, 12, 0, 0, TimeSpan.Zero);

    private const string Contractors = """
        groups:
          - id: devs
        contractors:
          - { id: alice, organization: o, sponsor: maria, reference: r, not_after: 2027-06-30, authentication: [ { api_key_sha256: 06278711905e2e21353ab0bc7546c4fad84b7cb0fea44e0ecf12b08434947050 } ], groups: [ devs ] }
          - { id: bob, organization: o, sponsor: jonas, reference: r, not_after: 2026-12-31, authentication: [ { client_certificate_subject: "CN=bob" } ] }
          - { id: carol, organization: o, sponsor: jonas, reference: r, not_after: 2026-11-30, authentication: [ { client_certificate_subject: "CN=carol" } ] }
          - { id: dave, organization: o, sponsor: jonas, reference: r, not_after: 2027-06-30, authentication: [ { api_key_sha256: 06278711905e2e21353ab0bc7546c4fad84b7cb0fea44e0ecf12b08434947050 } ] }
        """;

    private static IReadOnlyList<PolicyFinding> Analyze(string rules, IReadOnlyCollection<string>? clusters = null) =>
        PolicyAnalyzer.Check(Encoding.UTF8.GetBytes(Contractors + "\n" + rules), clusters, Now);

    private static PolicyFinding Find(IReadOnlyList<PolicyFinding> findings, string entity, string fragment)
    {
        PolicyFinding? finding = findings.FirstOrDefault(f => f.Entity == entity && f.Message.Contains(fragment, StringComparison.Ordinal));
        Assert.True(finding is not null, $"No finding for {entity} containing '{fragment}'. Findings:\n{string.Join("\n", findings)}");
        return finding;
    }

    private const string Routes = """
        routes:
          - { id: items, paths: [ "/api/items/**" ], cluster: items-api }
          - { id: health, paths: [ /healthz ], cluster: items-api, anonymous: true }
        """;

    [Fact]
    public void ContractEnded_Warning()
    {
        PolicyFinding finding = Find(Analyze(Routes), "contractors 'carol'", "ended on 2026-11-30");

        Assert.Equal(FindingSeverity.Warning, finding.Severity);
    }

    [Fact]
    public void ContractEndsSoon_Warning()
    {
        PolicyFinding finding = Find(Analyze(Routes), "contractors 'bob'", "ends on 2026-12-31");

        Assert.Equal(FindingSeverity.Warning, finding.Severity);
    }

    [Fact]
    public void ContractFarFromEnd_NoFinding()
    {
        IReadOnlyList<PolicyFinding> findings = Analyze(Routes);

        Assert.DoesNotContain(findings, f => f.Entity == "contractors 'alice'");
    }

    [Fact]
    public void SharedCredential_Error()
    {
        PolicyFinding finding = Find(Analyze(Routes), "contractors 'dave'", "also identifies contractor 'alice'");

        Assert.Equal(FindingSeverity.Error, finding.Severity);
    }

    [Fact]
    public void UnknownCluster_Error()
    {
        PolicyFinding finding = Find(Analyze(Routes, ["other-api"]), "routes 'items'", "unknown cluster 'items-api'");

        Assert.Equal(FindingSeverity.Error, finding.Severity);
    }

    [Fact]
    public void StructuralErrors_BecomeFindings()
    {
        IReadOnlyList<PolicyFinding> findings = Analyze(Routes + "\ngrants:\n  - { id: g, subjects: [ zed ], methods: [ GET ], paths: [ /api/items ] }");

        PolicyFinding finding = Assert.Single(findings);
        Assert.Equal(FindingSeverity.Error, finding.Severity);
        Assert.Contains("unknown subject 'zed'", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ShadowedByDeny_Warning()
    {
        const string rules = Routes + """

            grants:
              - { id: read-one, subjects: [ alice ], methods: [ GET ], paths: [ "/api/items/{id}" ] }
            denies:
              - { id: no-items, subjects: [ devs ], methods: [ "*" ], paths: [ "/api/items/**" ] }
            """;

        PolicyFinding finding = Find(Analyze(rules), "grants 'read-one'", "deny rule 'no-items' covers");

        Assert.Equal(FindingSeverity.Warning, finding.Severity);
    }

    [Fact]
    public void ShadowedByBroaderGrant_Info()
    {
        const string rules = Routes + """

            grants:
              - { id: wide, subjects: [ devs ], methods: [ GET, POST ], paths: [ "/api/items/{id}", "/api/items/{id}/**" ] }
              - { id: narrow, subjects: [ alice ], methods: [ GET ], paths: [ "/api/items/{id}/notes" ] }
            """;

        IReadOnlyList<PolicyFinding> findings = Analyze(rules);

        Assert.Equal(FindingSeverity.Info, Find(findings, "grants 'narrow'", "grant 'wide' has no conditions").Severity);
        Assert.DoesNotContain(findings, f => f.Entity == "grants 'wide'" && f.Message.Contains("redundant", StringComparison.Ordinal));
    }

    [Fact]
    public void Unreachable_Warning()
    {
        const string rules = Routes + """

            grants:
              - { id: orphan, subjects: [ alice ], methods: [ GET ], paths: [ "/api/orders/**" ] }
            """;

        PolicyFinding finding = Find(Analyze(rules), "grants 'orphan'", "no route matches");

        Assert.Equal(FindingSeverity.Warning, finding.Severity);
    }

    [Fact]
    public void WholeApiGrant_Warning()
    {
        const string rules = Routes + """

            grants:
              - { id: everything, subjects: [ alice ], methods: [ "*" ], paths: [ "/api/**" ] }
            """;

        PolicyFinding finding = Find(Analyze(rules), "grants 'everything'", "every path of route 'items'");

        Assert.Equal(FindingSeverity.Warning, finding.Severity);
    }

    [Fact]
    public void ExpiredGrant_Warning()
    {
        const string rules = Routes + """

            grants:
              - { id: old, subjects: [ alice ], methods: [ GET ], paths: [ /api/items ], conditions: { not_after: 2026-06-30 } }
            """;

        PolicyFinding finding = Find(Analyze(rules), "grants 'old'", "expired on 2026-06-30");

        Assert.Equal(FindingSeverity.Warning, finding.Severity);
    }

    [Fact]
    public void NarrowGrant_NoRuleFindings()
    {
        const string rules = Routes + """

            grants:
              - { id: read-one, subjects: [ alice ], methods: [ GET ], paths: [ "/api/items/{id}" ] }
            """;

        IReadOnlyList<PolicyFinding> findings = Analyze(rules);

        Assert.DoesNotContain(findings, f => f.Entity.StartsWith("grants", StringComparison.Ordinal));
    }
}
