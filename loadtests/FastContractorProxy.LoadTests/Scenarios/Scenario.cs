namespace FastContractorProxy.LoadTests.Scenarios;

internal enum Protocol
{
    Http1,
    H2c,
}

/// <summary>
/// One load shape, run against each of its targets in turn.
/// </summary>
/// <param name="Connections">wrk or h2load connections.</param>
/// <param name="StreamsPerConnection">h2load's concurrent streams per connection (<c>-m</c>); 1 for HTTP/1.1.</param>
/// <param name="RequestBodyBytes">POST body size; 0 sends GET.</param>
/// <param name="ResponseBytes">Body size of the backend's 200 response.</param>
/// <param name="Denied">The requests go to a path the fcp policy denies, so 403 is the expected status.</param>
/// <param name="DistinctTokens">Number of distinct IdP tokens the requests rotate through; 1 sends one token.</param>
/// <param name="IdleConnections">Idle keep-alive connections held open to fcp during the measured runs.</param>
internal sealed record Scenario(
    string Name,
    string Description,
    Protocol Protocol,
    int Connections,
    int StreamsPerConnection,
    int RequestBodyBytes,
    int ResponseBytes,
    bool Denied,
    int DistinctTokens,
    int IdleConnections,
    IReadOnlyList<string> Targets)
{
    public const string AllowedPath = "/api/items/1";
    public const string DeniedPrefix = "/api/export/";
    public const string DeniedPath = DeniedPrefix + "all";

    public string Path => Denied ? DeniedPath : AllowedPath;

    public int ExpectedStatus => Denied ? 403 : 200;
}
