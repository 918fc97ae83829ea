using System.Buffers;
using System.Buffers.Binary;

namespace FastContractorProxy.Http2;

/// <summary>Writes frames (RFC 9113 section 6) into a buffer writer. No method flushes or allocates.</summary>
internal static class FrameWriter
{
    /// <summary>Writes a SETTINGS frame with every parameter that differs from <see cref="Http2Settings.Default"/>.</summary>
    public static void WriteSettings(IBufferWriter<byte> output, in Http2Settings settings)
    {
        ArgumentNullException.ThrowIfNull(output);
        Http2Error error = settings.Validate();
        if (!error.IsNone)
        {
            throw new ArgumentException($"The settings are invalid: {error.Message}", nameof(settings));
        }

        Http2Settings defaults = Http2Settings.Default;
        Span<byte> payload = stackalloc byte[6 * Http2Settings.EntryLength];
        int length = 0;

        if (settings.HeaderTableSize != defaults.HeaderTableSize)
        {
            length += WriteSetting(payload[length..], Http2SettingId.HeaderTableSize, settings.HeaderTableSize);
        }

        // Only 0 is ever written, because a server must not send SETTINGS_ENABLE_PUSH = 1.
        if (settings.EnablePush != defaults.EnablePush)
        {
            length += WriteSetting(payload[length..], Http2SettingId.EnablePush, 0);
        }

        if (settings.MaxConcurrentStreams != defaults.MaxConcurrentStreams)
        {
            length += WriteSetting(payload[length..], Http2SettingId.MaxConcurrentStreams, settings.MaxConcurrentStreams);
        }

        if (settings.InitialWindowSize != defaults.InitialWindowSize)
        {
            length += WriteSetting(payload[length..], Http2SettingId.InitialWindowSize, (uint)settings.InitialWindowSize);
        }

        if (settings.MaxFrameSize != defaults.MaxFrameSize)
        {
            length += WriteSetting(payload[length..], Http2SettingId.MaxFrameSize, (uint)settings.MaxFrameSize);
        }

        if (settings.MaxHeaderListSize != defaults.MaxHeaderListSize)
        {
            length += WriteSetting(payload[length..], Http2SettingId.MaxHeaderListSize, settings.MaxHeaderListSize);
        }

        WriteFrame(output, FrameType.Settings, FrameFlags.None, streamId: 0, payload[..length]);
    }

    public static void WriteSettingsAck(IBufferWriter<byte> output) =>
        WriteFrame(output, FrameType.Settings, FrameFlags.Ack, streamId: 0, []);

    /// <summary>Writes a PING frame with the ACK flag that echoes the 8 bytes of <paramref name="opaqueData"/>.</summary>
    public static void WritePingAck(IBufferWriter<byte> output, ReadOnlySpan<byte> opaqueData) =>
        WritePing(output, opaqueData, ack: true);

    public static void WritePing(IBufferWriter<byte> output, ReadOnlySpan<byte> opaqueData, bool ack)
    {
        if (opaqueData.Length != 8)
        {
            throw new ArgumentException($"PING opaque data has 8 bytes, not {opaqueData.Length}.", nameof(opaqueData));
        }

        WriteFrame(output, FrameType.Ping, ack ? FrameFlags.Ack : FrameFlags.None, streamId: 0, opaqueData);
    }

    /// <summary>Writes a GOAWAY frame. <paramref name="debugData"/> is sent as is, so it must not contain secrets.</summary>
    public static void WriteGoAway(IBufferWriter<byte> output, int lastStreamId, Http2ErrorCode errorCode, ReadOnlySpan<byte> debugData = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentOutOfRangeException.ThrowIfNegative(lastStreamId);
        if (debugData.Length > Http2Settings.MinMaxFrameSize - 8)
        {
            throw new ArgumentException($"GOAWAY debug data of {debugData.Length} bytes does not fit the smallest frame size.", nameof(debugData));
        }

        int length = 8 + debugData.Length;
        Span<byte> frame = output.GetSpan(FrameHeader.Size + length);
        new FrameHeader(length, FrameType.GoAway, FrameFlags.None, streamId: 0).Write(frame);
        BinaryPrimitives.WriteUInt32BigEndian(frame[FrameHeader.Size..], (uint)lastStreamId);
        BinaryPrimitives.WriteUInt32BigEndian(frame[(FrameHeader.Size + 4)..], (uint)errorCode);
        debugData.CopyTo(frame[(FrameHeader.Size + 8)..]);
        output.Advance(FrameHeader.Size + length);
    }

    public static void WriteRstStream(IBufferWriter<byte> output, int streamId, Http2ErrorCode errorCode)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(streamId);
        Span<byte> payload = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(payload, (uint)errorCode);
        WriteFrame(output, FrameType.RstStream, FrameFlags.None, streamId, payload);
    }

    /// <summary>Writes a WINDOW_UPDATE frame. Stream 0 updates the connection window. The increment is 1 to 2^31-1.</summary>
    public static void WriteWindowUpdate(IBufferWriter<byte> output, int streamId, int increment)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(streamId);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(increment);
        Span<byte> payload = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(payload, (uint)increment);
        WriteFrame(output, FrameType.WindowUpdate, FrameFlags.None, streamId, payload);
    }

    /// <summary>
    /// Writes an encoded field block as one HEADERS frame followed by as many CONTINUATION frames as
    /// <paramref name="maxFrameSize"/> (the peer's SETTINGS_MAX_FRAME_SIZE) requires. END_HEADERS is set on the
    /// last frame and END_STREAM, when requested, on the HEADERS frame. No padding or priority is sent.
    /// </summary>
    public static void WriteHeaders(IBufferWriter<byte> output, int streamId, ReadOnlySpan<byte> fieldBlock, bool endStream, int maxFrameSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(streamId);
        CheckMaxFrameSize(maxFrameSize);

        int firstLength = Math.Min(fieldBlock.Length, maxFrameSize);
        byte flags = endStream ? FrameFlags.EndStream : FrameFlags.None;
        if (firstLength == fieldBlock.Length)
        {
            flags |= FrameFlags.EndHeaders;
        }

        WriteFrame(output, FrameType.Headers, flags, streamId, fieldBlock[..firstLength]);

        ReadOnlySpan<byte> rest = fieldBlock[firstLength..];
        while (!rest.IsEmpty)
        {
            int length = Math.Min(rest.Length, maxFrameSize);
            byte continuationFlags = length == rest.Length ? FrameFlags.EndHeaders : FrameFlags.None;
            WriteFrame(output, FrameType.Continuation, continuationFlags, streamId, rest[..length]);
            rest = rest[length..];
        }
    }

    /// <summary>
    /// Writes <paramref name="data"/> as DATA frames of at most <paramref name="maxFrameSize"/> bytes, with
    /// END_STREAM on the last one when requested. Empty data with END_STREAM is one empty frame, and empty data
    /// without it writes nothing. Flow control is the caller's job: the data must fit the send windows.
    /// </summary>
    public static void WriteData(IBufferWriter<byte> output, int streamId, ReadOnlySpan<byte> data, bool endStream, int maxFrameSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(streamId);
        CheckMaxFrameSize(maxFrameSize);

        if (data.IsEmpty)
        {
            if (endStream)
            {
                WriteFrame(output, FrameType.Data, FrameFlags.EndStream, streamId, []);
            }

            return;
        }

        while (!data.IsEmpty)
        {
            int length = Math.Min(data.Length, maxFrameSize);
            bool last = length == data.Length;
            WriteFrame(output, FrameType.Data, last && endStream ? FrameFlags.EndStream : FrameFlags.None, streamId, data[..length]);
            data = data[length..];
        }
    }

    /// <summary>Writes one frame with <paramref name="payload"/> as its whole payload.</summary>
    public static void WriteFrame(IBufferWriter<byte> output, FrameType type, byte flags, int streamId, ReadOnlySpan<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(output);
        Span<byte> frame = output.GetSpan(FrameHeader.Size + payload.Length);
        new FrameHeader(payload.Length, type, flags, streamId).Write(frame);
        payload.CopyTo(frame[FrameHeader.Size..]);
        output.Advance(FrameHeader.Size + payload.Length);
    }

    private static int WriteSetting(Span<byte> destination, Http2SettingId id, uint value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)id);
        BinaryPrimitives.WriteUInt32BigEndian(destination[2..], value);
        return Http2Settings.EntryLength;
    }

    private static void CheckMaxFrameSize(int maxFrameSize)
    {
        if (maxFrameSize < Http2Settings.MinMaxFrameSize || maxFrameSize > Http2Settings.MaxMaxFrameSize)
        {
            throw new ArgumentOutOfRangeException(nameof(maxFrameSize), maxFrameSize, "The maximum frame size is 16384 to 16777215 bytes.");
        }
    }
}
