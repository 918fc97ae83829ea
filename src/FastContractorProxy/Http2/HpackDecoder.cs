using System.Buffers;

namespace FastContractorProxy.Http2;

/// <summary>
/// Decodes complete field blocks (RFC 7541), meaning a HEADERS payload joined with its CONTINUATION payloads,
/// into a <see cref="HeaderFieldList"/>. One instance serves one connection, because the dynamic table carries
/// state from block to block.
/// </summary>
/// <remarks>
/// The header list size limit (SETTINGS_MAX_HEADER_LIST_SIZE, RFC 9113 section 6.5.2) counts each field as
/// name length + value length + 32. When a field would cross the limit, output stops: no further field is copied
/// and no string is decoded past what the limit or the dynamic table can hold. The rest of the block is still
/// parsed, because literals with incremental indexing change the dynamic table, and skipping them would break
/// every later block of the connection. The work is therefore linear in the block length, which the caller
/// bounds when it joins HEADERS and CONTINUATION payloads.
/// </remarks>
internal sealed class HpackDecoder
{
    private readonly HpackDynamicTable _table;
    private int _maxHeaderListSize;
    private bool _sizeUpdateRequired;

    /// <param name="maxHeaderListSize">Header list size limit in bytes, as advertised in SETTINGS_MAX_HEADER_LIST_SIZE.</param>
    /// <param name="maxTableSize">
    /// SETTINGS_HEADER_TABLE_SIZE in force: the initial maximum of the dynamic table and the largest size update
    /// accepted. RFC 9113 starts every connection at 4096.
    /// </param>
    public HpackDecoder(int maxHeaderListSize, int maxTableSize = Http2Settings.DefaultHeaderTableSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxTableSize);
        MaxHeaderListSize = maxHeaderListSize;
        MaxAllowedTableSize = maxTableSize;
        _table = new HpackDynamicTable(maxTableSize);
    }

    /// <summary>Header list size limit in bytes: the sum over all fields of name length + value length + 32.</summary>
    public int MaxHeaderListSize
    {
        get => _maxHeaderListSize;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
            _maxHeaderListSize = value;
        }
    }

    /// <summary>Largest dynamic table size the peer may set: the SETTINGS_HEADER_TABLE_SIZE this endpoint sent.</summary>
    public int MaxAllowedTableSize { get; private set; }

    public int DynamicTableCount => _table.Count;

    /// <summary>Size of the dynamic table as RFC 7541 section 4.1 counts it, 32 bytes per entry included.</summary>
    public int DynamicTableSize => _table.Size;

    /// <summary>Maximum size of the dynamic table, as set by the last size update.</summary>
    public int DynamicTableMaxSize => _table.MaxSize;

    /// <summary>Returns the name of dynamic table entry <paramref name="index"/>: 0 is the newest entry, HPACK index 62.</summary>
    public ReadOnlySpan<byte> GetDynamicTableName(int index) => _table.GetName(index);

    /// <summary>Returns the value of dynamic table entry <paramref name="index"/>: 0 is the newest entry, HPACK index 62.</summary>
    public ReadOnlySpan<byte> GetDynamicTableValue(int index) => _table.GetValue(index);

    /// <summary>
    /// Sets the SETTINGS_HEADER_TABLE_SIZE that applies once the peer acknowledged it. When it is below the
    /// current maximum, the next field block must start with a size update to at most this value (RFC 7541
    /// section 4.2).
    /// </summary>
    public void SetMaxAllowedTableSize(int maxTableSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxTableSize);
        MaxAllowedTableSize = maxTableSize;
        if (maxTableSize < _table.MaxSize)
        {
            _sizeUpdateRequired = true;
        }
    }

    /// <summary>
    /// Decodes one complete field block into <paramref name="fields"/>, which is cleared first. On
    /// <see cref="HpackDecodeResult.HeaderListTooLarge"/>, <paramref name="fields"/> contains the fields before
    /// the one that crossed the limit, and the dynamic table is in step with the peer. On any other failure the
    /// connection must close, and the decoder must not be used again.
    /// </summary>
    public HpackDecodeResult Decode(ReadOnlySpan<byte> block, HeaderFieldList fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        fields.Clear();

        var state = new BlockState();
        bool atBlockStart = true;
        int position = 0;

        while (position < block.Length)
        {
            byte first = block[position];
            HpackDecodeResult result;

            // 001xxxxx: dynamic table size update (RFC 7541 section 6.3).
            if ((first & 0xE0) == 0x20)
            {
                if (!atBlockStart)
                {
                    return HpackDecodeResult.SizeUpdateNotAtBlockStart;
                }

                result = HpackInteger.Decode(block, ref position, 5, out int maxSize);
                if (result != HpackDecodeResult.Success)
                {
                    return result;
                }

                if (maxSize > MaxAllowedTableSize)
                {
                    return HpackDecodeResult.SizeUpdateAboveLimit;
                }

                _table.SetMaxSize(maxSize);
                _sizeUpdateRequired = false;
                continue;
            }

            if (_sizeUpdateRequired)
            {
                return HpackDecodeResult.SizeUpdateMissing;
            }

            atBlockStart = false;
            result = (first & 0x80) != 0
                ? DecodeIndexedField(block, ref position, fields, ref state)
                : DecodeLiteralField(block, ref position, fields, ref state);
            if (result != HpackDecodeResult.Success)
            {
                return result;
            }
        }

        if (_sizeUpdateRequired)
        {
            return HpackDecodeResult.SizeUpdateMissing;
        }

        return state.TooLarge ? HpackDecodeResult.HeaderListTooLarge : HpackDecodeResult.Success;
    }

    // 1xxxxxxx: indexed field (RFC 7541 section 6.1).
    private HpackDecodeResult DecodeIndexedField(ReadOnlySpan<byte> block, ref int position, HeaderFieldList fields, ref BlockState state)
    {
        HpackDecodeResult result = HpackInteger.Decode(block, ref position, 7, out int index);
        if (result != HpackDecodeResult.Success)
        {
            return result;
        }

        if (!TryGetEntry(index, out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value))
        {
            return HpackDecodeResult.InvalidIndex;
        }

        if (state.Fits(name.Length + value.Length, _maxHeaderListSize))
        {
            fields.Add(name, value);
        }

        return HpackDecodeResult.Success;
    }

    // Literal field representations (RFC 7541 section 6.2): 01xxxxxx is a literal with incremental indexing,
    // 0000xxxx a literal without indexing and 0001xxxx a never-indexed literal.
    private HpackDecodeResult DecodeLiteralField(ReadOnlySpan<byte> block, ref int position, HeaderFieldList fields, ref BlockState state)
    {
        byte first = block[position];
        bool incremental = (first & 0x40) != 0;
        bool neverIndexed = !incremental && (first & 0x10) != 0;

        HpackDecodeResult result = HpackInteger.Decode(block, ref position, incremental ? 6 : 4, out int nameIndex);
        if (result != HpackDecodeResult.Success)
        {
            return result;
        }

        // Strings are decoded only as far as they can still be kept: as a field while the list has room, or
        // as a new dynamic table entry. They are written to the pending area of the field list in both cases.
        long listRoom = state.TooLarge ? 0 : _maxHeaderListSize - state.ListSize - HpackDynamicTable.EntryOverhead;
        long tableRoom = incremental ? _table.MaxSize - HpackDynamicTable.EntryOverhead : 0;
        int limit = (int)Math.Clamp(Math.Max(listRoom, tableRoom), 0, int.MaxValue);

        int nameLength = -1;
        if (nameIndex == 0)
        {
            result = ReadString(block, ref position, fields, offset: 0, limit, out nameLength);
            if (result != HpackDecodeResult.Success)
            {
                return result;
            }
        }
        else
        {
            if (!TryGetEntry(nameIndex, out ReadOnlySpan<byte> indexedName, out _))
            {
                return HpackDecodeResult.InvalidIndex;
            }

            // The copy also protects the name from eviction when the new entry is inserted (RFC 7541 section 4.4).
            if (indexedName.Length <= limit)
            {
                indexedName.CopyTo(fields.GetPending(indexedName.Length));
                nameLength = indexedName.Length;
            }
        }

        // NOTE: a skipped string is not Huffman-decoded, so invalid padding or EOS in it goes undetected. Such a
        // string cannot change the dynamic table, and the block already fails with HeaderListTooLarge.
        int valueLength = -1;
        result = nameLength >= 0
            ? ReadString(block, ref position, fields, offset: nameLength, limit - nameLength, out valueLength)
            : SkipString(block, ref position);
        if (result != HpackDecodeResult.Success)
        {
            return result;
        }

        bool complete = nameLength >= 0 && valueLength >= 0;
        if (incremental)
        {
            if (complete)
            {
                Span<byte> pending = fields.GetPending(nameLength + valueLength);
                _table.Insert(pending[..nameLength], pending.Slice(nameLength, valueLength));
            }
            else
            {
                // A string exceeded the table's room, so the entry is larger than the table, which empties it.
                _table.Clear();
            }
        }

        if (complete && state.Fits(nameLength + valueLength, _maxHeaderListSize))
        {
            fields.CommitPending(nameLength, valueLength, neverIndexed);
        }
        else
        {
            state.TooLarge = true;
        }

        return HpackDecodeResult.Success;
    }

    // Reads a string literal (RFC 7541 section 5.2) into the pending area of `fields` at `offset`, decoding at most
    // `limit` bytes. A longer string is skipped, and `length` is then -1.
    private static HpackDecodeResult ReadString(ReadOnlySpan<byte> block, ref int position, HeaderFieldList fields, int offset, int limit, out int length)
    {
        length = -1;
        HpackDecodeResult result = ReadStringBytes(block, ref position, out ReadOnlySpan<byte> encoded, out bool huffman);
        if (result != HpackDecodeResult.Success)
        {
            return result;
        }

        if (!huffman)
        {
            if (encoded.Length <= limit)
            {
                encoded.CopyTo(fields.GetPending(offset + encoded.Length)[offset..]);
                length = encoded.Length;
            }

            return HpackDecodeResult.Success;
        }

        // The shortest Huffman code has 5 bits, so n encoded bytes decode to at most 8n/5 bytes.
        int capacity = (int)Math.Min(limit, encoded.Length * 8L / 5);
        Span<byte> destination = fields.GetPending(offset + capacity).Slice(offset, capacity);
        OperationStatus status = HpackHuffman.Decode(encoded, destination, out int written, out HpackDecodeResult error);
        if (status == OperationStatus.InvalidData)
        {
            return error;
        }

        if (status == OperationStatus.Done)
        {
            length = written;
        }

        return HpackDecodeResult.Success;
    }

    private static HpackDecodeResult SkipString(ReadOnlySpan<byte> block, ref int position) =>
        ReadStringBytes(block, ref position, out _, out _);

    private static HpackDecodeResult ReadStringBytes(ReadOnlySpan<byte> block, ref int position, out ReadOnlySpan<byte> encoded, out bool huffman)
    {
        encoded = default;
        huffman = position < block.Length && (block[position] & 0x80) != 0;
        HpackDecodeResult result = HpackInteger.Decode(block, ref position, 7, out int length);
        if (result != HpackDecodeResult.Success)
        {
            return result;
        }

        if (length > block.Length - position)
        {
            return HpackDecodeResult.TruncatedBlock;
        }

        encoded = block.Slice(position, length);
        position += length;
        return HpackDecodeResult.Success;
    }

    private bool TryGetEntry(int index, out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        if (index >= 1 && index <= HpackStaticTable.Count)
        {
            name = HpackStaticTable.GetName(index);
            value = HpackStaticTable.GetValue(index);
            return true;
        }

        int dynamicIndex = index - HpackStaticTable.Count - 1;
        if (index > HpackStaticTable.Count && dynamicIndex < _table.Count)
        {
            name = _table.GetName(dynamicIndex);
            value = _table.GetValue(dynamicIndex);
            return true;
        }

        name = default;
        value = default;
        return false;
    }

    // Header list accounting of the block being decoded.
    private struct BlockState
    {
        public long ListSize;
        public bool TooLarge;

        // Counts a field of `length` name and value bytes, or marks the list too large. Once too large, no
        // further field fits, so output stops at the first field over the limit.
        public bool Fits(int length, int maxHeaderListSize)
        {
            long fieldSize = (long)length + HpackDynamicTable.EntryOverhead;
            if (TooLarge || ListSize + fieldSize > maxHeaderListSize)
            {
                TooLarge = true;
                return false;
            }

            ListSize += fieldSize;
            return true;
        }
    }
}
