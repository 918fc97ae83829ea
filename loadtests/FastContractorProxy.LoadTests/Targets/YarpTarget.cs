using System.Globalization;
using FastContractorProxy.LoadTests.Infrastructure;

namespace FastContractorProxy.LoadTests.Targets;

/// <summary>
/// The YARP 2.3.0 proxy of loadtests/YarpProxy: one route, one cluster, logging off. It has no deny rule, so in
/// h1-deny it forwards the request and relays the backend's 403.
/// </summary>
internal sealed class YarpTarget : Target
{
    private ChildProcess? _process;

    public override string Name => "yarp";

    public override string DisplayName => "YARP";

    public override bool IsDotNet => true;

    public override int ProcessId => _process?.Id ?? throw new InvalidOperationException("YARP not started");

    public override async Task StartAsync(TargetEnvironment environment, CancellationToken cancellationToken)
    {
        string executable = environment.YarpExecutable ?? throw new InvalidOperationException("the YARP proxy was not published");
        Http1Port = Ports.Free();
        H2cPort = Ports.Free();
        string[] arguments =
        [
            Http1Port.ToString(CultureInfo.InvariantCulture),
            H2cPort.Value.ToString(CultureInfo.InvariantCulture),
            $"http://127.0.0.1:{environment.Backend.Http1Port}",
        ];
        _process = ChildProcess.Start("yarp", executable, arguments, environment.LogPath("yarp"), environment.Cpus.ServerCpus);
        await WaitReadyAsync(_process, environment, cancellationToken);
    }

    public override ValueTask DisposeAsync() => _process?.DisposeAsync() ?? ValueTask.CompletedTask;
}
