using System.Text;
using FastContractorProxy.Configuration;
using FastContractorProxy.Forwarding;
using FastContractorProxy.Http1;
using FastContractorProxy.Paths;

namespace FastContractorProxy.Routing;

/// <summary>A route compiled for matching on bytes.</summary>
internal sealed class Route
{
    public Route(RouteSettings settings, UpstreamCluster? cluster, long maxRequestBodyBytes)
    {
        Settings = settings;
        Cluster = cluster;
        MaxRequestBodyBytes = maxRequestBodyBytes;
        Hosts = settings.Hosts.Select(h => Encoding.ASCII.GetBytes(h)).ToArray();
        Prefix = Encoding.ASCII.GetBytes(settings.PathPrefix);
        PathOptions = new PathOptions(settings.AllowEncodedSlash, settings.AllowPathParameters);
    }

    public RouteSettings Settings { get; }

    public string Id => Settings.Id;

    /// <summary>The route's cluster; null when a policy chooses the cluster.</summary>
    public UpstreamCluster? Cluster { get; }

    public long MaxRequestBodyBytes { get; }

    public byte[][] Hosts { get; }

    public byte[] Prefix { get; }

    public PathOptions PathOptions { get; }
}

/// <summary>
/// Finds the route for a host and canonical path. Routes with hosts come before host-less ones, and longer
/// prefixes before shorter ones, so the most specific route wins regardless of order in the file.
/// </summary>
internal sealed class RouteTable
{
    private readonly Route[] _routes;

    public RouteTable(IEnumerable<Route> routes)
    {
        _routes = routes
            .OrderByDescending(r => r.Hosts.Length > 0)
            .ThenByDescending(r => r.Prefix.Length)
            .ToArray();
        AnyAllowsEncodedSlash = _routes.Any(r => r.PathOptions.AllowEncodedSlash);
        AnyAllowsPathParameters = _routes.Any(r => r.PathOptions.AllowPathParameters);
    }

    public bool AnyAllowsEncodedSlash { get; }

    public bool AnyAllowsPathParameters { get; }

    public IReadOnlyList<Route> Routes => _routes;

    /// <summary>Returns the first route whose host and prefix match, or null. The port of the authority is ignored.</summary>
    public Route? Match(ReadOnlySpan<byte> authority, ReadOnlySpan<byte> canonicalPath)
    {
        ReadOnlySpan<byte> host = HostWithoutPort(authority);
        foreach (Route route in _routes)
        {
            if (route.Hosts.Length > 0 && !MatchesAnyHost(route.Hosts, host))
            {
                continue;
            }

            if (MatchesPrefix(route.Prefix, canonicalPath))
            {
                return route;
            }
        }

        return null;
    }

    private static bool MatchesAnyHost(byte[][] hosts, ReadOnlySpan<byte> host)
    {
        foreach (byte[] candidate in hosts)
        {
            if (HttpChars.EqualsIgnoreCase(host, candidate))
            {
                return true;
            }
        }

        return false;
    }

    private static bool MatchesPrefix(ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> path)
    {
        if (prefix.Length == 1)
        {
            return true;
        }

        return path.StartsWith(prefix) && (path.Length == prefix.Length || path[prefix.Length] == '/');
    }

    internal static ReadOnlySpan<byte> HostWithoutPort(ReadOnlySpan<byte> authority)
    {
        if (authority.IsEmpty)
        {
            return authority;
        }

        if (authority[0] == '[')
        {
            int close = authority.IndexOf((byte)']');
            return close < 0 ? authority : authority[..(close + 1)];
        }

        int colon = authority.IndexOf((byte)':');
        return colon < 0 ? authority : authority[..colon];
    }
}
