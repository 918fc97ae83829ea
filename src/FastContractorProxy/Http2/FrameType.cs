namespace FastContractorProxy.Http2;

/// <summary>Frame types defined by RFC 9113 section 6. A receiver ignores frames of any other type.</summary>
internal enum FrameType : byte
{
    Data = 0x0,
    Headers = 0x1,
    Priority = 0x2,
    RstStream = 0x3,
    Settings = 0x4,
    PushPromise = 0x5,
    Ping = 0x6,
    GoAway = 0x7,
    WindowUpdate = 0x8,
    Continuation = 0x9,
}

/// <summary>Frame flag bits (RFC 9113 section 6). A flag's meaning depends on the frame type.</summary>
internal static class FrameFlags
{
    public const byte None = 0x0;

    /// <summary>DATA and HEADERS: the sender will send no more frames on this stream.</summary>
    public const byte EndStream = 0x1;

    /// <summary>SETTINGS and PING: the frame acknowledges the peer's frame.</summary>
    public const byte Ack = 0x1;

    /// <summary>HEADERS and CONTINUATION: the frame ends the field block.</summary>
    public const byte EndHeaders = 0x4;

    /// <summary>DATA and HEADERS: the payload starts with a Pad Length byte and ends with that much padding.</summary>
    public const byte Padded = 0x8;

    /// <summary>HEADERS: the payload carries the deprecated priority fields (5 bytes) after the Pad Length.</summary>
    public const byte Priority = 0x20;
}
