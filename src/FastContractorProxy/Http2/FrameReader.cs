using System.Buffers;

namespace FastContractorProxy.Http2;

internal enum FrameReadStatus : byte
{
    /// <summary>A whole frame was read, and the input was advanced past it.</summary>
    Done,

    /// <summary>The input ends inside a frame header or payload. Nothing was consumed.</summary>
    NeedMoreData,

    /// <summary>The input is not a valid frame or preface. The connection fails as described by the method.</summary>
    Invalid,
}

/// <summary>Splits buffered connection input into frames (RFC 9113 section 4) without copying payloads.</summary>
internal static class FrameReader
{
    /// <summary>The client connection preface (RFC 9113 section 3.4), which precedes the client's first SETTINGS frame.</summary>
    public static ReadOnlySpan<byte> ClientPreface => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;

    /// <summary>
    /// Reads one frame from the start of <paramref name="input"/>. Done: <paramref name="header"/> and
    /// <paramref name="payload"/> describe the frame, and <paramref name="input"/> starts after it. Invalid: the
    /// header announces a payload longer than <paramref name="maxFrameSize"/>, which the caller treats as a
    /// connection error of type FRAME_SIZE_ERROR. <paramref name="header"/> is still set then.
    /// </summary>
    public static FrameReadStatus TryReadFrame(
        ref ReadOnlySequence<byte> input,
        int maxFrameSize,
        out FrameHeader header,
        out ReadOnlySequence<byte> payload)
    {
        payload = default;
        if (input.Length < FrameHeader.Size)
        {
            header = default;
            return FrameReadStatus.NeedMoreData;
        }

        Span<byte> headerBytes = stackalloc byte[FrameHeader.Size];
        input.Slice(0, FrameHeader.Size).CopyTo(headerBytes);
        header = FrameHeader.Read(headerBytes);

        if (header.Length > maxFrameSize)
        {
            return FrameReadStatus.Invalid;
        }

        long frameLength = FrameHeader.Size + (long)header.Length;
        if (input.Length < frameLength)
        {
            return FrameReadStatus.NeedMoreData;
        }

        payload = input.Slice(FrameHeader.Size, header.Length);
        input = input.Slice(frameLength);
        return FrameReadStatus.Done;
    }

    /// <summary>
    /// Checks that <paramref name="input"/> starts with the client connection preface and advances past it.
    /// Invalid as soon as a received byte differs, so a client that speaks something else fails fast. The
    /// caller treats Invalid as a connection error of type PROTOCOL_ERROR (RFC 9113 section 3.4).
    /// </summary>
    public static FrameReadStatus TryReadClientPreface(ref ReadOnlySequence<byte> input)
    {
        ReadOnlySpan<byte> preface = ClientPreface;
        int available = (int)Math.Min(input.Length, preface.Length);

        Span<byte> received = stackalloc byte[preface.Length];
        input.Slice(0, available).CopyTo(received);
        if (!received[..available].SequenceEqual(preface[..available]))
        {
            return FrameReadStatus.Invalid;
        }

        if (available < preface.Length)
        {
            return FrameReadStatus.NeedMoreData;
        }

        input = input.Slice(preface.Length);
        return FrameReadStatus.Done;
    }
}
