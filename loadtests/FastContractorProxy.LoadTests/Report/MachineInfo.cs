using FastContractorProxy.LoadTests.Infrastructure;

namespace FastContractorProxy.LoadTests.Report;

/// <summary>The machine and tool versions a run used, for the report header.</summary>
internal sealed record MachineInfo(
    int ProcessorCount,
    string CpuModel,
    string OperatingSystem,
    string Kernel,
    string DotNetSdk,
    string DotNetRuntime,
    string LoadAverageAtStart,
    IReadOnlyDictionary<string, string> Tools)
{
    public static async Task<MachineInfo> CollectAsync(CancellationToken cancellationToken)
    {
        string cpuModel = File.ReadLines("/proc/cpuinfo")
            .Where(line => line.StartsWith("model name", StringComparison.Ordinal))
            .Select(line => line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim())
            .FirstOrDefault() ?? "unknown";
        string os = File.Exists("/etc/os-release")
            ? File.ReadLines("/etc/os-release").Where(line => line.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))
                .Select(line => line["PRETTY_NAME=".Length..].Trim('"')).FirstOrDefault() ?? "unknown"
            : "unknown";
        var tools = new Dictionary<string, string>
        {
            ["nginx"] = await FirstLineAsync("nginx -v 2>&1", cancellationToken),
            ["haproxy"] = await FirstLineAsync("haproxy -v 2>&1", cancellationToken),
            ["wrk"] = await FirstLineAsync("wrk --version 2>&1", cancellationToken),
            ["h2load"] = await FirstLineAsync("h2load --version 2>&1", cancellationToken),
            ["node"] = await FirstLineAsync("node --version 2>&1", cancellationToken),
        };
        return new MachineInfo(
            Environment.ProcessorCount,
            cpuModel,
            os,
            (await File.ReadAllTextAsync("/proc/sys/kernel/osrelease", cancellationToken)).Trim(),
            await FirstLineAsync("dotnet --version 2>&1", cancellationToken),
            Environment.Version.ToString(),
            (await File.ReadAllTextAsync("/proc/loadavg", cancellationToken)).Trim(),
            tools);
    }

    private static async Task<string> FirstLineAsync(string commandLine, CancellationToken cancellationToken)
    {
        CommandResult result = await CommandRunner.RunAsync("bash", ["-c", commandLine], TimeSpan.FromSeconds(30), cancellationToken);
        return result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.Trim() ?? "unknown";
    }
}
