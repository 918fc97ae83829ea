using System.Runtime.InteropServices;

namespace FastContractorProxy.Cli;

/// <summary>
/// Handles SIGINT and SIGTERM for as long as it is not disposed. The first signal completes <see cref="WaitAsync"/>;
/// later ones are absorbed, so a second signal during the graceful stop neither kills the process nor
/// interrupts the drain of requests and audit records.
/// </summary>
internal sealed class StopSignals : IDisposable
{
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly PosixSignalRegistration _interrupt;
    private readonly PosixSignalRegistration _terminate;

    public StopSignals()
    {
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
    }

    /// <summary>Completes on the first SIGINT or SIGTERM, or when <paramref name="cancellationToken"/> is canceled.</summary>
    public async Task WaitAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _stopped.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    public void Dispose()
    {
        _interrupt.Dispose();
        _terminate.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        _stopped.TrySetResult();
    }
}
