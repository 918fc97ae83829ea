namespace FastContractorProxy.Http2;

/// <summary>The prefixed integer representation of HPACK (RFC 7541 section 5.1), limited to 0..2^31-1.</summary>
internal static class HpackInteger
{
    /// <summary>Longest encoding of an int32 value: a full prefix and 5 continuation bytes.</summary>
    public const int MaxEncodedLength = 6;

    // 5 continuation bytes carry 35 bits, enough for any value up to 2^31-1. More bytes can only add zeros,
    // which RFC 7541 section 5.1 lets a decoder reject.
    private const int MaxContinuationBytes = 5;

    /// <summary>
    /// Decodes an integer whose prefix is the low <paramref name="prefixBits"/> bits of the byte at
    /// <paramref name="position"/>, and advances <paramref name="position"/> past it. The bits above the prefix
    /// are ignored. Fails with <see cref="HpackDecodeResult.TruncatedBlock"/> or
    /// <see cref="HpackDecodeResult.IntegerOverflow"/>.
    /// </summary>
    public static HpackDecodeResult Decode(ReadOnlySpan<byte> source, ref int position, int prefixBits, out int value)
    {
        value = 0;
        if ((uint)position >= (uint)source.Length)
        {
            return HpackDecodeResult.TruncatedBlock;
        }

        int prefixMax = (1 << prefixBits) - 1;
        int result = source[position] & prefixMax;
        int index = position + 1;
        if (result < prefixMax)
        {
            position = index;
            value = result;
            return HpackDecodeResult.Success;
        }

        for (int shift = 0; shift < 7 * MaxContinuationBytes; shift += 7)
        {
            if (index >= source.Length)
            {
                return HpackDecodeResult.TruncatedBlock;
            }

            byte next = source[index++];
            long total = result + ((long)(next & 0x7F) << shift);
            if (total > int.MaxValue)
            {
                return HpackDecodeResult.IntegerOverflow;
            }

            result = (int)total;
            if ((next & 0x80) == 0)
            {
                position = index;
                value = result;
                return HpackDecodeResult.Success;
            }
        }

        return HpackDecodeResult.IntegerOverflow;
    }

    /// <summary>
    /// Encodes <paramref name="value"/> with a <paramref name="prefixBits"/>-bit prefix. <paramref name="highBits"/>
    /// fills the bits of the first byte above the prefix. Returns the number of bytes written, at most
    /// <see cref="MaxEncodedLength"/>.
    /// </summary>
    public static int Encode(int value, int prefixBits, byte highBits, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        int prefixMax = (1 << prefixBits) - 1;
        if (value < prefixMax)
        {
            destination[0] = (byte)(highBits | value);
            return 1;
        }

        destination[0] = (byte)(highBits | prefixMax);
        int written = 1;
        int rest = value - prefixMax;
        while (rest >= 0x80)
        {
            destination[written++] = (byte)((rest & 0x7F) | 0x80);
            rest >>= 7;
        }

        destination[written++] = (byte)rest;
        return written;
    }
}
