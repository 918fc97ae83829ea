using FastContractorProxy.Configuration;
using FastContractorProxy.Hosting;

namespace FastContractorProxy.Tests.Access;

/// <summary>Audit logs that cannot be used: shared by two processes, pointing at a folder, or unwritable at shutdown.</summary>
public sealed class AuditFailureTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("fcp-audit-fail-").FullName;

    private ProxySettings Load(string audit, string limits = "") => SettingsLoader.Parse($"""
        listeners:
          - address: 127.0.0.1:0
        clusters:
          - id: backend
            destinations: [ 127.0.0.1:9 ]
        routes:
          - id: all
            cluster: backend
        {limits}
        audit:
        {audit}
        """, "test", _folder);

    [Fact]
    public async Task SameAuditPath_SecondProxyRefused()
    {
        ProxySettings settings = Load("  path: audit.log");
        await using ProxyServer first = await ProxyServer.StartAsync(settings, logging => { });

        IOException error = await Assert.ThrowsAsync<IOException>(() => ProxyServer.StartAsync(settings, logging => { }));

        Assert.Contains("locked by another fcp process", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingFolder_ConfigurationError()
    {
        string[] errors = [.. Assert.Throws<SettingsException>(() => Load("  path: no-such-folder/audit.log")).Errors];

        Assert.Contains(errors, e => e.StartsWith("audit.path: the folder", StringComparison.Ordinal) && e.Contains("does not exist", StringComparison.Ordinal));
    }

    [Fact]
    public void PathIsFolder_ConfigurationError()
    {
        Directory.CreateDirectory(Path.Combine(_folder, "logs"));

        string[] errors = [.. Assert.Throws<SettingsException>(() => Load("  path: logs")).Errors];

        Assert.Contains(errors, e => e.Contains("is a folder", StringComparison.Ordinal));
    }

    [Fact]
    public async Task UnwritableLog_ShutdownStillEnds()
    {
        ProxySettings settings = Load("  path: audit.log", "limits:\n  shutdown_timeout: 1s");

        // The log's path becomes a folder after the configuration was checked, so every write fails.
        Directory.CreateDirectory(Path.Combine(_folder, "audit.log"));
        ProxyServer proxy = await ProxyServer.StartAsync(settings, logging => { });
        using (var client = Infrastructure.RawHttpClient.Connect(proxy.EndPoints[0].Port))
        {
            await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            await client.ReadResponseAsync();
        }

        await proxy.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(20));

        Assert.False(proxy.Runtime.Audit!.Healthy);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
