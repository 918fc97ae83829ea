using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using FastContractorProxy.Configuration;
using FastContractorProxy.Http2;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Logging;

namespace FastContractorProxy.Hosting;

/// <summary>
/// Serves one HTTP/2 client connection that started with the client preface (prior knowledge, RFC 9113 section
/// 3.3). One reader loop owns the input: it parses every frame, keeps the stream table and the HPACK decoder, and
/// starts one exchange task per request stream. Every write to the client goes through one lock, so frames never
/// interleave inside a HEADERS and CONTINUATION sequence. Exchanges are forwarded to HTTP/1.1 upstreams.
/// </summary>
internal sealed partial class Http2Connection
{
    private readonly ConnectionContext _connection;
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly ProxyRuntime _runtime;
    private readonly Http2Limits _limits;
    private readonly ILogger _logger;
    private readonly IPAddress _peerIp;
    private readonly int _peerPort;
    private readonly string _peerLabel;
    private readonly byte[] _peerAddress;
    private readonly bool _peerIsTrustedProxy;
    private readonly long _budgetWindowTicks;

    // Open streams by id. Guarded by lock (_streams).
    private readonly Dictionary<int, Http2Stream> _streams = [];

    // Canceled when the client connection is gone; waits that have no stream of their own use it.
    private readonly CancellationTokenSource _connectionGone = new();
    private CancellationTokenSource _readTimeout = new();

    // Exchanges that have not finished yet, counted against the concurrent-stream limit.
    private int _runningStreams;
    private int _closingFlag;
    private readonly TaskCompletionSource _streamsFinished = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Reader loop state.
    private bool _settingsReceived;
    private int _lastStreamId;
    private bool _peerGoingAway;
    private volatile bool _drainRequested;
    private bool _goAwaySent;
    private int _goAwayLastStreamId = int.MaxValue;

    public Http2Connection(ConnectionContext connection, ProxyRuntime runtime, Http2Limits limits, ILogger logger)
    {
        _connection = connection;
        _input = connection.Transport.Input;
        _output = connection.Transport.Output;
        _runtime = runtime;
        _limits = limits;
        _logger = logger;
        _budgetWindowTicks = (long)(limits.BudgetWindow.TotalSeconds * Stopwatch.Frequency);
        _decoder = new HpackDecoder(runtime.Limits.MaxHeaderBytes);
        _connectionReceiveWindow = limits.ConnectionWindowSize;

        IPAddress peer = (connection.RemoteEndPoint as IPEndPoint)?.Address ?? IPAddress.None;
        _peerIp = peer.IsIPv4MappedToIPv6 ? peer.MapToIPv4() : peer;
        _peerPort = (connection.RemoteEndPoint as IPEndPoint)?.Port ?? 0;
        _peerLabel = connection.RemoteEndPoint?.ToString() ?? "unknown";
        _peerAddress = Encoding.ASCII.GetBytes(_peerIp.ToString());
        _peerIsTrustedProxy = runtime.IsTrustedProxy(_peerIp);
    }

    private bool ConnectionGone => _connectionGone.IsCancellationRequested;

    public async Task RunAsync()
    {
        using CancellationTokenRegistration closed = _connection.ConnectionClosed.Register(
            static state => ((Http2Connection)state!).OnConnectionClosed(), this);
        CancellationToken closeRequested = _connection.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested ?? default;
        using CancellationTokenRegistration drain = closeRequested.Register(
            static state => ((Http2Connection)state!).RequestDrain(), this);
        _runtime.Metrics.ConnectionOpened(Admin.ConnectionProtocol.Http2);
        try
        {
            if (!await ReadPrefaceAsync().ConfigureAwait(false))
            {
                return;
            }

            WriteInitialSettings();
            if (!await FlushControlAsync().ConfigureAwait(false))
            {
                return;
            }

            Http2Error error = await ReadFramesAsync().ConfigureAwait(false);
            if (!error.IsNone)
            {
                await FailConnectionAsync(error).ConfigureAwait(false);
            }
            else if (!ConnectionGone)
            {
                await CloseGracefullyAsync().ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ConnectionGone)
        {
            // The client went away; every exchange was canceled with it.
        }
        catch (Exception ex) when (ex is IOException or ConnectionResetException or ConnectionAbortedException)
        {
            ProxyLog.ClientConnectionError(_logger, _peerLabel, ex);
        }
        catch (Exception ex)
        {
            // A bug: the connection is in an unknown state, so it is aborted.
            ProxyLog.UnexpectedError(_logger, _peerLabel, ex);
            _connection.Abort();
        }
        finally
        {
            _runtime.Metrics.ConnectionClosed(Admin.ConnectionProtocol.Http2);
            // The full fence orders this write before the read of the running count below, which pairs with
            // the decrement and the read of _closing in OnStreamFinished.
            Interlocked.Exchange(ref _closingFlag, 1);
            AbortAllStreams();
            if (Volatile.Read(ref _runningStreams) > 0)
            {
                // Aborted exchanges end quickly; the bound only guards against a bug keeping the transport forever.
                await Task.WhenAny(_streamsFinished.Task, Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
            }

            _readTimeout.Dispose();
        }
    }

    private async ValueTask<bool> ReadPrefaceAsync()
    {
        CancellationToken token = ResetReadTimeout(_runtime.Limits.HeadersTimeout);
        while (true)
        {
            ReadResult result;
            try
            {
                result = await _input.ReadAsync(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ConnectionGone)
            {
                ProxyLog.ClientTimedOut(_logger, _peerLabel, "HTTP/2 client preface");
                return false;
            }

            ReadOnlySequence<byte> buffer = result.Buffer;
            FrameReadStatus status = FrameReader.TryReadClientPreface(ref buffer);
            if (status == FrameReadStatus.Done)
            {
                _input.AdvanceTo(buffer.Start);
                return true;
            }

            if (status == FrameReadStatus.Invalid || result.IsCompleted)
            {
                _input.AdvanceTo(result.Buffer.End);
                return false;
            }

            _input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>
    /// Reads and processes frames until the connection ends. Returns a connection error, or None when the client
    /// closed, the connection timed out idle, or a drain finished.
    /// </summary>
    private async ValueTask<Http2Error> ReadFramesAsync()
    {
        while (true)
        {
            if ((_peerGoingAway || _drainRequested) && Volatile.Read(ref _runningStreams) == 0)
            {
                return Http2Error.None;
            }

            if (_drainRequested && !_goAwaySent)
            {
                Http2Log.ConnectionDraining(_logger, _peerLabel, "server shutting down", _lastStreamId);
                QueueGoAway(Http2ErrorCode.NoError, "server shutting down");
                if (!await FlushControlAsync().ConfigureAwait(false))
                {
                    return Http2Error.None;
                }
            }

            ReadResult result;
            bool timedOut = false;
            try
            {
                result = await _input.ReadAsync(ArmReadTimeout()).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ConnectionGone)
            {
                result = default;
                timedOut = true;
            }

            if (timedOut)
            {
                if (_blockStreamId != 0)
                {
                    ProxyLog.ClientTimedOut(_logger, _peerLabel, "HTTP/2 field block not completed in time");
                    return Http2Error.Connection(Http2ErrorCode.ProtocolError, "Field block not completed in time.");
                }

                if (Volatile.Read(ref _runningStreams) == 0)
                {
                    ProxyLog.ClientTimedOut(_logger, _peerLabel, "idle HTTP/2 connection");
                    return Http2Error.None;
                }

                continue;
            }

            if (result.IsCanceled)
            {
                // An exchange ended or a drain was requested: check the exit conditions again.
                continue;
            }

            ReadOnlySequence<byte> buffer = result.Buffer;
            Http2Error error = Http2Error.None;
            bool stoppedEarly = false;
            while (true)
            {
                FrameReadStatus status = FrameReader.TryReadFrame(ref buffer, Http2Settings.MinMaxFrameSize, out FrameHeader header, out ReadOnlySequence<byte> payload);
                if (status == FrameReadStatus.NeedMoreData)
                {
                    break;
                }

                if (status == FrameReadStatus.Invalid)
                {
                    error = Http2Error.Connection(Http2ErrorCode.FrameSizeError, "Frame payload is larger than SETTINGS_MAX_FRAME_SIZE.");
                    break;
                }

                error = ProcessFrame(header, payload);
                if (!error.IsNone)
                {
                    break;
                }

                if (_control.WrittenCount >= _limits.MaxPendingControlBytes)
                {
                    // Flush what the client must read before more of its frames are processed: a client that
                    // does not read then stops being read, and buffered output stays bounded.
                    stoppedEarly = true;
                    break;
                }
            }

            if (stoppedEarly)
            {
                _input.AdvanceTo(buffer.Start);
            }
            else
            {
                _input.AdvanceTo(buffer.Start, buffer.End);
            }

            if (!error.IsNone)
            {
                return error;
            }

            if (!await FlushControlAsync().ConfigureAwait(false))
            {
                return Http2Error.None;
            }

            if (result.IsCompleted && !stoppedEarly)
            {
                // The client closed its side: no client remains to receive the responses.
                OnConnectionClosed();
                return Http2Error.None;
            }
        }
    }

    // Idle connections and unfinished field blocks time out; a connection with running exchanges does not.
    private CancellationToken ArmReadTimeout()
    {
        if (_blockStreamId != 0)
        {
            return ResetReadTimeout(_runtime.Limits.HeadersTimeout);
        }

        return Volatile.Read(ref _runningStreams) == 0
            ? ResetReadTimeout(_runtime.Limits.KeepAliveTimeout)
            : ResetReadTimeout(Timeout.InfiniteTimeSpan);
    }

    private CancellationToken ResetReadTimeout(TimeSpan timeout)
    {
        if (!_readTimeout.TryReset())
        {
            _readTimeout.Dispose();
            _readTimeout = new CancellationTokenSource();
        }

        if (ConnectionGone)
        {
            _readTimeout.Cancel();
        }
        else if (timeout != Timeout.InfiniteTimeSpan)
        {
            _readTimeout.CancelAfter(timeout);
        }

        return _readTimeout.Token;
    }

    /// <summary>Sends GOAWAY for a connection error, lets the client read it, and closes.</summary>
    private async ValueTask FailConnectionAsync(Http2Error error)
    {
        Http2Log.ConnectionError(_logger, _peerLabel, error.Code.ToString(), error.Message, _lastStreamId);

        AbortAllStreams();
        QueueGoAway(error.Code, error.Message);
        if (await FlushControlAsync(_limits.LingerTimeout).ConfigureAwait(false))
        {
            await LingerAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Ends a connection without an error: GOAWAY(NO_ERROR) unless one was sent, then close.</summary>
    private async ValueTask CloseGracefullyAsync()
    {
        if (!_goAwaySent)
        {
            QueueGoAway(Http2ErrorCode.NoError, "");
        }

        if (await FlushControlAsync(_limits.LingerTimeout).ConfigureAwait(false))
        {
            await LingerAsync().ConfigureAwait(false);
        }
    }

    // Reads and discards input for a short while after GOAWAY. Closing a socket with unread input makes TCP send
    // a reset, which could destroy the GOAWAY before the client reads it.
    private async ValueTask LingerAsync()
    {
        long discarded = 0;
        using var timeout = new CancellationTokenSource(_limits.LingerTimeout);
        try
        {
            while (discarded < 1024 * 1024)
            {
                ReadResult result = await _input.ReadAsync(timeout.Token).ConfigureAwait(false);
                discarded += result.Buffer.Length;
                _input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ConnectionResetException or ConnectionAbortedException)
        {
            // Either the client closed or the linger time is over; both end the connection.
        }
    }

    private void OnConnectionClosed()
    {
        if (ConnectionGone)
        {
            return;
        }

        try
        {
            _connectionGone.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }

        AbortAllStreams();
    }

    private void RequestDrain()
    {
        _drainRequested = true;
        _input.CancelPendingRead();
    }

    private void AbortAllStreams()
    {
        Http2Stream[] streams;
        lock (_streams)
        {
            streams = [.. _streams.Values];
        }

        foreach (Http2Stream stream in streams)
        {
            lock (stream)
            {
                stream.Reset = true;
            }

            // The body pipe is left alone: only the reader loop writes to it, and the abort cancels the exchange's reads.
            stream.Abort();
        }

        WakeAllWindowWaiters();
    }

    /// <summary>Counts the end of an exchange; the last one wakes the reader, which may be waiting to drain or to time out idle.</summary>
    private void OnStreamFinished()
    {
        if (Interlocked.Decrement(ref _runningStreams) == 0)
        {
            if (Volatile.Read(ref _closingFlag) != 0)
            {
                _streamsFinished.TrySetResult();
            }

            try
            {
                _input.CancelPendingRead();
            }
            catch (InvalidOperationException)
            {
                // The input was already completed.
            }
        }
    }
}
