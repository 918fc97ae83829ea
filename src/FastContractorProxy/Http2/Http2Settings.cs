using System.Buffers;
using System.Buffers.Binary;

namespace FastContractorProxy.Http2;

/// <summary>SETTINGS parameter identifiers (RFC 9113 section 6.5.2).</summary>
internal enum Http2SettingId : ushort
{
    HeaderTableSize = 0x1,
    EnablePush = 0x2,
    MaxConcurrentStreams = 0x3,
    InitialWindowSize = 0x4,
    MaxFrameSize = 0x5,
    MaxHeaderListSize = 0x6,
}

/// <summary>
/// The six SETTINGS parameters of one endpoint (RFC 9113 section 6.5.2). Start from <see cref="Default"/>, the
/// values in force before any SETTINGS frame: <c>default(Http2Settings)</c> has zero windows and frame sizes.
/// <see cref="uint.MaxValue"/> means "unlimited" where the RFC sets no initial limit.
/// </summary>
internal readonly record struct Http2Settings(
    uint HeaderTableSize,
    bool EnablePush,
    uint MaxConcurrentStreams,
    int InitialWindowSize,
    int MaxFrameSize,
    uint MaxHeaderListSize)
{
    /// <summary>Size of one parameter in a SETTINGS payload: a 16-bit identifier and a 32-bit value.</summary>
    public const int EntryLength = 6;

    public const int DefaultHeaderTableSize = 4096;
    public const int DefaultInitialWindowSize = 65_535;
    public const int MaxWindowSize = int.MaxValue;
    public const int MinMaxFrameSize = 16_384;
    public const int MaxMaxFrameSize = (1 << 24) - 1;

    /// <summary>Initial values of every parameter (RFC 9113 section 6.5.2).</summary>
    public static Http2Settings Default { get; } = new(
        HeaderTableSize: DefaultHeaderTableSize,
        EnablePush: true,
        MaxConcurrentStreams: uint.MaxValue,
        InitialWindowSize: DefaultInitialWindowSize,
        MaxFrameSize: MinMaxFrameSize,
        MaxHeaderListSize: uint.MaxValue);

    /// <summary>
    /// Checks one parameter value. ENABLE_PUSH other than 0 or 1 and MAX_FRAME_SIZE outside 16384..16777215 are
    /// PROTOCOL_ERROR, INITIAL_WINDOW_SIZE above 2^31-1 is FLOW_CONTROL_ERROR, all as connection errors. Any value
    /// of another parameter, including an unknown one, is valid.
    /// </summary>
    public static Http2Error Validate(Http2SettingId id, uint value) => id switch
    {
        Http2SettingId.EnablePush when value > 1 =>
            Http2Error.Connection(Http2ErrorCode.ProtocolError, "SETTINGS_ENABLE_PUSH is neither 0 nor 1."),
        Http2SettingId.InitialWindowSize when value > MaxWindowSize =>
            Http2Error.Connection(Http2ErrorCode.FlowControlError, "SETTINGS_INITIAL_WINDOW_SIZE is above 2^31-1."),
        Http2SettingId.MaxFrameSize when value < MinMaxFrameSize || value > MaxMaxFrameSize =>
            Http2Error.Connection(Http2ErrorCode.ProtocolError, "SETTINGS_MAX_FRAME_SIZE is outside 16384..16777215."),
        _ => Http2Error.None,
    };

    /// <summary>Checks every parameter with the rules of <see cref="Validate(Http2SettingId, uint)"/>, for example before sending these settings.</summary>
    public Http2Error Validate()
    {
        if (InitialWindowSize < 0)
        {
            return Http2Error.Connection(Http2ErrorCode.FlowControlError, "SETTINGS_INITIAL_WINDOW_SIZE is negative.");
        }

        return Validate(Http2SettingId.MaxFrameSize, (uint)MaxFrameSize);
    }

    /// <summary>
    /// Applies the parameters of a SETTINGS payload, in order, on top of <paramref name="current"/>. Unknown
    /// identifiers are ignored. On an error <paramref name="updated"/> equals <paramref name="current"/>, because
    /// the connection fails and no value of the frame takes effect. The frame header is checked by
    /// <see cref="FrameValidator.ValidateSettings"/>. Adjusting the windows of open streams to a new
    /// INITIAL_WINDOW_SIZE is the caller's job.
    /// </summary>
    public static Http2Error Apply(in ReadOnlySequence<byte> payload, in Http2Settings current, out Http2Settings updated)
    {
        updated = current;
        if (payload.Length % EntryLength != 0)
        {
            return Http2Error.Connection(Http2ErrorCode.FrameSizeError, "SETTINGS frame length is not a multiple of 6.");
        }

        Http2Settings result = current;
        var reader = new SequenceReader<byte>(payload);
        Span<byte> entry = stackalloc byte[EntryLength];
        while (reader.TryCopyTo(entry))
        {
            reader.Advance(EntryLength);
            var id = (Http2SettingId)BinaryPrimitives.ReadUInt16BigEndian(entry);
            uint value = BinaryPrimitives.ReadUInt32BigEndian(entry[2..]);

            Http2Error error = Validate(id, value);
            if (!error.IsNone)
            {
                return error;
            }

            result = id switch
            {
                Http2SettingId.HeaderTableSize => result with { HeaderTableSize = value },
                Http2SettingId.EnablePush => result with { EnablePush = value == 1 },
                Http2SettingId.MaxConcurrentStreams => result with { MaxConcurrentStreams = value },
                Http2SettingId.InitialWindowSize => result with { InitialWindowSize = (int)value },
                Http2SettingId.MaxFrameSize => result with { MaxFrameSize = (int)value },
                Http2SettingId.MaxHeaderListSize => result with { MaxHeaderListSize = value },
                _ => result,
            };
        }

        updated = result;
        return Http2Error.None;
    }
}
