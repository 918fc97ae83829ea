namespace FastContractorProxy.Http2;

/// <summary>One decoded field: name and value bytes in the list's buffer, valid until the list changes.</summary>
internal readonly ref struct HeaderField
{
    public HeaderField(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, bool neverIndexed)
    {
        Name = name;
        Value = value;
        NeverIndexed = neverIndexed;
    }

    public ReadOnlySpan<byte> Name { get; }

    public ReadOnlySpan<byte> Value { get; }

    /// <summary>The field was sent as "never indexed" (RFC 7541 section 6.2.3), and an intermediary must keep that representation.</summary>
    public bool NeverIndexed { get; }
}

/// <summary>
/// A reusable list of decoded fields. All names and values are stored in one growable byte buffer, so decoding
/// allocates only while the buffer grows to the largest field block seen, and never per field.
/// </summary>
internal sealed class HeaderFieldList
{
    private byte[] _buffer;
    private int _used;
    private FieldEntry[] _fields;

    public HeaderFieldList(int initialBufferSize = 1024, int initialFieldCapacity = 16)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(initialBufferSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(initialFieldCapacity);
        _buffer = new byte[initialBufferSize];
        _fields = new FieldEntry[initialFieldCapacity];
    }

    public int Count { get; private set; }

    /// <summary>Total bytes of names and values, without the 32-byte overhead per field.</summary>
    public int ByteCount => _used;

    public HeaderField this[int index]
    {
        get
        {
            FieldEntry entry = GetEntry(index);
            return new HeaderField(
                _buffer.AsSpan(entry.Offset, entry.NameLength),
                _buffer.AsSpan(entry.Offset + entry.NameLength, entry.ValueLength),
                entry.NeverIndexed);
        }
    }

    public ReadOnlySpan<byte> GetName(int index)
    {
        FieldEntry entry = GetEntry(index);
        return _buffer.AsSpan(entry.Offset, entry.NameLength);
    }

    public ReadOnlySpan<byte> GetValue(int index)
    {
        FieldEntry entry = GetEntry(index);
        return _buffer.AsSpan(entry.Offset + entry.NameLength, entry.ValueLength);
    }

    /// <summary>Removes every field and keeps the buffers for reuse.</summary>
    public void Clear()
    {
        Count = 0;
        _used = 0;
    }

    /// <summary>Appends a field, copying its name and value.</summary>
    public void Add(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, bool neverIndexed = false)
    {
        Span<byte> pending = GetPending(name.Length + value.Length);
        name.CopyTo(pending);
        value.CopyTo(pending[name.Length..]);
        CommitPending(name.Length, value.Length, neverIndexed);
    }

    /// <summary>
    /// Returns at least <paramref name="length"/> bytes of free buffer after the last field. The decoder writes
    /// the name and value of the next field there before it checks whether the field fits the header list
    /// limit. Growing the buffer keeps the bytes already written there.
    /// </summary>
    internal Span<byte> GetPending(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        long required = (long)_used + length;
        if (required > _buffer.Length)
        {
            long newLength = Math.Max(required, 2L * _buffer.Length);
            if (newLength > Array.MaxLength)
            {
                newLength = required;
            }

            Array.Resize(ref _buffer, (int)newLength);
        }

        return _buffer.AsSpan(_used);
    }

    /// <summary>Adds the name and value that the caller wrote at the start of <see cref="GetPending"/> as the next field.</summary>
    internal void CommitPending(int nameLength, int valueLength, bool neverIndexed)
    {
        if ((long)_used + nameLength + valueLength > _buffer.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(valueLength), "The field is longer than the pending buffer.");
        }

        if (Count == _fields.Length)
        {
            Array.Resize(ref _fields, _fields.Length * 2);
        }

        _fields[Count++] = new FieldEntry(_used, nameLength, valueLength, neverIndexed);
        _used += nameLength + valueLength;
    }

    private FieldEntry GetEntry(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return _fields[index];
    }

    private readonly record struct FieldEntry(int Offset, int NameLength, int ValueLength, bool NeverIndexed);
}
