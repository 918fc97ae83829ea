using FastContractorProxy.Configuration;

namespace FastContractorProxy.Tests.Configuration;

/// <summary>The identity, policy and identity-field sections of the configuration, and how they are checked against each other.</summary>
public sealed class AccessSettingsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("fcp-settings-").FullName;

    private const string Policy = """
        contractors:
          - id: alice
            organization: Acme
            sponsor: maria@example.test
            reference: CTR-1
            authentication:
              - issuer: https://login.example.test
                subject: alice
        grants:
          - id: g
            subjects: [ alice ]
            methods: [ GET ]
            paths: [ /api/** ]
        routes:
          - id: api
            paths: [ /api/** ]
            cluster: backend
            issuers: [ https://login.example.test ]
        """;

    private const string Identity = """
        identity:
          issuers:
            - issuer: https://login.example.test
              audiences: [ api ]
              jwks_uri: https://login.example.test/jwks

        """;

    private ProxySettings Parse(string body, string policy = Policy)
    {
        File.WriteAllText(Path.Combine(_folder, "policy.yaml"), policy);
        return SettingsLoader.Parse("""
            listeners:
              - address: 127.0.0.1:0
            clusters:
              - id: backend
                destinations: [ 127.0.0.1:9000 ]

            """ + body, "test", _folder);
    }

    private string[] Errors(string body, string policy = Policy) =>
        [.. Assert.Throws<SettingsException>(() => Parse(body, policy)).Errors];

    [Fact]
    public void PolicyWithoutRoutes_ImpliesOneCatchAllRoute()
    {
        ProxySettings settings = Parse(Identity + "policy:\n  file: policy.yaml\n");

        RouteSettings route = Assert.Single(settings.Routes);
        Assert.Equal("/", route.PathPrefix);
        Assert.Null(route.Cluster);
        Assert.Equal(Path.Combine(_folder, "policy.yaml"), settings.Policy!.FilePath);
        Assert.True(settings.Policy.Watch);
        Assert.False(settings.IsOpen);
    }

    [Fact]
    public void NoPolicyNoIdentity_IsOpen()
    {
        ProxySettings settings = Parse("routes:\n  - id: r\n    cluster: backend\n");

        Assert.True(settings.IsOpen);
    }

    [Fact]
    public void RouteClusterWithPolicy_Rejected()
    {
        string[] errors = Errors(Identity + "policy:\n  file: policy.yaml\nroutes:\n  - id: r\n    cluster: backend\n");

        Assert.Contains(errors, e => e.Contains("the policy's routes choose the cluster", StringComparison.Ordinal));
    }

    [Fact]
    public void PolicyNamingUnknownClusterAndIssuer_ReportsBoth()
    {
        string policy = Policy.Replace("cluster: backend", "cluster: nowhere", StringComparison.Ordinal);

        string[] errors = Errors("policy:\n  file: policy.yaml\n", policy);

        Assert.Contains(errors, e => e.Contains("unknown cluster 'nowhere'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("'https://login.example.test' is not configured under identity.issuers", StringComparison.Ordinal));
    }

    [Fact]
    public void MissingPolicyFile_NamesPath()
    {
        string[] errors = Errors("policy:\n  file: nothere.yaml\n");

        Assert.Contains(errors, e => e.StartsWith("policy.file:", StringComparison.Ordinal) && e.Contains("nothere.yaml", StringComparison.Ordinal));
    }

    [Fact]
    public void InvalidPolicy_ErrorsPrefixed()
    {
        string[] errors = Errors(Identity + "policy:\n  file: policy.yaml\n", "contractors: []\nroutes: []\nbogus: 1\n");

        Assert.Contains(errors, e => e.StartsWith("policy.file:", StringComparison.Ordinal) && e.Contains("bogus", StringComparison.Ordinal));
    }

    [Fact]
    public void IdentityFields_Configurable()
    {
        ProxySettings settings = Parse("""
            routes:
              - id: r
                cluster: backend
            forwarding:
              identity_fields:
                contractor_id: X-Caller
                organization: X-Caller-Org
                scopes: X-Caller-Scopes
            """);

        Assert.Equal("X-Caller", settings.Forwarding.IdentityFields.ContractorId);
        Assert.Equal("X-Caller-Org", settings.Forwarding.IdentityFields.Organization);
        Assert.Equal("X-Caller-Scopes", settings.Forwarding.IdentityFields.Scopes);
    }

    [Theory]
    [InlineData("X_Caller")]
    [InlineData("X Caller")]
    public void IdentityFieldName_Invalid_Rejected(string name)
    {
        string[] errors = Errors($"routes:\n  - id: r\n    cluster: backend\nforwarding:\n  identity_fields:\n    contractor_id: \"{name}\"\n");

        Assert.Contains(errors, e => e.StartsWith("forwarding.identity_fields.contractor_id:", StringComparison.Ordinal));
    }

    [Fact]
    public void Http2Limits_Read()
    {
        ProxySettings settings = Parse("routes:\n  - id: r\n    cluster: backend\nhttp2:\n  max_concurrent_streams: 10\n  max_pings: 50\n  budget_window: 5s\n");

        Assert.Equal(10, settings.Http2.MaxConcurrentStreams);
        Assert.Equal(50, settings.Http2.MaxPings);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.Http2.BudgetWindow);
        Assert.Equal(Http2Limits.Default.MaxSettings, settings.Http2.MaxSettings);
    }

    [Fact]
    public void Http2Limits_OutOfRange_Rejected()
    {
        string[] errors = Errors("routes:\n  - id: r\n    cluster: backend\nhttp2:\n  max_concurrent_streams: 0\n  max_pingz: 5\n");

        Assert.Contains(errors, e => e.Contains("max_concurrent_streams", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("unknown key 'max_pingz'", StringComparison.Ordinal));
    }

    [Fact]
    public void CaseInsensitiveRoute_Read()
    {
        ProxySettings settings = Parse("routes:\n  - id: r\n    cluster: backend\n    case_insensitive: true\n");

        Assert.True(Assert.Single(settings.Routes).CaseInsensitive);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
