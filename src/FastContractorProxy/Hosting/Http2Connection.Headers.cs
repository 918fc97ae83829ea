using System.Buffers;
using FastContractorProxy.Http2;

namespace FastContractorProxy.Hosting;

internal sealed partial class Http2Connection
{
    private readonly HpackDecoder _decoder;

    // Decoding target of the next field block. A new stream takes the list, and the connection starts a new one.
    private HeaderFieldList _fields = new();

    // The field block being received: HEADERS and CONTINUATION payloads joined. Reader loop only.
    private byte[] _block = new byte[4096];
    private int _blockLength;
    private int _blockStreamId;
    private bool _blockEndStream;
    private int _continuationCount;
    private Http2Error _blockStreamError;

    private Http2Error OnHeaders(in FrameHeader header, in ReadOnlySequence<byte> payload)
    {
        Http2Error error = FrameValidator.ValidateHeaders(header, payload, out ReadOnlySequence<byte> fragment);
        if (error.IsConnectionError)
        {
            return error;
        }

        // A stream error such as a self-dependency still needs the block decoded, to keep HPACK state in step.
        _blockStreamError = error;
        _blockStreamId = header.StreamId;
        _blockEndStream = header.HasFlag(FrameFlags.EndStream);
        _blockLength = 0;
        _continuationCount = 0;

        bool endHeaders = header.HasFlag(FrameFlags.EndHeaders);
        if (fragment.IsEmpty && !endHeaders && !TakeBudget(ref _emptyFrames, _limits.MaxEmptyFrames, "empty frames"))
        {
            return FloodError();
        }

        error = AppendFragment(fragment);
        if (!error.IsNone)
        {
            return error;
        }

        return endHeaders ? CompleteFieldBlock() : Http2Error.None;
    }

    private Http2Error OnContinuation(in FrameHeader header, in ReadOnlySequence<byte> payload)
    {
        Http2Error error = FrameValidator.ValidateContinuation(header, _blockStreamId);
        if (!error.IsNone)
        {
            return error;
        }

        // A peer that sends CONTINUATION frames without end would otherwise make the proxy buffer and wait forever.
        if (++_continuationCount > _limits.MaxContinuationFrames)
        {
            return Http2Error.Connection(Http2ErrorCode.EnhanceYourCalm, "Too many CONTINUATION frames in one field block.");
        }

        bool endHeaders = header.HasFlag(FrameFlags.EndHeaders);
        if (payload.IsEmpty && !endHeaders && !TakeBudget(ref _emptyFrames, _limits.MaxEmptyFrames, "empty frames"))
        {
            return FloodError();
        }

        error = AppendFragment(payload);
        if (!error.IsNone)
        {
            return error;
        }

        return endHeaders ? CompleteFieldBlock() : Http2Error.None;
    }

    // The block is bounded before decoding: HPACK cannot be decoded from a partial block, so the header list
    // limit alone would let a peer make the proxy buffer without end.
    private Http2Error AppendFragment(in ReadOnlySequence<byte> fragment)
    {
        long required = _blockLength + fragment.Length;
        if (required > _limits.MaxFieldBlockBytes)
        {
            return Http2Error.Connection(Http2ErrorCode.EnhanceYourCalm, "Field block exceeds the size limit.");
        }

        if (required > _block.Length)
        {
            Array.Resize(ref _block, (int)Math.Min(_limits.MaxFieldBlockBytes, Math.Max(required, 2L * _block.Length)));
        }

        fragment.CopyTo(_block.AsSpan(_blockLength));
        _blockLength = (int)required;
        return Http2Error.None;
    }

    /// <summary>Decodes a complete field block and opens a stream, or applies trailers to an open one.</summary>
    private Http2Error CompleteFieldBlock()
    {
        int streamId = _blockStreamId;
        bool endStream = _blockEndStream;
        Http2Error blockError = _blockStreamError;
        _blockStreamId = 0;

        HeaderFieldList fields = _fields;
        HpackDecodeResult result = _decoder.Decode(_block.AsSpan(0, _blockLength), fields);
        if (result.IsCompressionError())
        {
            return Http2Error.Connection(Http2ErrorCode.CompressionError, "The field block cannot be decoded.");
        }

        if (FindStream(streamId) is { } open)
        {
            return ApplyTrailers(open, fields, result, endStream, blockError);
        }

        if (streamId <= _lastStreamId)
        {
            return WasRecentlyClosed(streamId, out _)
                ? Http2Error.Connection(Http2ErrorCode.StreamClosed, "HEADERS frame on a closed stream.")
                : Http2Error.Connection(Http2ErrorCode.ProtocolError, "HEADERS frame on a stream identifier lower than a previous one.");
        }

        _lastStreamId = streamId;
        if (streamId > _goAwayLastStreamId)
        {
            // Streams above the last one announced in GOAWAY are ignored (RFC 9113 section 6.8).
            return Http2Error.None;
        }

        if (!blockError.IsNone)
        {
            return ResetStream(streamId, null, blockError.Code, blockError.Message);
        }

        if (result == HpackDecodeResult.HeaderListTooLarge)
        {
            return RejectHeaderListTooLarge(streamId, endStream);
        }

        int running = Volatile.Read(ref _runningStreams);
        if (running >= _limits.MaxConcurrentStreams)
        {
            Http2Log.StreamRefused(_logger, _peerLabel, streamId, running, _limits.MaxConcurrentStreams);
            return ResetStream(streamId, null, Http2ErrorCode.RefusedStream, "Too many concurrent streams.");
        }

        var head = new Http2RequestHead();
        Http2RequestRejectReason reason = RequestFieldValidator.Validate(fields, head);
        if (reason == Http2RequestRejectReason.None && endStream && head.ContentLength > 0)
        {
            // RFC 9113 section 8.1.1: no DATA can follow, so a non-zero content-length cannot be right.
            reason = Http2RequestRejectReason.InvalidContentLength;
        }

        if (reason != Http2RequestRejectReason.None)
        {
            Http2Log.MalformedRequest(_logger, _peerLabel, streamId, reason.ToString());
            return ResetStream(streamId, null, Http2ErrorCode.ProtocolError, "Malformed request.");
        }

        long sendWindow;
        lock (_flowLock)
        {
            sendWindow = _peerInitialWindowSize;
        }

        _fields = new HeaderFieldList();
        var stream = new Http2Stream(this, streamId, fields, head, endStream, (int)sendWindow, _limits.InitialStreamWindowSize);
        lock (_streams)
        {
            _streams.Add(streamId, stream);
        }

        Interlocked.Increment(ref _runningStreams);
        ThreadPool.UnsafeQueueUserWorkItem(stream, preferLocal: false);
        return Http2Error.None;
    }

    private Http2Error ApplyTrailers(Http2Stream stream, HeaderFieldList fields, HpackDecodeResult result, bool endStream, Http2Error blockError)
    {
        bool requestEnded;
        lock (stream)
        {
            requestEnded = stream.RequestEnded;
        }

        if (requestEnded)
        {
            return ResetStream(stream.Id, stream, Http2ErrorCode.StreamClosed, "HEADERS frame after END_STREAM.");
        }

        if (!blockError.IsNone)
        {
            return ResetStream(stream.Id, stream, blockError.Code, blockError.Message);
        }

        // A trailer section ends the stream (RFC 9113 section 8.1).
        if (!endStream || result != HpackDecodeResult.Success || RequestFieldValidator.ValidateTrailers(fields) != Http2RequestRejectReason.None)
        {
            return ResetStream(stream.Id, stream, Http2ErrorCode.ProtocolError, "Malformed trailer section.");
        }

        long contentLength = stream.Head.ContentLength;
        if (contentLength >= 0 && stream.DataReceived != contentLength)
        {
            return ResetStream(stream.Id, stream, Http2ErrorCode.ProtocolError, "The DATA length differs from content-length.");
        }

        // NOTE: trailer fields are dropped, as for HTTP/1.1 clients: the upstream request ends with its body.
        EndRequest(stream);
        return Http2Error.None;
    }

    // RFC 9113 section 10.5.1 suggests 431 for a header list above SETTINGS_MAX_HEADER_LIST_SIZE. The response
    // ends the stream, and RST_STREAM(NO_ERROR) tells a client that is still sending to stop.
    private Http2Error RejectHeaderListTooLarge(int streamId, bool endStream)
    {
        byte[] block = new byte[64];
        int length = EncodeProxyHeaders(block, 431, default, 0, default, null);
        FrameWriter.WriteHeaders(_control, streamId, block.AsSpan(0, length), endStream: true, _peerMaxFrameSize);
        if (!endStream)
        {
            FrameWriter.WriteRstStream(_control, streamId, Http2ErrorCode.NoError);
        }

        RememberClosed(streamId, resetByProxy: true);
        return TakeBudget(ref _resetsSent, _limits.MaxResetsSent, "stream resets sent") ? Http2Error.None : FloodError();
    }
}
