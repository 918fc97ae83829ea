namespace FastContractorProxy.Audit;

/// <summary>What the audit writer does when its queue is full.</summary>
internal enum AuditFullPolicy
{
    /// <summary>The enqueue waits for room, so no record is lost but a slow sink slows requests down.</summary>
    Block,

    /// <summary>The record is discarded and counted, and the count appears in the next written record's <c>fcp.dropped</c>.</summary>
    Drop,
}

/// <summary>When the audit writer calls fsync on the log file.</summary>
internal enum AuditFsyncPolicy
{
    /// <summary>Never, so the operating system decides when written lines reach the disk.</summary>
    None,

    /// <summary>At most once per flush interval, and within one interval after the last write.</summary>
    Interval,

    /// <summary>After every batch written to the file.</summary>
    EveryBatch,
}

/// <summary>The <c>audit:</c> section: where audit records go and how the writer buffers, rotates and syncs them.</summary>
internal sealed record AuditSettings
{
    public const int DefaultQueueCapacity = 65_536;

    public const long DefaultMaxFileBytes = 100L * 1024 * 1024;

    public static readonly TimeSpan DefaultRotateInterval = TimeSpan.FromHours(24);

    public static readonly TimeSpan DefaultFlushInterval = TimeSpan.FromSeconds(1);

    public bool Enabled { get; init; } = true;

    /// <summary>The log file. Rotated files get a UTC timestamp suffix and stay in its directory. Null writes no file.</summary>
    public string? Path { get; init; }

    /// <summary>Also writes every line to standard output, for example for a container log collector.</summary>
    public bool Stdout { get; init; }

    /// <summary>Records buffered between the data path and the background writer.</summary>
    public int QueueCapacity { get; init; } = DefaultQueueCapacity;

    public AuditFullPolicy FullPolicy { get; init; } = AuditFullPolicy.Block;

    /// <summary>Size in bytes at which the file is rotated, or 0 to turn size rotation off.</summary>
    public long MaxFileBytes { get; init; } = DefaultMaxFileBytes;

    /// <summary>
    /// Length of a rotation period, counted from the Unix epoch in UTC, so the default of 24 h rotates at midnight
    /// UTC. <see cref="TimeSpan.Zero"/> turns time rotation off.
    /// </summary>
    public TimeSpan RotateInterval { get; init; } = DefaultRotateInterval;

    /// <summary>Maximum time a serialized line waits in memory before it is written to the sinks.</summary>
    public TimeSpan FlushInterval { get; init; } = DefaultFlushInterval;

    public AuditFsyncPolicy Fsync { get; init; } = AuditFsyncPolicy.Interval;

    /// <summary>Writes query strings verbatim. By default only their length is logged.</summary>
    public bool IncludeQuery { get; init; }

    /// <summary>Requests are rejected with status 503 while the audit log cannot be written.</summary>
    public bool FailClosed { get; init; }
}
