using System.Diagnostics;
using System.Text;

namespace FastContractorProxy.Tests.Cli;

/// <summary>The built <c>fcp</c> executable run as a child process, as an operator runs it.</summary>
internal sealed class FcpProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private FcpProcess(Process process) => _process = process;

    public int Id => _process.Id;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts <c>fcp</c> with the arguments; the executable is the one copied next to the test assembly.</summary>
    public static FcpProcess Start(params string[] arguments) => StartIn(null, arguments);

    /// <param name="temporaryFolder">The TMPDIR of the process, or null to inherit it.</param>
    public static FcpProcess StartIn(string? temporaryFolder, params string[] arguments)
    {
        string executable = Path.Combine(AppContext.BaseDirectory, "fcp");
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (temporaryFolder is not null)
        {
            start.Environment["TMPDIR"] = temporaryFolder;
        }

        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("fcp did not start");
        var fcp = new FcpProcess(process);
        process.OutputDataReceived += (_, e) => fcp.Append(e.Data);
        process.ErrorDataReceived += (_, e) => fcp.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return fcp;
    }

    /// <summary>Runs <c>fcp</c> to completion and returns its exit code and output.</summary>
    public static Task<(int ExitCode, string Output)> RunAsync(params string[] arguments) => RunInAsync(null, arguments);

    public static async Task<(int ExitCode, string Output)> RunInAsync(string? temporaryFolder, params string[] arguments)
    {
        await using FcpProcess fcp = StartIn(temporaryFolder, arguments);
        int exit = await fcp.WaitForExitAsync(TimeSpan.FromSeconds(60));
        return (exit, fcp.Output);
    }

    /// <summary>Waits until the output contains <paramref name="text"/> at least <paramref name="count"/> times.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout, int count = 1)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (CountOf(text) < count)
        {
            if (DateTime.UtcNow > deadline || _process.HasExited)
            {
                throw new TimeoutException($"fcp did not print '{text}'. Output:\n{Output}");
            }

            await Task.Delay(50);
        }
    }

    private int CountOf(string text)
    {
        string output = Output;
        int count = 0;
        for (int index = output.IndexOf(text, StringComparison.Ordinal); index >= 0; index = output.IndexOf(text, index + text.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    public void SendSignal(string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);

        // The output events may still be running; waiting without a timeout flushes them.
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
