using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using FastContractorProxy.Http2;
using Microsoft.AspNetCore.Connections;

namespace FastContractorProxy.Hosting;

internal sealed partial class Http2Connection
{
    // Serializes every write to the client output and its flush. Held for one frame sequence at a time.
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    // Control frames the reader loop queued while it processed a batch of input; written at the end of the batch.
    private readonly ArrayBufferWriter<byte> _control = new(4096);

    // The field block of a response being written. Used under the write lock only.
    private readonly ArrayBufferWriter<byte> _responseBlock = new(1024);
    private readonly HpackEncoder _encoder = new();

    // Guarded by the write lock.
    private CancellationTokenSource _flushTimeout = new();
    private bool _outputClosed;

    // Send side of flow control, guarded by _flowLock: the client's windows for the DATA the proxy sends.
    private readonly Lock _flowLock = new();
    private readonly List<Http2Stream> _windowWaiters = [];
    private long _connectionSendWindow = Http2Settings.DefaultInitialWindowSize;
    private int _peerInitialWindowSize = Http2Settings.DefaultInitialWindowSize;
    private volatile int _peerMaxFrameSize = Http2Settings.MinMaxFrameSize;

    // Receive side: what the client may still send on the connection, and consumed bytes not yet returned to it.
    private int _connectionReceiveWindow;
    private int _connectionPendingCredit;

    private void WriteInitialSettings()
    {
        var settings = Http2Settings.Default with
        {
            EnablePush = false,
            MaxConcurrentStreams = (uint)_limits.MaxConcurrentStreams,
            InitialWindowSize = _limits.InitialStreamWindowSize,
            MaxFrameSize = Http2Settings.MinMaxFrameSize,
            MaxHeaderListSize = (uint)_runtime.Limits.MaxHeaderBytes,
        };
        FrameWriter.WriteSettings(_control, settings);

        int increment = _limits.ConnectionWindowSize - Http2Settings.DefaultInitialWindowSize;
        if (increment > 0)
        {
            FrameWriter.WriteWindowUpdate(_control, 0, increment);
        }
    }

    private void QueueGoAway(Http2ErrorCode code, string debugMessage)
    {
        if (_goAwaySent)
        {
            return;
        }

        _goAwaySent = true;
        _goAwayLastStreamId = _lastStreamId;
        Span<byte> debugData = stackalloc byte[256];
        int length = Encoding.ASCII.GetBytes(debugMessage.AsSpan(0, Math.Min(debugMessage.Length, debugData.Length)), debugData);
        FrameWriter.WriteGoAway(_control, _lastStreamId, code, debugData[..length]);
    }

    /// <summary>Writes the queued control frames and flushes. Returns false when the client output is gone.</summary>
    private async ValueTask<bool> FlushControlAsync(TimeSpan? timeout = null)
    {
        if (_control.WrittenCount == 0)
        {
            return !_outputClosed;
        }

        try
        {
            await _writeLock.WaitAsync(_connectionGone.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }

        try
        {
            if (_outputClosed)
            {
                _control.Clear();
                return false;
            }

            _output.Write(_control.WrittenSpan);
            _control.Clear();
            return await FlushOutputAsync(timeout ?? _runtime.Limits.ResponseSendTimeout).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Flushes under the write lock. A client that does not read within the timeout loses the connection.</summary>
    private async ValueTask<bool> FlushOutputAsync(TimeSpan timeout)
    {
        if (!_flushTimeout.TryReset())
        {
            _flushTimeout.Dispose();
            _flushTimeout = new CancellationTokenSource();
        }

        _flushTimeout.CancelAfter(timeout);
        try
        {
            FlushResult result = await _output.FlushAsync(_flushTimeout.Token).ConfigureAwait(false);
            if (result.IsCompleted || result.IsCanceled)
            {
                _outputClosed = true;
                return false;
            }

            return true;
        }
        catch (OperationCanceledException)
        {
            _outputClosed = true;
            ProxyLog.ClientTimedOut(_logger, _peerLabel, "HTTP/2 client did not read its output in time");
            _connection.Abort(new ConnectionAbortedException("The client did not read the HTTP/2 output in time."));
            OnConnectionClosed();
            return false;
        }
        catch (Exception ex) when (ex is IOException or ConnectionResetException or ConnectionAbortedException or ObjectDisposedException or InvalidOperationException)
        {
            _outputClosed = true;
            return false;
        }
    }

    /// <summary>
    /// Acquires the write lock for an exchange. Returns false, without the lock, when the stream was reset or the
    /// output is gone, because then nothing may be sent on the stream.
    /// </summary>
    private async ValueTask<bool> EnterStreamWriteAsync(Http2Stream stream)
    {
        await _writeLock.WaitAsync(stream.AbortedToken).ConfigureAwait(false);
        bool reset;
        lock (stream)
        {
            reset = stream.Reset;
        }

        if (reset || _outputClosed)
        {
            _writeLock.Release();
            return false;
        }

        return true;
    }

    /// <summary>Marks the response ended under the write lock, right after the frame with END_STREAM was written.</summary>
    private void MarkResponseEnded(Http2Stream stream)
    {
        bool close;
        lock (stream)
        {
            stream.ResponseEnded = true;
            close = stream.RequestEnded;
        }

        if (close)
        {
            CloseStream(stream, resetByProxy: false);
        }
    }

    /// <summary>
    /// Sends the HEADERS of a response the proxy writes itself: status, content type and length, request id, and
    /// a challenge for 401. Returns false when the stream can no longer be written to.
    /// </summary>
    private async ValueTask<bool> WriteProxyHeadersAsync(Http2Stream stream, int status, byte[]? contentType, int contentLength, string? challenge, bool endStream)
    {
        // The span arguments cannot cross an await, so the block is encoded into a rented buffer first.
        byte[] block = ArrayPool<byte>.Shared.Rent(512 + (challenge?.Length * 3 ?? 0));
        int length = EncodeProxyHeaders(block, status, contentType, contentLength, stream.RequestIdText, challenge);
        try
        {
            if (!await EnterStreamWriteAsync(stream).ConfigureAwait(false))
            {
                return false;
            }

            try
            {
                FrameWriter.WriteHeaders(_output, stream.Id, block.AsSpan(0, length), endStream, _peerMaxFrameSize);
                if (endStream)
                {
                    MarkResponseEnded(stream);
                }

                return await FlushOutputAsync(_runtime.Limits.ResponseSendTimeout).ConfigureAwait(false);
            }
            finally
            {
                _writeLock.Release();
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(block);
        }
    }

    // A dedicated encoder: it never uses the dynamic table, so blocks of both encoders decode in any order.
    private readonly HpackEncoder _proxyEncoder = new(useHuffman: false);

    private int EncodeProxyHeaders(byte[] destination, int status, ReadOnlySpan<byte> contentType, int contentLength, ReadOnlySpan<byte> requestId, string? challenge)
    {
        lock (_proxyEncoder)
        {
            var writer = new FixedBufferWriter(destination);
            _proxyEncoder.WriteStatus(writer, status);
            if (!contentType.IsEmpty)
            {
                _proxyEncoder.WriteField(writer, "content-type"u8, contentType);
            }

            if (contentLength >= 0)
            {
                Span<byte> digits = stackalloc byte[11];
                contentLength.TryFormat(digits, out int written, provider: System.Globalization.CultureInfo.InvariantCulture);
                _proxyEncoder.WriteField(writer, "content-length"u8, digits[..written]);
            }

            if (!requestId.IsEmpty)
            {
                _proxyEncoder.WriteField(writer, "x-request-id"u8, requestId);
            }

            if (challenge is not null)
            {
                byte[] value = Encoding.UTF8.GetBytes(challenge);
                _proxyEncoder.WriteField(writer, "www-authenticate"u8, value);
            }

            return writer.Written;
        }
    }

    /// <summary>Writes DATA frames for <paramref name="data"/>, waiting for flow-control window as needed.</summary>
    /// <returns>False when the stream was reset, the window did not open in time, or the output is gone.</returns>
    private async ValueTask<bool> WriteDataAsync(Http2Stream stream, ReadOnlySequence<byte> data, bool endStream)
    {
        do
        {
            int granted = 0;
            if (!data.IsEmpty)
            {
                granted = await ReserveSendWindowAsync(stream, (int)Math.Min(data.Length, _peerMaxFrameSize)).ConfigureAwait(false);
                if (granted == 0)
                {
                    return false;
                }
            }

            if (!await EnterStreamWriteAsync(stream).ConfigureAwait(false))
            {
                return false;
            }

            try
            {
                bool last = granted == data.Length && endStream;
                Span<byte> frame = _output.GetSpan(FrameHeader.Size + granted);
                new FrameHeader(granted, FrameType.Data, last ? FrameFlags.EndStream : FrameFlags.None, stream.Id).Write(frame);
                data.Slice(0, granted).CopyTo(frame[FrameHeader.Size..]);
                _output.Advance(FrameHeader.Size + granted);
                stream.ResponseBodyBytes += granted;
                if (last)
                {
                    MarkResponseEnded(stream);
                }

                if (!await FlushOutputAsync(_runtime.Limits.ResponseSendTimeout).ConfigureAwait(false))
                {
                    return false;
                }
            }
            finally
            {
                _writeLock.Release();
            }

            data = data.Slice(granted);
        }
        while (!data.IsEmpty);

        return true;
    }

    /// <summary>
    /// Takes up to <paramref name="requested"/> bytes of the stream and connection send windows, waiting for a
    /// WINDOW_UPDATE when either is exhausted. Returns 0 when the stream was reset or the wait timed out; a
    /// timed-out stream is reset with CANCEL.
    /// </summary>
    private async ValueTask<int> ReserveSendWindowAsync(Http2Stream stream, int requested)
    {
        while (true)
        {
            Task waiter;
            lock (_flowLock)
            {
                long available = Math.Min(stream.SendWindow, _connectionSendWindow);
                if (available > 0)
                {
                    int granted = (int)Math.Min(available, requested);
                    stream.SendWindow -= granted;
                    _connectionSendWindow -= granted;
                    return granted;
                }

                if (stream.WindowWaiter is null)
                {
                    stream.WindowWaiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    _windowWaiters.Add(stream);
                }

                waiter = stream.WindowWaiter.Task;
            }

            try
            {
                await waiter.WaitAsync(_limits.SendWindowTimeout, stream.AbortedToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                Http2Log.SendWindowTimedOut(_logger, _peerLabel, stream.Id, _limits.SendWindowTimeout.TotalSeconds);
                await SendStreamResetAsync(stream, Http2ErrorCode.Cancel).ConfigureAwait(false);
                return 0;
            }
            catch (OperationCanceledException)
            {
                return 0;
            }
        }
    }

    /// <summary>Wakes every exchange waiting for send window: the connection window grew or the connection ends.</summary>
    private void WakeAllWindowWaiters()
    {
        lock (_flowLock)
        {
            foreach (Http2Stream waiting in _windowWaiters)
            {
                waiting.WindowWaiter?.TrySetResult();
                waiting.WindowWaiter = null;
            }

            _windowWaiters.Clear();
        }
    }

    // Called under _flowLock.
    private void WakeWindowWaiter(Http2Stream stream)
    {
        if (stream.WindowWaiter is { } waiter)
        {
            waiter.TrySetResult();
            stream.WindowWaiter = null;
            _windowWaiters.Remove(stream);
        }
    }

    /// <summary>Sends RST_STREAM from an exchange and closes the stream. Does nothing when it was already reset.</summary>
    private async ValueTask SendStreamResetAsync(Http2Stream stream, Http2ErrorCode code)
    {
        lock (stream)
        {
            if (stream.Reset)
            {
                return;
            }

            stream.Reset = true;
        }

        CloseStream(stream, resetByProxy: true);
        try
        {
            await _writeLock.WaitAsync(_connectionGone.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        try
        {
            if (!_outputClosed)
            {
                FrameWriter.WriteRstStream(_output, stream.Id, code);
                await FlushOutputAsync(_runtime.Limits.ResponseSendTimeout).ConfigureAwait(false);
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>
    /// Returns request body bytes the exchange consumed to the client's windows. WINDOW_UPDATE is sent once half
    /// a window is pending, so a client that keeps sending never runs out of window.
    /// </summary>
    private async ValueTask ReturnReceiveWindowAsync(Http2Stream stream, int consumed)
    {
        if (consumed <= 0)
        {
            return;
        }

        Interlocked.Add(ref stream.UncreditedBytes, -consumed);
        int connectionIncrement = TakeConnectionCredit(consumed);
        int streamIncrement = 0;
        bool requestEnded;
        lock (stream)
        {
            requestEnded = stream.RequestEnded || stream.Reset;
        }

        if (!requestEnded && Interlocked.Add(ref stream.PendingCredit, consumed) >= _limits.InitialStreamWindowSize / 2)
        {
            streamIncrement = Interlocked.Exchange(ref stream.PendingCredit, 0);
            Interlocked.Add(ref stream.ReceiveWindow, streamIncrement);
        }

        if (connectionIncrement == 0 && streamIncrement == 0)
        {
            return;
        }

        await _writeLock.WaitAsync(stream.AbortedToken).ConfigureAwait(false);
        try
        {
            if (_outputClosed)
            {
                return;
            }

            if (streamIncrement > 0)
            {
                FrameWriter.WriteWindowUpdate(_output, stream.Id, streamIncrement);
            }

            if (connectionIncrement > 0)
            {
                FrameWriter.WriteWindowUpdate(_output, 0, connectionIncrement);
            }

            await FlushOutputAsync(_runtime.Limits.ResponseSendTimeout).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Returns to the connection window the body bytes an exchange left unread when it ended.</summary>
    private async ValueTask ReturnUnreadBodyAsync(Http2Stream stream)
    {
        int increment = TakeConnectionCredit(Interlocked.Exchange(ref stream.UncreditedBytes, 0));
        if (increment == 0)
        {
            return;
        }

        await _writeLock.WaitAsync(_connectionGone.Token).ConfigureAwait(false);
        try
        {
            if (!_outputClosed)
            {
                FrameWriter.WriteWindowUpdate(_output, 0, increment);
                await FlushOutputAsync(_runtime.Limits.ResponseSendTimeout).ConfigureAwait(false);
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Adds consumed or discarded bytes to the connection credit; returns the increment to send now, or 0.</summary>
    private int TakeConnectionCredit(int bytes)
    {
        if (bytes <= 0 || Interlocked.Add(ref _connectionPendingCredit, bytes) < _limits.ConnectionWindowSize / 2)
        {
            return 0;
        }

        int increment = Interlocked.Exchange(ref _connectionPendingCredit, 0);
        Interlocked.Add(ref _connectionReceiveWindow, increment);
        return increment;
    }

    /// <summary>An <see cref="IBufferWriter{T}"/> over a fixed array, for encoding small field blocks.</summary>
    private sealed class FixedBufferWriter(byte[] buffer) : IBufferWriter<byte>
    {
        public int Written { get; private set; }

        public void Advance(int count) => Written += count;

        public Memory<byte> GetMemory(int sizeHint = 0) => buffer.AsMemory(Written);

        public Span<byte> GetSpan(int sizeHint = 0)
        {
            if (buffer.Length - Written < sizeHint)
            {
                throw new InvalidOperationException($"The field block buffer has {buffer.Length - Written} bytes left, {sizeHint} were requested.");
            }

            return buffer.AsSpan(Written);
        }
    }
}
