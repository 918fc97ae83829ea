using FastContractorProxy.Forwarding;
using FastContractorProxy.Policy;

namespace FastContractorProxy.Hosting;

/// <summary>What the data path needs from a policy route: where to forward and which credentials it takes.</summary>
internal sealed class RouteBinding(RouteDefinition route, UpstreamCluster cluster)
{
    public RouteDefinition Route { get; } = route;

    public UpstreamCluster Cluster { get; } = cluster;

    /// <summary>True when the route accepts tokens of this issuer (every configured issuer when the route lists none).</summary>
    public bool AcceptsIssuer(string issuer)
    {
        IReadOnlyList<string> issuers = Route.Issuers;
        if (issuers.Count == 0)
        {
            return true;
        }

        for (int i = 0; i < issuers.Count; i++)
        {
            if (string.Equals(issuers[i], issuer, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>
/// A compiled policy with its routes bound to upstream clusters. Immutable; a reload builds a new snapshot and
/// swaps it in whole, so a request decided under one snapshot is forwarded under the same one.
/// </summary>
internal sealed class AccessSnapshot
{
    private readonly Dictionary<string, RouteBinding> _routes;

    public AccessSnapshot(CompiledPolicy policy, IReadOnlyDictionary<string, UpstreamCluster> clusters)
    {
        Policy = policy;
        _routes = policy.Document.Routes.ToDictionary(r => r.Id, r => new RouteBinding(r, clusters[r.Cluster]), StringComparer.Ordinal);
    }

    public CompiledPolicy Policy { get; }

    public string Version => Policy.Version;

    public RouteBinding Route(string routeId) => _routes[routeId];
}
