namespace FastContractorProxy.Http2;

/// <summary>
/// The request fields that <see cref="RequestFieldValidator"/> extracted from a decoded field list. Spans point
/// into the field list and into this object, and stay valid until either is reused. An instance is reused
/// across requests, so it allocates only while its cookie buffer grows.
/// </summary>
internal sealed class Http2RequestHead
{
    private byte[] _cookie = new byte[256];
    private HeaderFieldList? _fields;

    /// <summary>The field list this head was extracted from.</summary>
    public HeaderFieldList Fields => _fields ?? throw new InvalidOperationException("No request was validated into this head yet.");

    public ReadOnlySpan<byte> Method => GetValue(MethodIndex);

    public ReadOnlySpan<byte> Scheme => GetValue(SchemeIndex);

    public ReadOnlySpan<byte> Path => GetValue(PathIndex);

    /// <summary>The :authority value, or empty when absent.</summary>
    public ReadOnlySpan<byte> Authority => GetValue(AuthorityIndex);

    public bool HasAuthority => AuthorityIndex >= 0;

    /// <summary>The host field value, or empty when absent.</summary>
    public ReadOnlySpan<byte> Host => GetValue(HostIndex);

    public bool HasHost => HostIndex >= 0;

    /// <summary>Index of the first field that is not a pseudo-header field; <see cref="HeaderFieldList.Count"/> when there is none.</summary>
    public int FirstRegularFieldIndex { get; private set; }

    /// <summary>The content-length value, or -1 when absent. The caller checks the DATA length against it (RFC 9113 section 8.1.1).</summary>
    public long ContentLength { get; internal set; } = -1;

    /// <summary>Number of cookie fields. The cookie crumbs stay in the field list, and <see cref="Cookie"/> joins them.</summary>
    public int CookieFieldCount { get; internal set; }

    /// <summary>All cookie field values joined with "; " (RFC 9113 section 8.2.3), or empty when there is no cookie field.</summary>
    public ReadOnlySpan<byte> Cookie => _cookie.AsSpan(0, CookieLength);

    internal int MethodIndex { get; set; }

    internal int SchemeIndex { get; set; }

    internal int PathIndex { get; set; }

    internal int AuthorityIndex { get; set; }

    internal int HostIndex { get; set; }

    internal int ContentLengthIndex { get; set; }

    private int CookieLength { get; set; }

    internal void Reset(HeaderFieldList fields)
    {
        _fields = fields;
        MethodIndex = -1;
        SchemeIndex = -1;
        PathIndex = -1;
        AuthorityIndex = -1;
        HostIndex = -1;
        ContentLengthIndex = -1;
        FirstRegularFieldIndex = fields.Count;
        ContentLength = -1;
        CookieFieldCount = 0;
        CookieLength = 0;
    }

    internal void SetFirstRegularFieldIndex(int index) => FirstRegularFieldIndex = index;

    internal void AppendCookie(ReadOnlySpan<byte> crumb)
    {
        int separatorLength = CookieLength == 0 ? 0 : 2;
        int required = CookieLength + separatorLength + crumb.Length;
        if (required > _cookie.Length)
        {
            Array.Resize(ref _cookie, Math.Max(required, 2 * _cookie.Length));
        }

        if (separatorLength != 0)
        {
            "; "u8.CopyTo(_cookie.AsSpan(CookieLength));
        }

        crumb.CopyTo(_cookie.AsSpan(CookieLength + separatorLength));
        CookieLength = required;
    }

    private ReadOnlySpan<byte> GetValue(int index) => index < 0 ? default : Fields.GetValue(index);
}
