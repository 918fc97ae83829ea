using System.Net;
using FastContractorProxy.Configuration;
using FastContractorProxy.Hosting;

namespace FastContractorProxy.Tests.Infrastructure;

/// <summary>
/// The real proxy (Kestrel and the connection handler) started in-process on a free loopback port, routing
/// everything to one upstream. Tests adjust the settings through <c>configure</c>.
/// </summary>
public sealed class TestProxy : IAsyncDisposable
{
    private readonly ProxyServer _server;

    private TestProxy(ProxyServer server)
    {
        _server = server;
    }

    public int Port => _server.EndPoints[0].Port;

    internal static ProxySettings DefaultSettings(int upstreamPort) => new()
    {
        Listeners = [new IPEndPoint(IPAddress.Loopback, 0)],
        Limits = new ClientLimits
        {
            // Short enough for tests to observe timeouts, long enough for a loaded CI machine.
            HeadersTimeout = TimeSpan.FromSeconds(2),
            KeepAliveTimeout = TimeSpan.FromSeconds(5),
            MinRequestBodyRateGrace = TimeSpan.FromSeconds(1),
        },
        Clusters =
        [
            new ClusterSettings
            {
                Id = "backend",
                Destinations = [new DnsEndPoint("127.0.0.1", upstreamPort)],
                ConnectTimeout = TimeSpan.FromSeconds(2),
                ResponseHeaderTimeout = TimeSpan.FromSeconds(2),
            },
        ],
        Routes =
        [
            new RouteSettings { Id = "api", Hosts = ["api.example.test"], PathPrefix = "/", Cluster = "backend" },
            new RouteSettings { Id = "loopback", Hosts = ["127.0.0.1", "localhost"], PathPrefix = "/", Cluster = "backend" },
        ],
    };

    internal static async Task<TestProxy> StartAsync(RecorderUpstream upstream, Func<ProxySettings, ProxySettings>? configure = null) =>
        await StartAsync(upstream.Port, configure);

    internal static async Task<TestProxy> StartAsync(int upstreamPort, Func<ProxySettings, ProxySettings>? configure = null)
    {
        ProxySettings settings = DefaultSettings(upstreamPort);
        if (configure is not null)
        {
            settings = configure(settings);
        }

        ProxyServer server = await ProxyServer.StartAsync(settings, logging => { });
        return new TestProxy(server);
    }

    public RawHttpClient Connect() => RawHttpClient.Connect(Port);

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();
}
