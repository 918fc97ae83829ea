using System.Net;
using FastContractorProxy.Admin;
using FastContractorProxy.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FastContractorProxy.Hosting;

/// <summary>A running proxy: Kestrel listeners bound to <see cref="ProxyConnectionHandler"/>.</summary>
internal sealed class ProxyServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ProxyRuntime _runtime;
    private readonly ILogger _logger;
    private readonly PolicyWatcher? _policyWatcher;
    private int _disposed;

    private ProxyServer(WebApplication app, ProxyRuntime runtime, IReadOnlyList<IPEndPoint> endPoints, ILogger logger, AdminServer? admin)
    {
        _app = app;
        _runtime = runtime;
        EndPoints = endPoints;
        _logger = logger;
        Admin = admin;
        if (runtime.Settings.Policy is { } policy)
        {
            _policyWatcher = new PolicyWatcher(runtime, policy.FilePath, policy.Watch);
        }
    }

    internal ProxyRuntime Runtime => _runtime;

    /// <summary>The admin listener, or null when the configuration has none.</summary>
    internal AdminServer? Admin { get; }

    internal PolicyWatcher? PolicyWatcher => _policyWatcher;

    /// <summary>The bound listener addresses, with the real port where the configuration asked for port 0.</summary>
    public IReadOnlyList<IPEndPoint> EndPoints { get; }

    /// <summary>Starts Kestrel on the configured listeners. <paramref name="source"/> names the configuration in the start-up log.</summary>
    public static async Task<ProxyServer> StartAsync(ProxySettings settings, Action<ILoggingBuilder>? configureLogging = null, string source = "configuration", CancellationToken cancellationToken = default)
    {
        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Logging.ClearProviders();

        // The admin listener is a second host; it logs the same way, so JSON output stays JSON throughout.
        configureLogging ??= logging => ConfigureConsoleLogging(logging, settings.Logging);
        configureLogging(builder.Logging);

        builder.WebHost.UseKestrelCore();
        builder.WebHost.UseSockets(sockets =>
        {
            sockets.UnsafePreferInlineScheduling = settings.Transport.InlineScheduling;
            if (settings.Transport.IoQueueCount is int queues)
            {
                sockets.IOQueueCount = queues;
            }
        });
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            foreach (IPEndPoint endPoint in settings.Listeners)
            {
                kestrel.Listen(endPoint, listen => listen.UseConnectionHandler<ProxyConnectionHandler>());
            }
        });

        builder.Services.AddSingleton(provider => new ProxyRuntime(settings, provider.GetRequiredService<ILoggerFactory>()));
        builder.Services.AddSingleton<ProxyConnectionHandler>();

        WebApplication app = builder.Build();
        ProxyRuntime runtime = app.Services.GetRequiredService<ProxyRuntime>();
        ILogger logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("FastContractorProxy");
        ProxyLog.ConfigurationLoaded(logger, source, settings.Routes.Count, settings.Clusters.Count);
        if (settings.Policy is { } policy)
        {
            ProxyLog.PolicyLoaded(logger, policy.FilePath, policy.Document.Version);
        }
        else if (settings.IsOpen)
        {
            ProxyLog.RunningOpen(logger);
        }

        await runtime.StartAsync(cancellationToken).ConfigureAwait(false);
        AdminServer? admin = null;
        if (settings.Admin is { } adminSettings)
        {
            admin = new AdminServer(adminSettings, runtime.Metrics, runtime.ReadinessChecks(), configureLogging);
            await admin.StartAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            if (admin is not null)
            {
                await admin.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }

        ICollection<string> addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        var endPoints = new List<IPEndPoint>();
        foreach (string address in addresses)
        {
            var uri = new Uri(address);
            IPAddress ip = IPAddress.Parse(uri.Host.Trim('[', ']'));
            endPoints.Add(new IPEndPoint(ip, uri.Port));
            ProxyLog.ProxyStarted(logger, address);
        }

        return new ProxyServer(app, runtime, endPoints, logger, admin);
    }

    /// <summary>Console logging as <c>logging</c> in the configuration sets it: text or JSON lines with UTC timestamps.</summary>
    internal static void ConfigureConsoleLogging(ILoggingBuilder logging, LoggingSettings settings)
    {
        const string Timestamp = "yyyy-MM-ddTHH:mm:ss.fffZ ";
        if (settings.Json)
        {
            logging.AddJsonConsole(options =>
            {
                options.UseUtcTimestamp = true;
                options.TimestampFormat = Timestamp.TrimEnd();
                options.JsonWriterOptions = new System.Text.Json.JsonWriterOptions
                {
                    Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
                };
            });
        }
        else
        {
            logging.AddSimpleConsole(options =>
            {
                options.SingleLine = true;
                options.UseUtcTimestamp = true;
                options.TimestampFormat = Timestamp;
            });
        }

        logging.SetMinimumLevel(settings.Level);

        // The host's own start-up lines repeat ProxyStarted, and a bind failure is reported once by the CLI.
        logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.Critical);
    }

    /// <summary>Completes when the host is asked to stop (SIGTERM, Ctrl+C).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        ProxyLog.ProxyStopping(_logger);
        _policyWatcher?.Dispose();
        // Kestrel stops accepting and requests every connection to close. Requests in flight have until the deadline.
        using (var timeout = new CancellationTokenSource(_runtime.Limits.ShutdownTimeout))
        {
            await _app.StopAsync(timeout.Token).ConfigureAwait(false);
        }

        // The admin listener keeps serving while the data listener drains. It stops before the runtime, because the
        // runtime owns the metrics.
        if (Admin is not null)
        {
            await Admin.DisposeAsync().ConfigureAwait(false);
        }

        await _runtime.DisposeAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
