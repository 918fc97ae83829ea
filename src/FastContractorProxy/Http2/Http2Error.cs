namespace FastContractorProxy.Http2;

/// <summary>Whether an error closes one stream (RST_STREAM) or the whole connection (GOAWAY), RFC 9113 section 5.4.</summary>
internal enum Http2ErrorScope : byte
{
    None,
    Stream,
    Connection,
}

/// <summary>
/// Outcome of a frame or settings check: no error, a stream error or a connection error, with its code and a
/// constant message. The message is a literal, so creating an error allocates nothing.
/// </summary>
internal readonly struct Http2Error
{
    private readonly string? _message;

    private Http2Error(Http2ErrorScope scope, Http2ErrorCode code, string message)
    {
        Scope = scope;
        Code = code;
        _message = message;
    }

    public static Http2Error None => default;

    public Http2ErrorScope Scope { get; }

    public Http2ErrorCode Code { get; }

    /// <summary>What was wrong with the frame, for logs and GOAWAY debug data. Empty when <see cref="IsNone"/>.</summary>
    public string Message => _message ?? string.Empty;

    public bool IsNone => Scope == Http2ErrorScope.None;

    public bool IsConnectionError => Scope == Http2ErrorScope.Connection;

    public bool IsStreamError => Scope == Http2ErrorScope.Stream;

    public static Http2Error Connection(Http2ErrorCode code, string message) => new(Http2ErrorScope.Connection, code, message);

    public static Http2Error Stream(Http2ErrorCode code, string message) => new(Http2ErrorScope.Stream, code, message);

    /// <summary>Creates the matching exception: <see cref="Http2ConnectionException"/> or <see cref="Http2StreamException"/> for <paramref name="streamId"/>.</summary>
    public Exception ToException(int streamId) => Scope switch
    {
        Http2ErrorScope.Connection => new Http2ConnectionException(Code, Message),
        Http2ErrorScope.Stream => new Http2StreamException(streamId, Code, Message),
        _ => throw new InvalidOperationException("An Http2Error without a scope has no exception."),
    };

    public override string ToString() => IsNone ? "none" : $"{Scope} error {Code}: {Message}";
}

/// <summary>A connection error: the endpoint sends GOAWAY with <see cref="ErrorCode"/> and closes the connection.</summary>
internal sealed class Http2ConnectionException : Exception
{
    public Http2ConnectionException(Http2ErrorCode errorCode, string message)
        : base(message)
    {
        ErrorCode = errorCode;
    }

    public Http2ErrorCode ErrorCode { get; }
}

/// <summary>A stream error: the endpoint sends RST_STREAM with <see cref="ErrorCode"/> on <see cref="StreamId"/> and keeps the connection.</summary>
internal sealed class Http2StreamException : Exception
{
    public Http2StreamException(int streamId, Http2ErrorCode errorCode, string message)
        : base(message)
    {
        StreamId = streamId;
        ErrorCode = errorCode;
    }

    public int StreamId { get; }

    public Http2ErrorCode ErrorCode { get; }
}
