using System.Net;
using System.Net.Sockets;
using FastContractorProxy.Admin;
using Microsoft.Extensions.Logging;

namespace FastContractorProxy.Tests.Admin;

public sealed class HealthEndpointTests
{
    [Fact]
    public async Task Healthz_ReturnsOk()
    {
        using var metrics = new ProxyMetrics();
        await using AdminHarness admin = await AdminHarness.StartAsync(metrics, new ReadinessCheck("policy", () => ReadinessResult.NotReady("not loaded")));

        using HttpResponseMessage response = await admin.Client.GetAsync(new Uri("healthz", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Readyz_AllChecksPass_Returns200()
    {
        using var metrics = new ProxyMetrics();
        await using AdminHarness admin = await AdminHarness.StartAsync(metrics,
            new ReadinessCheck("policy", () => ReadinessResult.Ready),
            new ReadinessCheck("audit", () => ReadinessResult.Ready));

        using HttpResponseMessage response = await admin.Client.GetAsync(new Uri("readyz", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ready", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Readyz_NoChecks_Returns200()
    {
        using var metrics = new ProxyMetrics();
        await using AdminHarness admin = await AdminHarness.StartAsync(metrics);

        using HttpResponseMessage response = await admin.Client.GetAsync(new Uri("readyz", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Readyz_FailingChecks_Returns503WithNames()
    {
        using var metrics = new ProxyMetrics();
        await using AdminHarness admin = await AdminHarness.StartAsync(metrics,
            new ReadinessCheck("policy", () => ReadinessResult.Ready),
            new ReadinessCheck("issuer https://idp.example.test", () => ReadinessResult.NotReady("no keys loaded")),
            new ReadinessCheck("audit", () => ReadinessResult.NotReady("cannot write /var/log/fcp/audit.log: permission denied")));

        using HttpResponseMessage response = await admin.Client.GetAsync(new Uri("readyz", UriKind.Relative));
        string[] lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(
            ["issuer https://idp.example.test: no keys loaded", "audit: cannot write /var/log/fcp/audit.log: permission denied"],
            lines);
    }

    [Fact]
    public async Task Readyz_ThrowingCheck_CountsAsFailing()
    {
        using var metrics = new ProxyMetrics();
        await using AdminHarness admin = await AdminHarness.StartAsync(metrics,
            new ReadinessCheck("policy", () => throw new InvalidOperationException("policy store closed")));

        using HttpResponseMessage response = await admin.Client.GetAsync(new Uri("readyz", UriKind.Relative));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("policy: check failed: policy store closed", (await response.Content.ReadAsStringAsync()).TrimEnd('\n'));
        Assert.Equal(1, admin.Logs.Count(605));
    }

    [Fact]
    public async Task Readyz_StateChanges_LoggedOnce()
    {
        bool ready = false;
        using var metrics = new ProxyMetrics();
        await using AdminHarness admin = await AdminHarness.StartAsync(metrics,
            new ReadinessCheck("audit", () => ready ? ReadinessResult.Ready : ReadinessResult.NotReady("disk full")));

        using HttpResponseMessage first = await admin.Client.GetAsync(new Uri("readyz", UriKind.Relative));
        using HttpResponseMessage second = await admin.Client.GetAsync(new Uri("readyz", UriKind.Relative));
        ready = true;
        using HttpResponseMessage third = await admin.Client.GetAsync(new Uri("readyz", UriKind.Relative));
        using HttpResponseMessage fourth = await admin.Client.GetAsync(new Uri("readyz", UriKind.Relative));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, second.StatusCode);
        Assert.Equal(HttpStatusCode.OK, third.StatusCode);
        Assert.Equal(1, admin.Logs.Count(603));
        Assert.Equal(1, admin.Logs.Count(604));
    }

    [Fact]
    public async Task Start_LogsBoundAddress()
    {
        using var metrics = new ProxyMetrics();
        await using AdminHarness admin = await AdminHarness.StartAsync(metrics);

        (int _, LogLevel level, string message) = Assert.Single(admin.Logs.Entries, e => e.EventId == 600);

        Assert.Equal(LogLevel.Information, level);
        Assert.Contains($"127.0.0.1:{admin.Server.Port}", message, StringComparison.Ordinal);
        Assert.Equal(0, admin.Logs.Count(602));
    }

    [Fact]
    public async Task UnknownPath_Returns404()
    {
        using var metrics = new ProxyMetrics();
        await using AdminHarness admin = await AdminHarness.StartAsync(metrics);

        using HttpResponseMessage response = await admin.Client.GetAsync(new Uri("admin", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Start_AddressInUse_Throws()
    {
        using var occupant = new TcpListener(IPAddress.Loopback, 0);
        occupant.Start();
        int port = ((IPEndPoint)occupant.LocalEndpoint).Port;
        using var metrics = new ProxyMetrics();
        var settings = new AdminSettings { Address = new IPEndPoint(IPAddress.Loopback, port) };
        await using var server = new AdminServer(settings, metrics, [], logging => { });

        await Assert.ThrowsAsync<IOException>(() => server.StartAsync());
    }

    [Fact]
    public async Task Dispose_StopsListener()
    {
        using var metrics = new ProxyMetrics();
        AdminHarness admin = await AdminHarness.StartAsync(metrics);
        int port = admin.Server.Port;

        await admin.DisposeAsync();
        using var client = new TcpClient();

        await Assert.ThrowsAsync<SocketException>(() => client.ConnectAsync(IPAddress.Loopback, port));
    }
}
