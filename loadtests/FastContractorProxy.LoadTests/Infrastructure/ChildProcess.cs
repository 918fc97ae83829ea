using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace FastContractorProxy.LoadTests.Infrastructure;

/// <summary>
/// A long-running child process (a server under test, the backend or the IdP). It starts through
/// <c>bash -c 'ulimit -n ...; exec taskset -c CPUS program args'</c>, so the process id is the program's own and
/// the raised open-file limit applies to it. Output goes to a log file.
/// </summary>
internal sealed partial class ChildProcess : IAsyncDisposable
{
    /// <summary>
    /// Open-file limit requested for every child, for the 10,000 idle connections of idle-10k. Where the hard
    /// limit is lower and cannot be raised (a container without CAP_SYS_RESOURCE), the child gets the hard limit.
    /// </summary>
    public const int FileLimit = 65536;

    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);

    private readonly Process _process;

    private ChildProcess(string name, Process process, string logPath)
    {
        Name = name;
        _process = process;
        LogPath = logPath;
    }

    public string Name { get; }

    public int Id => _process.Id;

    public string LogPath { get; }

    public bool HasExited => _process.HasExited;

    /// <param name="cpus">A taskset CPU list such as <c>0</c> or <c>0-2</c>, or null to leave the affinity alone.</param>
    public static ChildProcess Start(string name, string program, IReadOnlyList<string> arguments, string logPath, string? cpus,
        string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        string pin = cpus is null ? "" : $"taskset -c {cpus} ";
        var start = new ProcessStartInfo("bash")
        {
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"ulimit -n {FileLimit} 2>/dev/null || ulimit -n \"$(ulimit -Hn)\" || exit 97; exec {pin}\"$@\" >>\"$LOADTEST_LOG\" 2>&1 </dev/null");
        start.ArgumentList.Add("bash");
        start.ArgumentList.Add(program);
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["LOADTEST_LOG"] = logPath;
        if (environment is not null)
        {
            foreach ((string key, string value) in environment)
            {
                start.Environment[key] = value;
            }
        }

        Process process = Process.Start(start) ?? throw new InvalidOperationException($"{name}: bash did not start");
        return new ChildProcess(name, process, logPath);
    }

    /// <summary>Returns the last lines of the log, for error messages.</summary>
    public string LogTail(int lines = 20)
    {
        try
        {
            string[] all = File.ReadAllLines(LogPath);
            return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines)));
        }
        catch (IOException)
        {
            return "(no log)";
        }
    }

    /// <summary>Sends SIGTERM, waits up to 5 s, then kills the whole process tree.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _ = SendSignal(_process.Id, SigTerm);
                using var timeout = new CancellationTokenSource(StopTimeout);
                try
                {
                    await _process.WaitForExitAsync(timeout.Token);
                }
                catch (OperationCanceledException)
                {
                    Console.Error.WriteLine($"{Name} (pid {_process.Id}) did not stop within {StopTimeout.TotalSeconds:0} s of SIGTERM; killing its process tree");
                }
            }

            // Children such as nginx workers may outlive a master that exited; kill whatever is left of the tree.
            KillTree();
        }
        finally
        {
            _process.Dispose();
        }
    }

    private void KillTree()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // The process has already exited.
        }
        catch (Win32Exception error)
        {
            Console.Error.WriteLine($"{Name} (pid {_process.Id}): kill failed: {error.Message}");
        }
    }

    private const int SigTerm = 15;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);
}
