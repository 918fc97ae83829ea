namespace FastContractorProxy.LoadTests.Scenarios;

/// <summary>The scenarios of the load-test program and the targets each one runs against.</summary>
internal static class ScenarioCatalog
{
    public static readonly string[] AllTargets = ["direct", "fcp", "nginx", "haproxy", "yarp"];

    public static readonly string[] QuickTargets = ["direct", "fcp", "nginx"];

    public static readonly string[] QuickScenarios = ["h1-small", "h1-deny"];

    public static IReadOnlyList<Scenario> All { get; } =
    [
        new("h1-small", "HTTP/1.1 keep-alive GET, 128-byte response, 32 connections",
            Protocol.Http1, Connections: 32, StreamsPerConnection: 1, RequestBodyBytes: 0, ResponseBytes: 128, Denied: false,
            DistinctTokens: 1, IdleConnections: 0, AllTargets),
        new("h1-post-64k", "HTTP/1.1 keep-alive POST with a 64 KiB body, 128-byte response, 32 connections",
            Protocol.Http1, 32, 1, RequestBodyBytes: 64 * 1024, ResponseBytes: 128, Denied: false, DistinctTokens: 1, IdleConnections: 0, AllTargets),
        // The IdP has one client, so the 1,000 tokens (each from its own token request) name the same contractor.
        // NOTE: fcp's token cache (10,000 entries by default) keeps all of them after the warm-up, so the measured
        // runs mostly test cache lookups, not signature checks.
        new("h1-many-tokens", "HTTP/1.1 GET rotating through 1,000 distinct IdP tokens of the contractor, 32 connections",
            Protocol.Http1, 32, 1, 0, 128, Denied: false, DistinctTokens: 1000, IdleConnections: 0, AllTargets),
        new("h1-deny", "HTTP/1.1 GET of a path the policy denies (403 storm), 32 connections",
            Protocol.Http1, 32, 1, 0, 128, Denied: true, DistinctTokens: 1, IdleConnections: 0, AllTargets),
        new("h2c", "HTTP/2 with prior knowledge, h2load -c 8 -m 10, GET, 128-byte response",
            Protocol.H2c, Connections: 8, StreamsPerConnection: 10, 0, 128, Denied: false, DistinctTokens: 1, IdleConnections: 0, AllTargets),
        new("idle-10k", "10,000 idle keep-alive connections held open to fcp while wrk sends GETs on 32 others",
            Protocol.Http1, 32, 1, 0, 128, Denied: false, DistinctTokens: 1, IdleConnections: 10_000, ["fcp"]),
    ];

    public static Scenario Find(string name) =>
        All.FirstOrDefault(scenario => scenario.Name == name)
        ?? throw new ArgumentException($"unknown scenario '{name}'; known: {string.Join(", ", All.Select(s => s.Name))}");
}
