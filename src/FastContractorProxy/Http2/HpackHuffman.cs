using System.Buffers;

namespace FastContractorProxy.Http2;

/// <summary>
/// The static Huffman code of HPACK (RFC 7541 section 5.2 and Appendix B). The code is canonical: codes of equal
/// length are consecutive in symbol order, so the bit lengths below define every code.
/// </summary>
internal static class HpackHuffman
{
    /// <summary>Symbol 256, which ends the code space and must never appear inside a string.</summary>
    public const int EosSymbol = 256;

    private const int MaxCodeLength = 30;
    private const int FastLookupBits = 8;

    private static readonly uint[] s_codes = new uint[EosSymbol + 1];

    // Decoding: a 256-entry table resolves codes of up to 8 bits from the next byte of input, as
    // (symbol << 4) | length, or 0 for longer codes. Longer codes are found by comparing the next 32 bits,
    // left-aligned, with the first code of each greater length (s_limits).
    private static readonly ushort[] s_fastLookup = new ushort[1 << FastLookupBits];
    private static readonly ulong[] s_limits = new ulong[MaxCodeLength + 1];
    private static readonly uint[] s_firstCodes = new uint[MaxCodeLength + 1];
    private static readonly int[] s_firstSymbolIndex = new int[MaxCodeLength + 1];
    private static readonly short[] s_symbolsByCode = new short[EosSymbol + 1];

#pragma warning disable CA1810 // The tables depend on each other, so one constructor builds them in order.
    static HpackHuffman()
#pragma warning restore CA1810
    {
        ReadOnlySpan<byte> lengths = CodeLengths;
        Span<int> countByLength = stackalloc int[MaxCodeLength + 1];
        foreach (byte length in lengths)
        {
            countByLength[length]++;
        }

        // Canonical code assignment: the first code of each length follows the last code of the shorter
        // lengths, shifted left by one bit.
        uint code = 0;
        int symbolIndex = 0;
        for (int length = 1; length <= MaxCodeLength; length++)
        {
            s_firstCodes[length] = code;
            s_firstSymbolIndex[length] = symbolIndex;
            code += (uint)countByLength[length];
            symbolIndex += countByLength[length];
            s_limits[length] = (ulong)code << (32 - length);
            code <<= 1;
        }

        Span<uint> nextCode = stackalloc uint[MaxCodeLength + 1];
        Span<int> nextSymbolIndex = stackalloc int[MaxCodeLength + 1];
        for (int length = 1; length <= MaxCodeLength; length++)
        {
            nextCode[length] = s_firstCodes[length];
            nextSymbolIndex[length] = s_firstSymbolIndex[length];
        }

        for (int symbol = 0; symbol <= EosSymbol; symbol++)
        {
            int length = lengths[symbol];
            s_codes[symbol] = nextCode[length]++;
            s_symbolsByCode[nextSymbolIndex[length]++] = (short)symbol;

            if (length <= FastLookupBits)
            {
                int first = (int)(s_codes[symbol] << (FastLookupBits - length));
                int span = 1 << (FastLookupBits - length);
                for (int i = 0; i < span; i++)
                {
                    s_fastLookup[first + i] = (ushort)((symbol << 4) | length);
                }
            }
        }
    }

    /// <summary>Returns the code of <paramref name="symbol"/>, right-aligned, and its length in bits.</summary>
    public static uint GetCode(int symbol, out int length)
    {
        length = CodeLengths[symbol];
        return s_codes[symbol];
    }

    /// <summary>Returns the number of bytes <see cref="Encode"/> writes for <paramref name="value"/>.</summary>
    public static int GetEncodedLength(ReadOnlySpan<byte> value, bool lowercase)
    {
        ReadOnlySpan<byte> lengths = CodeLengths;
        long bits = 0;
        foreach (byte b in value)
        {
            bits += lengths[lowercase ? ToLower(b) : b];
        }

        return (int)((bits + 7) >> 3);
    }

    /// <summary>
    /// Encodes <paramref name="value"/>, lowercasing ASCII letters first when <paramref name="lowercase"/> is set,
    /// and pads the last byte with the high bits of EOS. Returns the number of bytes written.
    /// <paramref name="destination"/> must hold <see cref="GetEncodedLength"/> bytes.
    /// </summary>
    public static int Encode(ReadOnlySpan<byte> value, Span<byte> destination, bool lowercase)
    {
        ReadOnlySpan<byte> lengths = CodeLengths;
        ulong buffer = 0;
        int bits = 0;
        int written = 0;

        foreach (byte b in value)
        {
            int symbol = lowercase ? ToLower(b) : b;
            int length = lengths[symbol];
            buffer = (buffer << length) | s_codes[symbol];
            bits += length;
            while (bits >= 8)
            {
                bits -= 8;
                destination[written++] = (byte)(buffer >> bits);
            }
        }

        if (bits > 0)
        {
            destination[written++] = (byte)((buffer << (8 - bits)) | (0xFFu >> bits));
        }

        return written;
    }

    /// <summary>
    /// Decodes <paramref name="source"/> into <paramref name="destination"/>. Done: <paramref name="written"/>
    /// bytes were decoded. DestinationTooSmall: decoding stopped when <paramref name="destination"/> was full, so
    /// the work is bounded by its length, and the rest of the input was not checked. InvalidData:
    /// <paramref name="error"/> names the padding or EOS error.
    /// </summary>
    public static OperationStatus Decode(ReadOnlySpan<byte> source, Span<byte> destination, out int written, out HpackDecodeResult error)
    {
        // The loop state lives in locals, and the out parameters are set only on return, so the JIT can keep
        // the state in registers.
        ushort[] fastLookup = s_fastLookup;
        int count = 0;

        // The low `bits` bits of `buffer` are the unread input. Bits above them are stale and ignored.
        ulong buffer = 0;
        int bits = 0;
        int position = 0;

        while (true)
        {
            while (bits <= 56 && position < source.Length)
            {
                buffer = (buffer << 8) | source[position++];
                bits += 8;
            }

            if (bits == 0)
            {
                return Finish(OperationStatus.Done, HpackDecodeResult.Success, count, out written, out error);
            }

            // The next 32 bits, left-aligned. At the end of the input the missing bits are ones, which is how
            // padding looks, so a complete code is still found and padding resolves to EOS.
            uint next = bits >= 32
                ? (uint)(buffer >> (bits - 32))
                : (uint)(buffer << (32 - bits)) | (uint.MaxValue >> bits);

            int symbol;
            int length;
            ushort fast = fastLookup[next >> (32 - FastLookupBits)];
            if (fast != 0)
            {
                symbol = fast >> 4;
                length = fast & 0xF;
            }
            else
            {
                length = FastLookupBits + 1;
                while (next >= s_limits[length])
                {
                    length++;
                }

                uint code = next >> (32 - length);
                symbol = s_symbolsByCode[s_firstSymbolIndex[length] + (int)(code - s_firstCodes[length])];
            }

            // Only at the end of the input can a code be longer than the unread bits, because the refill above
            // keeps at least 57 bits while input remains. The unread bits are then the padding.
            if (length > bits)
            {
                if (bits > 7)
                {
                    return Finish(OperationStatus.InvalidData, HpackDecodeResult.HuffmanPaddingTooLong, 0, out written, out error);
                }

                ulong padding = (1UL << bits) - 1;
                if ((buffer & padding) != padding)
                {
                    return Finish(OperationStatus.InvalidData, HpackDecodeResult.HuffmanPaddingNotEos, 0, out written, out error);
                }

                return Finish(OperationStatus.Done, HpackDecodeResult.Success, count, out written, out error);
            }

            if (symbol == EosSymbol)
            {
                return Finish(OperationStatus.InvalidData, HpackDecodeResult.HuffmanEosSymbol, 0, out written, out error);
            }

            if (count == destination.Length)
            {
                return Finish(OperationStatus.DestinationTooSmall, HpackDecodeResult.Success, count, out written, out error);
            }

            destination[count++] = (byte)symbol;
            bits -= length;
        }
    }

    private static OperationStatus Finish(OperationStatus status, HpackDecodeResult result, int count, out int written, out HpackDecodeResult error)
    {
        written = count;
        error = result;
        return status;
    }

    private static byte ToLower(byte value) => (uint)(value - 'A') <= 'Z' - 'A' ? (byte)(value | 0x20) : value;

    // Code length in bits of symbols 0 to 255 and of EOS (256), from RFC 7541 Appendix B.
    private static ReadOnlySpan<byte> CodeLengths =>
    [
        13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28,
        28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,
        6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6,
        5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,
        13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
        7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,
        15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5,
        6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,
        20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23,
        24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,
        22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23,
        21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,
        26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25,
        19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,
        20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23,
        26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
        30,
    ];
}
