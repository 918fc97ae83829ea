using System.Diagnostics.Metrics;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace FastContractorProxy.Admin;

/// <summary>
/// The admin listener: its own Kestrel server, never the data listener, serving <c>/metrics</c> (Prometheus text
/// format 0.0.4, or OpenMetrics 1.0 when the Accept header requests it), <c>/healthz</c> and <c>/readyz</c>.
/// </summary>
/// <remarks>
/// The OpenTelemetry SDK collects <see cref="ProxyMetrics.Meter"/> from construction on, so create this before the
/// data path starts serving. Measurements recorded while no <see cref="AdminServer"/> exists are not counted.
/// </remarks>
internal sealed class AdminServer : IAsyncDisposable
{
    private const string PlainText = "text/plain; charset=utf-8";

    private readonly AdminSettings _settings;
    private readonly IReadOnlyList<ReadinessCheck> _readinessChecks;
    private readonly bool[] _lastReady;
    private readonly MeterProvider _meterProvider;
    private readonly WebApplication _app;
    private readonly ILogger _logger;
    private int _disposed;

    /// <param name="readinessChecks">Conditions for <c>/readyz</c>, evaluated in order on each request.</param>
    /// <param name="configureLogging">Sets the log providers, as for the data listener; null logs to the console at Information.</param>
    public AdminServer(AdminSettings settings, ProxyMetrics metrics, IReadOnlyList<ReadinessCheck> readinessChecks, Action<ILoggingBuilder>? configureLogging = null)
    {
        _settings = settings;
        _readinessChecks = readinessChecks;
        _lastReady = new bool[readinessChecks.Count];
        Array.Fill(_lastReady, true);

        // Views see each instrument once, when it is published. Dropping instruments of other meters with the same
        // name keeps this server's series to its own ProxyMetrics, which matters when tests run several at once.
        Meter ownMeter = metrics.Meter;
        _meterProvider = Sdk.CreateMeterProviderBuilder()
            .ConfigureResource(resource => resource.AddService("fcp"))
            .AddMeter(ProxyMetrics.MeterName)
            .AddView(instrument => ReferenceEquals(instrument.Meter, ownMeter) ? null : MetricStreamConfiguration.Drop)
            .AddPrometheusExporter(options =>
            {
                // Every scrape collects fresh values; the admin listener serves few scrapers, so caching gains nothing.
                options.ScrapeResponseCacheDurationMilliseconds = 0;
            })
            .Build();
        // NOTE: the SDK keeps at most 2000 series per instrument by default (OpenTelemetry .NET 1.21); more tag
        // combinations are added to one series tagged otel_metric_overflow="true".

        _app = BuildApplication(configureLogging);
        _logger = _app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("FastContractorProxy.Admin");
    }

    /// <summary>The bound address, with the real port when the settings ask for port 0; null before <see cref="StartAsync"/>.</summary>
    public IPEndPoint? EndPoint { get; private set; }

    /// <summary>The bound port; 0 before <see cref="StartAsync"/>.</summary>
    public int Port => EndPoint?.Port ?? 0;

    /// <summary>Binds the listener and starts serving. Throws <see cref="IOException"/> when the address is in use.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _app.StartAsync(cancellationToken).ConfigureAwait(false);

        string address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var uri = new Uri(address);
        EndPoint = new IPEndPoint(IPAddress.Parse(uri.Host.Trim('[', ']')), uri.Port);
        AdminLog.AdminStarted(_logger, address);
        if (!IPAddress.IsLoopback(_settings.Address.Address))
        {
            AdminLog.AdminNotLoopback(_logger, _settings.Address.ToString());
        }
    }

    /// <summary>Runs every readiness check and returns the failing ones as "name: detail" lines; empty when ready.</summary>
    public List<string> EvaluateReadiness()
    {
        var failures = new List<string>();
        lock (_lastReady)
        {
            for (int i = 0; i < _readinessChecks.Count; i++)
            {
                ReadinessCheck check = _readinessChecks[i];
                ReadinessResult result;
                try
                {
                    result = check.Check();
                }
#pragma warning disable CA1031 // A faulty check must fail readiness, not the /readyz request.
                catch (Exception exception)
#pragma warning restore CA1031
                {
                    if (_lastReady[i])
                    {
                        AdminLog.ReadinessCheckThrew(_logger, check.Name, exception);
                    }

                    result = ReadinessResult.NotReady($"check failed: {exception.Message}");
                }

                if (!result.IsReady)
                {
                    string detail = result.Detail ?? "not ready";
                    failures.Add($"{check.Name}: {detail}");
                    if (_lastReady[i])
                    {
                        AdminLog.ReadinessCheckFailing(_logger, check.Name, detail);
                    }
                }
                else if (!_lastReady[i])
                {
                    AdminLog.ReadinessCheckPassing(_logger, check.Name);
                }

                _lastReady[i] = result.IsReady;
            }
        }

        return failures;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (EndPoint is not null)
        {
            AdminLog.AdminStopping(_logger);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _app.StopAsync(timeout.Token).ConfigureAwait(false);
        }

        await _app.DisposeAsync().ConfigureAwait(false);
        _meterProvider.Dispose();
    }

    private WebApplication BuildApplication(Action<ILoggingBuilder>? configureLogging)
    {
        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Logging.ClearProviders();
        if (configureLogging is not null)
        {
            configureLogging(builder.Logging);
        }
        else
        {
            builder.Logging.AddSimpleConsole(options => options.SingleLine = true);
            builder.Logging.SetMinimumLevel(LogLevel.Information);
        }

        // ASP.NET Core logs two Information lines per request, which would repeat on every scrape, and the host's
        // "Now listening" line repeats AdminStarted.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);

        // The data listener's host handles SIGTERM and Ctrl+C and then disposes this server, so the admin
        // host must not react to them itself.
        builder.Services.AddSingleton<IHostLifetime, HostOwnedLifetime>();
        builder.Services.AddRoutingCore();
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxConcurrentConnections = 64;
            kestrel.Limits.MaxRequestBodySize = 0;
            kestrel.Listen(_settings.Address, listen => listen.Protocols = HttpProtocols.Http1);
        });

        WebApplication app = builder.Build();
        app.UseOpenTelemetryPrometheusScrapingEndpoint(_meterProvider, predicate: null, path: "/metrics", configureBranchedPipeline: null, optionsName: null);
        app.MapGet("/healthz", () => Results.Text("ok", PlainText));
        app.MapGet("/readyz", () =>
        {
            List<string> failures = EvaluateReadiness();
            if (failures.Count == 0)
            {
                return Results.Text("ready", PlainText);
            }

            var body = new StringBuilder();
            foreach (string failure in failures)
            {
                body.Append(failure).Append('\n');
            }

            return Results.Text(body.ToString(), PlainText, statusCode: StatusCodes.Status503ServiceUnavailable);
        });
        return app;
    }

    /// <summary>A host lifetime that ignores process signals; the owner stops the host by disposing the server.</summary>
    private sealed class HostOwnedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
