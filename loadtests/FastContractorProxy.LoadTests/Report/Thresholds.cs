using System.Globalization;
using FastContractorProxy.LoadTests.Scenarios;

namespace FastContractorProxy.LoadTests.Report;

internal enum ThresholdStatus
{
    Pass,
    Fail,

    /// <summary>The scenario and targets ran, but the value is missing (a target failed or does not support the protocol); counts as a failure.</summary>
    NotMeasured,

    /// <summary>The scenario or a target of the check was not selected for this run; not counted.</summary>
    Skipped,
}

internal sealed record ThresholdResult(string Scenario, string Check, string Bound, string Measured, ThresholdStatus Status)
{
    public bool Failed => Status is ThresholdStatus.Fail or ThresholdStatus.NotMeasured;
}

/// <summary>
/// The product targets for fcp, checked against the medians of a run. They are goals, and most are expected to
/// fail today: every one is listed with its measured value, failing or not.
/// </summary>
internal static class Thresholds
{
    public const double RssUnderLoadMiB = 64;
    public const double IdleRssMiB = 100;

    public static IReadOnlyList<ThresholdResult> Evaluate(IReadOnlyList<ScenarioSummary> summaries, RunOptions options)
    {
        var results = new List<ThresholdResult>();
        ScenarioSummary? Scenario(string name) => summaries.FirstOrDefault(summary => summary.Scenario.Name == name);

        results.Add(Ratio(Scenario("h1-small"), "h1-small", options, "fcp CPU per request vs nginx proxy_pass", "nginx",
            s => s.CpuMicrosecondsPerRequest, "<= 0.90", ratio => ratio <= 0.90));
        results.Add(Ratio(Scenario("h1-small"), "h1-small", options, "fcp RPS vs nginx proxy_pass", "nginx",
            s => s.RequestsPerSecond, ">= 1.00", ratio => ratio >= 1.00));
        results.Add(Ratio(Scenario("h1-small"), "h1-small", options, "fcp p99 latency vs nginx proxy_pass", "nginx",
            s => s.P99Milliseconds, "<= 1.00", ratio => ratio <= 1.00));
        results.Add(Ratio(Scenario("h1-small"), "h1-small", options, "fcp RPS vs YARP", "yarp",
            s => s.RequestsPerSecond, ">= 4.00", ratio => ratio >= 4.00));
        results.Add(Ratio(Scenario("h2c"), "h2c", options, "fcp CPU per request vs HAProxy", "haproxy",
            s => s.CpuMicrosecondsPerRequest, "<= 0.90", ratio => ratio <= 0.90));
        results.Add(Ratio(Scenario("h2c"), "h2c", options, "fcp RPS vs YARP", "yarp",
            s => s.RequestsPerSecond, ">= 4.00", ratio => ratio >= 4.00));

        foreach (Scenario scenario in ScenarioCatalog.All.Where(s => s.IdleConnections == 0))
        {
            results.Add(Rss(Scenario(scenario.Name), scenario.Name, options, RssUnderLoadMiB, "fcp peak RSS under load"));
        }

        results.Add(Rss(Scenario("idle-10k"), "idle-10k", options, IdleRssMiB, "fcp peak RSS with 10,000 idle connections"));
        results.Add(IdleConnectionsHeld(Scenario("idle-10k"), options));

        foreach (ScenarioSummary summary in summaries)
        {
            foreach (TargetSummary target in summary.Targets)
            {
                ThresholdResult? errors = Errors(summary, target);
                if (errors is not null)
                {
                    results.Add(errors);
                }
            }
        }

        return results;
    }

    private static ThresholdResult Ratio(ScenarioSummary? summary, string scenario, RunOptions options, string check, string other,
        Func<TargetSummary, double> metric, string bound, Func<double, bool> passes)
    {
        if (summary is null || !options.Targets.Contains("fcp") || !options.Targets.Contains(other) || !summary.Scenario.Targets.Contains(other))
        {
            return new ThresholdResult(scenario, check, bound, "scenario or target not selected", ThresholdStatus.Skipped);
        }

        TargetSummary? fcp = summary.Find("fcp");
        TargetSummary? baseline = summary.Find(other);
        string? missing = Missing("fcp", fcp, summary) ?? Missing(other, baseline, summary);
        if (missing is not null)
        {
            return new ThresholdResult(scenario, check, bound, missing, ThresholdStatus.NotMeasured);
        }

        double fcpValue = metric(fcp!);
        double baselineValue = metric(baseline!);
        double ratio = fcpValue / baselineValue;
        if (!double.IsFinite(ratio))
        {
            return new ThresholdResult(scenario, check, bound, $"fcp {Number(fcpValue)}, {other} {Number(baselineValue)}", ThresholdStatus.NotMeasured);
        }

        string measured = string.Create(CultureInfo.InvariantCulture, $"{ratio:0.00} (fcp {Number(fcpValue)}, {other} {Number(baselineValue)})");
        return new ThresholdResult(scenario, check, bound, measured, passes(ratio) ? ThresholdStatus.Pass : ThresholdStatus.Fail);
    }

    private static ThresholdResult Rss(ScenarioSummary? summary, string scenario, RunOptions options, double limitMiB, string check)
    {
        string bound = string.Create(CultureInfo.InvariantCulture, $"<= {limitMiB:0} MiB");
        if (summary is null || !options.Targets.Contains("fcp"))
        {
            return new ThresholdResult(scenario, check, bound, "scenario or target not selected", ThresholdStatus.Skipped);
        }

        TargetSummary? fcp = summary.Find("fcp");
        string? missing = Missing("fcp", fcp, summary);
        if (missing is not null)
        {
            return new ThresholdResult(scenario, check, bound, missing, ThresholdStatus.NotMeasured);
        }

        double peak = fcp!.PeakRssMiB;
        if (summary.Idle is not null)
        {
            peak = Math.Max(peak, summary.Idle.RssAfterOpenMiB);
        }

        string measured = string.Create(CultureInfo.InvariantCulture, $"{peak:0.0} MiB");
        return new ThresholdResult(scenario, check, bound, measured, peak <= limitMiB ? ThresholdStatus.Pass : ThresholdStatus.Fail);
    }

    private static ThresholdResult IdleConnectionsHeld(ScenarioSummary? summary, RunOptions options)
    {
        const string Check = "idle connections opened and still open after the runs";
        if (summary is null || !options.Targets.Contains("fcp"))
        {
            return new ThresholdResult("idle-10k", Check, "= 10000", "scenario or target not selected", ThresholdStatus.Skipped);
        }

        IdleResult? idle = summary.Idle;
        if (idle is null)
        {
            return new ThresholdResult("idle-10k", Check, "= 10000", summary.Error ?? "no idle connections were opened", ThresholdStatus.NotMeasured);
        }

        string measured = $"{idle.Opened} opened, {idle.StillOpenAfterRuns} still open";
        bool allHeld = idle.Opened == idle.Requested && idle.StillOpenAfterRuns == idle.Requested;
        return new ThresholdResult("idle-10k", Check, $"= {idle.Requested}", measured, allHeld ? ThresholdStatus.Pass : ThresholdStatus.Fail);
    }

    // Zero errors: no socket errors, and every response has the scenario's expected status class.
    private static ThresholdResult? Errors(ScenarioSummary summary, TargetSummary target)
    {
        Scenario scenario = summary.Scenario;
        string check = $"{target.DisplayName}: errors";
        string bound = scenario.Denied ? "0 (every response 403)" : "0";
        if (target.SkippedReason is not null)
        {
            // A target without h2c appears in the scenario table, and the ratio checks already count it as not measured.
            return target.SkippedReason.StartsWith("failed to start", StringComparison.Ordinal)
                ? new ThresholdResult(scenario.Name, check, bound, target.SkippedReason, ThresholdStatus.NotMeasured)
                : null;
        }

        bool probeOk = target.ProbeStatus == scenario.ExpectedStatus;
        string unexpected = scenario.Denied ? "responses below 400" : "responses with status >= 400";
        string measured = $"{target.UnexpectedResponses} {unexpected}, {target.SocketErrors} socket errors; probe status {target.ProbeStatus?.ToString(CultureInfo.InvariantCulture) ?? "none"}";
        bool passed = target.UnexpectedResponses == 0 && target.SocketErrors == 0 && probeOk && target.Runs > 0;
        return new ThresholdResult(scenario.Name, check, bound, measured, passed ? ThresholdStatus.Pass : ThresholdStatus.Fail);
    }

    private static string? Missing(string name, TargetSummary? target, ScenarioSummary summary)
    {
        if (target is null)
        {
            return summary.Error is null ? $"{name} did not run" : $"scenario failed: {summary.Error}";
        }

        return target.Measured ? null : $"{name}: {target.SkippedReason ?? "no runs"}";
    }

    private static string Number(double value) => value.ToString(value >= 100 ? "0" : "0.00", CultureInfo.InvariantCulture);
}
