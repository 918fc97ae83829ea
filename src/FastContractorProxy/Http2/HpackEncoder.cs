using System.Buffers;

namespace FastContractorProxy.Http2;

/// <summary>
/// Encodes response fields (RFC 7541) without using the dynamic table: fields that match a static entry
/// exactly are indexed, and all others are literals without indexing (or never indexed), with the name taken
/// from the static table where possible. One instance serves one connection.
/// </summary>
/// <remarks>
/// The first field ever encoded is preceded by a dynamic table size update to 0. The table then stays at 0, which
/// is within any SETTINGS_HEADER_TABLE_SIZE the peer sets later, so no further size update is ever needed.
/// </remarks>
internal sealed class HpackEncoder
{
    private bool _tableSizeUpdateSent;

    public HpackEncoder(bool useHuffman = true)
    {
        UseHuffman = useHuffman;
    }

    /// <summary>Whether strings are Huffman-coded when that makes them shorter.</summary>
    public bool UseHuffman { get; set; }

    /// <summary>Writes the ":status" pseudo-header field for a three-digit <paramref name="statusCode"/>.</summary>
    public void WriteStatus(IBufferWriter<byte> output, int statusCode)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 100);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(statusCode, 999);

        Span<byte> destination = output.GetSpan(2 + HpackInteger.MaxEncodedLength + 3);
        int written = WriteTableSizeUpdateOnce(destination);

        int index = HpackStaticTable.FindStatus(statusCode);
        if (index != 0)
        {
            written += HpackInteger.Encode(index, 7, 0x80, destination[written..]);
        }
        else
        {
            Span<byte> digits = [(byte)('0' + (statusCode / 100)), (byte)('0' + (statusCode / 10 % 10)), (byte)('0' + (statusCode % 10))];
            written += HpackInteger.Encode(HpackStaticTable.FindName(":status"u8), 4, 0x00, destination[written..]);
            written += WriteString(digits, destination[written..], lowercase: false);
        }

        output.Advance(written);
    }

    /// <summary>
    /// Writes one field. The name is lowercased, as HTTP/2 requires (RFC 9113 section 8.2.1). Validating names
    /// and values is the caller's job. With <paramref name="neverIndexed"/>, the field is sent as never indexed,
    /// so that intermediaries do not compress it either (RFC 7541 section 7.1.3).
    /// </summary>
    public void WriteField(IBufferWriter<byte> output, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, bool neverIndexed = false)
    {
        ArgumentNullException.ThrowIfNull(output);
        Span<byte> destination = output.GetSpan(GetMaxEncodedLength(name, value));
        int written = WriteTableSizeUpdateOnce(destination);

        if (!neverIndexed)
        {
            int fieldIndex = HpackStaticTable.FindField(name, value);
            if (fieldIndex != 0)
            {
                written += HpackInteger.Encode(fieldIndex, 7, 0x80, destination[written..]);
                output.Advance(written);
                return;
            }
        }

        int nameIndex = HpackStaticTable.FindName(name);
        written += HpackInteger.Encode(nameIndex, 4, neverIndexed ? (byte)0x10 : (byte)0x00, destination[written..]);
        if (nameIndex == 0)
        {
            written += WriteString(name, destination[written..], lowercase: true);
        }

        written += WriteString(value, destination[written..], lowercase: false);
        output.Advance(written);
    }

    /// <summary>Returns an upper bound of the bytes <see cref="WriteField"/> writes for a field.</summary>
    public static int GetMaxEncodedLength(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value) =>
        1 + (3 * HpackInteger.MaxEncodedLength) + name.Length + value.Length;

    private int WriteTableSizeUpdateOnce(Span<byte> destination)
    {
        if (_tableSizeUpdateSent)
        {
            return 0;
        }

        _tableSizeUpdateSent = true;
        return HpackInteger.Encode(0, 5, 0x20, destination);
    }

    private int WriteString(ReadOnlySpan<byte> value, Span<byte> destination, bool lowercase)
    {
        if (UseHuffman)
        {
            int huffmanLength = HpackHuffman.GetEncodedLength(value, lowercase);
            if (huffmanLength < value.Length)
            {
                int prefixLength = HpackInteger.Encode(huffmanLength, 7, 0x80, destination);
                return prefixLength + HpackHuffman.Encode(value, destination[prefixLength..], lowercase);
            }
        }

        int written = HpackInteger.Encode(value.Length, 7, 0x00, destination);
        Span<byte> target = destination.Slice(written, value.Length);
        value.CopyTo(target);
        if (lowercase)
        {
            for (int i = 0; i < target.Length; i++)
            {
                if ((uint)(target[i] - 'A') <= 'Z' - 'A')
                {
                    target[i] |= 0x20;
                }
            }
        }

        return written + value.Length;
    }
}
