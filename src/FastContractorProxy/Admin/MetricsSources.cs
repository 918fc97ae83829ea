namespace FastContractorProxy.Admin;

/// <summary>
/// Callbacks that <see cref="ProxyMetrics"/> calls on each scrape to read state that other modules own. A null
/// callback leaves its instruments out. Callbacks run on the scrape thread, so they must be thread-safe and quick.
/// </summary>
internal sealed class MetricsSources
{
    /// <summary>The state of each issuer's JSON Web Key Set.</summary>
    public Func<IReadOnlyList<KeySetSample>>? KeySets { get; init; }

    public Func<PolicySample>? Policy { get; init; }

    public Func<AuditSample>? Audit { get; init; }
}

/// <summary>The key set of one token issuer at scrape time.</summary>
/// <param name="Issuer">The issuer URL from the configuration. The configuration fixes the set of issuers, so the tag is bounded.</param>
/// <param name="KeyCount">Keys currently loaded. With 0, every token of this issuer is rejected.</param>
/// <param name="LastSuccess">When keys were last fetched successfully, or null if never.</param>
/// <param name="ConsecutiveFailures">Failed fetches since the last success.</param>
/// <param name="Refreshes">Total fetch attempts since start, or null when the key store does not count them.</param>
/// <param name="RefreshFailures">Total failed fetches since start, or null when the key store does not count them.</param>
internal readonly record struct KeySetSample(
    string Issuer,
    int KeyCount,
    DateTimeOffset? LastSuccess,
    int ConsecutiveFailures,
    long? Refreshes = null,
    long? RefreshFailures = null);

/// <summary>Policy reload totals since start and the version in force.</summary>
/// <param name="Version">The <c>version</c> field of the policy in force, or null when no policy is loaded.</param>
internal readonly record struct PolicySample(long Reloads, long ReloadFailures, string? Version);

/// <summary>Audit writer totals since start and its current queue length.</summary>
internal readonly record struct AuditSample(long QueueLength, long RecordsWritten, long RecordsDropped, long WriteFailures);
