using System.Diagnostics;

namespace FastContractorProxy.LoadTests.Infrastructure;

/// <summary>The exit code and the captured output of a command that ran to completion.</summary>
internal sealed record CommandResult(int ExitCode, string Output, string Error);

/// <summary>Runs short commands (wrk, h2load, dotnet publish, git) to completion with a time limit.</summary>
internal static class CommandRunner
{
    /// <summary>Runs <paramref name="program"/> and returns its output; kills its process tree when <paramref name="timeout"/> passes.</summary>
    /// <exception cref="TimeoutException">The command did not finish in time.</exception>
    public static async Task<CommandResult> RunAsync(string program, IEnumerable<string> arguments, TimeSpan timeout,
        CancellationToken cancellationToken, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(program)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        process.StandardInput.Close();
        Task<string> output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        Task<string> error = process.StandardError.ReadToEndAsync(cancellationToken);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            cancellationToken.ThrowIfCancellationRequested();
            throw new TimeoutException($"{program} {string.Join(' ', start.ArgumentList)} did not finish within {timeout.TotalSeconds:0} s");
        }

        return new CommandResult(process.ExitCode, await output, await error);
    }

    /// <summary>Runs a bash command line and throws with its output when it fails.</summary>
    public static async Task<string> RunBashAsync(string commandLine, TimeSpan timeout, CancellationToken cancellationToken, string? workingDirectory = null)
    {
        CommandResult result = await RunAsync("bash", ["-c", commandLine], timeout, cancellationToken, workingDirectory);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"command failed with exit code {result.ExitCode}: {commandLine}\n{result.Output}\n{result.Error}");
        }

        return result.Output;
    }
}
