using Microsoft.Extensions.Logging;

namespace FastContractorProxy.Admin;

/// <summary>Log events of the admin listener, ids 600-609. Ids are a contract with log pipelines: never renumber one.</summary>
internal static partial class AdminLog
{
    [LoggerMessage(EventId = 600, EventName = "AdminStarted", Level = LogLevel.Information, Message = "Admin listener serving /metrics, /healthz and /readyz on {Address}")]
    public static partial void AdminStarted(ILogger logger, string address);

    [LoggerMessage(EventId = 601, EventName = "AdminStopping", Level = LogLevel.Information, Message = "Admin listener stopping")]
    public static partial void AdminStopping(ILogger logger);

    [LoggerMessage(EventId = 602, EventName = "AdminNotLoopback", Level = LogLevel.Warning, Message = "Admin listener address {Address} is not a loopback address; /metrics shows contractor ids and routes to anyone who can reach it")]
    public static partial void AdminNotLoopback(ILogger logger, string address);

    [LoggerMessage(EventId = 603, EventName = "ReadinessCheckFailing", Level = LogLevel.Warning, Message = "Readiness check {Check} is failing: {Detail}")]
    public static partial void ReadinessCheckFailing(ILogger logger, string check, string detail);

    [LoggerMessage(EventId = 604, EventName = "ReadinessCheckPassing", Level = LogLevel.Information, Message = "Readiness check {Check} passes again")]
    public static partial void ReadinessCheckPassing(ILogger logger, string check);

    [LoggerMessage(EventId = 605, EventName = "ReadinessCheckThrew", Level = LogLevel.Error, Message = "Readiness check {Check} threw an exception, so it counts as failing")]
    public static partial void ReadinessCheckThrew(ILogger logger, string check, Exception exception);
}
