using System.Buffers;
using System.Buffers.Binary;

namespace FastContractorProxy.Http2;

/// <summary>
/// Stateless checks of received frames against RFC 9113 section 6, from the point of view of a server. Each
/// method returns <see cref="Http2Error.None"/> or the stream or connection error the RFC prescribes, and on
/// success outputs the parsed fields. Checks that need stream state (idle or closed streams, flow-control
/// windows, stream-id order) are left to the caller.
/// </summary>
internal static class FrameValidator
{
    private const int PriorityFieldsLength = 5;

    /// <summary>Validates a DATA frame and outputs its data without the Pad Length byte and padding.</summary>
    public static Http2Error ValidateData(in FrameHeader header, in ReadOnlySequence<byte> payload, out ReadOnlySequence<byte> data)
    {
        data = default;
        if (header.StreamId == 0)
        {
            return Http2Error.Connection(Http2ErrorCode.ProtocolError, "DATA frame on stream 0.");
        }

        return RemovePadding(header, payload, fixedFieldsLength: 0, out data);
    }

    /// <summary>
    /// Validates a HEADERS frame and outputs its field block fragment without padding and priority fields.
    /// The deprecated priority fields are checked for self-dependency and otherwise ignored.
    /// </summary>
    public static Http2Error ValidateHeaders(in FrameHeader header, in ReadOnlySequence<byte> payload, out ReadOnlySequence<byte> fragment)
    {
        fragment = default;
        if (header.StreamId == 0)
        {
            return Http2Error.Connection(Http2ErrorCode.ProtocolError, "HEADERS frame on stream 0.");
        }

        // Client-initiated streams have odd identifiers (RFC 9113 section 5.1.1).
        if (header.StreamId % 2 == 0)
        {
            return Http2Error.Connection(Http2ErrorCode.ProtocolError, "HEADERS frame from the client on an even stream identifier.");
        }

        bool hasPriority = header.HasFlag(FrameFlags.Priority);
        Http2Error error = RemovePadding(header, payload, hasPriority ? PriorityFieldsLength : 0, out ReadOnlySequence<byte> content);
        if (!error.IsNone)
        {
            return error;
        }

        if (hasPriority)
        {
            int dependency = (int)(ReadUInt32(content, 0) & 0x7FFF_FFFF);
            if (dependency == header.StreamId)
            {
                return Http2Error.Stream(Http2ErrorCode.ProtocolError, "HEADERS frame makes the stream depend on itself.");
            }

            content = content.Slice(PriorityFieldsLength);
        }

        fragment = content;
        return Http2Error.None;
    }

    /// <summary>Validates a PRIORITY frame. Its content is otherwise ignored, because RFC 9113 deprecates the priority scheme.</summary>
    public static Http2Error ValidatePriority(in FrameHeader header, in ReadOnlySequence<byte> payload)
    {
        if (header.StreamId == 0)
        {
            return Http2Error.Connection(Http2ErrorCode.ProtocolError, "PRIORITY frame on stream 0.");
        }

        if (header.Length != PriorityFieldsLength)
        {
            return Http2Error.Stream(Http2ErrorCode.FrameSizeError, "PRIORITY frame length is not 5.");
        }

        int dependency = (int)(ReadUInt32(payload, 0) & 0x7FFF_FFFF);
        if (dependency == header.StreamId)
        {
            return Http2Error.Stream(Http2ErrorCode.ProtocolError, "PRIORITY frame makes the stream depend on itself.");
        }

        return Http2Error.None;
    }

    /// <summary>Validates a RST_STREAM frame and outputs its error code. Unknown codes are passed through.</summary>
    public static Http2Error ValidateRstStream(in FrameHeader header, in ReadOnlySequence<byte> payload, out Http2ErrorCode errorCode)
    {
        errorCode = Http2ErrorCode.NoError;
        if (header.StreamId == 0)
        {
            return Http2Error.Connection(Http2ErrorCode.ProtocolError, "RST_STREAM frame on stream 0.");
        }

        if (header.Length != 4)
        {
            return Http2Error.Connection(Http2ErrorCode.FrameSizeError, "RST_STREAM frame length is not 4.");
        }

        errorCode = (Http2ErrorCode)ReadUInt32(payload, 0);
        return Http2Error.None;
    }

    /// <summary>Validates the header of a SETTINGS frame. <see cref="Http2Settings.Apply"/> validates the values.</summary>
    public static Http2Error ValidateSettings(in FrameHeader header)
    {
        if (header.StreamId != 0)
        {
            return Http2Error.Connection(Http2ErrorCode.ProtocolError, "SETTINGS frame on a stream other than 0.");
        }

        if (header.HasFlag(FrameFlags.Ack))
        {
            return header.Length == 0
                ? Http2Error.None
                : Http2Error.Connection(Http2ErrorCode.FrameSizeError, "SETTINGS frame with the ACK flag has a payload.");
        }

        if (header.Length % Http2Settings.EntryLength != 0)
        {
            return Http2Error.Connection(Http2ErrorCode.FrameSizeError, "SETTINGS frame length is not a multiple of 6.");
        }

        return Http2Error.None;
    }

    /// <summary>Rejects a PUSH_PROMISE frame, because a client cannot push (RFC 9113 section 8.4).</summary>
    public static Http2Error ValidatePushPromise() =>
        Http2Error.Connection(Http2ErrorCode.ProtocolError, "PUSH_PROMISE frame from a client.");

    /// <summary>Validates a PING frame. The 8 bytes of opaque data are the whole payload.</summary>
    public static Http2Error ValidatePing(in FrameHeader header)
    {
        if (header.StreamId != 0)
        {
            return Http2Error.Connection(Http2ErrorCode.ProtocolError, "PING frame on a stream other than 0.");
        }

        if (header.Length != 8)
        {
            return Http2Error.Connection(Http2ErrorCode.FrameSizeError, "PING frame length is not 8.");
        }

        return Http2Error.None;
    }

    /// <summary>Validates a GOAWAY frame and outputs its last stream identifier, error code and debug data.</summary>
    public static Http2Error ValidateGoAway(
        in FrameHeader header,
        in ReadOnlySequence<byte> payload,
        out int lastStreamId,
        out Http2ErrorCode errorCode,
        out ReadOnlySequence<byte> debugData)
    {
        lastStreamId = 0;
        errorCode = Http2ErrorCode.NoError;
        debugData = default;
        if (header.StreamId != 0)
        {
            return Http2Error.Connection(Http2ErrorCode.ProtocolError, "GOAWAY frame on a stream other than 0.");
        }

        if (header.Length < 8)
        {
            return Http2Error.Connection(Http2ErrorCode.FrameSizeError, "GOAWAY frame is shorter than 8 bytes.");
        }

        lastStreamId = (int)(ReadUInt32(payload, 0) & 0x7FFF_FFFF);
        errorCode = (Http2ErrorCode)ReadUInt32(payload, 4);
        debugData = payload.Slice(8);
        return Http2Error.None;
    }

    /// <summary>Validates a WINDOW_UPDATE frame and outputs its increment (1 to 2^31-1).</summary>
    public static Http2Error ValidateWindowUpdate(in FrameHeader header, in ReadOnlySequence<byte> payload, out int increment)
    {
        increment = 0;
        if (header.Length != 4)
        {
            return Http2Error.Connection(Http2ErrorCode.FrameSizeError, "WINDOW_UPDATE frame length is not 4.");
        }

        int value = (int)(ReadUInt32(payload, 0) & 0x7FFF_FFFF);
        if (value == 0)
        {
            // A zero increment is a stream error, unless it targets the connection window.
            return header.StreamId == 0
                ? Http2Error.Connection(Http2ErrorCode.ProtocolError, "WINDOW_UPDATE frame with a zero increment on the connection.")
                : Http2Error.Stream(Http2ErrorCode.ProtocolError, "WINDOW_UPDATE frame with a zero increment.");
        }

        increment = value;
        return Http2Error.None;
    }

    /// <summary>
    /// Checks that a frame may follow the previous ones. While a field block is open, meaning a HEADERS frame
    /// without END_HEADERS was received on <paramref name="openFieldBlockStreamId"/>, only CONTINUATION frames
    /// of that stream may follow. A CONTINUATION frame is valid only then. Pass 0 when no block is open.
    /// </summary>
    public static Http2Error ValidateSequence(in FrameHeader header, int openFieldBlockStreamId)
    {
        if (openFieldBlockStreamId == 0)
        {
            return header.Type == FrameType.Continuation
                ? Http2Error.Connection(Http2ErrorCode.ProtocolError, "CONTINUATION frame without an open field block.")
                : Http2Error.None;
        }

        if (header.Type != FrameType.Continuation)
        {
            return Http2Error.Connection(Http2ErrorCode.ProtocolError, "Frame other than CONTINUATION inside a field block.");
        }

        if (header.StreamId != openFieldBlockStreamId)
        {
            return Http2Error.Connection(Http2ErrorCode.ProtocolError, "CONTINUATION frame on a stream other than the open field block's.");
        }

        return Http2Error.None;
    }

    /// <summary>Validates a CONTINUATION frame: it must continue the field block open on its stream.</summary>
    public static Http2Error ValidateContinuation(in FrameHeader header, int openFieldBlockStreamId)
    {
        if (header.StreamId == 0)
        {
            return Http2Error.Connection(Http2ErrorCode.ProtocolError, "CONTINUATION frame on stream 0.");
        }

        return ValidateSequence(header, openFieldBlockStreamId);
    }

    // Removes the Pad Length byte and the padding of a DATA or HEADERS payload. fixedFieldsLength counts the
    // fields between the Pad Length and the content, which padding may not overlap.
    private static Http2Error RemovePadding(in FrameHeader header, in ReadOnlySequence<byte> payload, int fixedFieldsLength, out ReadOnlySequence<byte> content)
    {
        content = default;
        if (payload.Length != header.Length)
        {
            throw new ArgumentException($"The payload has {payload.Length} bytes, but the frame header announces {header.Length}.", nameof(payload));
        }

        if (!header.HasFlag(FrameFlags.Padded))
        {
            if (header.Length < fixedFieldsLength)
            {
                return Http2Error.Connection(Http2ErrorCode.FrameSizeError, "Frame is too short for its priority fields.");
            }

            content = payload;
            return Http2Error.None;
        }

        if (header.Length < 1 + fixedFieldsLength)
        {
            return Http2Error.Connection(Http2ErrorCode.FrameSizeError, "Frame is too short for its Pad Length and priority fields.");
        }

        int padLength = payload.FirstSpan.IsEmpty ? ReadByte(payload, 0) : payload.FirstSpan[0];
        int available = header.Length - 1 - fixedFieldsLength;
        if (padLength > available)
        {
            return Http2Error.Connection(Http2ErrorCode.ProtocolError, "Padding is as long as the frame payload or longer.");
        }

        content = payload.Slice(1, header.Length - 1 - padLength);
        return Http2Error.None;
    }

    private static byte ReadByte(in ReadOnlySequence<byte> payload, int offset)
    {
        Span<byte> value = stackalloc byte[1];
        payload.Slice(offset, 1).CopyTo(value);
        return value[0];
    }

    private static uint ReadUInt32(in ReadOnlySequence<byte> payload, int offset)
    {
        Span<byte> value = stackalloc byte[4];
        payload.Slice(offset, 4).CopyTo(value);
        return BinaryPrimitives.ReadUInt32BigEndian(value);
    }
}
