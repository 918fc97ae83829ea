using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using FastContractorProxy.Configuration;
using FastContractorProxy.Http1;
using FastContractorProxy.Paths;
using FastContractorProxy.Routing;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Logging;

namespace FastContractorProxy.Hosting;

/// <summary>
/// Serves one client connection: reads request heads with the pure parser, canonicalizes the path, picks the
/// route and forwards the exchange, one request at a time (pipelined requests wait in the input pipe).
/// Every state it needs is owned here and reused across requests, so steady-state requests allocate nothing.
/// </summary>
internal sealed partial class Http1Connection
{
    private static readonly byte[] ProcessIdPrefix = CreateProcessIdPrefix();
    private static long s_requestCounter;

    private readonly ConnectionContext _connection;
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly ProxyRuntime _runtime;
    private readonly ILogger _logger;
    private readonly HeadBuffer _headBuffer = new();
    private readonly RequestHead _head;
    private readonly byte[] _peerAddress;
    private readonly IPAddress _peerIp;
    private readonly int _peerPort;
    private readonly string _peerLabel;
    private readonly bool _peerIsTrustedProxy;
    private readonly byte[] _requestId = new byte[128];
    private int _requestIdLength;
    private byte[] _pathBuffer = new byte[256];
    private int _pathLength;

    // One timer source for waits on the client, one for waits on the upstream; both are reset per wait.
    private CancellationTokenSource _clientTimeout = new();
    private CancellationTokenSource _upstreamTimeout = new();
    // Canceled when the client is really gone (not on a half-close); upstream waits without a timer use it.
    private readonly CancellationTokenSource _clientGone = new();

    // Set when the server shuts down: the current exchange finishes with Connection: close, and a connection
    // waiting for its next request is closed at once.
    private volatile bool _draining;
    private volatile bool _waitingForRequest;

    public Http1Connection(ConnectionContext connection, ProxyRuntime runtime, ILogger logger)
    {
        _connection = connection;
        _input = connection.Transport.Input;
        _output = connection.Transport.Output;
        _runtime = runtime;
        _logger = logger;
        _head = new RequestHead(runtime.Limits.MaxHeaderFields);

        IPAddress peer = NormalizePeer((connection.RemoteEndPoint as IPEndPoint)?.Address);
        _peerIp = peer;
        _peerPort = (connection.RemoteEndPoint as IPEndPoint)?.Port ?? 0;
        _peerLabel = connection.RemoteEndPoint?.ToString() ?? "unknown";
        _peerAddress = Encoding.ASCII.GetBytes(peer.ToString());
        _peerIsTrustedProxy = runtime.IsTrustedProxy(peer);
    }

    private bool ClientGone => _clientGone.IsCancellationRequested;

    private ReadOnlySpan<byte> CanonicalPath => _pathBuffer.AsSpan(0, _pathLength);

    private ReadOnlySpan<byte> RequestId => _requestId.AsSpan(0, _requestIdLength);

    public async Task RunAsync()
    {
        using CancellationTokenRegistration registration = _connection.ConnectionClosed.Register(
            static state => ((Http1Connection)state!).OnClientClosed(), this);
        using CancellationTokenRegistration shutdown = _connection.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested.Register(
            static state => ((Http1Connection)state!).OnShutdownRequested(), this) ?? default;
        _runtime.Metrics.ConnectionOpened(Admin.ConnectionProtocol.Http1);
        try
        {
            while (true)
            {
                RejectReason? outcome = await ReadHeadAsync().ConfigureAwait(false);
                if (outcome is null)
                {
                    return;
                }

                // A head rejected before its request line was read is not an exchange, so it is not audited.
                bool audited = outcome == RejectReason.None || _head.MethodRange.Length > 0;
                if (audited)
                {
                    BeginAudit();
                }

                bool keepAlive;
                try
                {
                    keepAlive = outcome == RejectReason.None
                        ? await HandleRequestAsync().ConfigureAwait(false)
                        : await RejectAsync(outcome.Value, close: true).ConfigureAwait(false);
                }
                finally
                {
                    if (audited)
                    {
                        await EndExchangeAsync().ConfigureAwait(false);
                    }
                }

                _headBuffer.Reset();
                if (!keepAlive)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (ClientGone)
        {
            // The client went away; the upstream exchange was abandoned with it.
        }
        catch (OperationCanceledException)
        {
            // Only a write to the client can time out here: it stopped reading the response.
            ProxyLog.ClientTimedOut(_logger, _peerLabel, "response send timeout");
            _connection.Abort();
        }
        catch (Exception ex) when (ex is IOException or ConnectionResetException or ConnectionAbortedException)
        {
            ProxyLog.ClientConnectionError(_logger, _peerLabel, ex);
        }
        catch (Exception ex)
        {
            // A bug: the connection is in an unknown state, so it is aborted rather than reused.
            ProxyLog.UnexpectedError(_logger, _peerLabel, ex);
            _connection.Abort();
        }
        finally
        {
            _runtime.Metrics.ConnectionClosed(Admin.ConnectionProtocol.Http1);
            _headBuffer.Release();
            _clientTimeout.Dispose();
            _upstreamTimeout.Dispose();
            _clientGone.Dispose();
        }
    }

    private void OnShutdownRequested()
    {
        _draining = true;
        if (_waitingForRequest)
        {
            CancelQuietly(_clientTimeout);
        }
    }

    private void OnClientClosed()
    {
        // Kestrel reports the end of the client's input, which is also what a half-close (shutdown of the
        // sending side, as `nc` does) looks like. Such a client still reads the response. So only a connection
        // that is really gone cancels the exchange, and a half-closed one is served and then closed.
        if (IsHalfClosedByPeer())
        {
            return;
        }

        // First, so that handlers of the cancellations below already see ClientGone.
        CancelQuietly(_clientGone);
        CancelQuietly(_clientTimeout);
        CancelQuietly(_upstreamTimeout);
    }

    // On Linux, TCP_INFO's first byte is the TCP state: CLOSE_WAIT (8) after the peer's FIN, CLOSE (7) after a
    // reset. Elsewhere, or without the socket, the connection is treated as gone.
    private bool IsHalfClosedByPeer()
    {
        const int IpProtocolTcp = 6;
        const int TcpInfoOption = 11;
        const byte TcpCloseWait = 8;

        Socket? socket = _connection.Features.Get<IConnectionSocketFeature>()?.Socket;
        if (socket is null || !OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            Span<byte> info = stackalloc byte[104];
            int length = socket.GetRawSocketOption(IpProtocolTcp, TcpInfoOption, info);
            return length > 0 && info[0] == TcpCloseWait;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }

    /// <summary>
    /// Reads one request head. Returns null when the connection should close without a response (clean close
    /// between requests, idle timeout, or the client closed mid-head), else None or the rejection reason.
    /// </summary>
    private async ValueTask<RejectReason?> ReadHeadAsync()
    {
        ClientLimits limits = _runtime.Limits;
        _head.Detach();
        _requestIdLength = 0;
        _pathLength = 0;
        CancellationToken token = ResetClientTimeout(limits.KeepAliveTimeout);
        bool started = false;
        _waitingForRequest = true;
        if (_draining)
        {
            return null;
        }

        while (true)
        {
            ReadResult result;
            try
            {
                result = await _input.ReadAsync(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ClientGone)
            {
                _waitingForRequest = false;
                if (!started)
                {
                    if (!_draining)
                    {
                        ProxyLog.ClientTimedOut(_logger, _peerLabel, "idle keep-alive connection");
                    }

                    return null;
                }

                return RejectReason.RequestHeadersTimeout;
            }

            ReadOnlySequence<byte> buffer = result.Buffer;
            if (!started && !buffer.IsEmpty)
            {
                _waitingForRequest = false;
                // The header deadline runs from the first byte and is not extended by later bytes.
                started = true;
                token = ResetClientTimeout(limits.HeadersTimeout);
            }

            ParseStatus status = _headBuffer.Accumulate(buffer, limits.MaxRequestLineBytes, limits.MaxHeaderBytes, out int consumed, out RejectReason reason);
            if (status == ParseStatus.Done)
            {
                _input.AdvanceTo(buffer.GetPosition(consumed));
                _head.Attach(_headBuffer.Buffer, _headBuffer.LeadingBytes, _headBuffer.SectionLength);
                return RequestHeadParser.Parse(_head);
            }

            if (status == ParseStatus.Invalid)
            {
                _head.ErrorOffset = _headBuffer.ErrorOffset;
                _input.AdvanceTo(buffer.Start, buffer.End);
                return reason;
            }

            if (result.IsCompleted)
            {
                _input.AdvanceTo(buffer.End);
                return null;
            }

            _input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>Canonicalizes the path, picks the route, applies route limits and forwards. Returns whether to keep the connection.</summary>
    private async ValueTask<bool> HandleRequestAsync()
    {
        AssignRequestId();
        if (_runtime.Audit is { ShouldRejectRequests: true })
        {
            return await RejectAsync(RejectReason.AuditUnavailable, close: _head.HasBody || !_head.KeepAlive).ConfigureAwait(false);
        }

        RejectReason reason = ResolveRoute(out Route? route);
        if (reason != RejectReason.None)
        {
            // A rejected request's body was not read, so the connection can only continue without one.
            return await RejectAsync(reason, close: _head.HasBody || !_head.KeepAlive).ConfigureAwait(false);
        }

        if (route!.Settings.CaseInsensitive)
        {
            PathCanonicalizer.LowercaseInPlace(_pathBuffer.AsSpan(0, _pathLength));
        }

        if (await AuthorizeAsync(route).ConfigureAwait(false) is bool keepAfterDenial)
        {
            return keepAfterDenial;
        }

        if (_head.ContentLength > route.MaxRequestBodyBytes)
        {
            return await RejectAsync(RejectReason.RequestBodyTooLarge, close: true).ConfigureAwait(false);
        }

        return await ForwardAsync(route).ConfigureAwait(false);
    }

    private RejectReason ResolveRoute(out Route? route)
    {
        route = null;
        RouteTable routes = _runtime.Routes;
        ReadOnlySpan<byte> authority = _head[_head.Authority];

        if (_head.Form == TargetForm.Asterisk)
        {
            "*"u8.CopyTo(_pathBuffer);
            _pathLength = 1;
            route = routes.Match(authority, "/"u8);
            return route is null ? RejectReason.NoRoute : RejectReason.None;
        }

        ReadOnlySpan<byte> rawPath = _head[_head.Path];
        if (_pathBuffer.Length < rawPath.Length)
        {
            _pathBuffer = new byte[Math.Max(rawPath.Length, _pathBuffer.Length * 2)];
        }

        RejectReason reason = PathCanonicalizer.Canonicalize(rawPath, _pathBuffer, PathOptions.Strict, out _pathLength);
        bool optIn = (reason == RejectReason.EncodedSlashInPath && routes.AnyAllowsEncodedSlash) ||
            (reason == RejectReason.PathParameterInPath && routes.AnyAllowsPathParameters);
        if (optIn)
        {
            // Some route accepts what strict mode rejects: find the route with relaxed rules, then let that
            // route's own options decide.
            var relaxed = new PathOptions(routes.AnyAllowsEncodedSlash, routes.AnyAllowsPathParameters);
            if (PathCanonicalizer.Canonicalize(rawPath, _pathBuffer, relaxed, out _pathLength) == RejectReason.None &&
                routes.Match(authority, CanonicalPath) is { } candidate)
            {
                RejectReason routeReason = PathCanonicalizer.Canonicalize(rawPath, _pathBuffer, candidate.PathOptions, out _pathLength);
                if (routeReason == RejectReason.None)
                {
                    route = candidate;
                }

                return routeReason;
            }
        }

        if (reason != RejectReason.None)
        {
            return reason;
        }

        route = routes.Match(authority, CanonicalPath);
        return route is null ? RejectReason.NoRoute : RejectReason.None;
    }

    private void AssignRequestId()
    {
        if (_head.RequestIdField >= 0)
        {
            ReadOnlySpan<byte> clientId = _head.Fields[_head.RequestIdField].Value(_head.Section);
            clientId.CopyTo(_requestId);
            _requestIdLength = clientId.Length;
            _audit?.SetRequestId(RequestId);
            return;
        }

        // A per-process random prefix and a counter: unique without a random number per request.
        ProcessIdPrefix.CopyTo(_requestId, 0);
        long counter = Interlocked.Increment(ref s_requestCounter);
        Span<byte> digits = _requestId.AsSpan(ProcessIdPrefix.Length, 16);
        for (int i = 15; i >= 0; i--)
        {
            digits[i] = (byte)"0123456789abcdef"[(int)(counter & 0xF)];
            counter >>= 4;
        }

        _requestIdLength = ProcessIdPrefix.Length + 16;
        _audit?.SetRequestId(RequestId);
    }

    private CancellationToken ResetClientTimeout(TimeSpan timeout) => ResetTimeout(ref _clientTimeout, timeout);

    private CancellationToken ResetUpstreamTimeout(TimeSpan timeout) => ResetTimeout(ref _upstreamTimeout, timeout);

    private CancellationToken ResetTimeout(ref CancellationTokenSource source, TimeSpan timeout)
    {
        if (!source.TryReset())
        {
            source.Dispose();
            source = new CancellationTokenSource();
            if (ClientGone)
            {
                source.Cancel();
            }
        }

        source.CancelAfter(timeout);
        return source.Token;
    }

    private static void CancelQuietly(CancellationTokenSource source)
    {
        try
        {
            source.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private static byte[] CreateProcessIdPrefix()
    {
        Span<byte> random = stackalloc byte[8];
        System.Security.Cryptography.RandomNumberGenerator.Fill(random);
        return Encoding.ASCII.GetBytes(Convert.ToHexStringLower(random));
    }
}
