using FastContractorProxy.LoadTests.Infrastructure;
using FastContractorProxy.LoadTests.Measurement;

namespace FastContractorProxy.LoadTests.Targets;

/// <summary>
/// fcp, published in Release from the committed HEAD, with the whole access path on: JWT bearer tokens from the
/// test IdP (keys found through OpenID discovery), a policy that grants the IdP's client <c>contractor-a</c>
/// GET and POST on <c>/api/**</c> and denies the denied prefix to everyone, and the audit log in a temp file.
/// </summary>
internal sealed class FcpTarget : Target
{
    private const int H2cProbeRequests = 20;

    private ChildProcess? _process;

    public override string Name => "fcp";

    public override string DisplayName => "fcp";

    public override bool IsDotNet => true;

    public override int ProcessId => _process?.Id ?? throw new InvalidOperationException("fcp not started");

    public override async Task StartAsync(TargetEnvironment environment, CancellationToken cancellationToken)
    {
        string folder = Path.Combine(environment.Folder, "fcp");
        Directory.CreateDirectory(folder);
        Http1Port = Ports.Free();
        int keepAliveSeconds = (int)environment.KeepAliveTimeout.TotalSeconds;
        string policy = $"""
            contractors:
              - id: contractor-a
                organization: Load Test
                sponsor: perf@example.test
                reference: LOAD-1
                authentication:
                  - issuer: {environment.Issuer}
                    client_id: {IdentityProvider.ClientId}
            grants:
              - id: api
                subjects: [ contractor-a ]
                methods: [ GET, POST ]
                paths: [ /api/** ]
            denies:
              - id: no-export
                subjects: [ "*" ]
                methods: [ "*" ]
                paths: [ {environment.DeniedPrefix}** ]
            routes:
              - id: api
                paths: [ /api/** ]
                cluster: backend

            """;
        string configuration = $"""
            listeners:
              - address: 127.0.0.1:{Http1Port}
            limits:
              keep_alive_timeout: {keepAliveSeconds}s
            clusters:
              - id: backend
                destinations: [ "127.0.0.1:{environment.Backend.Http1Port}" ]
            identity:
              issuers:
                - issuer: {environment.Issuer}
                  audiences: [ {IdentityProvider.Audience} ]
                  algorithms: [ ES256 ]
                  discovery: true
            policy:
              file: policy.yaml
            audit:
              path: audit.log

            """;
        await File.WriteAllTextAsync(Path.Combine(folder, "policy.yaml"), policy, cancellationToken);
        string configurationPath = Path.Combine(folder, "proxy.yaml");
        await File.WriteAllTextAsync(configurationPath, configuration, cancellationToken);
        string executable = environment.FcpExecutable ?? throw new InvalidOperationException("fcp was not published");
        _process = ChildProcess.Start("fcp", executable, ["run", "--config", configurationPath], environment.LogPath("fcp"),
            environment.Cpus.ServerCpus, workingDirectory: folder);
        await WaitReadyAsync(_process, environment, cancellationToken);
    }

    /// <summary>
    /// fcp would serve h2c on its one listener (prior knowledge). When h2load cannot complete requests there, the
    /// build does not serve HTTP/2 yet and the h2c scenario reports fcp as not supported.
    /// </summary>
    public override async Task ProbeH2cAsync(TargetEnvironment environment, CancellationToken cancellationToken)
    {
        LoadResult result = await LoadGenerator.ProbeH2cAsync(Http1Port, environment.AllowedPath, environment.Token, H2cProbeRequests, environment.Cpus, cancellationToken);
        if (result.Succeeded == H2cProbeRequests)
        {
            H2cPort = Http1Port;
            H2cUnsupportedReason = null;
        }
        else
        {
            H2cPort = null;
            H2cUnsupportedReason = $"not supported yet: h2load with prior knowledge completed {result.Succeeded} of {H2cProbeRequests} requests";
        }
    }

    public override ValueTask DisposeAsync() => _process?.DisposeAsync() ?? ValueTask.CompletedTask;
}
