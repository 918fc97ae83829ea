using System.Net;
using System.Net.Sockets;
using FastContractorProxy.Audit;
using FastContractorProxy.Tests.Access;
using FastContractorProxy.Tests.Identity;
using FastContractorProxy.Tests.Infrastructure;

namespace FastContractorProxy.Tests.Cli;

/// <summary><c>fcp run</c> and <c>fcp check</c> as processes: start, serve, SIGHUP reload and SIGTERM drain.</summary>
public sealed class RunCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("fcp-cli-").FullName;

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private string WriteConfiguration(int proxyPort, int upstreamPort, string policy, string extra = "")
    {
        File.WriteAllText(Path.Combine(_folder, "keys.json"), TestKey.Jwks(AccessHarness.KeyA));
        File.WriteAllText(Path.Combine(_folder, "policy.yaml"), policy);
        string path = Path.Combine(_folder, "config.yaml");
        File.WriteAllText(path, $"""
            listeners:
              - address: 127.0.0.1:{proxyPort}
            clusters:
              - id: backend
                destinations: [ 127.0.0.1:{upstreamPort} ]
            identity:
              issuers:
                - issuer: {AccessHarness.IssuerA}
                  audiences: [ {AccessHarness.Audience} ]
                  jwks_file: {Path.Combine(_folder, "keys.json")}
            policy:
              file: policy.yaml
              watch: false
            audit:
              path: audit.log

            """ + extra);
        return path;
    }

    private static string Policy(string extraGrantPath) => $"""
        contractors:
          - id: alice
            organization: Acme Consulting
            sponsor: maria@example.test
            reference: CTR-1
            authentication:
              - issuer: {AccessHarness.IssuerA}
                subject: alice-sub
        grants:
          - id: alice-items
            subjects: [ alice ]
            methods: [ GET ]
            paths: [ /api/items/**, {extraGrantPath} ]
        routes:
          - id: api
            paths: [ /api/** ]
            cluster: backend
        """;

    [Fact]
    public async Task SigtermDuringLoad_EveryResponseAudited()
    {
        await using var upstream = RecorderUpstream.Start();
        int port = FreePort();
        string config = WriteConfiguration(port, upstream.Port, Policy("/api/extra/**"));
        await using FcpProcess fcp = FcpProcess.Start("run", "--config", config);
        await fcp.WaitForOutputAsync("Proxy listening on", TimeSpan.FromSeconds(30));
        string token = AccessHarness.AliceToken();
        int responses = 0;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));

        async Task ClientAsync()
        {
            using RawHttpClient client = RawHttpClient.Connect(port);
            for (int i = 0; i < 2000 && !stop.IsCancellationRequested; i++)
            {
                try
                {
                    await client.SendAsync($"GET /api/items/{i} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n\r\n");
                    RawResponse response = await client.ReadResponseAsync();
                    Assert.Equal(200, response.StatusCode);
                    Interlocked.Increment(ref responses);
                    if (response.ClosesConnection)
                    {
                        return;
                    }
                }
                catch (Exception ex) when (ex is IOException or SocketException or TimeoutException or InvalidOperationException)
                {
                    // The proxy stopped accepting: the exchange was never started, so it has no response to count.
                    return;
                }
            }
        }

        Task[] clients = [.. Enumerable.Range(0, 4).Select(_ => Task.Run(ClientAsync))];
        await Task.Delay(700);

        // Twice, as `timeout` or an impatient operator does: the second signal must not cut the drain short.
        fcp.SendSignal("TERM");
        fcp.SendSignal("TERM");
        int exit = await fcp.WaitForExitAsync(TimeSpan.FromSeconds(40));
        await Task.WhenAll(clients);

        string audit = Path.Combine(_folder, "audit.log");
        Assert.Equal(0, exit);
        Assert.True(responses > 0);
        Assert.Equal(responses, File.ReadAllLines(audit).Length);
        Assert.Equal(AuditVerifyStatus.Valid, AuditVerifier.Verify([audit]).Status);
    }

    [Fact]
    public async Task Sighup_ReloadsPolicy()
    {
        await using var upstream = RecorderUpstream.Start();
        int port = FreePort();
        string config = WriteConfiguration(port, upstream.Port, Policy("/api/extra/**"));
        await using FcpProcess fcp = FcpProcess.Start("run", "--config", config);
        await fcp.WaitForOutputAsync("Proxy listening on", TimeSpan.FromSeconds(30));
        string token = AccessHarness.AliceToken();

        async Task<int> StatusAsync()
        {
            using RawHttpClient client = RawHttpClient.Connect(port);
            await client.SendAsync($"GET /api/other/1 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n");
            return (await client.ReadResponseAsync()).StatusCode;
        }

        int before = await StatusAsync();
        fcp.SendSignal("HUP");
        await fcp.WaitForOutputAsync("unchanged", TimeSpan.FromSeconds(10));
        await File.WriteAllTextAsync(Path.Combine(_folder, "policy.yaml"), Policy("/api/other/**"));
        fcp.SendSignal("HUP");
        // Once at start, once for the reload.
        await fcp.WaitForOutputAsync("Policy loaded from", TimeSpan.FromSeconds(10), count: 2);
        int after = await StatusAsync();

        Assert.Equal(403, before);
        Assert.Equal(200, after);
    }

    [Fact]
    public async Task JsonLogFormat_OneObjectPerLine()
    {
        int port = FreePort();
        string config = WriteConfiguration(port, 9, Policy("/api/extra/**"), "logging:\n  format: json\n");
        await using FcpProcess fcp = FcpProcess.Start("run", "--config", config);
        await fcp.WaitForOutputAsync("Proxy listening on", TimeSpan.FromSeconds(30));
        fcp.SendSignal("TERM");
        await fcp.WaitForExitAsync(TimeSpan.FromSeconds(30));

        string[] lines = fcp.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        System.Text.Json.JsonElement started = lines
            .Select(line => System.Text.Json.JsonDocument.Parse(line).RootElement)
            .First(e => e.GetProperty("EventId").GetInt32() == 1);

        Assert.Equal("Information", started.GetProperty("LogLevel").GetString());
        Assert.Contains($"127.0.0.1:{port}", started.GetProperty("Message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckCommand_ReportsEveryError()
    {
        string config = WriteConfiguration(FreePort(), 9, Policy("/api/extra/**").Replace("cluster: backend", "cluster: nowhere", StringComparison.Ordinal));

        (int exit, string output) = await FcpProcess.RunAsync("check", config);

        Assert.Equal(1, exit);
        Assert.Contains("unknown cluster 'nowhere'", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunCommand_InvalidConfiguration_Exit1()
    {
        string config = Path.Combine(_folder, "bad.yaml");
        await File.WriteAllTextAsync(config, "listeners: []\n");

        (int exit, string output) = await FcpProcess.RunAsync("run", "--config", config);

        Assert.Equal(1, exit);
        Assert.Contains("Invalid configuration", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunCommand_PortInUse_Exit2()
    {
        using var occupied = new TcpListener(IPAddress.Loopback, 0);
        occupied.Start();
        int port = ((IPEndPoint)occupied.LocalEndpoint).Port;
        string config = WriteConfiguration(port, 9, Policy("/api/extra/**"));

        (int exit, _) = await FcpProcess.RunAsync("run", "--config", config);

        Assert.Equal(2, exit);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
