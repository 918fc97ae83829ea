namespace FastContractorProxy.Http1;

/// <summary>Field names the proxy treats specially; everything else is <see cref="Other"/>.</summary>
internal enum FieldKind : byte
{
    Other = 0,
    Host,
    ContentLength,
    TransferEncoding,
    Connection,
    Expect,
    Upgrade,

    /// <summary>Hop-by-hop fields that never cross the proxy: Keep-Alive, Proxy-Connection, TE, Trailer, HTTP2-Settings, Proxy-Authorization, Proxy-Authenticate.</summary>
    HopByHop,
    RequestId,
    Authorization,
}

/// <summary>One field line of a header or trailer section, as offsets into the section's buffer.</summary>
internal struct FieldLine
{
    public int NameStart;
    public int NameLength;
    public int ValueStart;

    /// <summary>Length of the value after leading and trailing whitespace was trimmed.</summary>
    public int ValueLength;
    public FieldKind Kind;

    /// <summary>Set when the field must not be forwarded (hop-by-hop, named by Connection, or replaced by the proxy).</summary>
    public bool Dropped;

    public readonly ReadOnlySpan<byte> Name(ReadOnlySpan<byte> section) => section.Slice(NameStart, NameLength);

    public readonly ReadOnlySpan<byte> Value(ReadOnlySpan<byte> section) => section.Slice(ValueStart, ValueLength);
}
