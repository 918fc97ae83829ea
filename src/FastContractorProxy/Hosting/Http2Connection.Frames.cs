using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using FastContractorProxy.Http2;

namespace FastContractorProxy.Hosting;

internal sealed partial class Http2Connection
{
    private Http2Settings _peerSettings = Http2Settings.Default;
    private FrameBudget _resetsReceived;
    private FrameBudget _resetsSent;
    private FrameBudget _pings;
    private FrameBudget _settingsFrames;
    private FrameBudget _priorities;
    private FrameBudget _emptyFrames;

    // Streams closed recently, newest last, so that frames on them are distinguished from frames on idle streams.
    private const int RecentlyClosedCapacity = 256;
    private readonly int[] _recentlyClosed = new int[RecentlyClosedCapacity];
    private readonly bool[] _recentlyClosedByReset = new bool[RecentlyClosedCapacity];
    private int _recentlyClosedNext;
    private readonly Lock _recentlyClosedLock = new();

    /// <summary>
    /// Processes one frame. Stream errors are handled here (RST_STREAM is queued); a connection error is returned
    /// for the caller to send GOAWAY.
    /// </summary>
    private Http2Error ProcessFrame(in FrameHeader header, in ReadOnlySequence<byte> payload)
    {
        // The client preface is followed by a SETTINGS frame (RFC 9113 section 3.4).
        if (!_settingsReceived && (header.Type != FrameType.Settings || header.HasFlag(FrameFlags.Ack)))
        {
            return Http2Error.Connection(Http2ErrorCode.ProtocolError, "The first frame after the preface is not SETTINGS.");
        }

        if (_blockStreamId != 0 || header.Type == FrameType.Continuation)
        {
            Http2Error sequenceError = FrameValidator.ValidateSequence(header, _blockStreamId);
            if (!sequenceError.IsNone)
            {
                return sequenceError;
            }
        }

        return header.Type switch
        {
            FrameType.Data => OnData(header, payload),
            FrameType.Headers => OnHeaders(header, payload),
            FrameType.Continuation => OnContinuation(header, payload),
            FrameType.Priority => OnPriority(header, payload),
            FrameType.RstStream => OnRstStream(header, payload),
            FrameType.Settings => OnSettings(header, payload),
            FrameType.PushPromise => FrameValidator.ValidatePushPromise(),
            FrameType.Ping => OnPing(header, payload),
            FrameType.GoAway => OnGoAway(header, payload),
            FrameType.WindowUpdate => OnWindowUpdate(header, payload),

            // Frames of unknown types are ignored (RFC 9113 section 4.1).
            _ => Http2Error.None,
        };
    }

    private Http2Error OnData(in FrameHeader header, in ReadOnlySequence<byte> payload)
    {
        Http2Error error = FrameValidator.ValidateData(header, payload, out ReadOnlySequence<byte> data);
        if (!error.IsNone)
        {
            return error;
        }

        bool endStream = header.HasFlag(FrameFlags.EndStream);
        if (header.Length == 0 && !endStream && !TakeBudget(ref _emptyFrames, _limits.MaxEmptyFrames, "empty frames"))
        {
            return FloodError();
        }

        // The whole payload, padding included, counts against the connection window (RFC 9113 section 6.9).
        if (Interlocked.Add(ref _connectionReceiveWindow, -header.Length) < 0)
        {
            return Http2Error.Connection(Http2ErrorCode.FlowControlError, "DATA exceeds the connection flow-control window.");
        }

        Http2Stream? stream = FindStream(header.StreamId);
        if (stream is null)
        {
            QueueConnectionCredit(header.Length);
            if (header.StreamId > _lastStreamId)
            {
                return Http2Error.Connection(Http2ErrorCode.ProtocolError, "DATA frame on an idle stream.");
            }

            // Frames that were in flight when the proxy reset the stream are dropped quietly.
            return WasResetByProxy(header.StreamId)
                ? Http2Error.None
                : ResetStream(header.StreamId, null, Http2ErrorCode.StreamClosed, "DATA frame on a closed stream.");
        }

        bool requestEnded;
        lock (stream)
        {
            requestEnded = stream.RequestEnded;
        }

        if (stream.Body is null || requestEnded)
        {
            QueueConnectionCredit(header.Length);
            return ResetStream(stream.Id, stream, Http2ErrorCode.StreamClosed, "DATA frame after END_STREAM.");
        }

        if (Interlocked.Add(ref stream.ReceiveWindow, -header.Length) < 0)
        {
            QueueConnectionCredit(header.Length);
            return ResetStream(stream.Id, stream, Http2ErrorCode.FlowControlError, "DATA exceeds the stream flow-control window.");
        }

        stream.DataReceived += data.Length;
        long contentLength = stream.Head.ContentLength;
        if (contentLength >= 0 && (stream.DataReceived > contentLength || (endStream && stream.DataReceived != contentLength)))
        {
            // RFC 9113 section 8.1.1: content-length that disagrees with the DATA received makes the request malformed.
            QueueConnectionCredit(header.Length);
            return ResetStream(stream.Id, stream, Http2ErrorCode.ProtocolError, "The DATA length differs from content-length.");
        }

        // Padding is never consumed by the exchange, so its window is returned at once.
        int padding = header.Length - (int)data.Length;
        bool discard;
        lock (stream)
        {
            // Under the lock, so that the end of the exchange either counts these bytes as unread or makes the reader drop them.
            discard = stream.BodyDiscarded;
            if (!discard)
            {
                Interlocked.Add(ref stream.UncreditedBytes, (int)data.Length);
                WriteBody(stream.Body.Writer, data);
            }
        }

        QueueConnectionCredit(discard ? header.Length : padding);
        if (endStream)
        {
            EndRequest(stream);
        }

        return Http2Error.None;
    }

    private static void WriteBody(PipeWriter body, in ReadOnlySequence<byte> data)
    {
        foreach (ReadOnlyMemory<byte> segment in data)
        {
            body.Write(segment.Span);
        }

        // The pipe never pauses its writer, so the flush completes at once.
        ValueTask<FlushResult> flush = body.FlushAsync();
        if (flush.IsCompleted)
        {
            flush.GetAwaiter().GetResult();
        }
        else
        {
            _ = flush.AsTask();
        }
    }

    /// <summary>Records END_STREAM from the client; the stream closes when the response has ended too.</summary>
    private void EndRequest(Http2Stream stream)
    {
        bool close;
        lock (stream)
        {
            stream.RequestEnded = true;
            close = stream.ResponseEnded;
        }

        stream.Body?.Writer.Complete();
        if (close)
        {
            CloseStream(stream, resetByProxy: false);
        }
    }

    private Http2Error OnPriority(in FrameHeader header, in ReadOnlySequence<byte> payload)
    {
        if (!TakeBudget(ref _priorities, _limits.MaxPriorities, "PRIORITY frames"))
        {
            return FloodError();
        }

        Http2Error error = FrameValidator.ValidatePriority(header, payload);
        if (error.IsStreamError)
        {
            return ResetStream(header.StreamId, FindStream(header.StreamId), error.Code, error.Message);
        }

        // The priority scheme of RFC 7540 is deprecated; the frame is otherwise ignored.
        return error;
    }

    private Http2Error OnRstStream(in FrameHeader header, in ReadOnlySequence<byte> payload)
    {
        Http2Error error = FrameValidator.ValidateRstStream(header, payload, out _);
        if (!error.IsNone)
        {
            return error;
        }

        if (!TakeBudget(ref _resetsReceived, _limits.MaxResetsReceived, "RST_STREAM frames"))
        {
            return FloodError();
        }

        if (header.StreamId > _lastStreamId)
        {
            return Http2Error.Connection(Http2ErrorCode.ProtocolError, "RST_STREAM frame on an idle stream.");
        }

        if (FindStream(header.StreamId) is { } stream)
        {
            lock (stream)
            {
                stream.Reset = true;
            }

            // The exchange is canceled, which aborts its upstream connection.
            stream.Abort();
            stream.Body?.Writer.Complete(new OperationCanceledException("The client reset the stream."));
            CloseStream(stream, resetByProxy: false);
        }

        return Http2Error.None;
    }

    private Http2Error OnSettings(in FrameHeader header, in ReadOnlySequence<byte> payload)
    {
        Http2Error error = FrameValidator.ValidateSettings(header);
        if (!error.IsNone)
        {
            return error;
        }

        if (!TakeBudget(ref _settingsFrames, _limits.MaxSettings, "SETTINGS frames"))
        {
            return FloodError();
        }

        if (header.HasFlag(FrameFlags.Ack))
        {
            // Every setting the proxy sends is safe to assume before the acknowledgement arrives.
            return Http2Error.None;
        }

        error = Http2Settings.Apply(payload, _peerSettings, out Http2Settings updated);
        if (!error.IsNone)
        {
            return error;
        }

        int delta = updated.InitialWindowSize - _peerSettings.InitialWindowSize;
        _settingsReceived = true;
        _peerSettings = updated;
        _peerMaxFrameSize = updated.MaxFrameSize;
        if (delta != 0)
        {
            error = AdjustStreamSendWindows(updated.InitialWindowSize, delta);
            if (!error.IsNone)
            {
                return error;
            }
        }

        FrameWriter.WriteSettingsAck(_control);
        return Http2Error.None;
    }

    // A new SETTINGS_INITIAL_WINDOW_SIZE changes the window of every open stream by the difference (RFC 9113 section 6.9.2).
    private Http2Error AdjustStreamSendWindows(int initialWindowSize, int delta)
    {
        Http2Stream[] streams;
        lock (_streams)
        {
            streams = [.. _streams.Values];
        }

        lock (_flowLock)
        {
            _peerInitialWindowSize = initialWindowSize;
            foreach (Http2Stream stream in streams)
            {
                stream.SendWindow += delta;
                if (stream.SendWindow > Http2Settings.MaxWindowSize)
                {
                    return Http2Error.Connection(Http2ErrorCode.FlowControlError, "SETTINGS_INITIAL_WINDOW_SIZE makes a stream window exceed 2^31-1.");
                }

                if (stream.SendWindow > 0)
                {
                    WakeWindowWaiter(stream);
                }
            }
        }

        return Http2Error.None;
    }

    private Http2Error OnPing(in FrameHeader header, in ReadOnlySequence<byte> payload)
    {
        Http2Error error = FrameValidator.ValidatePing(header);
        if (!error.IsNone)
        {
            return error;
        }

        if (!TakeBudget(ref _pings, _limits.MaxPings, "PING frames"))
        {
            return FloodError();
        }

        if (!header.HasFlag(FrameFlags.Ack))
        {
            Span<byte> opaqueData = stackalloc byte[8];
            payload.CopyTo(opaqueData);
            FrameWriter.WritePingAck(_control, opaqueData);
        }

        return Http2Error.None;
    }

    private Http2Error OnGoAway(in FrameHeader header, in ReadOnlySequence<byte> payload)
    {
        Http2Error error = FrameValidator.ValidateGoAway(header, payload, out int lastStreamId, out Http2ErrorCode code, out _);
        if (!error.IsNone)
        {
            return error;
        }

        // The client opens no more streams; the running exchanges finish, then the connection closes.
        Http2Log.GoAwayReceived(_logger, _peerLabel, code.ToString(), lastStreamId);
        _peerGoingAway = true;
        return Http2Error.None;
    }

    private Http2Error OnWindowUpdate(in FrameHeader header, in ReadOnlySequence<byte> payload)
    {
        if (header.StreamId > _lastStreamId)
        {
            return Http2Error.Connection(Http2ErrorCode.ProtocolError, "WINDOW_UPDATE frame on an idle stream.");
        }

        Http2Error error = FrameValidator.ValidateWindowUpdate(header, payload, out int increment);
        if (error.IsStreamError)
        {
            return ResetStream(header.StreamId, FindStream(header.StreamId), error.Code, error.Message);
        }

        if (!error.IsNone)
        {
            return error;
        }

        if (header.StreamId == 0)
        {
            lock (_flowLock)
            {
                _connectionSendWindow += increment;
                if (_connectionSendWindow > Http2Settings.MaxWindowSize)
                {
                    return Http2Error.Connection(Http2ErrorCode.FlowControlError, "WINDOW_UPDATE makes the connection window exceed 2^31-1.");
                }
            }

            WakeAllWindowWaiters();
            return Http2Error.None;
        }

        if (FindStream(header.StreamId) is not { } stream)
        {
            // Window updates may arrive for streams that just closed.
            return Http2Error.None;
        }

        lock (_flowLock)
        {
            stream.SendWindow += increment;
            if (stream.SendWindow <= Http2Settings.MaxWindowSize)
            {
                WakeWindowWaiter(stream);
                return Http2Error.None;
            }
        }

        return ResetStream(stream.Id, stream, Http2ErrorCode.FlowControlError, "WINDOW_UPDATE makes the stream window exceed 2^31-1.");
    }

    /// <summary>
    /// Resets a stream from the reader loop: RST_STREAM is queued, the exchange (if any) is canceled, and the stream
    /// is closed. Returns a connection error when the client makes the proxy reset too many streams.
    /// </summary>
    private Http2Error ResetStream(int streamId, Http2Stream? stream, Http2ErrorCode code, string reason)
    {
        if (stream is not null)
        {
            lock (stream)
            {
                if (stream.Reset)
                {
                    return Http2Error.None;
                }

                stream.Reset = true;
            }

            stream.Abort();
            stream.Body?.Writer.Complete(new Http2StreamException(streamId, code, reason));
            CloseStream(stream, resetByProxy: true);
        }
        else
        {
            RememberClosed(streamId, resetByProxy: true);
        }

        Http2Log.StreamError(_logger, _peerLabel, streamId, code.ToString(), reason);
        FrameWriter.WriteRstStream(_control, streamId, code);
        return TakeBudget(ref _resetsSent, _limits.MaxResetsSent, "stream resets sent") ? Http2Error.None : FloodError();
    }

    private Http2Stream? FindStream(int streamId)
    {
        lock (_streams)
        {
            return _streams.GetValueOrDefault(streamId);
        }
    }

    /// <summary>Removes a stream from the open streams. Safe to call more than once and from any thread.</summary>
    private void CloseStream(Http2Stream stream, bool resetByProxy)
    {
        lock (stream)
        {
            if (stream.Closed)
            {
                return;
            }

            stream.Closed = true;
        }

        lock (_streams)
        {
            _streams.Remove(stream.Id);
        }

        RememberClosed(stream.Id, resetByProxy);
        lock (_flowLock)
        {
            WakeWindowWaiter(stream);
        }
    }

    private void RememberClosed(int streamId, bool resetByProxy)
    {
        lock (_recentlyClosedLock)
        {
            _recentlyClosed[_recentlyClosedNext] = streamId;
            _recentlyClosedByReset[_recentlyClosedNext] = resetByProxy;
            _recentlyClosedNext = (_recentlyClosedNext + 1) % RecentlyClosedCapacity;
        }
    }

    private bool WasRecentlyClosed(int streamId, out bool resetByProxy)
    {
        lock (_recentlyClosedLock)
        {
            for (int i = 0; i < RecentlyClosedCapacity; i++)
            {
                if (_recentlyClosed[i] == streamId && streamId != 0)
                {
                    resetByProxy = _recentlyClosedByReset[i];
                    return true;
                }
            }
        }

        resetByProxy = false;
        return false;
    }

    private bool WasResetByProxy(int streamId) => WasRecentlyClosed(streamId, out bool reset) && reset;

    /// <summary>Returns dropped DATA bytes to the connection window, queuing a WINDOW_UPDATE once enough are pending.</summary>
    private void QueueConnectionCredit(int bytes)
    {
        int increment = TakeConnectionCredit(bytes);
        if (increment > 0)
        {
            FrameWriter.WriteWindowUpdate(_control, 0, increment);
        }
    }

    private bool TakeBudget(ref FrameBudget budget, int limit, string frameKind)
    {
        if (budget.TryTake(Stopwatch.GetTimestamp(), _budgetWindowTicks, limit))
        {
            return true;
        }

        Http2Log.FloodDetected(_logger, _peerLabel, frameKind, limit, _limits.BudgetWindow.TotalSeconds);
        return false;
    }

    private static Http2Error FloodError() =>
        Http2Error.Connection(Http2ErrorCode.EnhanceYourCalm, "Frame budget exceeded.");

    /// <summary>Frames of one kind counted in a fixed time window.</summary>
    private struct FrameBudget
    {
        private long _windowStart;
        private int _count;

        public bool TryTake(long now, long windowTicks, int limit)
        {
            if (now - _windowStart >= windowTicks)
            {
                _windowStart = now;
                _count = 0;
            }

            return ++_count <= limit;
        }
    }
}
