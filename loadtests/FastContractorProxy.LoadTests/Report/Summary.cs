using FastContractorProxy.LoadTests.Measurement;
using FastContractorProxy.LoadTests.Scenarios;

namespace FastContractorProxy.LoadTests.Report;

/// <summary>
/// A target's figures in one scenario: medians over its rounds for RPS, latency and CPU per request, the
/// maximum peak RSS, summed errors, and ratios to direct and to the best anchor of the same run. The best
/// anchor is nginx proxy_pass or HAProxy, whichever had the higher median RPS. Ratios are NaN when either
/// side is missing.
/// </summary>
internal sealed record TargetSummary(
    string Target,
    string DisplayName,
    bool IsAnchor,
    string? SkippedReason,
    int Runs,
    double RequestsPerSecond,
    double P50Milliseconds,
    double P99Milliseconds,
    double CpuMicrosecondsPerRequest,
    double PeakRssMiB,
    long Requests,
    long UnexpectedResponses,
    long SocketErrors,
    int? ProbeStatus,
    double RpsToDirect,
    double RpsToAnchor,
    double CpuToAnchor,
    WarmupResult? Warmup)
{
    public bool Measured => SkippedReason is null && Runs > 0;
}

internal sealed record ScenarioSummary(Scenario Scenario, string? BestAnchor, IReadOnlyList<TargetSummary> Targets, IdleResult? Idle, string? Error, double ElapsedSeconds)
{
    public TargetSummary? Find(string target) => Targets.FirstOrDefault(summary => summary.Target == target);
}

internal static class Summaries
{
    public static ScenarioSummary Build(ScenarioResult result)
    {
        Scenario scenario = result.Scenario;
        var medians = result.Targets.ToDictionary(outcome => outcome.Target, outcome => Statistics.Median(outcome.Runs.Select(run => run.Load.RequestsPerSecond)));
        var cpu = result.Targets.ToDictionary(outcome => outcome.Target, outcome => Statistics.Median(outcome.Runs.Select(run => run.CpuMicrosecondsPerRequest)));
        string? bestAnchor = result.Targets
            .Where(outcome => outcome.IsAnchor && outcome.Runs.Count > 0)
            .OrderByDescending(outcome => medians[outcome.Target])
            .Select(outcome => outcome.Target)
            .FirstOrDefault();
        double direct = medians.GetValueOrDefault("direct", double.NaN);
        double anchorRps = bestAnchor is null ? double.NaN : medians[bestAnchor];
        double anchorCpu = bestAnchor is null ? double.NaN : cpu[bestAnchor];

        var targets = new List<TargetSummary>();
        foreach (TargetOutcome outcome in result.Targets)
        {
            List<RunRecord> runs = outcome.Runs;
            long requests = runs.Sum(run => run.Load.Requests);
            // In a deny scenario every response should be 403, so the unexpected ones are those below 400.
            long unexpected = scenario.Denied ? runs.Sum(run => run.Load.Succeeded) : runs.Sum(run => run.Load.ErrorResponses);
            double rps = medians[outcome.Target];
            targets.Add(new TargetSummary(
                outcome.Target,
                outcome.DisplayName,
                outcome.IsAnchor,
                outcome.SkippedReason,
                runs.Count,
                rps,
                Statistics.Median(runs.Select(run => run.Load.P50Milliseconds)),
                Statistics.Median(runs.Select(run => run.Load.P99Milliseconds)),
                cpu[outcome.Target],
                runs.Count == 0 ? double.NaN : runs.Max(run => run.PeakRssMiB),
                requests,
                unexpected,
                runs.Sum(run => run.Load.SocketErrors),
                outcome.ProbeStatus,
                rps / direct,
                rps / anchorRps,
                cpu[outcome.Target] / anchorCpu,
                outcome.Warmup));
        }

        return new ScenarioSummary(scenario, bestAnchor, targets, result.Idle, result.Error, result.ElapsedSeconds);
    }
}
