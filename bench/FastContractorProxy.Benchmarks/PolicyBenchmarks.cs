using System.Net;
using BenchmarkDotNet.Attributes;
using FastContractorProxy.Http1;
using FastContractorProxy.Policy;

namespace FastContractorProxy.Benchmarks;

/// <summary>Builds synthetic policies of a given size: each grant names one contractor and one resource path.</summary>
internal static class SyntheticPolicy
{
    public const int ContractorCount = 100;
    public const int ServiceCount = 50;
    public static readonly DateTimeOffset Now = new(2026, 7, 6, 9, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// Grant i lets contractor c(i mod 100) GET and POST <c>/api/svc(i mod 50)/res(i)/{id}</c> with scope
    /// <c>api.read</c> from 10.0.0.0/8; every tenth index also has a deny for <c>/api/svc(i mod 50)/res(i)/{id}/admin</c>.
    /// </summary>
    public static PolicyDocument Build(int ruleCount)
    {
        var contractors = new List<ContractorDefinition>();
        for (int i = 0; i < ContractorCount; i++)
        {
            contractors.Add(new ContractorDefinition
            {
                Id = $"c{i}",
                Organization = "Example Contracting",
                Sponsor = "sponsor@example.test",
                Reference = $"CTR-{i}",
                NotAfter = Now.AddYears(1),
                Credentials = [],
                Groups = [],
            });
        }

        var conditions = new GrantConditions { Scopes = ["api.read"], SourceRanges = [IPNetwork.Parse("10.0.0.0/8")] };
        var grants = new List<GrantDefinition>();
        var denies = new List<DenyDefinition>();
        for (int i = 0; i < ruleCount; i++)
        {
            string resource = $"/api/svc{i % ServiceCount}/res{i}/{{id}}";
            grants.Add(new GrantDefinition
            {
                Id = $"grant{i}",
                Subjects = [$"c{i % ContractorCount}"],
                Methods = MethodSet.Of(KnownMethod.Get, KnownMethod.Post),
                Paths = [PathPattern.Parse(resource)],
                Conditions = conditions,
            });
            if (i % 10 == 0)
            {
                denies.Add(new DenyDefinition { Id = $"deny{i}", Subjects = ["*"], Methods = MethodSet.All, Paths = [PathPattern.Parse(resource + "/admin")] });
            }
        }

        return new PolicyDocument
        {
            Groups = [],
            Contractors = contractors,
            Grants = grants,
            Denies = denies,
            Routes = [new RouteDefinition { Id = "api", Paths = [PathPattern.Parse("/api/**")], Cluster = "api-cluster" }],
        };
    }

    /// <summary>The path and contractor that grant <paramref name="index"/> allows.</summary>
    public static (string Contractor, byte[] Path) RequestFor(int index) =>
        ($"c{index % ContractorCount}", System.Text.Encoding.ASCII.GetBytes($"/api/svc{index % ServiceCount}/res{index}/42"));
}

/// <summary>
/// Times <see cref="CompiledPolicy.Decide(in AccessRequest)"/> for an allowed GET whose grant has a scope and a
/// source-range condition, in policies of 10, 1,000 and 100,000 grants (plus one deny per ten grants).
/// </summary>
public class PolicyLookupBenchmarks
{
    private static readonly IPAddress Client = IPAddress.Parse("10.1.2.3");
    private static readonly string[] Scopes = ["api.read"];

    private CompiledPolicy _small = null!;
    private CompiledPolicy _medium = null!;
    private CompiledPolicy _large = null!;
    private (string Contractor, byte[] Path) _smallRequest;
    private (string Contractor, byte[] Path) _mediumRequest;
    private (string Contractor, byte[] Path) _largeRequest;

    [GlobalSetup]
    public void Setup()
    {
        _small = CompiledPolicy.Compile(SyntheticPolicy.Build(10));
        _medium = CompiledPolicy.Compile(SyntheticPolicy.Build(1_000));
        _large = CompiledPolicy.Compile(SyntheticPolicy.Build(100_000));
        _smallRequest = SyntheticPolicy.RequestFor(7);
        _mediumRequest = SyntheticPolicy.RequestFor(707);
        _largeRequest = SyntheticPolicy.RequestFor(70_707);

        Verify(nameof(Rules10), _small, _smallRequest, "grant7");
        Verify(nameof(Rules1000), _medium, _mediumRequest, "grant707");
        Verify(nameof(Rules100000), _large, _largeRequest, "grant70707");
    }

    [Benchmark(Baseline = true)]
    public bool Rules10() => Decide(_small, _smallRequest).Allowed;

    [Benchmark]
    public bool Rules1000() => Decide(_medium, _mediumRequest).Allowed;

    [Benchmark]
    public bool Rules100000() => Decide(_large, _largeRequest).Allowed;

    private static AccessDecision Decide(CompiledPolicy policy, (string Contractor, byte[] Path) request)
    {
        var access = new AccessRequest
        {
            ContractorId = request.Contractor,
            Groups = [],
            Scopes = Scopes,
            ClientAddress = Client,
            Method = KnownMethod.Get,
            CanonicalPath = request.Path,
            Now = SyntheticPolicy.Now,
        };
        return policy.Decide(access);
    }

    private static void Verify(string benchmark, CompiledPolicy policy, (string Contractor, byte[] Path) request, string expectedRule)
    {
        AccessDecision decision = Decide(policy, request);
        if (!decision.Allowed || decision.RuleId != expectedRule || decision.RouteId != "api")
        {
            throw new InvalidOperationException($"{benchmark}: decision is {decision}, expected an allow by '{expectedRule}' on route 'api'.");
        }
    }
}

/// <summary>Times <see cref="CompiledPolicy.Compile"/> for a document of 100,000 grants and 10,000 denies.</summary>
public class PolicyCompileBenchmarks
{
    private PolicyDocument _document = null!;

    [GlobalSetup]
    public void Setup()
    {
        _document = SyntheticPolicy.Build(100_000);
        (string contractor, byte[] path) = SyntheticPolicy.RequestFor(99_999);
        var request = new AccessRequest
        {
            ContractorId = contractor,
            Groups = [],
            Scopes = ["api.read"],
            ClientAddress = IPAddress.Parse("10.1.2.3"),
            Method = KnownMethod.Get,
            CanonicalPath = path,
            Now = SyntheticPolicy.Now,
        };
        AccessDecision decision = CompiledPolicy.Compile(_document).Decide(request);
        if (!decision.Allowed || decision.RuleId != "grant99999")
        {
            throw new InvalidOperationException($"{nameof(Compile100000)}: decision is {decision}, expected an allow by 'grant99999'.");
        }
    }

    [Benchmark]
    public object Compile100000() => CompiledPolicy.Compile(_document);
}
