using System.Globalization;
using FastContractorProxy.LoadTests.Infrastructure;

namespace FastContractorProxy.LoadTests.Targets;

/// <summary>
/// The upstream of every proxy and the "direct" target: nginx with one worker that returns a fixed 200 response of
/// the scenario's size to every request, and 403 for paths under the denied prefix. It listens for HTTP/1.1 and,
/// on a second port, for h2c with prior knowledge (nginx 1.22 writes that as <c>listen ... http2</c>).
/// </summary>
internal sealed class NginxBackend : IAsyncDisposable
{
    private readonly ChildProcess _process;

    private NginxBackend(ChildProcess process, int http1Port, int h2cPort)
    {
        _process = process;
        Http1Port = http1Port;
        H2cPort = h2cPort;
    }

    public int Http1Port { get; }

    public int H2cPort { get; }

    public ChildProcess Process => _process;

    public static async Task<NginxBackend> StartAsync(string folder, CpuLayout cpus, int responseBytes, string deniedPrefix, CancellationToken cancellationToken)
    {
        string prefix = Path.Combine(folder, "backend");
        Directory.CreateDirectory(prefix);
        int http1Port = Ports.Free();
        int h2cPort = Ports.Free();
        string body = new('x', Math.Max(0, responseBytes - 1));
        string configuration = $$"""
            worker_processes 1;
            daemon off;
            pid {{prefix}}/nginx.pid;
            error_log {{prefix}}/error.log warn;
                    events { worker_connections 16384; }
            http {
              access_log off;
              default_type text/plain;
              keepalive_requests 100000000;
              keepalive_timeout 300s;
              client_max_body_size 1m;
              server {
                listen 127.0.0.1:{{http1Port}};
                listen 127.0.0.1:{{h2cPort}} http2;
                location {{deniedPrefix}} { return 403 "denied\n"; }
                location / { return 200 "{{body}}\n"; }
              }
            }
            """;
        string path = Path.Combine(prefix, "nginx.conf");
        await File.WriteAllTextAsync(path, configuration, cancellationToken);
        ChildProcess process = ChildProcess.Start("backend nginx", "nginx", ["-p", prefix, "-c", path], Path.Combine(folder, "backend.log"), cpus.ServerCpus);
        var backend = new NginxBackend(process, http1Port, h2cPort);
        try
        {
            await WaitListeningAsync(process, http1Port, cancellationToken);
            await WaitListeningAsync(process, h2cPort, cancellationToken);
        }
        catch
        {
            await backend.DisposeAsync();
            throw;
        }

        return backend;
    }

    /// <summary>Waits up to 15 s until a TCP connection to the port succeeds.</summary>
    internal static async Task WaitListeningAsync(ChildProcess process, int port, CancellationToken cancellationToken)
    {
        DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{process.Name} exited during start-up; log {process.LogPath}:\n{process.LogTail()}");
            }

            try
            {
                using var client = new System.Net.Sockets.TcpClient();
                await client.ConnectAsync(System.Net.IPAddress.Loopback, port, cancellationToken);
                return;
            }
            catch (System.Net.Sockets.SocketException)
            {
                await Task.Delay(100, cancellationToken);
            }
        }

        throw new InvalidOperationException($"{process.Name} is not listening on 127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)} after 15 s; log {process.LogPath}:\n{process.LogTail()}");
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
