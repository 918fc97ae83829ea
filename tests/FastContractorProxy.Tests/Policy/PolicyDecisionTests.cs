using System.Net;
using FastContractorProxy.Http1;
using FastContractorProxy.Policy;
using static FastContractorProxy.Tests.Policy.PolicyFixture;

namespace FastContractorProxy.Tests.Policy;

public class PolicyDecisionTests
{
    [Fact]
    public void Allowed_ReportsGrantRouteCluster()
    {
        AccessDecision decision = Decide(Sample, "alice", KnownMethod.Get, "/api/items/42");

        Assert.True(decision.Allowed);
        Assert.Equal(PolicyReason.Allowed, decision.Reason);
        Assert.Equal("alice-items", decision.RuleId);
        Assert.Equal("items", decision.RouteId);
        Assert.Equal("items-api", decision.ClusterId);
    }

    [Fact]
    public void NoRoute_Denied()
    {
        AccessDecision decision = Decide(Sample, "alice", KnownMethod.Get, "/internal/metrics");

        Assert.False(decision.Allowed);
        Assert.Equal(PolicyReason.NoRoute, decision.Reason);
        Assert.Null(decision.RouteId);
    }

    [Theory]
    [InlineData("alice", "DELETE", "/api/items/42")]
    [InlineData("alice", "GET", "/admin/users")]
    [InlineData(null, "GET", "/public/index.html")]
    [InlineData("mallory", "GET", "/public/index.html")]
    [InlineData("bob", "GET", "/public/index.html")]
    public void NoGrant_DeniedByDefault(string? contractor, string method, string path)
    {
        MethodSet.TryParseMethod(method, out KnownMethod parsed);

        AccessDecision decision = Decide(Sample, contractor, parsed, path);

        Assert.False(decision.Allowed);
        Assert.Equal(PolicyReason.NoGrant, decision.Reason);
        Assert.Null(decision.RuleId);
    }

    [Theory]
    [InlineData("alice")]
    [InlineData("bob")]
    [InlineData(null)]
    public void DenyRule_WinsOverGrant(string? contractor)
    {
        AccessDecision decision = Decide(Sample, contractor, KnownMethod.Get, "/api/items/export/all.csv");

        Assert.False(decision.Allowed);
        Assert.Equal(PolicyReason.DeniedByRule, decision.Reason);
        Assert.Equal("no-bulk-export", decision.RuleId);
    }

    [Fact]
    public void DenyRule_WinsOverMoreSpecificGrant()
    {
        const string yaml = """
            contractors:
              - { id: c, organization: o, sponsor: s, reference: r, authentication: [ { client_certificate_subject: "CN=c" } ] }
            grants:
              - { id: exact, subjects: [ c ], methods: [ GET ], paths: [ /api/items/42 ] }
            denies:
              - { id: wide, subjects: [ c ], methods: [ "*" ], paths: [ "/api/**" ] }
              - { id: param, subjects: [ c ], methods: [ GET ], paths: [ "/*/other/{x}" ] }
            routes:
              - { id: all, paths: [ "/**" ], cluster: x }
            """;
        CompiledPolicy policy = Compile(yaml);

        AccessDecision decision = Decide(policy, "c", KnownMethod.Get, "/api/items/42");

        Assert.False(decision.Allowed);
        Assert.Equal("wide", decision.RuleId);
    }

    [Fact]
    public void Precedence_LiteralGrantDecidesFirst()
    {
        const string yaml = """
            contractors:
              - { id: c, organization: o, sponsor: s, reference: r, authentication: [ { client_certificate_subject: "CN=c" } ] }
            grants:
              - { id: rest, subjects: [ c ], methods: [ GET ], paths: [ "/api/**" ] }
              - { id: param, subjects: [ c ], methods: [ GET ], paths: [ "/api/{kind}/42" ] }
              - { id: literal, subjects: [ c ], methods: [ GET ], paths: [ /api/items/42 ] }
            routes:
              - { id: all, paths: [ "/**" ], cluster: x }
            """;
        CompiledPolicy policy = Compile(yaml);

        Assert.Equal("literal", Decide(policy, "c", KnownMethod.Get, "/api/items/42").RuleId);
        Assert.Equal("param", Decide(policy, "c", KnownMethod.Get, "/api/users/42").RuleId);
        Assert.Equal("rest", Decide(policy, "c", KnownMethod.Get, "/api/users/43").RuleId);
    }

    [Fact]
    public void Precedence_SpecificRouteWins()
    {
        const string yaml = """
            contractors:
              - { id: c, organization: o, sponsor: s, reference: r, authentication: [ { client_certificate_subject: "CN=c" } ] }
            routes:
              - { id: catch-all, paths: [ "/**" ], cluster: fallback }
              - { id: param, paths: [ "/api/{x}" ], cluster: params }
              - { id: exact, paths: [ /api/items ], cluster: items }
            """;
        CompiledPolicy policy = Compile(yaml);

        Assert.Equal("exact", Decide(policy, "c", KnownMethod.Get, "/api/items").RouteId);
        Assert.Equal("param", Decide(policy, "c", KnownMethod.Get, "/api/users").RouteId);
        Assert.Equal("catch-all", Decide(policy, "c", KnownMethod.Get, "/api/users/1").RouteId);
    }

    [Fact]
    public void AnonymousRoute_AllowsWithoutContractor()
    {
        AccessDecision decision = Decide(Sample, null, KnownMethod.Get, "/healthz");

        Assert.True(decision.Allowed);
        Assert.Equal(PolicyReason.AnonymousRoute, decision.Reason);
        Assert.Equal("health", decision.RouteId);
    }

    [Fact]
    public void ContractExpired_Denied()
    {
        var after = new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero);

        AccessDecision decision = Decide(Sample, "alice", KnownMethod.Get, "/api/items/42", now: after);

        Assert.False(decision.Allowed);
        Assert.Equal(PolicyReason.ContractExpired, decision.Reason);
    }

    [Fact]
    public void ContractLastDay_Allowed()
    {
        var lastDay = new DateTimeOffset(2026, 12, 31, 23, 59, 0, TimeSpan.Zero);

        AccessDecision decision = Decide(Sample, "alice", KnownMethod.Get, "/api/items/42", now: lastDay);

        Assert.True(decision.Allowed);
    }

    [Fact]
    public void ContractNotStarted_Denied()
    {
        var before = new DateTimeOffset(2026, 2, 2, 9, 0, 0, TimeSpan.Zero);

        AccessDecision decision = Decide(Sample, "bob", KnownMethod.Get, "/admin/users", now: before, address: OfficeAddress);

        Assert.False(decision.Allowed);
        Assert.Equal(PolicyReason.ContractNotStarted, decision.Reason);
    }

    [Fact]
    public void GrantExpired_Denied()
    {
        var july = new DateTimeOffset(2026, 7, 1, 0, 0, 0, TimeSpan.Zero);

        AccessDecision decision = Decide(Sample, "alice", KnownMethod.Get, "/api/reports/2025", now: july, scopes: ["reports.read"]);

        Assert.False(decision.Allowed);
        Assert.Equal(PolicyReason.GrantExpired, decision.Reason);
        Assert.Equal("alice-reports-2025", decision.RuleId);
    }

    [Fact]
    public void GrantBeforeExpiry_Allowed()
    {
        var june = new DateTimeOffset(2026, 6, 30, 22, 0, 0, TimeSpan.Zero);

        AccessDecision decision = Decide(Sample, "alice", KnownMethod.Get, "/api/reports/2025", now: june, scopes: ["reports.read"]);

        Assert.True(decision.Allowed);
    }

    [Fact]
    public void ScopeMissing_Denied()
    {
        var june = new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);

        AccessDecision decision = Decide(Sample, "alice", KnownMethod.Get, "/api/reports/2025", now: june, scopes: ["items.read"]);

        Assert.False(decision.Allowed);
        Assert.Equal(PolicyReason.ScopeMissing, decision.Reason);
    }

    [Theory]
    [InlineData("10.20.0.1", true)]
    [InlineData("10.20.255.254", true)]
    [InlineData("10.21.0.1", false)]
    [InlineData("192.0.2.10", false)]
    [InlineData("::ffff:10.20.3.4", true)]
    [InlineData("::ffff:10.21.3.4", false)]
    [InlineData("2001:db8:20::1", true)]
    [InlineData("2001:db8:21::1", false)]
    public void SourceRange_Cidr(string address, bool allowed)
    {
        AccessDecision decision = Decide(Sample, "bob", KnownMethod.Delete, "/admin/users/7", address: IPAddress.Parse(address));

        Assert.Equal(allowed, decision.Allowed);
        Assert.Equal(allowed ? PolicyReason.Allowed : PolicyReason.AddressNotAllowed, decision.Reason);
    }

    [Theory]
    [InlineData("2026-07-06T05:00:00Z", true)]  // Monday 07:00 in Berlin (UTC+2)
    [InlineData("2026-07-06T04:59:00Z", false)] // Monday 06:59
    [InlineData("2026-07-06T16:59:00Z", true)]  // Monday 18:59
    [InlineData("2026-07-06T17:00:00Z", false)] // Monday 19:00, the end is exclusive
    [InlineData("2027-01-04T06:00:00Z", true)]  // Monday 07:00 in winter (UTC+1)
    [InlineData("2027-01-04T05:30:00Z", false)] // Monday 06:30 in winter
    [InlineData("2026-07-04T10:00:00Z", false)] // Saturday
    [InlineData("2026-07-05T22:30:00Z", false)] // Monday 00:30 in Berlin, still Sunday in UTC
    [InlineData("2026-07-10T12:30:00-04:00", true)] // Friday 18:30 in Berlin, written with another offset
    public void Schedule_BerlinWeekdays(string instant, bool expected)
    {
        DateTimeOffset now = DateTimeOffset.Parse(instant, System.Globalization.CultureInfo.InvariantCulture);

        AccessDecision decision = Decide(Sample, "bob", KnownMethod.Get, "/admin/users", now: now);

        Assert.Equal(expected, decision.Allowed);
        Assert.Equal(expected ? PolicyReason.Allowed : PolicyReason.OutsideHours, decision.Reason);
    }

    [Fact]
    public void TokenGroups_AddMembership()
    {
        AccessDecision decision = Decide(Sample, "alice", KnownMethod.Get, "/admin/users", groups: ["ops"]);

        Assert.True(decision.Allowed);
        Assert.Equal("ops-admin", decision.RuleId);
    }

    [Fact]
    public void TokenGroups_IgnoredWithoutContractor()
    {
        AccessDecision decision = Decide(Sample, null, KnownMethod.Get, "/admin/users", groups: ["ops"]);

        Assert.False(decision.Allowed);
        Assert.Equal(PolicyReason.NoGrant, decision.Reason);
    }

    [Fact]
    public void FailedGrant_LaterGrantAllows()
    {
        const string yaml = """
            contractors:
              - { id: c, organization: o, sponsor: s, reference: r, authentication: [ { client_certificate_subject: "CN=c" } ] }
            grants:
              - { id: scoped, subjects: [ c ], methods: [ GET ], paths: [ /api/items ], conditions: { scopes: [ x ] } }
              - { id: open, subjects: [ c ], methods: [ GET ], paths: [ "/api/**" ] }
            routes:
              - { id: all, paths: [ "/**" ], cluster: x }
            """;
        CompiledPolicy policy = Compile(yaml);

        AccessDecision decision = Decide(policy, "c", KnownMethod.Get, "/api/items");

        Assert.True(decision.Allowed);
        Assert.Equal("open", decision.RuleId);
    }

    [Fact]
    public void Decide_DoesNotAllocate()
    {
        byte[] path = "/admin/users/7"u8.ToArray();
        string[] scopes = ["items.read"];
        var request = new AccessRequest
        {
            ContractorId = "bob",
            Groups = [],
            Scopes = scopes,
            ClientAddress = OfficeAddress,
            Method = KnownMethod.Get,
            CanonicalPath = path,
            Now = Monday,
        };
        Sample.Decide(request);

        long before = GC.GetAllocatedBytesForCurrentThread();
        AccessDecision decision = Sample.Decide(request);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(decision.Allowed);
        Assert.Equal(0, allocated);
    }
}
