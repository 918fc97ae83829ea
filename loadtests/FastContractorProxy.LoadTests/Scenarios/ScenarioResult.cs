using FastContractorProxy.LoadTests.Measurement;

namespace FastContractorProxy.LoadTests.Scenarios;

/// <summary>How a target's warm-up ended: the seconds of load it took and the last two check runs' RPS.</summary>
internal sealed record WarmupResult(double Seconds, bool Stable, int CheckPairs, double LastCheckA, double LastCheckB);

/// <summary>One target in one scenario: measured, or skipped with the reason (not supported, failed to start).</summary>
internal sealed class TargetOutcome
{
    public required string Target { get; init; }

    public required string DisplayName { get; init; }

    public bool IsAnchor { get; init; }

    /// <summary>Null when the target was measured; otherwise why not.</summary>
    public string? SkippedReason { get; set; }

    public WarmupResult? Warmup { get; set; }

    /// <summary>Status of one probe request before the runs (the denied path in h1-deny, the allowed path otherwise).</summary>
    public int? ProbeStatus { get; set; }

    public List<RunRecord> Runs { get; } = [];
}

/// <summary>What idle-10k measured besides the load runs.</summary>
internal sealed record IdleResult(
    int Requested,
    int Opened,
    int Failed,
    string? FirstError,
    double OpenSeconds,
    double RssBeforeMiB,
    double RssAfterOpenMiB,
    int ServerSocketsAfterOpen,
    int StillOpenAfterRuns);

internal sealed class ScenarioResult
{
    public required Scenario Scenario { get; init; }

    public List<TargetOutcome> Targets { get; } = [];

    public IdleResult? Idle { get; set; }

    /// <summary>Set when the scenario could not run at all (the backend did not start, for example).</summary>
    public string? Error { get; set; }

    public double ElapsedSeconds { get; set; }
}
