using System.Buffers.Binary;

namespace FastContractorProxy.Http2;

/// <summary>The 9-byte header that starts every frame (RFC 9113 section 4.1).</summary>
internal readonly struct FrameHeader : IEquatable<FrameHeader>
{
    /// <summary>Size of the frame header in bytes.</summary>
    public const int Size = 9;

    /// <summary>Largest payload length the 24-bit length field can carry.</summary>
    public const int MaxLength = (1 << 24) - 1;

    /// <summary>Largest stream identifier, because the identifier has 31 bits.</summary>
    public const int MaxStreamId = int.MaxValue;

    public FrameHeader(int length, FrameType type, byte flags, int streamId)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, MaxLength);
        ArgumentOutOfRangeException.ThrowIfNegative(streamId);

        Length = length;
        Type = type;
        Flags = flags;
        StreamId = streamId;
    }

    /// <summary>Payload length in bytes, without the 9 header bytes.</summary>
    public int Length { get; }

    public FrameType Type { get; }

    public byte Flags { get; }

    /// <summary>Stream identifier with the reserved high bit cleared. 0 addresses the connection.</summary>
    public int StreamId { get; }

    public bool HasFlag(byte flag) => (Flags & flag) != 0;

    /// <summary>Parses the first 9 bytes of <paramref name="source"/>. The reserved bit of the stream identifier is ignored, as RFC 9113 requires.</summary>
    public static FrameHeader Read(ReadOnlySpan<byte> source)
    {
        if (source.Length < Size)
        {
            throw new ArgumentException($"A frame header needs {Size} bytes, but only {source.Length} were given.", nameof(source));
        }

        int length = (source[0] << 16) | (source[1] << 8) | source[2];
        int streamId = (int)(BinaryPrimitives.ReadUInt32BigEndian(source[5..]) & 0x7FFF_FFFF);
        return new FrameHeader(length, (FrameType)source[3], source[4], streamId);
    }

    /// <summary>Writes the header into the first 9 bytes of <paramref name="destination"/>, with the reserved bit cleared.</summary>
    public void Write(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException($"A frame header needs {Size} bytes, but the destination has {destination.Length}.", nameof(destination));
        }

        destination[0] = (byte)(Length >> 16);
        destination[1] = (byte)(Length >> 8);
        destination[2] = (byte)Length;
        destination[3] = (byte)Type;
        destination[4] = Flags;
        BinaryPrimitives.WriteUInt32BigEndian(destination[5..], (uint)StreamId);
    }

    public bool Equals(FrameHeader other) =>
        Length == other.Length && Type == other.Type && Flags == other.Flags && StreamId == other.StreamId;

    public override bool Equals(object? obj) => obj is FrameHeader other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(Length, Type, Flags, StreamId);

    public override string ToString() => $"{Type} length={Length} flags=0x{Flags:x2} stream={StreamId}";

    public static bool operator ==(FrameHeader left, FrameHeader right) => left.Equals(right);

    public static bool operator !=(FrameHeader left, FrameHeader right) => !left.Equals(right);
}
