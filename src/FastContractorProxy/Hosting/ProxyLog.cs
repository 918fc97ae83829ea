using Microsoft.Extensions.Logging;

namespace FastContractorProxy.Hosting;

/// <summary>
/// Operational log events with stable ids. Ids are a contract with log pipelines: never renumber one.
/// 1-99 lifecycle and configuration, 100-199 client connections, 200-299 upstreams, 900+ bugs.
/// Client mistakes are Debug; nothing is logged per request at Information.
/// </summary>
internal static partial class ProxyLog
{
    [LoggerMessage(EventId = 1, EventName = "ProxyStarted", Level = LogLevel.Information, Message = "Proxy listening on {Address}")]
    public static partial void ProxyStarted(ILogger logger, string address);

    [LoggerMessage(EventId = 2, EventName = "ProxyStopping", Level = LogLevel.Information, Message = "Proxy stopping")]
    public static partial void ProxyStopping(ILogger logger);

    [LoggerMessage(EventId = 3, EventName = "ConfigurationLoaded", Level = LogLevel.Information, Message = "Configuration loaded from {Source}: {RouteCount} routes, {ClusterCount} clusters")]
    public static partial void ConfigurationLoaded(ILogger logger, string source, int routeCount, int clusterCount);

    [LoggerMessage(EventId = 4, EventName = "PolicyLoaded", Level = LogLevel.Information, Message = "Policy loaded from {Path}, version {Version}")]
    public static partial void PolicyLoaded(ILogger logger, string path, string version);

    [LoggerMessage(EventId = 5, EventName = "PolicyReloadFailed", Level = LogLevel.Error, Message = "Policy reload from {Path} failed; the previous policy stays in force: {Errors}")]
    public static partial void PolicyReloadFailed(ILogger logger, string path, string errors);

    [LoggerMessage(EventId = 6, EventName = "RunningOpen", Level = LogLevel.Warning, Message = "No policy and no identity section: every request is forwarded without authentication or authorization")]
    public static partial void RunningOpen(ILogger logger);

    [LoggerMessage(EventId = 7, EventName = "PolicyUnchanged", Level = LogLevel.Information, Message = "Policy reloaded from {Path}: unchanged, version {Version} stays in force")]
    public static partial void PolicyUnchanged(ILogger logger, string path, string version);

    [LoggerMessage(EventId = 100, EventName = "RequestRejected", Level = LogLevel.Debug, Message = "Rejected request from {Peer} with status {StatusCode} ({Reason}) at byte {Offset} of the header section")]
    public static partial void RequestRejected(ILogger logger, string peer, int statusCode, string reason, int offset);

    [LoggerMessage(EventId = 101, EventName = "ClientTimedOut", Level = LogLevel.Debug, Message = "Client {Peer} timed out: {Reason}")]
    public static partial void ClientTimedOut(ILogger logger, string peer, string reason);

    [LoggerMessage(EventId = 102, EventName = "ClientConnectionError", Level = LogLevel.Debug, Message = "Connection from {Peer} ended with an error")]
    public static partial void ClientConnectionError(ILogger logger, string peer, Exception exception);

    [LoggerMessage(EventId = 103, EventName = "AccessDenied", Level = LogLevel.Debug, Message = "Denied request {RequestId} from {Peer} with status {StatusCode} ({Reason})")]
    public static partial void AccessDenied(ILogger logger, string requestId, string peer, int statusCode, string reason);

    [LoggerMessage(EventId = 200, EventName = "DestinationUnhealthy", Level = LogLevel.Warning, Message = "Cluster {Cluster} destination {Destination} is unhealthy ({Reason}); skipping it for {CooldownSeconds} s")]
    public static partial void DestinationUnhealthy(ILogger logger, string cluster, string destination, string reason, double cooldownSeconds);

    [LoggerMessage(EventId = 201, EventName = "DestinationHealthy", Level = LogLevel.Information, Message = "Cluster {Cluster} destination {Destination} accepts connections again")]
    public static partial void DestinationHealthy(ILogger logger, string cluster, string destination);

    [LoggerMessage(EventId = 202, EventName = "UpstreamExchangeFailed", Level = LogLevel.Debug, Message = "Exchange with {Destination} for route {Route} failed: {Failure}")]
    public static partial void UpstreamExchangeFailed(ILogger logger, string destination, string route, string failure);

    [LoggerMessage(EventId = 203, EventName = "UpstreamInvalidResponse", Level = LogLevel.Debug, Message = "Destination {Destination} sent an invalid response head (byte {Offset}); the connection was closed")]
    public static partial void UpstreamInvalidResponse(ILogger logger, string destination, int offset);

    [LoggerMessage(EventId = 900, EventName = "UnexpectedError", Level = LogLevel.Error, Message = "Unexpected error on the connection from {Peer}")]
    public static partial void UnexpectedError(ILogger logger, string peer, Exception exception);
}
