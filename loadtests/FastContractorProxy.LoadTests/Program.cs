using System.CommandLine;
using System.Runtime.InteropServices;
using FastContractorProxy.LoadTests;
using FastContractorProxy.LoadTests.Scenarios;

var quick = new Option<bool>("--quick") { Description = "Short run of about 2 minutes: direct, fcp and nginx proxy_pass on h1-small and h1-deny, 1 round of 5 s." };
var scenarios = new Option<string?>("--scenarios")
{
    Description = $"Comma-separated scenarios to run, in order. Known: {string.Join(", ", ScenarioCatalog.All.Select(s => s.Name))}.",
};
var targets = new Option<string?>("--targets") { Description = $"Comma-separated targets. Known: {string.Join(", ", ScenarioCatalog.AllTargets)}." };
var rounds = new Option<int?>("--rounds") { Description = "Measured rounds per scenario (1-20); each round runs every target once. Default 3, or 1 with --quick." };
var seconds = new Option<int?>("--seconds") { Description = "Length of one measured run in seconds (1-120). Default 5, also with --quick." };
var warmup = new Option<int?>("--warmup-seconds") { Description = "Warm-up load for .NET targets in seconds before the stability checks (0-300). Default 15, or 6 with --quick." };

var root = new RootCommand("Load tests of fcp against the backend alone, nginx proxy_pass, HAProxy and YARP, driven by wrk and h2load on loopback.")
{
    quick, scenarios, targets, rounds, seconds, warmup,
};
root.SetAction(async (parseResult, cancellationToken) =>
{
    bool isQuick = parseResult.GetValue(quick);
    RunOptions options;
    try
    {
        options = new RunOptions(
            isQuick,
            Names(parseResult.GetValue(scenarios), isQuick ? ScenarioCatalog.QuickScenarios : ScenarioCatalog.All.Select(s => s.Name).ToArray(),
                ScenarioCatalog.All.Select(s => s.Name).ToArray(), "scenario"),
            Names(parseResult.GetValue(targets), isQuick ? ScenarioCatalog.QuickTargets : ScenarioCatalog.AllTargets, ScenarioCatalog.AllTargets, "target"),
            InRange(parseResult.GetValue(rounds) ?? (isQuick ? 1 : 3), 1, 20, "--rounds"),
            InRange(parseResult.GetValue(seconds) ?? 5, 1, 120, "--seconds"),
            InRange(parseResult.GetValue(warmup) ?? (isQuick ? 6 : 15), 0, 300, "--warmup-seconds"),
            NativeWarmupSeconds: isQuick ? 1 : 2,
            CheckSeconds: isQuick ? 2 : 3,
            MaxCheckPairs: isQuick ? 2 : 3,
            CommandLine: "dotnet run -c Release --project loadtests/FastContractorProxy.LoadTests --" + (args.Length == 0 ? "" : " " + string.Join(' ', args)));
    }
    catch (ArgumentException error)
    {
        Console.Error.WriteLine(error.Message);
        return LoadTestRun.RunFailed;
    }

    // Ctrl+C and SIGTERM cancel the run, so the finally blocks stop every child process and delete the temp folder.
    using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
    using PosixSignalRegistration sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
    {
        context.Cancel = true;
        stop.Cancel();
    });
    try
    {
        return await LoadTestRun.RunAsync(options, stop.Token);
    }
    catch (OperationCanceledException)
    {
        Console.Error.WriteLine("cancelled; every started process was stopped");
        return LoadTestRun.RunFailed;
    }
    catch (Exception error) when (error is InvalidOperationException or IOException or TimeoutException or HttpRequestException)
    {
        Console.Error.WriteLine($"load test run failed: {error.Message}");
        return LoadTestRun.RunFailed;
    }
});

return await root.Parse(args).InvokeAsync();

static IReadOnlyList<string> Names(string? list, IReadOnlyList<string> defaults, IReadOnlyList<string> known, string kind)
{
    if (string.IsNullOrWhiteSpace(list))
    {
        return defaults;
    }

    string[] names = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    foreach (string name in names)
    {
        if (!known.Contains(name))
        {
            throw new ArgumentException($"unknown {kind} '{name}'; known: {string.Join(", ", known)}");
        }
    }

    return names.Distinct().ToArray();
}

static int InRange(int value, int min, int max, string option) =>
    value >= min && value <= max ? value : throw new ArgumentException($"{option} must be between {min} and {max}, got {value}");
