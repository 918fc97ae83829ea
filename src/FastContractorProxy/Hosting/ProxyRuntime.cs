using System.Net;
using FastContractorProxy.Admin;
using FastContractorProxy.Audit;
using FastContractorProxy.Configuration;
using FastContractorProxy.Forwarding;
using FastContractorProxy.Identity;
using FastContractorProxy.Policy;
using FastContractorProxy.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging;

namespace FastContractorProxy.Hosting;

/// <summary>
/// Everything the data path reads, built once from validated settings. Only the access snapshot changes
/// afterwards: a policy reload swaps it atomically, and the data path reads it without a lock.
/// </summary>
internal sealed class ProxyRuntime : IAsyncDisposable
{
    private readonly UpstreamCluster[] _clusters;
    private readonly Dictionary<string, UpstreamCluster> _clustersById;
    private readonly SocketConnectionContextFactory _transportFactory;
    private readonly ILogger _logger;
    private readonly Lock _reloadLock = new();
    private volatile AccessSnapshot? _access;
    private readonly FileStream? _auditLock;
    private int _disposed;
    private long _policyReloads;
    private long _policyReloadFailures;

    public ProxyRuntime(ProxySettings settings, ILoggerFactory loggerFactory, TimeProvider? time = null)
    {
        Settings = settings;
        Time = time ?? TimeProvider.System;
        _logger = loggerFactory.CreateLogger("FastContractorProxy");
        ILogger upstreamLogger = loggerFactory.CreateLogger("FastContractorProxy.Upstream");
        var transportOptions = new SocketConnectionFactoryOptions
        {
            UnsafePreferInlineScheduling = settings.Transport.InlineScheduling,
        };
        if (settings.Transport.IoQueueCount is int queues)
        {
            transportOptions.IOQueueCount = queues;
        }

        _transportFactory = new SocketConnectionContextFactory(transportOptions, upstreamLogger);
        _clusters = settings.Clusters.Select(c => new UpstreamCluster(c, _transportFactory, upstreamLogger)).ToArray();
        _clustersById = _clusters.ToDictionary(c => c.Id, StringComparer.Ordinal);
        Routes = new RouteTable(settings.Routes.Select(r => new Route(
            r, r.Cluster is null ? null : _clustersById[r.Cluster], r.MaxRequestBodyBytes ?? settings.Limits.MaxRequestBodyBytes)));
        FieldFilter = new FieldFilter(settings.Forwarding, settings.Identity?.ApiKeyHeader);
        TrustedProxies = settings.Forwarding.TrustedProxies.ToArray();

        if (!settings.IsOpen)
        {
            // With a policy but no identity section, only the policy's API keys can authenticate callers.
            Authenticator = new Authenticator(settings.Identity ?? new IdentitySettings(), time: Time, loggerFactory: loggerFactory);
        }

        if (settings.Policy is { } policy)
        {
            Install(CompiledPolicy.Compile(policy.Document));
        }

        if (settings.Audit is { } audit)
        {
            _auditLock = LockAuditLog(audit.Path);
            Audit = new AuditWriter(audit, loggerFactory.CreateLogger("FastContractorProxy.Audit"), Time);
        }

        Metrics = new ProxyMetrics(new MetricsSources
        {
            KeySets = Authenticator is null ? null : () => [.. Authenticator.GetKeySetHealth().Select(h =>
                new KeySetSample(h.Issuer, h.KeyCount, h.LastSuccess, h.ConsecutiveFailures))],
            Policy = settings.Policy is null ? null : () => new PolicySample(
                Interlocked.Read(ref _policyReloads), Interlocked.Read(ref _policyReloadFailures), _access?.Version),
            Audit = Audit is null ? null : () => new AuditSample(Audit.QueueLength, Audit.Written, Audit.Dropped, Audit.WriteFailures),
        }, timeProvider: Time);
    }

    public ProxyMetrics Metrics { get; }

    /// <summary>
    /// The checks behind <c>/readyz</c>: the policy is loaded, every issuer has keys, the audit log is writable.
    /// </summary>
    public IReadOnlyList<ReadinessCheck> ReadinessChecks()
    {
        var checks = new List<ReadinessCheck>();
        if (Settings.Policy is not null)
        {
            checks.Add(new ReadinessCheck("policy", () => _access is null ? ReadinessResult.NotReady("no policy loaded") : ReadinessResult.Ready));
        }

        if (Authenticator is not null)
        {
            foreach (IssuerKeyStore store in Authenticator.KeyStores)
            {
                checks.Add(new ReadinessCheck("issuer " + store.Settings.Issuer, () => store.Health is { KeyCount: > 0 }
                    ? ReadinessResult.Ready
                    : ReadinessResult.NotReady("no signing keys loaded: " + (store.Health.LastError ?? "not fetched yet"))));
            }
        }

        if (Audit is not null)
        {
            checks.Add(new ReadinessCheck("audit", () => Audit.Healthy ? ReadinessResult.Ready : ReadinessResult.NotReady(Audit.Error ?? "the audit log cannot be written")));
        }

        return checks;
    }

    /// <summary>The audit log writer; null when the configuration has no audit section.</summary>
    public AuditWriter? Audit { get; }

    public ProxySettings Settings { get; }

    public ClientLimits Limits => Settings.Limits;

    public RouteTable Routes { get; }

    public FieldFilter FieldFilter { get; }

    public IPNetwork[] TrustedProxies { get; }

    public TimeProvider Time { get; }

    /// <summary>Validates credentials; null when the proxy runs open (no identity section and no policy).</summary>
    public Authenticator? Authenticator { get; }

    /// <summary>The current policy; null when no policy is configured.</summary>
    public AccessSnapshot? Access => _access;

    /// <summary>Fetches the issuers' keys once; an issuer that cannot be reached does not stop the start.</summary>
    public Task StartAsync(CancellationToken cancellationToken) =>
        Authenticator?.StartAsync(cancellationToken) ?? Task.CompletedTask;

    /// <summary>
    /// Reads, checks and compiles the policy file again and swaps it in. On any error the current policy stays
    /// and the error is logged. Returns the error messages, empty on success.
    /// </summary>
    public IReadOnlyList<string> ReloadPolicy()
    {
        if (Settings.Policy is not { } source)
        {
            return ["No policy file is configured."];
        }

        lock (_reloadLock)
        {
            IReadOnlyList<string> errors;
            try
            {
                PolicyDocument document = PolicyReader.LoadFile(source.FilePath);
                if (document.Version == _access?.Version)
                {
                    // Logged too, so that after a failed reload the log shows which policy is in force.
                    Interlocked.Increment(ref _policyReloads);
                    ProxyLog.PolicyUnchanged(_logger, source.FilePath, document.Version);
                    return [];
                }

                errors = PolicyBinding.Check(document, Settings.Clusters, Settings.Identity);
                if (errors.Count == 0)
                {
                    Install(CompiledPolicy.Compile(document));
                    Interlocked.Increment(ref _policyReloads);
                    ProxyLog.PolicyLoaded(_logger, source.FilePath, document.Version);
                    return [];
                }
            }
            catch (PolicyException ex)
            {
                errors = ex.Errors;
            }

            Interlocked.Increment(ref _policyReloadFailures);
            ProxyLog.PolicyReloadFailed(_logger, source.FilePath, string.Join(" ", errors));
            return errors;
        }
    }

    // Two processes appending to one audit log would interleave lines and break its hash chain. So each log has a
    // lock file, locked exclusively (an advisory flock on Linux) by one process for as long as it runs.
    private static FileStream? LockAuditLog(string? path)
    {
        if (path is null)
        {
            return null;
        }

        try
        {
            return new FileStream(path + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new IOException($"the audit log {path} is locked by another fcp process ({path}.lock); give each process its own audit.path.", ex);
        }
    }

    /// <summary>Converts a policy API key to the authenticator's form. Its id is the contractor id and the key's position.</summary>
    internal static ApiKeySettings ToApiKeySettings((ContractorDefinition Contractor, byte[] Sha256) entry, int index) => new()
    {
        Id = $"{entry.Contractor.Id}/key-{index}",
        Sha256 = entry.Sha256,
        ContractorId = entry.Contractor.Id,
        Organization = entry.Contractor.Organization,
    };

    private void Install(CompiledPolicy policy)
    {
        var snapshot = new AccessSnapshot(policy, _clustersById);
        Authenticator?.UseApiKeys(policy.ApiKeyCredentials.Select(ToApiKeySettings));
        _access = snapshot;
    }

    public bool IsTrustedProxy(IPAddress address)
    {
        foreach (IPNetwork network in TrustedProxies)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    public async ValueTask DisposeAsync()
    {
        // Both the server and the DI container dispose the runtime.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (Authenticator is not null)
        {
            await Authenticator.DisposeAsync().ConfigureAwait(false);
        }

        foreach (UpstreamCluster cluster in _clusters)
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
        }

        _transportFactory.Dispose();

        // Last, after the connections have finished: every queued record is written before the process exits. A
        // log that cannot be written is given up on after the shutdown timeout, and its unwritten records are
        // counted as dropped, so an unwritable disk cannot keep the process alive.
        if (Audit is not null)
        {
            using (var deadline = new CancellationTokenSource(Limits.ShutdownTimeout))
            {
                try
                {
                    await Audit.CompleteAsync(deadline.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }
            }

            await Audit.DisposeAsync().ConfigureAwait(false);
            _auditLock?.Dispose();
        }

        Metrics.Dispose();
    }
}
