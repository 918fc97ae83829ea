using System.Collections.Concurrent;
using System.Net;
using FastContractorProxy.Admin;
using Microsoft.Extensions.Logging;

namespace FastContractorProxy.Tests.Admin;

/// <summary>An admin server on a free loopback port with an HTTP client for it.</summary>
internal sealed class AdminHarness : IAsyncDisposable
{
    private AdminHarness(AdminServer server, AdminLogCapture logs)
    {
        Server = server;
        Logs = logs;
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.Port}/") };
    }

    public AdminServer Server { get; }

    public AdminLogCapture Logs { get; }

    public HttpClient Client { get; }

    public static async Task<AdminHarness> StartAsync(ProxyMetrics metrics, params ReadinessCheck[] checks)
    {
        var logs = new AdminLogCapture();
        var settings = new AdminSettings { Address = new IPEndPoint(IPAddress.Loopback, 0) };
        var server = new AdminServer(settings, metrics, checks, logging => logging.AddProvider(logs).SetMinimumLevel(LogLevel.Debug));
        await server.StartAsync();
        return new AdminHarness(server, logs);
    }

    /// <summary>Fetches <c>/metrics</c> and parses it, which also validates the format.</summary>
    public async Task<PrometheusText> ScrapeAsync()
    {
        using HttpResponseMessage response = await Client.GetAsync(new Uri("metrics", UriKind.Relative));
        response.EnsureSuccessStatusCode();
        return PrometheusText.Parse(await response.Content.ReadAsStringAsync());
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
    }
}

/// <summary>A clock that stays at <paramref name="now"/>.</summary>
internal sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}

/// <summary>Collects log events so tests can check ids and levels.</summary>
internal sealed class AdminLogCapture : ILoggerProvider, ILogger
{
    public ConcurrentQueue<(int EventId, LogLevel Level, string Message)> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => this;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Entries.Enqueue((eventId.Id, logLevel, formatter(state, exception)));

    public int Count(int eventId) => Entries.Count(e => e.EventId == eventId);

    public void Dispose()
    {
    }
}
