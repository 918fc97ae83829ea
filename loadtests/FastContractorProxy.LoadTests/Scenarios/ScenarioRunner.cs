using System.Diagnostics;
using System.Globalization;
using FastContractorProxy.LoadTests.Infrastructure;
using FastContractorProxy.LoadTests.Measurement;
using FastContractorProxy.LoadTests.Targets;

namespace FastContractorProxy.LoadTests.Scenarios;

/// <summary>Everything a scenario needs from the run: options, cores, builds and the IdP.</summary>
internal sealed record RunContext(RunOptions Options, Workspace Workspace, CpuLayout Cpus, IdentityProvider Idp, string? FcpExecutable, string? YarpExecutable);

/// <summary>
/// Runs one scenario: starts the backend and every target, warms each target, then measures the targets in
/// rounds. Each round runs every target once in the same order (A B C, A B C), so slow drift of the shared
/// machine affects every target alike. Every process it starts is stopped before it returns.
/// </summary>
internal static class ScenarioRunner
{
    private static readonly TimeSpan IdleOpenBudget = TimeSpan.FromSeconds(120);

    public static async Task<ScenarioResult> RunAsync(Scenario scenario, RunContext context, CancellationToken cancellationToken)
    {
        var result = new ScenarioResult { Scenario = scenario };
        var clock = Stopwatch.StartNew();
        try
        {
            await RunTargetsAsync(scenario, context, result, cancellationToken);
        }
        catch (Exception error) when (error is InvalidOperationException or IOException or HttpRequestException or FormatException or TimeoutException)
        {
            result.Error = error.Message;
            Log.Warning($"scenario {scenario.Name} failed: {error.Message}");
        }

        result.ElapsedSeconds = clock.Elapsed.TotalSeconds;
        return result;
    }

    private static async Task RunTargetsAsync(Scenario scenario, RunContext context, ScenarioResult result, CancellationToken cancellationToken)
    {
        RunOptions options = context.Options;
        string folder = context.Workspace.Folder("scenarios", scenario.Name);
        Log.Info($"== {scenario.Name}: {scenario.Description}");

        string token = await context.Idp.GetTokenAsync(cancellationToken);
        string? luaScript = null;
        if (scenario.DistinctTokens > 1)
        {
            IReadOnlyList<string> tokens = await context.Idp.GetTokensAsync(scenario.DistinctTokens, cancellationToken);
            luaScript = LuaScripts.WriteTokenRotation(folder, tokens);
            Log.Info($"   fetched {tokens.Count} distinct tokens from the IdP");
        }
        else if (scenario.RequestBodyBytes > 0)
        {
            luaScript = LuaScripts.WritePost(folder, scenario.RequestBodyBytes);
        }

        await using NginxBackend backend = await NginxBackend.StartAsync(folder, context.Cpus, scenario.ResponseBytes, Scenario.DeniedPrefix, cancellationToken);
        TimeSpan keepAlive = scenario.IdleConnections > 0 ? TimeSpan.FromSeconds(300) : TimeSpan.FromSeconds(60);
        var environment = new TargetEnvironment(folder, context.Cpus, backend, context.Idp.Issuer, context.FcpExecutable, context.YarpExecutable,
            token, Scenario.AllowedPath, Scenario.DeniedPrefix, keepAlive);

        var started = new List<(Target Target, TargetOutcome Outcome)>();
        try
        {
            foreach (string name in scenario.Targets.Where(options.Targets.Contains))
            {
                Target target = CreateTarget(name);
                var outcome = new TargetOutcome { Target = target.Name, DisplayName = target.DisplayName, IsAnchor = target.IsAnchor };
                result.Targets.Add(outcome);
                started.Add((target, outcome));
                await PrepareAsync(scenario, target, outcome, environment, cancellationToken);
            }

            var active = started.Where(pair => pair.Outcome.SkippedReason is null).ToList();
            Func<Target, int, Task<LoadResult>> load = (target, seconds) => LoadGenerator.RunAsync(Spec(scenario, target, token, luaScript, seconds, folder), context.Cpus, cancellationToken);

            foreach ((Target target, TargetOutcome outcome) in active)
            {
                int warmSeconds = target.IsDotNet ? options.DotNetWarmupSeconds : options.NativeWarmupSeconds;
                Log.Info($"   warming {target.DisplayName} ({warmSeconds} s, then up to {options.MaxCheckPairs} pairs of {options.CheckSeconds} s checks)");
                outcome.Warmup = await Warmup.RunAsync(warmSeconds, options.CheckSeconds, options.MaxCheckPairs, seconds => load(target, seconds));
                if (!outcome.Warmup.Stable)
                {
                    Log.Warning($"{target.DisplayName} not stable after warm-up: last checks {outcome.Warmup.LastCheckA:0} and {outcome.Warmup.LastCheckB:0} RPS");
                }
            }

            IdleConnections? idle = null;
            try
            {
                if (scenario.IdleConnections > 0 && active.Count > 0)
                {
                    (idle, IdleResult opened) = await OpenIdleAsync(scenario, active[0].Target, token, cancellationToken);
                    result.Idle = opened;
                }

                for (int round = 1; round <= options.Rounds; round++)
                {
                    foreach ((Target target, TargetOutcome outcome) in active)
                    {
                        RunRecord record = await TargetMeter.MeasureAsync(target, round, () => load(target, options.Seconds), cancellationToken);
                        outcome.Runs.Add(record);
                        Log.Info($"   round {round} {target.DisplayName,-24} {Describe(scenario, record)}");
                    }
                }

                if (idle is not null && result.Idle is not null)
                {
                    result.Idle = result.Idle with { StillOpenAfterRuns = idle.CountStillOpen() };
                    Log.Info($"   idle connections still open after the runs: {result.Idle.StillOpenAfterRuns} of {idle.Opened}");
                }
            }
            finally
            {
                idle?.Dispose();
            }
        }
        finally
        {
            foreach ((Target target, _) in started)
            {
                await target.DisposeAsync();
            }
        }
    }

    // Starts a target, checks h2c support where the scenario needs it, and records one probe request's status.
    private static async Task PrepareAsync(Scenario scenario, Target target, TargetOutcome outcome, TargetEnvironment environment, CancellationToken cancellationToken)
    {
        try
        {
            await target.StartAsync(environment, cancellationToken);
        }
        catch (InvalidOperationException error)
        {
            // The message ends with the tail of the target's log; the report keeps its first and last lines.
            string[] lines = error.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            outcome.SkippedReason = "failed to start: " + lines[0] + (lines.Length > 1 ? " " + lines[^1].Trim() : "");
            Log.Warning($"{target.DisplayName} failed to start: {error.Message}");
            return;
        }

        if (scenario.Protocol == Protocol.H2c)
        {
            await target.ProbeH2cAsync(environment, cancellationToken);
            if (target.H2cPort is null)
            {
                outcome.SkippedReason = target.H2cUnsupportedReason ?? "does not speak h2c";
                Log.Info($"   {target.DisplayName}: {outcome.SkippedReason}");
                return;
            }
        }

        outcome.ProbeStatus = await target.GetStatusAsync(scenario.Path, environment.Token, cancellationToken);
        if (outcome.ProbeStatus != scenario.ExpectedStatus)
        {
            Log.Warning($"{target.DisplayName} responded to GET {scenario.Path} with {outcome.ProbeStatus}, expected {scenario.ExpectedStatus}");
        }

        Log.Info($"   started {target.DisplayName} (pid {target.ProcessId}, HTTP/1.1 port {target.Http1Port}{(target.H2cPort is int h2c ? $", h2c port {h2c}" : "")})");
    }

    private static async Task<(IdleConnections Connections, IdleResult Result)> OpenIdleAsync(Scenario scenario, Target target, string token, CancellationToken cancellationToken)
    {
        IReadOnlyList<int> pids = target.ProcessTree();
        double before = ProcFs.SumKiB(pids, "VmRSS") / 1024.0;
        Log.Info($"   opening {scenario.IdleConnections} idle keep-alive connections to {target.DisplayName}");
        IdleConnections idle = await IdleConnections.OpenAsync(target.Http1Port, Scenario.AllowedPath, token, scenario.IdleConnections, IdleOpenBudget, cancellationToken);
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        double after = ProcFs.SumKiB(pids, "VmRSS") / 1024.0;
        int sockets = ProcFs.OpenSockets(target.ProcessId);
        Log.Info($"   opened {idle.Opened} in {idle.Elapsed.TotalSeconds:0.0} s ({idle.Failed} failed{(idle.FirstError is null ? "" : ": " + idle.FirstError)}); "
            + $"RSS {before:0.0} -> {after:0.0} MiB; {target.DisplayName} holds {sockets} sockets");
        var opened = new IdleResult(scenario.IdleConnections, idle.Opened, idle.Failed, idle.FirstError, idle.Elapsed.TotalSeconds, before, after, sockets, idle.Opened);
        return (idle, opened);
    }

    private static LoadSpec Spec(Scenario scenario, Target target, string token, string? luaScript, int seconds, string folder)
    {
        int port = scenario.Protocol == Protocol.H2c
            ? target.H2cPort ?? throw new InvalidOperationException($"{target.DisplayName} has no h2c port")
            : target.Http1Port;
        // The token rotation script sets Authorization itself.
        string? header = scenario.DistinctTokens > 1 ? null : token;
        return new LoadSpec(scenario.Protocol, port, scenario.Path, scenario.Connections, scenario.StreamsPerConnection, header, luaScript, seconds, folder);
    }

    private static Target CreateTarget(string name) => name switch
    {
        "direct" => new DirectTarget(),
        "fcp" => new FcpTarget(),
        "nginx" => new NginxProxyTarget(),
        "haproxy" => new HaproxyTarget(),
        "yarp" => new YarpTarget(),
        _ => throw new ArgumentException($"unknown target '{name}'"),
    };

    private static string Describe(Scenario scenario, RunRecord record)
    {
        LoadResult load = record.Load;
        string statuses = scenario.Denied ? $"{load.Succeeded} below 400 (403 expected)" : $"{load.ErrorResponses} status>=400";
        return string.Create(CultureInfo.InvariantCulture,
            $"{load.RequestsPerSecond,9:0} RPS  p50 {load.P50Milliseconds,7:0.000} ms  p99 {load.P99Milliseconds,7:0.000} ms  "
            + $"CPU {record.CpuMicrosecondsPerRequest,6:0.0} us/req  RSS {record.PeakRssMiB,6:0.0} MiB  "
            + $"errors: {statuses}, {load.SocketErrors} socket");
    }
}
