using System.Diagnostics;
using System.Globalization;
using FastContractorProxy.LoadTests.Infrastructure;
using FastContractorProxy.LoadTests.Measurement;
using FastContractorProxy.LoadTests.Report;
using FastContractorProxy.LoadTests.Scenarios;

namespace FastContractorProxy.LoadTests;

/// <summary>
/// One run of the program: checks the tools, publishes fcp and the YARP proxy, starts the IdP, runs the selected
/// scenarios one after the other, and writes report.md, results.json and chart.png under loadtests/results.
/// </summary>
internal static class LoadTestRun
{
    /// <summary>Exit code when every checked threshold passed.</summary>
    public const int Passed = 0;

    /// <summary>Exit code when a threshold failed or could not be measured.</summary>
    public const int ThresholdFailed = 1;

    /// <summary>Exit code when the run could not be made (missing tool, failed build, cancelled).</summary>
    public const int RunFailed = 2;

    public static async Task<int> RunAsync(RunOptions options, CancellationToken cancellationToken)
    {
        DateTime startedUtc = DateTime.UtcNow;
        var clock = Stopwatch.StartNew();
        string repositoryRoot = RepositoryPaths.FindRoot();
        await CheckToolsAsync(options, cancellationToken);
        string ticks = await CommandRunner.RunBashAsync("getconf CLK_TCK", TimeSpan.FromSeconds(10), cancellationToken);
        ProcFs.ClockTicksPerSecond = int.Parse(ticks.Trim(), CultureInfo.InvariantCulture);
        CpuLayout cpus = CpuLayout.Detect();
        MachineInfo machine = await MachineInfo.CollectAsync(cancellationToken);
        Log.Info($"{cpus.Describe()}; scenarios {string.Join(",", options.Scenarios)}; targets {string.Join(",", options.Targets)}");

        using Workspace workspace = Workspace.Create();
        string? fcp = null;
        string commit = "(fcp not selected)";
        if (options.Targets.Contains("fcp"))
        {
            Log.Info($"publishing fcp (Release, committed HEAD) to {workspace.Root}");
            (fcp, commit) = await Builds.PublishFcpAsync(repositoryRoot, workspace, cancellationToken);
        }

        string? yarp = null;
        if (options.Targets.Contains("yarp"))
        {
            Log.Info("publishing loadtests/YarpProxy (Release)");
            yarp = await Builds.PublishYarpAsync(repositoryRoot, workspace, cancellationToken);
        }

        await using IdentityProvider idp = await IdentityProvider.StartAsync(repositoryRoot, workspace, cancellationToken);
        Log.Info($"IdP ready at {idp.Issuer}");
        var context = new RunContext(options, workspace, cpus, idp, fcp, yarp);
        var results = new List<ScenarioResult>();
        foreach (string name in options.Scenarios)
        {
            results.Add(await ScenarioRunner.RunAsync(ScenarioCatalog.Find(name), context, cancellationToken));
        }

        IReadOnlyList<ScenarioSummary> summaries = results.Select(Summaries.Build).ToList();
        IReadOnlyList<ThresholdResult> thresholds = Thresholds.Evaluate(summaries, options);
        var report = new RunReport(startedUtc, clock.Elapsed.TotalSeconds, options.CommandLine, options, machine, cpus.Describe(), commit, summaries, results, thresholds);
        string folder = Path.Combine(repositoryRoot, "loadtests", "results", startedUtc.ToString("yyyy-MM-dd'T'HH-mm-ss'Z'", CultureInfo.InvariantCulture));
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, "report.md"), MarkdownReport.Render(report), cancellationToken);
        await JsonReport.WriteAsync(report, Path.Combine(folder, "results.json"), cancellationToken);
        Chart.Write(summaries, Path.Combine(folder, "chart.png"));

        PrintThresholds(thresholds);
        Log.Info($"report written to {folder} after {clock.Elapsed.TotalMinutes:0.0} min");
        return thresholds.Any(threshold => threshold.Failed) ? ThresholdFailed : Passed;
    }

    private static void PrintThresholds(IReadOnlyList<ThresholdResult> thresholds)
    {
        Console.WriteLine();
        Console.WriteLine("Thresholds:");
        foreach (ThresholdResult threshold in thresholds)
        {
            Console.WriteLine($"  {MarkdownReport.StatusText(threshold.Status),-12} {threshold.Scenario,-15} {threshold.Check} {threshold.Bound}: {threshold.Measured}");
        }

        int failed = thresholds.Count(threshold => threshold.Failed);
        Console.WriteLine($"{failed} of {thresholds.Count(t => t.Status != ThresholdStatus.Skipped)} checked thresholds failed.");
    }

    private static async Task CheckToolsAsync(RunOptions options, CancellationToken cancellationToken)
    {
        var tools = new List<(string Tool, string Package)> { ("nginx", "nginx-light"), ("wrk", "wrk"), ("taskset", "util-linux"), ("node", "nodejs"), ("git", "git") };
        if (options.Targets.Contains("haproxy"))
        {
            tools.Add(("haproxy", "haproxy"));
        }

        if (options.Scenarios.Contains("h2c"))
        {
            tools.Add(("h2load", "nghttp2-client"));
        }

        var missing = new List<string>();
        foreach ((string tool, string package) in tools)
        {
            CommandResult lookup = await CommandRunner.RunAsync("bash", ["-c", $"command -v {tool}"], TimeSpan.FromSeconds(10), cancellationToken);
            if (lookup.ExitCode != 0)
            {
                missing.Add($"{tool} (Debian package {package})");
            }
        }

        if (missing.Count > 0)
        {
            throw new InvalidOperationException($"missing tools: {string.Join(", ", missing)}; install them with apt-get install -y <package>");
        }
    }
}
