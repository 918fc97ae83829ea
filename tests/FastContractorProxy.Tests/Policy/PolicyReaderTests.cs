using System.Security.Cryptography;
using System.Text;
using FastContractorProxy.Http1;
using FastContractorProxy.Policy;

namespace FastContractorProxy.Tests.Policy;

public class PolicyReaderTests
{
    private static IReadOnlyList<string> Errors(string yaml) =>
        Assert.Throws<PolicyException>(() => PolicyReader.Parse(yaml)).Errors;

    [Fact]
    public void Sample_ReadsEveryEntity()
    {
        PolicyDocument document = PolicyReader.Parse(PolicyFixture.SampleYaml);

        Assert.Single(document.Groups);
        Assert.Equal(2, document.Contractors.Count);
        Assert.Equal(4, document.Grants.Count);
        Assert.Single(document.Denies);
        Assert.Equal(4, document.Routes.Count);
    }

    [Fact]
    public void Sample_ReadsContractorFields()
    {
        ContractorDefinition bob = PolicyReader.Parse(PolicyFixture.SampleYaml).Contractors[1];

        Assert.Equal("Globex Services", bob.Organization);
        Assert.Equal("jonas.weber@example.test", bob.Sponsor);
        Assert.Equal("TICKET-4711", bob.Reference);
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero), bob.NotBefore);
        Assert.Equal(new DateTimeOffset(2027, 3, 1, 0, 0, 0, TimeSpan.Zero).AddTicks(-1), bob.NotAfter);
        Assert.Equal(2, bob.Credentials.Count);
        Assert.Equal("CN=bob,O=Globex Services", bob.Credentials[1].ClientCertificateSubject);
        Assert.Equal(["ops"], bob.Groups);
    }

    [Fact]
    public void Sample_ReadsGrantConditions()
    {
        GrantDefinition admin = PolicyReader.Parse(PolicyFixture.SampleYaml).Grants[3];

        Assert.Equal(MethodSet.All, admin.Methods);
        Assert.Equal(2, admin.Conditions.SourceRanges.Count);
        Assert.NotNull(admin.Conditions.Schedule);
        Assert.Equal("Europe/Berlin", admin.Conditions.Schedule.TimeZone.Id);
        Assert.Equal(7 * 60, admin.Conditions.Schedule.FromMinute);
        Assert.Equal(19 * 60, admin.Conditions.Schedule.ToMinute);
    }

    [Fact]
    public void Methods_ParsedAsSet()
    {
        GrantDefinition items = PolicyReader.Parse(PolicyFixture.SampleYaml).Grants[1];

        Assert.True(items.Methods.Contains(KnownMethod.Get));
        Assert.True(items.Methods.Contains(KnownMethod.Post));
        Assert.False(items.Methods.Contains(KnownMethod.Delete));
    }

    [Fact]
    public void Version_IsSha256OfBytes()
    {
        byte[] bytes = Encoding.UTF8.GetBytes(PolicyFixture.SampleYaml);

        PolicyDocument document = PolicyReader.Parse(bytes);

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), document.Version);
        Assert.Equal(64, document.Version.Length);
    }

    [Fact]
    public void Errors_CollectedTogether()
    {
        const string yaml = """
            contractors:
              - id: alice
                organization: Acme
                sponsor: s
                authentication: [ { api_key_sha256: NOT-A-HASH } ]
                groups: [ nosuchgroup ]
              - id: alice
                organization: Acme
                sponsor: s
                reference: r
                colour: blue
                authentication: [ { issuer: https://login.example.test } ]
            grants:
              - id: g1
                subjects: [ carol ]
                methods: [ GET, FETCH ]
                paths: [ "/api/**/x" ]
              - id: g1
                subjects: [ "*" ]
                methods: [ GET ]
                paths: [ /api ]
                conditions:
                  source_ranges: [ 10.0.0.0/33 ]
                  schedule: { time_zone: Mars/Olympus, days: [ mon, funday ], from: "18:00", to: "08:00" }
                  not_after: 30.06.2026
            denies:
              - { id: g1, subjects: [ "*" ], methods: [ GET ], paths: [ /x ] }
            routes: []
            """;

        IReadOnlyList<string> errors = Errors(yaml);

        string[] expected =
        [
            "contractors 'alice': missing 'reference'",
            "api_key_sha256: expected 64 lowercase hex digits",
            "unknown group 'nosuchgroup'",
            "id 'alice' is already used by a contractor",
            "unknown key 'colour'",
            "write exactly one of",
            "unknown subject 'carol'",
            "'FETCH' is not a method",
            "'**' may only end a pattern",
            "duplicate grant id",
            "a grant cannot name '*'",
            "'10.0.0.0/33' is not a CIDR range",
            "'Mars/Olympus' is not a known IANA time zone",
            "'funday' is not a day",
            "'from' must be earlier than 'to'",
            "'30.06.2026' is not a date",
            "denies 'g1': duplicate rule id",
            "policy.routes: the list is empty",
        ];
        foreach (string fragment in expected)
        {
            Assert.Contains(errors, error => error.Contains(fragment, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void InvalidYaml_ReportsLine()
    {
        IReadOnlyList<string> errors = Errors("routes: [ unclosed");

        string error = Assert.Single(errors);
        Assert.Contains("invalid YAML at line", error, StringComparison.Ordinal);
    }
}

public class PolicyDocsTests
{
    [Fact]
    public void DocsExample_MatchesSample()
    {
        string directory = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(directory, "docs", "policy.md")))
        {
            directory = Path.GetDirectoryName(directory) ?? throw new InvalidOperationException("docs/policy.md not found above the test directory.");
        }

        string markdown = File.ReadAllText(Path.Combine(directory, "docs", "policy.md"));
        int start = markdown.IndexOf("```yaml\n", StringComparison.Ordinal) + "```yaml\n".Length;
        int end = markdown.IndexOf("\n```", start, StringComparison.Ordinal);
        string example = markdown[start..end];

        Assert.Equal(PolicyFixture.SampleYaml.ReplaceLineEndings("\n"), example);
    }
}
