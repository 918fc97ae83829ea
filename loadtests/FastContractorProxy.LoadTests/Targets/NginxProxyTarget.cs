using FastContractorProxy.LoadTests.Infrastructure;

namespace FastContractorProxy.LoadTests.Targets;

/// <summary>
/// nginx as a reverse proxy (<c>proxy_pass</c>) with one worker and a keep-alive upstream pool. It returns 403
/// for the denied prefix itself, as fcp does, and keeps request bodies of up to 128 KiB in memory.
/// </summary>
internal sealed class NginxProxyTarget : Target
{
    private ChildProcess? _process;

    public override string Name => "nginx";

    public override string DisplayName => "nginx proxy_pass";

    public override bool IsAnchor => true;

    public override int ProcessId => _process?.Id ?? throw new InvalidOperationException("nginx proxy not started");

    public override async Task StartAsync(TargetEnvironment environment, CancellationToken cancellationToken)
    {
        string prefix = Path.Combine(environment.Folder, "nginx-proxy");
        Directory.CreateDirectory(prefix);
        Http1Port = Ports.Free();
        H2cPort = Ports.Free();
        int keepAliveSeconds = (int)environment.KeepAliveTimeout.TotalSeconds;
        string configuration = $$"""
            worker_processes 1;
            daemon off;
            pid {{prefix}}/nginx.pid;
            error_log {{prefix}}/error.log warn;
                    events { worker_connections 16384; }
            http {
              access_log off;
              keepalive_requests 100000000;
              keepalive_timeout {{keepAliveSeconds}}s;
              client_max_body_size 1m;
              client_body_buffer_size 128k;
              upstream backend {
                server 127.0.0.1:{{environment.Backend.Http1Port}};
                keepalive 64;
                keepalive_requests 100000000;
              }
              server {
                listen 127.0.0.1:{{Http1Port}};
                listen 127.0.0.1:{{H2cPort}} http2;
                location {{environment.DeniedPrefix}} { return 403 "denied\n"; }
                location / {
                  proxy_pass http://backend;
                  proxy_http_version 1.1;
                  proxy_set_header Connection "";
                }
              }
            }
            """;
        string path = Path.Combine(prefix, "nginx.conf");
        await File.WriteAllTextAsync(path, configuration, cancellationToken);
        _process = ChildProcess.Start("nginx proxy", "nginx", ["-p", prefix, "-c", path], environment.LogPath("nginx-proxy"), environment.Cpus.ServerCpus);
        await WaitReadyAsync(_process, environment, cancellationToken);
    }

    public override ValueTask DisposeAsync() => _process?.DisposeAsync() ?? ValueTask.CompletedTask;
}
