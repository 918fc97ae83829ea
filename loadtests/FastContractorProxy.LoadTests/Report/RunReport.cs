namespace FastContractorProxy.LoadTests.Report;

/// <summary>Everything one run produced; written as results.json and rendered as report.md.</summary>
internal sealed record RunReport(
    DateTime StartedUtc,
    double ElapsedSeconds,
    string CommandLine,
    RunOptions Options,
    MachineInfo Machine,
    string CpuPinning,
    string FcpCommit,
    IReadOnlyList<ScenarioSummary> Scenarios,
    IReadOnlyList<Scenarios.ScenarioResult> RawResults,
    IReadOnlyList<ThresholdResult> Thresholds);
