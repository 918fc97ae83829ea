namespace FastContractorProxy.Http2;

/// <summary>
/// The HPACK dynamic table of one connection direction (RFC 7541 sections 2.3.2 and 4). Entries are stored
/// back to back in one byte array in insertion order, so eviction only moves a start offset, and the array is
/// compacted when an insertion reaches its end. After the first insertions at a given maximum size, inserting
/// and evicting allocate nothing.
/// </summary>
internal sealed class HpackDynamicTable
{
    /// <summary>Size an entry counts beyond its name and value bytes (RFC 7541 section 4.1).</summary>
    public const int EntryOverhead = 32;

    private byte[] _data = [];
    private int _dataStart;
    private int _dataEnd;

    // Ring of entries. The newest entry is at _newest, older ones at decreasing positions (modulo length).
    private Entry[] _entries = [];
    private int _newest = -1;

    public HpackDynamicTable(int maxSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxSize);
        MaxSize = maxSize;
    }

    /// <summary>Number of entries.</summary>
    public int Count { get; private set; }

    /// <summary>Sum of the entry sizes: name and value lengths plus 32 per entry.</summary>
    public int Size { get; private set; }

    /// <summary>Current maximum size, set by dynamic table size updates.</summary>
    public int MaxSize { get; private set; }

    /// <summary>Returns the name of the entry at <paramref name="index"/>, where 0 is the newest entry (HPACK index 62).</summary>
    public ReadOnlySpan<byte> GetName(int index)
    {
        Entry entry = GetEntry(index);
        return _data.AsSpan(entry.Offset, entry.NameLength);
    }

    /// <summary>Returns the value of the entry at <paramref name="index"/>, where 0 is the newest entry.</summary>
    public ReadOnlySpan<byte> GetValue(int index)
    {
        Entry entry = GetEntry(index);
        return _data.AsSpan(entry.Offset + entry.NameLength, entry.ValueLength);
    }

    /// <summary>Sets the maximum size and evicts the oldest entries until the table fits.</summary>
    public void SetMaxSize(int maxSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxSize);
        MaxSize = maxSize;
        EvictUntilFits(0);
    }

    /// <summary>Removes every entry.</summary>
    public void Clear()
    {
        Count = 0;
        Size = 0;
        _dataStart = 0;
        _dataEnd = 0;
    }

    /// <summary>
    /// Adds an entry as the newest, evicting the oldest entries to make room (RFC 7541 section 4.4). An entry
    /// larger than <see cref="MaxSize"/> empties the table and is not added. The spans must not point into
    /// this table, because evicting and compacting overwrite its storage.
    /// </summary>
    public void Insert(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        int length = name.Length + value.Length;
        if ((long)length + EntryOverhead > MaxSize)
        {
            Clear();
            return;
        }

        EvictUntilFits(length + EntryOverhead);
        EnsureCapacity(length);

        name.CopyTo(_data.AsSpan(_dataEnd));
        value.CopyTo(_data.AsSpan(_dataEnd + name.Length));

        _newest = (_newest + 1) % _entries.Length;
        _entries[_newest] = new Entry(_dataEnd, name.Length, value.Length);
        _dataEnd += length;
        Count++;
        Size += length + EntryOverhead;
    }

    private Entry GetEntry(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        int position = _newest - index;
        if (position < 0)
        {
            position += _entries.Length;
        }

        return _entries[position];
    }

    private void EvictUntilFits(int additionalSize)
    {
        while (Count > 0 && Size + additionalSize > MaxSize)
        {
            Entry oldest = GetEntry(Count - 1);
            int length = oldest.NameLength + oldest.ValueLength;
            Count--;
            Size -= length + EntryOverhead;
            _dataStart += length;
        }

        if (Count == 0)
        {
            _dataStart = 0;
            _dataEnd = 0;
        }
    }

    // Makes room for `length` more bytes at _dataEnd and for one more entry in the ring.
    private void EnsureCapacity(int length)
    {
        // At most MaxSize / 32 entries fit, whatever their lengths.
        int maxEntries = (MaxSize / EntryOverhead) + 1;
        if (_entries.Length < maxEntries)
        {
            var entries = new Entry[maxEntries];
            for (int i = 0; i < Count; i++)
            {
                entries[Count - 1 - i] = GetEntry(i);
            }

            _entries = entries;
            _newest = Count - 1;
        }

        if (_dataEnd + length <= _data.Length)
        {
            return;
        }

        // Live bytes plus the new entry stay below MaxSize, so twice MaxSize leaves room to append for a while
        // between compactions.
        int liveLength = _dataEnd - _dataStart;
        byte[] target = _data.Length >= liveLength + length && _data.Length >= MaxSize ? _data : new byte[2 * MaxSize];
        Buffer.BlockCopy(_data, _dataStart, target, 0, liveLength);
        for (int i = 0; i < Count; i++)
        {
            int position = (_newest - i + _entries.Length) % _entries.Length;
            Entry entry = _entries[position];
            _entries[position] = entry with { Offset = entry.Offset - _dataStart };
        }

        _data = target;
        _dataStart = 0;
        _dataEnd = liveLength;
    }

    private readonly record struct Entry(int Offset, int NameLength, int ValueLength);
}
