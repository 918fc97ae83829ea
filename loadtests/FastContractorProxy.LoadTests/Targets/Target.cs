using System.Net;
using System.Net.Http.Headers;
using FastContractorProxy.LoadTests.Infrastructure;
using FastContractorProxy.LoadTests.Measurement;

namespace FastContractorProxy.LoadTests.Targets;

/// <summary>
/// A server that receives the load: the backend itself (direct), fcp, or one of the comparison proxies. Each
/// listens on its own loopback ports, one for HTTP/1.1 and, where it supports it, one for h2c with prior knowledge.
/// </summary>
internal abstract class Target : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(45);
    private static readonly HttpClient Probe = new(new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = TimeSpan.Zero })
    {
        Timeout = TimeSpan.FromSeconds(5),
    };

    /// <summary>Short name used on the command line and in results: direct, fcp, nginx, haproxy, yarp.</summary>
    public abstract string Name { get; }

    /// <summary>Name for reports.</summary>
    public abstract string DisplayName { get; }

    /// <summary>True for nginx proxy_pass and HAProxy, the proxies fcp is measured against.</summary>
    public virtual bool IsAnchor => false;

    /// <summary>True for .NET servers, which need a longer warm-up for the JIT to reach its optimized code.</summary>
    public virtual bool IsDotNet => false;

    public int Http1Port { get; protected set; }

    /// <summary>The h2c (prior knowledge) port, or null when the target does not speak h2c.</summary>
    public int? H2cPort { get; protected set; }

    /// <summary>Why the target cannot take part in an h2c scenario, when it cannot.</summary>
    public string? H2cUnsupportedReason { get; protected set; }

    /// <summary>The process whose tree (it and its children) is measured.</summary>
    public abstract int ProcessId { get; }

    /// <summary>Starts the server and returns when it responds to HTTP requests.</summary>
    public abstract Task StartAsync(TargetEnvironment environment, CancellationToken cancellationToken);

    /// <summary>Checks that the target speaks h2c; sets <see cref="H2cUnsupportedReason"/> when it does not.</summary>
    public virtual Task ProbeH2cAsync(TargetEnvironment environment, CancellationToken cancellationToken) => Task.CompletedTask;

    public abstract ValueTask DisposeAsync();

    /// <summary>Returns the ids of the measured process and its descendants (nginx's workers, for example).</summary>
    public IReadOnlyList<int> ProcessTree() => ProcFs.ProcessTree(ProcessId);

    /// <summary>Waits until a GET of the allowed path with the scenario's token returns 200.</summary>
    protected async Task WaitReadyAsync(ChildProcess process, TargetEnvironment environment, CancellationToken cancellationToken)
    {
        DateTime deadline = DateTime.UtcNow + ReadyTimeout;
        string lastProblem = "no attempt";
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{DisplayName} exited during start-up; log {process.LogPath}:\n{process.LogTail()}");
            }

            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{Http1Port}{environment.AllowedPath}");
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", environment.Token);
                using HttpResponseMessage response = await Probe.SendAsync(request, cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }

                lastProblem = $"status {(int)response.StatusCode}";
            }
            catch (HttpRequestException error)
            {
                lastProblem = error.Message;
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                lastProblem = "request timed out";
            }

            await Task.Delay(200, cancellationToken);
        }

        throw new InvalidOperationException(
            $"{DisplayName} did not respond to GET {environment.AllowedPath} with 200 within {ReadyTimeout.TotalSeconds:0} s ({lastProblem}); log {process.LogPath}:\n{process.LogTail()}");
    }

    /// <summary>Sends one GET of <paramref name="path"/> over HTTP/1.1 and returns the status code.</summary>
    public async Task<int> GetStatusAsync(string path, string token, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{Http1Port}{path}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using HttpResponseMessage response = await Probe.SendAsync(request, cancellationToken);
        return (int)response.StatusCode;
    }
}
