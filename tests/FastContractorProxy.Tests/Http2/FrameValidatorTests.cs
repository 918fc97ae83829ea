using System.Buffers;
using FastContractorProxy.Http2;
using static FastContractorProxy.Tests.Http2.Http2TestData;

namespace FastContractorProxy.Tests.Http2;

public class FrameValidatorTests
{
    [Fact]
    public void Data_NotPadded_WholePayload()
    {
        Http2Error error = FrameValidator.ValidateData(Header(5, FrameType.Data, 0, 1), Payload("68656c6c6f"), out ReadOnlySequence<byte> data);

        Assert.True(error.IsNone);
        Assert.Equal("hello", Text(data.ToArray()));
    }

    [Fact]
    public void Data_Padded_PaddingRemoved()
    {
        // Pad Length 2, "hi", two padding bytes.
        Http2Error error = FrameValidator.ValidateData(Header(5, FrameType.Data, FrameFlags.Padded, 1), Payload("02 6869 0000"), out ReadOnlySequence<byte> data);

        Assert.True(error.IsNone);
        Assert.Equal("hi", Text(data.ToArray()));
    }

    [Fact]
    public void Data_PaddedOneByteSegments_PaddingRemoved()
    {
        FrameHeader header = Header(5, FrameType.Data, FrameFlags.Padded, 1);

        Http2Error error = FrameValidator.ValidateData(header, ByteBySegment(Hex("02 6869 0000")), out ReadOnlySequence<byte> data);

        Assert.True(error.IsNone);
        Assert.Equal("hi", Text(data.ToArray()));
    }

    [Fact]
    public void Data_PaddingFillsRest_EmptyData()
    {
        Http2Error error = FrameValidator.ValidateData(Header(3, FrameType.Data, FrameFlags.Padded, 1), Payload("02 0000"), out ReadOnlySequence<byte> data);

        Assert.True(error.IsNone);
        Assert.Equal(0, data.Length);
    }

    [Theory]
    // Stream 0.
    [InlineData(0, FrameFlags.None, "00", nameof(Http2ErrorScope.Connection), nameof(Http2ErrorCode.ProtocolError))]
    // Pad Length 3 with only 2 bytes after it: padding as long as the payload.
    [InlineData(1, FrameFlags.Padded, "03 0000", nameof(Http2ErrorScope.Connection), nameof(Http2ErrorCode.ProtocolError))]
    // PADDED without room for the Pad Length byte.
    [InlineData(1, FrameFlags.Padded, "", nameof(Http2ErrorScope.Connection), nameof(Http2ErrorCode.FrameSizeError))]
    public void Data_Invalid_Rejected(int streamId, byte flags, string payloadHex, string scope, string code)
    {
        byte[] payload = Hex(payloadHex);

        Http2Error error = FrameValidator.ValidateData(Header(payload.Length, FrameType.Data, flags, streamId), Sequence(payload), out _);

        AssertError(scope, code, error);
    }

    [Fact]
    public void Headers_PaddedWithPriority_FragmentExtracted()
    {
        // Pad Length 1, exclusive dependency on stream 0 with weight 16, fragment 0x82, one padding byte.
        FrameHeader header = Header(8, FrameType.Headers, FrameFlags.Padded | FrameFlags.Priority | FrameFlags.EndHeaders, 3);

        Http2Error error = FrameValidator.ValidateHeaders(header, Payload("01 80000000 10 82 00"), out ReadOnlySequence<byte> fragment);

        Assert.True(error.IsNone);
        Assert.Equal("82", Convert.ToHexStringLower(fragment.ToArray()));
    }

    [Fact]
    public void Headers_Plain_WholePayload()
    {
        Http2Error error = FrameValidator.ValidateHeaders(Header(2, FrameType.Headers, FrameFlags.EndHeaders, 1), Payload("8286"), out ReadOnlySequence<byte> fragment);

        Assert.True(error.IsNone);
        Assert.Equal("8286", Convert.ToHexStringLower(fragment.ToArray()));
    }

    [Theory]
    [InlineData(0, FrameFlags.None, "82", nameof(Http2ErrorScope.Connection), nameof(Http2ErrorCode.ProtocolError))]
    // Even stream identifiers are for server-initiated streams.
    [InlineData(2, FrameFlags.None, "82", nameof(Http2ErrorScope.Connection), nameof(Http2ErrorCode.ProtocolError))]
    // Padding longer than the space left after the priority fields.
    [InlineData(1, FrameFlags.Padded | FrameFlags.Priority, "02 00000000 10 82", nameof(Http2ErrorScope.Connection), nameof(Http2ErrorCode.ProtocolError))]
    // Padding longer than the fragment.
    [InlineData(1, FrameFlags.Padded, "05 8286", nameof(Http2ErrorScope.Connection), nameof(Http2ErrorCode.ProtocolError))]
    // PRIORITY flag without 5 bytes of priority fields.
    [InlineData(1, FrameFlags.Priority, "00000000", nameof(Http2ErrorScope.Connection), nameof(Http2ErrorCode.FrameSizeError))]
    [InlineData(1, FrameFlags.Padded | FrameFlags.Priority, "00 00000000", nameof(Http2ErrorScope.Connection), nameof(Http2ErrorCode.FrameSizeError))]
    // The stream depends on itself.
    [InlineData(5, FrameFlags.Priority, "00000005 10 82", nameof(Http2ErrorScope.Stream), nameof(Http2ErrorCode.ProtocolError))]
    public void Headers_Invalid_Rejected(int streamId, byte flags, string payloadHex, string scope, string code)
    {
        byte[] payload = Hex(payloadHex);

        Http2Error error = FrameValidator.ValidateHeaders(Header(payload.Length, FrameType.Headers, flags, streamId), Sequence(payload), out _);

        AssertError(scope, code, error);
    }

    [Theory]
    [InlineData(1, "0000000310", nameof(Http2ErrorScope.None), nameof(Http2ErrorCode.NoError))]
    [InlineData(0, "0000000310", nameof(Http2ErrorScope.Connection), nameof(Http2ErrorCode.ProtocolError))]
    [InlineData(1, "00000003", nameof(Http2ErrorScope.Stream), nameof(Http2ErrorCode.FrameSizeError))]
    [InlineData(1, "000000031000", nameof(Http2ErrorScope.Stream), nameof(Http2ErrorCode.FrameSizeError))]
    [InlineData(3, "8000000310", nameof(Http2ErrorScope.Stream), nameof(Http2ErrorCode.ProtocolError))]
    public void Priority_Checked(int streamId, string payloadHex, string scope, string code)
    {
        byte[] payload = Hex(payloadHex);

        Http2Error error = FrameValidator.ValidatePriority(Header(payload.Length, FrameType.Priority, 0, streamId), Sequence(payload));

        AssertError(scope, code, error);
    }

    [Fact]
    public void RstStream_Valid_ErrorCodeRead()
    {
        Http2Error error = FrameValidator.ValidateRstStream(Header(4, FrameType.RstStream, 0, 1), Payload("00000008"), out Http2ErrorCode code);

        Assert.True(error.IsNone);
        Assert.Equal(Http2ErrorCode.Cancel, code);
    }

    [Theory]
    [InlineData(0, "00000008", nameof(Http2ErrorCode.ProtocolError))]
    [InlineData(1, "000008", nameof(Http2ErrorCode.FrameSizeError))]
    [InlineData(1, "0000000800", nameof(Http2ErrorCode.FrameSizeError))]
    public void RstStream_Invalid_ConnectionError(int streamId, string payloadHex, string code)
    {
        byte[] payload = Hex(payloadHex);

        Http2Error error = FrameValidator.ValidateRstStream(Header(payload.Length, FrameType.RstStream, 0, streamId), Sequence(payload), out _);

        AssertError(nameof(Http2ErrorScope.Connection), code, error);
    }

    [Theory]
    [InlineData(0, 0, FrameFlags.None, nameof(Http2ErrorScope.None), nameof(Http2ErrorCode.NoError))]
    [InlineData(12, 0, FrameFlags.None, nameof(Http2ErrorScope.None), nameof(Http2ErrorCode.NoError))]
    [InlineData(0, 0, FrameFlags.Ack, nameof(Http2ErrorScope.None), nameof(Http2ErrorCode.NoError))]
    [InlineData(6, 0, FrameFlags.Ack, nameof(Http2ErrorScope.Connection), nameof(Http2ErrorCode.FrameSizeError))]
    [InlineData(7, 0, FrameFlags.None, nameof(Http2ErrorScope.Connection), nameof(Http2ErrorCode.FrameSizeError))]
    [InlineData(6, 1, FrameFlags.None, nameof(Http2ErrorScope.Connection), nameof(Http2ErrorCode.ProtocolError))]
    public void Settings_Checked(int length, int streamId, byte flags, string scope, string code)
    {
        Http2Error error = FrameValidator.ValidateSettings(Header(length, FrameType.Settings, flags, streamId));

        AssertError(scope, code, error);
    }

    [Fact]
    public void PushPromise_FromClient_ConnectionError()
    {
        Http2Error error = FrameValidator.ValidatePushPromise();

        AssertError(nameof(Http2ErrorScope.Connection), nameof(Http2ErrorCode.ProtocolError), error);
    }

    [Theory]
    [InlineData(8, 0, nameof(Http2ErrorScope.None), nameof(Http2ErrorCode.NoError))]
    [InlineData(8, 1, nameof(Http2ErrorScope.Connection), nameof(Http2ErrorCode.ProtocolError))]
    [InlineData(7, 0, nameof(Http2ErrorScope.Connection), nameof(Http2ErrorCode.FrameSizeError))]
    [InlineData(9, 0, nameof(Http2ErrorScope.Connection), nameof(Http2ErrorCode.FrameSizeError))]
    public void Ping_Checked(int length, int streamId, string scope, string code)
    {
        Http2Error error = FrameValidator.ValidatePing(Header(length, FrameType.Ping, 0, streamId));

        AssertError(scope, code, error);
    }

    [Fact]
    public void GoAway_Valid_FieldsRead()
    {
        Http2Error error = FrameValidator.ValidateGoAway(
            Header(10, FrameType.GoAway, 0, 0),
            Payload("80000007 0000000b 6869"),
            out int lastStreamId,
            out Http2ErrorCode code,
            out ReadOnlySequence<byte> debugData);

        Assert.True(error.IsNone);
        Assert.Equal(7, lastStreamId);
        Assert.Equal(Http2ErrorCode.EnhanceYourCalm, code);
        Assert.Equal("hi", Text(debugData.ToArray()));
    }

    [Theory]
    [InlineData(1, "00000000 00000000", nameof(Http2ErrorCode.ProtocolError))]
    [InlineData(0, "00000000 000000", nameof(Http2ErrorCode.FrameSizeError))]
    public void GoAway_Invalid_ConnectionError(int streamId, string payloadHex, string code)
    {
        byte[] payload = Hex(payloadHex);

        Http2Error error = FrameValidator.ValidateGoAway(Header(payload.Length, FrameType.GoAway, 0, streamId), Sequence(payload), out _, out _, out _);

        AssertError(nameof(Http2ErrorScope.Connection), code, error);
    }

    [Theory]
    [InlineData(0, "00000001", nameof(Http2ErrorScope.None), nameof(Http2ErrorCode.NoError), 1)]
    [InlineData(3, "7fffffff", nameof(Http2ErrorScope.None), nameof(Http2ErrorCode.NoError), int.MaxValue)]
    // The reserved bit is ignored.
    [InlineData(3, "80000010", nameof(Http2ErrorScope.None), nameof(Http2ErrorCode.NoError), 16)]
    [InlineData(3, "00000000", nameof(Http2ErrorScope.Stream), nameof(Http2ErrorCode.ProtocolError), 0)]
    [InlineData(3, "80000000", nameof(Http2ErrorScope.Stream), nameof(Http2ErrorCode.ProtocolError), 0)]
    [InlineData(0, "00000000", nameof(Http2ErrorScope.Connection), nameof(Http2ErrorCode.ProtocolError), 0)]
    [InlineData(3, "000001", nameof(Http2ErrorScope.Connection), nameof(Http2ErrorCode.FrameSizeError), 0)]
    [InlineData(0, "0000000100", nameof(Http2ErrorScope.Connection), nameof(Http2ErrorCode.FrameSizeError), 0)]
    public void WindowUpdate_Checked(int streamId, string payloadHex, string scope, string code, int expectedIncrement)
    {
        byte[] payload = Hex(payloadHex);

        Http2Error error = FrameValidator.ValidateWindowUpdate(Header(payload.Length, FrameType.WindowUpdate, 0, streamId), Sequence(payload), out int increment);

        AssertError(scope, code, error);
        Assert.Equal(expectedIncrement, increment);
    }

    [Theory]
    // Continues the open block.
    [InlineData(1, 1, nameof(Http2ErrorScope.None))]
    // No block is open.
    [InlineData(1, 0, nameof(Http2ErrorScope.Connection))]
    // Another stream's block is open.
    [InlineData(3, 1, nameof(Http2ErrorScope.Connection))]
    [InlineData(0, 1, nameof(Http2ErrorScope.Connection))]
    public void Continuation_Checked(int streamId, int openStreamId, string scope)
    {
        Http2Error error = FrameValidator.ValidateContinuation(Header(1, FrameType.Continuation, FrameFlags.EndHeaders, streamId), openStreamId);

        AssertError(scope, scope == nameof(Http2ErrorScope.None) ? nameof(Http2ErrorCode.NoError) : nameof(Http2ErrorCode.ProtocolError), error);
    }

    [Theory]
    [InlineData((byte)FrameType.Data, 1, 0, nameof(Http2ErrorScope.None))]
    [InlineData((byte)FrameType.Ping, 0, 0, nameof(Http2ErrorScope.None))]
    // Any frame but CONTINUATION inside an open field block, even on the connection.
    [InlineData((byte)FrameType.Ping, 0, 1, nameof(Http2ErrorScope.Connection))]
    [InlineData((byte)FrameType.Data, 1, 1, nameof(Http2ErrorScope.Connection))]
    [InlineData((byte)FrameType.Headers, 3, 1, nameof(Http2ErrorScope.Connection))]
    [InlineData((byte)0xFA, 0, 1, nameof(Http2ErrorScope.Connection))]
    [InlineData((byte)FrameType.Continuation, 1, 1, nameof(Http2ErrorScope.None))]
    [InlineData((byte)FrameType.Continuation, 1, 0, nameof(Http2ErrorScope.Connection))]
    public void Sequence_Checked(byte type, int streamId, int openStreamId, string scope)
    {
        Http2Error error = FrameValidator.ValidateSequence(Header(0, (FrameType)type, 0, streamId), openStreamId);

        AssertError(scope, scope == nameof(Http2ErrorScope.None) ? nameof(Http2ErrorCode.NoError) : nameof(Http2ErrorCode.ProtocolError), error);
    }

    [Fact]
    public void Error_ToException_MatchesScope()
    {
        Exception connection = Http2Error.Connection(Http2ErrorCode.FrameSizeError, "too long").ToException(streamId: 5);
        Exception stream = Http2Error.Stream(Http2ErrorCode.RefusedStream, "refused").ToException(streamId: 5);

        Http2ConnectionException connectionException = Assert.IsType<Http2ConnectionException>(connection);
        Assert.Equal(Http2ErrorCode.FrameSizeError, connectionException.ErrorCode);
        Assert.Equal("too long", connectionException.Message);
        Http2StreamException streamException = Assert.IsType<Http2StreamException>(stream);
        Assert.Equal(5, streamException.StreamId);
        Assert.Equal(Http2ErrorCode.RefusedStream, streamException.ErrorCode);
    }

    private static FrameHeader Header(int length, FrameType type, byte flags, int streamId) => new(length, type, flags, streamId);

    private static ReadOnlySequence<byte> Payload(string hex) => Sequence(Hex(hex));

    // Scope and code are enum member names, because public test methods cannot take the internal enum types.
    private static void AssertError(string scope, string code, Http2Error error)
    {
        Assert.Equal(scope, error.Scope.ToString());
        Assert.Equal(code, error.Code.ToString());
        Assert.Equal(error.IsNone, string.IsNullOrEmpty(error.Message));
    }
}
