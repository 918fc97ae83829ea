using FastContractorProxy.Configuration;
using FastContractorProxy.Hosting;
using FastContractorProxy.Tests.Access;
using FastContractorProxy.Tests.Identity;
using FastContractorProxy.Tests.Infrastructure;

namespace FastContractorProxy.Tests.Http2Proxy;

/// <summary>
/// The proxy started from YAML with the access tests' issuers and policy (alice may GET /public/** and GET, POST
/// /api/items/**; /healthz is anonymous) and a recorder upstream, for HTTP/2 clients.
/// </summary>
internal sealed class Http2Harness : IAsyncDisposable
{
    private readonly string _folder;
    private readonly ProxyServer _server;

    private Http2Harness(string folder, ProxyServer server, RecorderUpstream upstream)
    {
        _folder = folder;
        _server = server;
        Upstream = upstream;
    }

    public RecorderUpstream Upstream { get; }

    public int Port => _server.EndPoints[0].Port;

    public string AuditPath => Path.Combine(_folder, "audit.log");

    /// <param name="extraConfiguration">Top-level YAML sections appended to the configuration, such as <c>audit:</c>.</param>
    public static async Task<Http2Harness> StartAsync(Func<RecordedRequest, UpstreamReply>? reply = null, string extraConfiguration = "")
    {
        string folder = Directory.CreateTempSubdirectory("fcp-h2-").FullName;
        await File.WriteAllTextAsync(Path.Combine(folder, "keys-a.json"), TestKey.Jwks(AccessHarness.KeyA));
        await File.WriteAllTextAsync(Path.Combine(folder, "keys-b.json"), TestKey.Jwks(AccessHarness.KeyB));
        await File.WriteAllTextAsync(Path.Combine(folder, "policy.yaml"), AccessHarness.DefaultPolicy);
        RecorderUpstream upstream = RecorderUpstream.Start(reply);
        string configuration = $"""
            listeners:
              - address: 127.0.0.1:0
            clusters:
              - id: backend
                destinations: [ 127.0.0.1:{upstream.Port} ]
              - id: dead
                destinations: [ 127.0.0.1:9 ]
                connect_timeout: 2s
            routes:
              - id: api-host
                hosts: [ api.example.test, 127.0.0.1 ]
            identity:
              issuers:
                - issuer: {AccessHarness.IssuerA}
                  audiences: [ {AccessHarness.Audience} ]
                  jwks_file: {Path.Combine(folder, "keys-a.json")}
                  clock_skew: 60s
                - issuer: {AccessHarness.IssuerB}
                  audiences: [ {AccessHarness.Audience} ]
                  jwks_file: {Path.Combine(folder, "keys-b.json")}
            policy:
              file: policy.yaml

            """ + extraConfiguration;
        await File.WriteAllTextAsync(Path.Combine(folder, "config.yaml"), configuration);
        ProxySettings settings = SettingsLoader.LoadFile(Path.Combine(folder, "config.yaml"));
        ProxyServer server = await ProxyServer.StartAsync(settings, logging => { });
        return new Http2Harness(folder, server, upstream);
    }

    /// <summary>Opens a raw HTTP/2 connection and completes the SETTINGS exchange.</summary>
    public async Task<H2TestClient> ConnectAsync(int? initialWindowSize = null)
    {
        H2TestClient client = await H2TestClient.ConnectAsync(Port);
        await client.HandshakeAsync(initialWindowSize);
        return client;
    }

    /// <summary>Stops the proxy, which drains the audit queue, and keeps the folder for the test to read.</summary>
    public async Task StopAsync() => await _server.DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        await Upstream.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }
}
