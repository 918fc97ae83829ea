using System.Runtime.InteropServices;

namespace FastContractorProxy.Hosting;

/// <summary>
/// Reloads the policy on SIGHUP at once and, when asked, when its file changes. Editors and deploy tools write
/// a file in several steps (truncate and write, or write a temporary file and rename it), so file changes are
/// collected for a short quiet period before one reload.
/// </summary>
internal sealed class PolicyWatcher : IDisposable
{
    private static readonly TimeSpan QuietPeriod = TimeSpan.FromMilliseconds(250);

    private readonly ProxyRuntime _runtime;
    private readonly FileSystemWatcher? _watcher;
    private readonly PosixSignalRegistration? _hangUp;
    private readonly Timer _debounce;

    public PolicyWatcher(ProxyRuntime runtime, string filePath, bool watchFile)
    {
        _runtime = runtime;
        _debounce = new Timer(static state => ((PolicyWatcher)state!).Reload(), this, Timeout.Infinite, Timeout.Infinite);
        if (!OperatingSystem.IsWindows())
        {
            _hangUp = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
            {
                // Handled: SIGHUP must not end the process.
                context.Cancel = true;
                ThreadPool.QueueUserWorkItem(static watcher => watcher.Reload(), this, preferLocal: false);
            });
        }

        if (watchFile)
        {
            _watcher = new FileSystemWatcher(Path.GetDirectoryName(filePath)!, Path.GetFileName(filePath))
            {
                NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size | NotifyFilters.CreationTime,
            };
            _watcher.Changed += (_, _) => Schedule();
            _watcher.Created += (_, _) => Schedule();
            _watcher.Renamed += (_, _) => Schedule();
            _watcher.EnableRaisingEvents = true;
        }
    }

    /// <summary>Completed reloads, successful or not; tests wait on it.</summary>
    public int ReloadCount => Volatile.Read(ref _reloads);

    private int _reloads;

    private void Schedule() => _debounce.Change(QuietPeriod, Timeout.InfiniteTimeSpan);

    private void Reload()
    {
        _runtime.ReloadPolicy();
        Interlocked.Increment(ref _reloads);
    }

    public void Dispose()
    {
        _watcher?.Dispose();
        _hangUp?.Dispose();
        _debounce.Dispose();
    }
}
