using System.Globalization;
using FastContractorProxy.LoadTests.Infrastructure;
using FastContractorProxy.LoadTests.Scenarios;

namespace FastContractorProxy.LoadTests.Measurement;

/// <summary>One load run: which tool, against which port and path, with what shape and for how long.</summary>
internal sealed record LoadSpec(
    Protocol Protocol,
    int Port,
    string Path,
    int Connections,
    int StreamsPerConnection,
    string? Token,
    string? LuaScript,
    int Seconds,
    string ScratchFolder);

/// <summary>
/// Runs wrk (HTTP/1.1) or h2load (h2c) with one thread, pinned to the load generator's core, and parses their
/// reports. Every run is bounded by its duration plus a 60 s margin.
/// </summary>
internal static class LoadGenerator
{
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(60);
    private static int _logCounter;

    public static async Task<LoadResult> RunAsync(LoadSpec spec, CpuLayout cpus, CancellationToken cancellationToken) =>
        spec.Protocol == Protocol.H2c ? await RunH2loadAsync(spec, cpus, cancellationToken) : await RunWrkAsync(spec, cpus, cancellationToken);

    /// <summary>Sends <paramref name="requests"/> GET requests over one h2c connection, to check that a server speaks h2c.</summary>
    public static async Task<LoadResult> ProbeH2cAsync(int port, string path, string token, int requests, CpuLayout cpus, CancellationToken cancellationToken)
    {
        List<string> arguments = ["-n", Text(requests), "-c", "1", "-m", "1", "-H", "authorization: Bearer " + token, Url(port, path)];
        (string program, List<string> pinned) = Pin("h2load", arguments, cpus);
        CommandResult result = await CommandRunner.RunAsync(program, pinned, TimeSpan.FromSeconds(20), cancellationToken);
        try
        {
            return H2loadOutput.Parse(result.Output, null, "h2load " + string.Join(' ', arguments));
        }
        catch (FormatException)
        {
            return LoadResult.Failed("h2load", "h2load " + string.Join(' ', arguments));
        }
    }

    private static async Task<LoadResult> RunWrkAsync(LoadSpec spec, CpuLayout cpus, CancellationToken cancellationToken)
    {
        List<string> arguments = ["-t1", $"-c{Text(spec.Connections)}", $"-d{Text(spec.Seconds)}s", "--latency", "--timeout", "10s"];
        if (spec.LuaScript is not null)
        {
            arguments.AddRange(["-s", spec.LuaScript]);
        }

        if (spec.Token is not null)
        {
            arguments.AddRange(["-H", "Authorization: Bearer " + spec.Token]);
        }

        arguments.Add(Url(spec.Port, spec.Path));
        (string program, List<string> pinned) = Pin("wrk", arguments, cpus);
        string displayedCommand = "wrk " + string.Join(' ', arguments.Select(Redact));
        CommandResult result = await CommandRunner.RunAsync(program, pinned, TimeSpan.FromSeconds(spec.Seconds) + Margin, cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"wrk failed with exit code {result.ExitCode}: {displayedCommand}\n{result.Output}\n{result.Error}");
        }

        return WrkOutput.Parse(result.Output, displayedCommand);
    }

    private static async Task<LoadResult> RunH2loadAsync(LoadSpec spec, CpuLayout cpus, CancellationToken cancellationToken)
    {
        string log = Path.Combine(spec.ScratchFolder, $"h2load-{Interlocked.Increment(ref _logCounter)}.log");
        List<string> arguments =
        [
            "-t1", "-c", Text(spec.Connections), "-m", Text(spec.StreamsPerConnection), "-D", Text(spec.Seconds), "--log-file=" + log,
        ];
        if (spec.Token is not null)
        {
            arguments.AddRange(["-H", "authorization: Bearer " + spec.Token]);
        }

        arguments.Add(Url(spec.Port, spec.Path));
        (string program, List<string> pinned) = Pin("h2load", arguments, cpus);
        string displayedCommand = "h2load " + string.Join(' ', arguments.Select(Redact));
        CommandResult result = await CommandRunner.RunAsync(program, pinned, TimeSpan.FromSeconds(spec.Seconds) + Margin, cancellationToken);
        try
        {
            return H2loadOutput.Parse(result.Output, log, displayedCommand);
        }
        finally
        {
            File.Delete(log);
        }
    }

    private static (string Program, List<string> Arguments) Pin(string tool, List<string> arguments, CpuLayout cpus) =>
        cpus.LoadGeneratorCpus is null ? (tool, arguments) : ("taskset", ["-c", cpus.LoadGeneratorCpus, tool, .. arguments]);

    private static string Url(int port, string path) => $"http://127.0.0.1:{Text(port)}{path}";

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    // Keeps tokens out of reports and logs: a bearer token is a credential even in a test.
    private static string Redact(string argument) =>
        argument.StartsWith("Authorization: Bearer ", StringComparison.OrdinalIgnoreCase) ? "'" + argument[..21] + " <token>'" : argument;
}
