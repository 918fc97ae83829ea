using FastContractorProxy.LoadTests.Infrastructure;

namespace FastContractorProxy.LoadTests.Targets;

/// <summary>
/// HAProxy in http mode with one thread, in the foreground (<c>-db</c>), reusing upstream connections. It returns
/// 403 for the denied prefix itself, as fcp does. The h2c port is a second bind with <c>proto h2</c>.
/// </summary>
internal sealed class HaproxyTarget : Target
{
    private ChildProcess? _process;

    public override string Name => "haproxy";

    public override string DisplayName => "HAProxy";

    public override bool IsAnchor => true;

    public override int ProcessId => _process?.Id ?? throw new InvalidOperationException("HAProxy not started");

    public override async Task StartAsync(TargetEnvironment environment, CancellationToken cancellationToken)
    {
        string folder = Path.Combine(environment.Folder, "haproxy");
        Directory.CreateDirectory(folder);
        Http1Port = Ports.Free();
        H2cPort = Ports.Free();
        int keepAliveSeconds = (int)environment.KeepAliveTimeout.TotalSeconds;
        string configuration = $$"""
            global
              nbthread 1
              # HAProxy reserves about two descriptors per connection and stops at start when the hard open-file
              # limit is lower (20,000 in some containers), so stay well under it.
              maxconn 8000
              pidfile {{folder}}/haproxy.pid

            defaults
              mode http
              option http-keep-alive
              timeout connect 5s
              timeout client {{keepAliveSeconds}}s
              timeout server 60s
              timeout http-keep-alive {{keepAliveSeconds}}s
              timeout http-request 10s

            frontend proxy
              bind 127.0.0.1:{{Http1Port}}
              bind 127.0.0.1:{{H2cPort}} proto h2
              http-request deny deny_status 403 if { path_beg {{environment.DeniedPrefix}} }
              default_backend backend

            backend backend
              http-reuse always
              server backend 127.0.0.1:{{environment.Backend.Http1Port}}

            """;
        string path = Path.Combine(folder, "haproxy.cfg");
        await File.WriteAllTextAsync(path, configuration, cancellationToken);
        _process = ChildProcess.Start("haproxy", "haproxy", ["-db", "-f", path], environment.LogPath("haproxy"), environment.Cpus.ServerCpus);
        await WaitReadyAsync(_process, environment, cancellationToken);
    }

    public override ValueTask DisposeAsync() => _process?.DisposeAsync() ?? ValueTask.CompletedTask;
}
