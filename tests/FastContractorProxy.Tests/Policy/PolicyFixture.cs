using System.Net;
using System.Text;
using FastContractorProxy.Http1;
using FastContractorProxy.Paths;
using FastContractorProxy.Policy;

namespace FastContractorProxy.Tests.Policy;

/// <summary>The sample policy of docs/policy.md and helpers that decide requests against a policy.</summary>
internal static class PolicyFixture
{
    public const string SampleYaml = """
        groups:
          - id: ops
            description: Operations staff who may use the admin API

        contractors:
          - id: alice
            organization: Acme Consulting
            sponsor: maria.keller@example.test
            reference: CTR-2026-014
            not_before: 2026-01-01
            not_after: 2026-12-31
            authentication:
              - issuer: https://login.example.test
                subject: 8c1f4d7e-alice
          - id: bob
            organization: Globex Services
            sponsor: jonas.weber@example.test
            reference: TICKET-4711
            not_before: 2026-03-01
            not_after: 2027-02-28
            authentication:
              - api_key_sha256: 06278711905e2e21353ab0bc7546c4fad84b7cb0fea44e0ecf12b08434947050
              - client_certificate_subject: "CN=bob,O=Globex Services"
            groups: [ ops ]

        grants:
          - id: alice-public
            subjects: [ alice ]
            methods: [ GET ]
            paths: [ /public/** ]
          - id: alice-items
            subjects: [ alice ]
            methods: [ GET, POST ]
            paths: [ "/api/items/**" ]
          - id: alice-reports-2025
            subjects: [ alice ]
            methods: [ GET ]
            paths: [ "/api/reports/{year}" ]
            conditions:
              scopes: [ reports.read ]
              not_after: 2026-06-30
          - id: ops-admin
            subjects: [ ops ]
            methods: [ "*" ]
            paths: [ /admin/** ]
            conditions:
              source_ranges: [ 10.20.0.0/16, "2001:db8:20::/48" ]
              schedule:
                time_zone: Europe/Berlin
                days: [ mon, tue, wed, thu, fri ]
                from: "07:00"
                to: "19:00"

        denies:
          - id: no-bulk-export
            subjects: [ "*" ]
            methods: [ "*" ]
            paths: [ /api/items/export/** ]

        routes:
          - id: health
            paths: [ /healthz ]
            cluster: items-api
            anonymous: true
          - id: docs
            paths: [ /public/** ]
            cluster: docs-site
          - id: items
            paths: [ /api/items/**, /api/reports/** ]
            cluster: items-api
          - id: admin
            paths: [ /admin/** ]
            cluster: admin-api
        """;

    /// <summary>A Monday in summer: 10:00 in Berlin (UTC+2), inside alice's and bob's contracts.</summary>
    public static readonly DateTimeOffset Monday = new(2026, 7, 6, 8, 0, 0, TimeSpan.Zero);

    public static readonly IPAddress OfficeAddress = IPAddress.Parse("10.20.3.4");

    private static readonly Lazy<CompiledPolicy> LazySample = new(() => CompiledPolicy.Compile(PolicyReader.Parse(SampleYaml)));

    public static CompiledPolicy Sample => LazySample.Value;

    public static CompiledPolicy Compile(string yaml) => CompiledPolicy.Compile(PolicyReader.Parse(yaml));

    public static AccessDecision Decide(
        CompiledPolicy policy,
        string? contractor,
        KnownMethod method,
        string canonicalPath,
        DateTimeOffset? now = null,
        IReadOnlyList<string>? scopes = null,
        IPAddress? address = null,
        IReadOnlyList<string>? groups = null)
    {
        var request = new AccessRequest
        {
            ContractorId = contractor,
            Groups = groups ?? [],
            Scopes = scopes ?? [],
            ClientAddress = address ?? OfficeAddress,
            Method = method,
            CanonicalPath = Encoding.ASCII.GetBytes(canonicalPath),
            Now = now ?? Monday,
        };
        return policy.Decide(request);
    }

    /// <summary>Canonicalizes a raw path with the strict options, or returns null when the canonicalizer rejects it.</summary>
    public static string? Canonicalize(string rawPath)
    {
        byte[] raw = Encoding.ASCII.GetBytes(rawPath);
        byte[] destination = new byte[raw.Length];
        RejectReason reason = PathCanonicalizer.Canonicalize(raw, destination, PathOptions.Strict, out int written);
        return reason == RejectReason.None ? Encoding.ASCII.GetString(destination, 0, written) : null;
    }
}
