using System.Net;
using FastContractorProxy.Identity;
using FastContractorProxy.Policy;

namespace FastContractorProxy.Configuration;

/// <summary>The whole proxy configuration after validation. Immutable; a reload builds a new instance.</summary>
internal sealed record ProxySettings
{
    public required IReadOnlyList<IPEndPoint> Listeners { get; init; }

    public ClientLimits Limits { get; init; } = new();

    public required IReadOnlyList<ClusterSettings> Clusters { get; init; }

    public required IReadOnlyList<RouteSettings> Routes { get; init; }

    public ForwardingSettings Forwarding { get; init; } = new();

    public TransportSettings Transport { get; init; } = new();

    public LoggingSettings Logging { get; init; } = new();

    public Http2Limits Http2 { get; init; } = Http2Limits.Default;

    /// <summary>Token issuers and API keys; null when the configuration has no <c>identity</c> section.</summary>
    public IdentitySettings? Identity { get; init; }

    /// <summary>The admin listener (metrics, health, readiness); null when the configuration has no <c>admin</c> section or turns it off.</summary>
    public Admin.AdminSettings? Admin { get; init; }

    /// <summary>The audit log; null when the configuration has no <c>audit</c> section or turns it off.</summary>
    public Audit.AuditSettings? Audit { get; init; }

    /// <summary>The authorization policy; null when the configuration names no policy file.</summary>
    public PolicySource? Policy { get; init; }

    /// <summary>
    /// True when requests are forwarded without authentication or authorization: no policy and no identity
    /// section. Meant for local development; the proxy logs a warning at start.
    /// </summary>
    public bool IsOpen => Policy is null && Identity is null;
}

/// <summary>The policy file and the document read from it at load time.</summary>
/// <param name="FilePath">Absolute path; a reload reads it again.</param>
/// <param name="Watch">Reload when the file changes, besides on SIGHUP.</param>
internal sealed record PolicySource(string FilePath, bool Watch, PolicyDocument Document);

/// <summary>Console log output: one line per event, as text or as JSON for log shippers.</summary>
internal sealed record LoggingSettings
{
    /// <summary>True writes one JSON object per line; false writes single-line text.</summary>
    public bool Json { get; init; }

    public Microsoft.Extensions.Logging.LogLevel Level { get; init; } = Microsoft.Extensions.Logging.LogLevel.Information;
}

/// <summary>Kestrel socket transport settings; measured choices are recorded in docs/benchmarks.md.</summary>
internal sealed record TransportSettings
{
    /// <summary>Run socket continuations inline on the I/O thread instead of the thread pool (Kestrel's UnsafePreferInlineScheduling).</summary>
    public bool InlineScheduling { get; init; }

    /// <summary>Number of socket I/O queues; null keeps Kestrel's default (the processor count, at most 16).</summary>
    public int? IoQueueCount { get; init; }
}

/// <summary>Limits and timeouts applied to downstream (client) connections.</summary>
internal sealed record ClientLimits
{
    public int MaxRequestLineBytes { get; init; } = 8 * 1024;

    public int MaxHeaderBytes { get; init; } = 32 * 1024;

    public int MaxHeaderFields { get; init; } = 100;

    public int MaxTrailerBytes { get; init; } = 8 * 1024;

    /// <summary>Total time allowed from the first byte of a request to the end of its header section.</summary>
    public TimeSpan HeadersTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Time an idle keep-alive connection may wait for the first byte of its next request.</summary>
    public TimeSpan KeepAliveTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Longest time one write of response data may wait for the client to read; a slower client is disconnected.</summary>
    public TimeSpan ResponseSendTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Minimum request body data rate in bytes per second, enforced after <see cref="MinRequestBodyRateGrace"/>.</summary>
    public double MinRequestBodyBytesPerSecond { get; init; } = 240;

    public TimeSpan MinRequestBodyRateGrace { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Default for routes that do not set their own limit.</summary>
    public long MaxRequestBodyBytes { get; init; } = 10 * 1024 * 1024;

    /// <summary>A WebSocket tunnel with no data in either direction for this long is closed.</summary>
    public TimeSpan TunnelIdleTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>On shutdown, how long requests in flight may take to finish before their connections are aborted.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Returns how long the next request body bytes may take to arrive: the body must have kept up the minimum
    /// rate, after the grace period, since it started at the <see cref="System.Diagnostics.Stopwatch"/> timestamp
    /// <paramref name="started"/>.
    /// </summary>
    public TimeSpan BodyReadAllowance(long started, long received)
    {
        if (MinRequestBodyBytesPerSecond <= 0)
        {
            return KeepAliveTimeout;
        }

        double allowedSeconds = MinRequestBodyRateGrace.TotalSeconds + (received / MinRequestBodyBytesPerSecond);
        return TimeSpan.FromSeconds(allowedSeconds) - System.Diagnostics.Stopwatch.GetElapsedTime(started);
    }
}

/// <summary>A group of interchangeable upstream destinations.</summary>
internal sealed record ClusterSettings
{
    public required string Id { get; init; }

    public required IReadOnlyList<DnsEndPoint> Destinations { get; init; }

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Time from the end of the request to the end of the response header section.</summary>
    public TimeSpan ResponseHeaderTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Pooled connections idle longer than this are closed instead of reused.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public int MaxIdleConnectionsPerDestination { get; init; } = 64;

    /// <summary>How long a destination that refused a connection is skipped.</summary>
    public TimeSpan UnhealthyCooldown { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>Maps a host and a canonical path prefix to a cluster.</summary>
internal sealed record RouteSettings
{
    public required string Id { get; init; }

    /// <summary>Hosts (without port, any case) this route serves; empty means every host.</summary>
    public IReadOnlyList<string> Hosts { get; init; } = [];

    /// <summary>Matched against the canonical path on segment boundaries: "/api" matches "/api" and "/api/x", not "/apix".</summary>
    public string PathPrefix { get; init; } = "/";

    /// <summary>Upstream cluster; required without a policy, and not allowed with one, because the policy's routes then choose the cluster.</summary>
    public string? Cluster { get; init; }

    /// <summary>
    /// Lowercase the canonical path before authorization and forwarding, for upstreams that treat paths
    /// case-insensitively. Off by default: RFC 3986 paths are case-sensitive.
    /// </summary>
    public bool CaseInsensitive { get; init; }

    /// <summary>Overrides <see cref="ClientLimits.MaxRequestBodyBytes"/> when set.</summary>
    public long? MaxRequestBodyBytes { get; init; }

    /// <summary>Keep '%2F' as an opaque character inside a segment instead of rejecting it.</summary>
    public bool AllowEncodedSlash { get; init; }

    /// <summary>Allow ';' in paths. Off by default because some upstreams strip ";params" from segments and then see a different path.</summary>
    public bool AllowPathParameters { get; init; }
}

/// <summary>How requests are rewritten towards the upstream.</summary>
internal sealed record ForwardingSettings
{
    /// <summary>Peers whose X-Forwarded-For chain is kept; every other peer's chain is replaced by its own address.</summary>
    public IReadOnlyList<IPNetwork> TrustedProxies { get; init; } = [];

    /// <summary>
    /// Client fields removed before forwarding: names, or prefixes ending in '*'. Matching ignores case and
    /// treats '_' as '-'. The default lists fields that common frameworks trust as the original URL or method,
    /// the client address, or the caller's identity.
    /// </summary>
    public IReadOnlyList<string> StripRequestFields { get; init; } = DefaultStripRequestFields;

    /// <summary>Drop client fields whose name contains '_' (as nginx does by default), because CGI-style upstreams read '_' as '-'.</summary>
    public bool DropFieldsWithUnderscore { get; init; } = true;

    /// <summary>Names of the fields that carry the validated identity to the upstream; client copies are always removed.</summary>
    public IdentityFieldNames IdentityFields { get; init; } = new();

    public static readonly IReadOnlyList<string> DefaultStripRequestFields =
    [
        // Client address, read by ASP.NET ForwardedHeaders, Express "trust proxy", Rails, Django, Spring and nginx realip.
        "Forwarded", "X-Forwarded-*", "X-Real-IP", "True-Client-IP", "X-Client-IP", "X-Cluster-Client-IP",
        "CF-Connecting-IP", "Fastly-Client-IP", "X-ProxyUser-Ip", "X-Original-Forwarded-For",

        // Original URL, host or method: IIS URL Rewrite and Symfony (X-Original-URL, X-Rewrite-URL),
        // ASP.NET and Spring (X-Original-Host, X-Original-Proto), method-override middleware.
        "X-Original-URL", "X-Rewrite-URL", "X-Original-Host", "X-Original-Proto", "X-Original-Method",
        "X-Host", "X-HTTP-Host-Override", "X-Scheme", "X-URL-Scheme", "Front-End-Https",
        "X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override",

        // Caller identity set by authenticating proxies (oauth2-proxy, Apache, Envoy client certificates).
        "X-Auth-User", "X-Auth-Request-*", "Remote-User", "X-Remote-User", "X-User", "X-Authenticated-User",
        "X-Client-Cert", "X-SSL-Client-*", "X-ARR-ClientCert", "X-Contractor-*",
    ];
}

/// <summary>Field names for the identity the proxy passes upstream. Each is set only from a validated credential.</summary>
internal sealed record IdentityFieldNames
{
    public string ContractorId { get; init; } = "X-Contractor-Id";

    public string Organization { get; init; } = "X-Contractor-Org";

    /// <summary>Space-separated scopes, as in the token's <c>scope</c> claim.</summary>
    public string Scopes { get; init; } = "X-Contractor-Scopes";
}
