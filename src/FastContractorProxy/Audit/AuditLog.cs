using Microsoft.Extensions.Logging;

namespace FastContractorProxy.Audit;

/// <summary>
/// Log events of the audit module, ids 500-509. Ids are a contract with log pipelines: never renumber one.
/// No event is written per audit record, and the writer rate-limits events for repeated failures and drops.
/// </summary>
internal static partial class AuditLog
{
    [LoggerMessage(EventId = 500, EventName = "AuditWriterStarted", Level = LogLevel.Information,
        Message = "Audit log started: file {Path}, stdout {Stdout}, queue capacity {QueueCapacity}, full policy {FullPolicy}; the hash chain continues from {PreviousHash}")]
    public static partial void WriterStarted(ILogger logger, string path, bool stdout, int queueCapacity, AuditFullPolicy fullPolicy, string previousHash);

    [LoggerMessage(EventId = 501, EventName = "AuditWriteFailed", Level = LogLevel.Error,
        Message = "{Error} ({ConsecutiveFailures} in a row, {QueueLength} records queued). Retrying in {RetryMilliseconds} ms")]
    public static partial void WriteFailed(ILogger logger, string error, int consecutiveFailures, int queueLength, long retryMilliseconds);

    [LoggerMessage(EventId = 502, EventName = "AuditWriteRecovered", Level = LogLevel.Information,
        Message = "Writing the audit log {Path} works again after {FailureCount} failures")]
    public static partial void WriteRecovered(ILogger logger, string path, int failureCount);

    [LoggerMessage(EventId = 503, EventName = "AuditFileRotated", Level = LogLevel.Information,
        Message = "Audit log rotated by {Trigger}: {Path} renamed to {RotatedPath}")]
    public static partial void FileRotated(ILogger logger, string trigger, string path, string rotatedPath);

    [LoggerMessage(EventId = 504, EventName = "AuditRecordsDropped", Level = LogLevel.Warning,
        Message = "The audit queue was full: {Dropped} records dropped in the last {Seconds} s, {TotalDropped} since start")]
    public static partial void RecordsDropped(ILogger logger, long dropped, long seconds, long totalDropped);

    [LoggerMessage(EventId = 505, EventName = "AuditIncompleteLineTerminated", Level = LogLevel.Warning,
        Message = "The last line of the audit log {Path} had no newline, so an earlier write was interrupted; a newline was appended and verification will report that line")]
    public static partial void IncompleteLineTerminated(ILogger logger, string path);

    [LoggerMessage(EventId = 506, EventName = "AuditWriterStopped", Level = LogLevel.Information,
        Message = "Audit log stopped: {Written} records written, {Dropped} dropped, {WriteFailures} write failures")]
    public static partial void WriterStopped(ILogger logger, long written, long dropped, long writeFailures);

    [LoggerMessage(EventId = 507, EventName = "AuditRecordsAbandoned", Level = LogLevel.Error,
        Message = "The audit writer stopped before the log could be written: {Count} records were lost. Last error: {Error}")]
    public static partial void RecordsAbandoned(ILogger logger, long count, string error);

    [LoggerMessage(EventId = 508, EventName = "AuditEnqueueAfterCompletion", Level = LogLevel.Warning,
        Message = "An audit record arrived after the writer was completed and was dropped; later ones are counted without a log event")]
    public static partial void EnqueueAfterCompletion(ILogger logger);
}
