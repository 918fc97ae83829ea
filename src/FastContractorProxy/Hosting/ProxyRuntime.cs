using System.Net;
using FastContractorProxy.Configuration;
using FastContractorProxy.Forwarding;
using FastContractorProxy.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging;

namespace FastContractorProxy.Hosting;

/// <summary>Everything the data path reads, built once from validated settings and never changed afterwards.</summary>
internal sealed class ProxyRuntime : IAsyncDisposable
{
    private readonly UpstreamCluster[] _clusters;
    private readonly SocketConnectionContextFactory _transportFactory;

    public ProxyRuntime(ProxySettings settings, ILoggerFactory loggerFactory)
    {
        Settings = settings;
        ILogger upstreamLogger = loggerFactory.CreateLogger("FastContractorProxy.Upstream");
        var transportOptions = new SocketConnectionFactoryOptions
        {
            UnsafePreferInlineScheduling = settings.Transport.InlineScheduling,
        };
        if (settings.Transport.IoQueueCount is int queues)
        {
            transportOptions.IOQueueCount = queues;
        }

        _transportFactory = new SocketConnectionContextFactory(transportOptions, upstreamLogger);
        _clusters = settings.Clusters.Select(c => new UpstreamCluster(c, _transportFactory, upstreamLogger)).ToArray();
        var byId = _clusters.ToDictionary(c => c.Id, StringComparer.Ordinal);
        Routes = new RouteTable(settings.Routes.Select(r =>
            new Route(r, byId[r.Cluster], r.MaxRequestBodyBytes ?? settings.Limits.MaxRequestBodyBytes)));
        FieldFilter = new FieldFilter(settings.Forwarding);
        TrustedProxies = settings.Forwarding.TrustedProxies.ToArray();
    }

    public ProxySettings Settings { get; }

    public ClientLimits Limits => Settings.Limits;

    public RouteTable Routes { get; }

    public FieldFilter FieldFilter { get; }

    public IPNetwork[] TrustedProxies { get; }

    public bool IsTrustedProxy(IPAddress address)
    {
        foreach (IPNetwork network in TrustedProxies)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (UpstreamCluster cluster in _clusters)
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
        }

        _transportFactory.Dispose();
    }
}
