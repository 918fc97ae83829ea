using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using FastContractorProxy.Configuration;
using FastContractorProxy.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging;

namespace FastContractorProxy.Forwarding;

internal enum LeaseError : byte
{
    None,

    /// <summary>Every destination refused the connection or is cooling down after refusing.</summary>
    ConnectFailed,
    ConnectTimedOut,
    Canceled,
}

/// <summary>One destination of a cluster, with its idle connections and passive health state.</summary>
internal sealed class UpstreamDestination(DnsEndPoint endPoint)
{
    public DnsEndPoint EndPoint { get; } = endPoint;

    public string Label { get; } = $"{endPoint.Host}:{endPoint.Port}";

    /// <summary>Idle connections, most recently used on top. Guarded by its own lock; a Stack does not allocate per push.</summary>
    public Stack<UpstreamConnection> Idle { get; } = new();

    /// <summary>Timestamp (Stopwatch ticks) until which the destination is skipped; 0 when healthy.</summary>
    public long UnhealthyUntil;

    public int IdleCount;
}

/// <summary>
/// Leases keep-alive connections to a cluster's destinations: round-robin, skipping destinations that
/// refused a connection within the cooldown (passive health), reusing idle connections before connecting.
/// </summary>
internal sealed class UpstreamCluster : IAsyncDisposable
{
    private readonly UpstreamDestination[] _destinations;
    private readonly ILogger _logger;
    private readonly long _idleTimeoutTicks;
    private readonly long _cooldownTicks;
    private readonly Timer _sweepTimer;
    private readonly SocketConnectionContextFactory _transportFactory;
    private int _next = -1;
    private bool _disposed;

    public UpstreamCluster(ClusterSettings settings, SocketConnectionContextFactory transportFactory, ILogger logger)
    {
        Settings = settings;
        _transportFactory = transportFactory;
        _logger = logger;
        _destinations = settings.Destinations.Select(d => new UpstreamDestination(d)).ToArray();
        _idleTimeoutTicks = (long)(settings.IdleTimeout.TotalSeconds * Stopwatch.Frequency);
        _cooldownTicks = (long)(settings.UnhealthyCooldown.TotalSeconds * Stopwatch.Frequency);

        // Without traffic nothing leases, so a timer closes connections that outlived the idle timeout.
        TimeSpan sweepInterval = settings.IdleTimeout / 2;
        _sweepTimer = new Timer(static state => ((UpstreamCluster)state!).SweepIdle(), this, sweepInterval, sweepInterval);
    }

    public ClusterSettings Settings { get; }

    public string Id => Settings.Id;

    /// <summary>
    /// Returns a connection to the next healthy destination. When all destinations are cooling down, they are
    /// tried anyway, because refusing every request until a timer expires would turn a blip into an outage.
    /// </summary>
    public async ValueTask<(UpstreamConnection? Connection, LeaseError Error)> LeaseAsync(bool allowReuse, CancellationToken cancellationToken)
    {
        long now = Stopwatch.GetTimestamp();
        int count = _destinations.Length;
        int start = (int)((uint)Interlocked.Increment(ref _next) % (uint)count);
        LeaseError lastError = LeaseError.ConnectFailed;

        // Destinations tried in the first pass are skipped in the second, so one that has just failed (and
        // so now counts as cooling down) is not tried twice. Clusters with more than 64 destinations may retry.
        ulong tried = 0;
        for (int pass = 0; pass < 2; pass++)
        {
            for (int i = 0; i < count; i++)
            {
                int index = (start + i) % count;
                UpstreamDestination destination = _destinations[index];
                ulong bit = index < 64 ? 1UL << index : 0;
                bool coolingDown = Volatile.Read(ref destination.UnhealthyUntil) > now;
                if (coolingDown != (pass == 1) || (tried & bit) != 0)
                {
                    continue;
                }

                tried |= bit;

                if (allowReuse && TryTakeIdle(destination, now) is { } idle)
                {
                    return (idle, LeaseError.None);
                }

                (UpstreamConnection? connection, LeaseError error) = await ConnectAsync(destination, cancellationToken).ConfigureAwait(false);
                if (connection is not null)
                {
                    return (connection, LeaseError.None);
                }

                lastError = error;
                if (error == LeaseError.Canceled)
                {
                    return (null, error);
                }
            }
        }

        return (null, lastError);
    }

    /// <summary>Puts a connection back in its destination's idle pool, or closes it when the pool is full.</summary>
    public async ValueTask ReturnAsync(UpstreamConnection connection)
    {
        UpstreamDestination destination = connection.Destination;
        if (!_disposed && Interlocked.Increment(ref destination.IdleCount) <= Settings.MaxIdleConnectionsPerDestination)
        {
            connection.IsReused = true;
            connection.IdleSinceTicks = Stopwatch.GetTimestamp();
            lock (destination.Idle)
            {
                destination.Idle.Push(connection);
            }

            return;
        }

        Interlocked.Decrement(ref destination.IdleCount);
        await connection.DisposeAsync().ConfigureAwait(false);
    }

    private UpstreamConnection? TryTakeIdle(UpstreamDestination destination, long now)
    {
        while (TryPopIdle(destination, out UpstreamConnection? connection))
        {
            Interlocked.Decrement(ref destination.IdleCount);
            if (now - connection.IdleSinceTicks < _idleTimeoutTicks && connection.IsHealthyForReuse())
            {
                return connection;
            }

            _ = connection.DisposeAsync();
        }

        return null;
    }

    private void SweepIdle()
    {
        long now = Stopwatch.GetTimestamp();
        var expired = new List<UpstreamConnection>();
        foreach (UpstreamDestination destination in _destinations)
        {
            lock (destination.Idle)
            {
                if (destination.Idle.Count == 0)
                {
                    continue;
                }

                // The stack is newest-first, so rebuild it keeping only connections inside the idle timeout.
                UpstreamConnection[] all = destination.Idle.ToArray();
                destination.Idle.Clear();
                for (int i = all.Length - 1; i >= 0; i--)
                {
                    if (now - all[i].IdleSinceTicks < _idleTimeoutTicks)
                    {
                        destination.Idle.Push(all[i]);
                    }
                    else
                    {
                        expired.Add(all[i]);
                        Interlocked.Decrement(ref destination.IdleCount);
                    }
                }
            }
        }

        foreach (UpstreamConnection connection in expired)
        {
            _ = connection.DisposeAsync();
        }
    }

    private static bool TryPopIdle(UpstreamDestination destination, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out UpstreamConnection? connection)
    {
        lock (destination.Idle)
        {
            return destination.Idle.TryPop(out connection);
        }
    }

    private async ValueTask<(UpstreamConnection?, LeaseError)> ConnectAsync(UpstreamDestination destination, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Settings.ConnectTimeout);
        try
        {
            await socket.ConnectAsync(destination.EndPoint, timeout.Token).ConfigureAwait(false);
            MarkHealthy(destination);
            return (new UpstreamConnection(_transportFactory.Create(socket), destination), LeaseError.None);
        }
        catch (OperationCanceledException)
        {
            socket.Dispose();
            if (cancellationToken.IsCancellationRequested)
            {
                return (null, LeaseError.Canceled);
            }

            MarkUnhealthy(destination, "connect timed out");
            return (null, LeaseError.ConnectTimedOut);
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            MarkUnhealthy(destination, ex.SocketErrorCode.ToString());
            return (null, LeaseError.ConnectFailed);
        }
    }

    private void MarkUnhealthy(UpstreamDestination destination, string reason)
    {
        long until = Stopwatch.GetTimestamp() + _cooldownTicks;
        if (Interlocked.Exchange(ref destination.UnhealthyUntil, until) == 0)
        {
            ProxyLog.DestinationUnhealthy(_logger, Id, destination.Label, reason, Settings.UnhealthyCooldown.TotalSeconds);
        }
    }

    private void MarkHealthy(UpstreamDestination destination)
    {
        if (Interlocked.Exchange(ref destination.UnhealthyUntil, 0) != 0)
        {
            ProxyLog.DestinationHealthy(_logger, Id, destination.Label);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        await _sweepTimer.DisposeAsync().ConfigureAwait(false);
        foreach (UpstreamDestination destination in _destinations)
        {
            while (TryPopIdle(destination, out UpstreamConnection? connection))
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
