namespace FastContractorProxy.LoadTests.Targets;

/// <summary>The backend nginx itself, without a proxy: the ceiling every proxy is compared with.</summary>
internal sealed class DirectTarget : Target
{
    private NginxBackend? _backend;

    public override string Name => "direct";

    public override string DisplayName => "direct (backend nginx)";

    public override int ProcessId => _backend?.Process.Id ?? throw new InvalidOperationException("direct target not started");

    public override async Task StartAsync(TargetEnvironment environment, CancellationToken cancellationToken)
    {
        _backend = environment.Backend;
        Http1Port = _backend.Http1Port;
        H2cPort = _backend.H2cPort;
        await WaitReadyAsync(_backend.Process, environment, cancellationToken);
    }

    // The scenario owns the backend and stops it after every target.
    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
