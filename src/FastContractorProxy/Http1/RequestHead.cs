namespace FastContractorProxy.Http1;

internal enum HttpVersion : byte
{
    Http10 = 0,
    Http11 = 1,
}

internal enum KnownMethod : byte
{
    Other = 0,
    Get,
    Head,
    Post,
    Put,
    Delete,
    Options,
    Patch,
    Trace,
    Connect,
}

/// <summary>The request-target forms of RFC 9112 section 3.2 that this proxy accepts.</summary>
internal enum TargetForm : byte
{
    Origin = 0,
    Absolute,
    Asterisk,
}

/// <summary>
/// A parsed request head. One instance belongs to a connection and is reused for each request, so parsing
/// allocates nothing: every value is an offset into <see cref="Section"/>, the buffer the head was read into.
/// </summary>
internal sealed class RequestHead
{
    public const int DefaultMaxFields = 100;

    private byte[] _section = [];

    public RequestHead(int maxFields = DefaultMaxFields)
    {
        Fields = new FieldLine[maxFields];
    }

    /// <summary>The header section the offsets point into, from the request line to the empty line.</summary>
    public ReadOnlySpan<byte> Section => _section.AsSpan(_sectionStart, SectionLength);

    public int SectionLength { get; private set; }

    private int _sectionStart;

    public KnownMethod Method;
    public OffsetRange MethodRange;
    public TargetForm Form;
    public OffsetRange Target;

    /// <summary>The path of the target, starting with '/' (empty for asterisk-form).</summary>
    public OffsetRange Path;

    /// <summary>The query without its leading '?', or <see cref="OffsetRange.None"/> when the target has no '?'.</summary>
    public OffsetRange Query;

    /// <summary>The authority to forward: from an absolute-form target, else from the Host field.</summary>
    public OffsetRange Authority;
    public HttpVersion Version;

    public FieldLine[] Fields;
    public int FieldCount;

    /// <summary>Declared body length, or -1 without Content-Length.</summary>
    public long ContentLength;
    public bool Chunked;
    public bool KeepAlive;
    public bool Expect100Continue;

    /// <summary>A WebSocket upgrade: <c>Upgrade: websocket</c> together with <c>Connection: upgrade</c> on an HTTP/1.1 GET.</summary>
    public bool WebSocketUpgrade;

    /// <summary>Index of the client's valid X-Request-Id field, or -1.</summary>
    public int RequestIdField;

    /// <summary>Index of the Authorization field, or -1; a request with two is rejected.</summary>
    public int AuthorizationField;

    /// <summary>Offset in the section where parsing failed, for diagnostics.</summary>
    public int ErrorOffset;

    public bool HasBody => Chunked || ContentLength > 0;

    /// <summary>The value of a field of this head as memory, for a caller that must keep it across an await.</summary>
    public ReadOnlyMemory<byte> ValueMemory(in FieldLine field) => new(_section, _sectionStart + field.ValueStart, field.ValueLength);

    public ReadOnlySpan<byte> this[OffsetRange range] => range.IsNone ? default : Section.Slice(range.Start, range.Length);

    internal void Attach(byte[] buffer, int start, int length)
    {
        _section = buffer;
        _sectionStart = start;
        SectionLength = length;
    }

    /// <summary>Forgets the previous request, so nothing can read a section buffer that went back to its pool.</summary>
    internal void Detach()
    {
        Attach([], 0, 0);
        Clear();
    }

    internal void Clear()
    {
        Method = KnownMethod.Other;
        MethodRange = default;
        Form = TargetForm.Origin;
        Target = default;
        Path = default;
        Query = OffsetRange.None;
        Authority = OffsetRange.None;
        Version = HttpVersion.Http11;
        FieldCount = 0;
        ContentLength = -1;
        Chunked = false;
        KeepAlive = true;
        Expect100Continue = false;
        WebSocketUpgrade = false;
        RequestIdField = -1;
        AuthorizationField = -1;
        ErrorOffset = 0;
    }
}

/// <summary>A slice of a buffer as start and length; <see cref="None"/> marks an absent part.</summary>
internal readonly record struct OffsetRange(int Start, int Length)
{
    public static readonly OffsetRange None = new(-1, 0);

    public bool IsNone => Start < 0;
}
