using System.Globalization;
using System.Text;
using FastContractorProxy.LoadTests.Scenarios;

namespace FastContractorProxy.LoadTests.Report;

/// <summary>Renders report.md: how the run was made, one table per scenario, and every threshold with its measured value.</summary>
internal static class MarkdownReport
{
    public static string Render(RunReport report)
    {
        var text = new StringBuilder();
        MachineInfo machine = report.Machine;
        Line(text, "# Load test report");
        Line(text);
        Line(text, $"- Command: `{report.CommandLine}`");
        Line(text, $"- Started: {report.StartedUtc:yyyy-MM-dd HH:mm:ss} UTC, took {report.ElapsedSeconds / 60:0.0} min");
        Line(text, $"- Machine: {machine.ProcessorCount} cores (`nproc`), CPU model `{machine.CpuModel}`, {machine.OperatingSystem}, kernel {machine.Kernel}");
        Line(text, $"- Load average at start: {machine.LoadAverageAtStart} (the machine is shared, so other work may have run during the measurements)");
        Line(text, $"- .NET SDK {machine.DotNetSdk}, runtime {machine.DotNetRuntime}; fcp built in Release from commit {report.FcpCommit}");
        Line(text, $"- Tools: {string.Join("; ", machine.Tools.Select(tool => tool.Value))}");
        Line(text, $"- CPU pinning: {report.CpuPinning}");
        RunOptions options = report.Options;
        Line(text, $"- Rounds: {options.Rounds} of {options.Seconds} s per target, targets in the same order every round; warm-up {options.DotNetWarmupSeconds} s for .NET targets "
            + $"and {options.NativeWarmupSeconds} s for the others, then pairs of {options.CheckSeconds} s checks until two agree within 10% (at most {options.MaxCheckPairs} pairs)");
        Line(text);
        Line(text, "Medians over the rounds. CPU is the target's user + system time over a run divided by its completed requests "
            + "(nginx: master and worker). Peak RSS is the highest over the rounds. \"vs direct\" and \"vs anchor\" divide the RPS by that of "
            + "the backend alone and of the faster of nginx proxy_pass and HAProxy; \"CPU vs anchor\" does the same for CPU per request.");
        Line(text);

        foreach (ScenarioSummary summary in report.Scenarios)
        {
            RenderScenario(text, summary);
        }

        Line(text, "## Thresholds");
        Line(text);
        Line(text, "Product targets for fcp. NOT MEASURED counts as a failure; SKIPPED means the scenario or target was not selected.");
        Line(text);
        Line(text, "| status | scenario | check | bound | measured |");
        Line(text, "|---|---|---|---|---|");
        foreach (ThresholdResult threshold in report.Thresholds)
        {
            Line(text, $"| {StatusText(threshold.Status)} | {threshold.Scenario} | {threshold.Check} | {threshold.Bound} | {Escape(threshold.Measured)} |");
        }

        int failed = report.Thresholds.Count(t => t.Failed);
        Line(text);
        Line(text, $"{failed} of {report.Thresholds.Count(t => t.Status != ThresholdStatus.Skipped)} checked thresholds failed.");
        return text.ToString();
    }

    public static string StatusText(ThresholdStatus status) => status switch
    {
        ThresholdStatus.Pass => "PASS",
        ThresholdStatus.Fail => "FAIL",
        ThresholdStatus.NotMeasured => "NOT MEASURED",
        _ => "SKIPPED",
    };

    private static void RenderScenario(StringBuilder text, ScenarioSummary summary)
    {
        Scenario scenario = summary.Scenario;
        Line(text, $"## {scenario.Name}");
        Line(text);
        Line(text, $"{scenario.Description}. Path `{scenario.Path}`, expected status {scenario.ExpectedStatus}; "
            + $"best anchor: {summary.BestAnchor ?? "none measured"}; scenario took {summary.ElapsedSeconds:0} s.");
        Line(text);
        if (summary.Error is not null)
        {
            Line(text, $"The scenario failed: {Escape(summary.Error)}");
            Line(text);
        }

        Line(text, "| target | RPS | vs direct | vs anchor | p50 ms | p99 ms | CPU us/req | CPU vs anchor | peak RSS MiB | unexpected status | socket errors | warm-up |");
        Line(text, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (TargetSummary target in summary.Targets)
        {
            if (!target.Measured)
            {
                Line(text, $"| {target.DisplayName} | {Escape(target.SkippedReason ?? "no runs")} | | | | | | | | | | |");
                continue;
            }

            Line(text, string.Create(CultureInfo.InvariantCulture,
                $"| {target.DisplayName} | {target.RequestsPerSecond:N0} | {Ratio(target.RpsToDirect)} | {Ratio(target.RpsToAnchor)} | {Number(target.P50Milliseconds)} | "
                + $"{Number(target.P99Milliseconds)} | {Number(target.CpuMicrosecondsPerRequest)} | {Ratio(target.CpuToAnchor)} | {target.PeakRssMiB:0.0} | "
                + $"{target.UnexpectedResponses} | {target.SocketErrors} | {Warmup(target.Warmup)} |"));
        }

        Line(text);
        if (summary.Idle is IdleResult idle)
        {
            Line(text, string.Create(CultureInfo.InvariantCulture,
                $"Idle connections: {idle.Opened} of {idle.Requested} opened in {idle.OpenSeconds:0.0} s ({idle.Failed} failed"
                + $"{(idle.FirstError is null ? "" : ", first error: " + Escape(idle.FirstError))}); fcp RSS {idle.RssBeforeMiB:0.0} MiB before, "
                + $"{idle.RssAfterOpenMiB:0.0} MiB after opening them; fcp held {idle.ServerSocketsAfterOpen} sockets; "
                + $"{idle.StillOpenAfterRuns} still open after the runs."));
            Line(text);
        }
    }

    private static string Warmup(WarmupResult? warmup) => warmup is null
        ? "-"
        : string.Create(CultureInfo.InvariantCulture, $"{warmup.Seconds:0} s, {(warmup.Stable ? "stable" : "NOT stable")} ({warmup.LastCheckA:0} / {warmup.LastCheckB:0})");

    private static string Ratio(double value) => double.IsFinite(value) ? value.ToString("0.00", CultureInfo.InvariantCulture) : "-";

    // Two decimals below 100, whole numbers above; "-" for a missing figure.
    private static string Number(double value)
    {
        if (!double.IsFinite(value))
        {
            return "-";
        }

        string format = value >= 100 ? "0" : "0.00";
        return value.ToString(format, CultureInfo.InvariantCulture);
    }

    private static string Escape(string value) => value.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);

    private static void Line(StringBuilder text, string line = "") => text.Append(line).Append('\n');
}
