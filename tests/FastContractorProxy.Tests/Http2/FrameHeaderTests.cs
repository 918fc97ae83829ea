using System.Buffers;
using FastContractorProxy.Http2;
using static FastContractorProxy.Tests.Http2.Http2TestData;

namespace FastContractorProxy.Tests.Http2;

public class FrameHeaderTests
{
    [Theory]
    [InlineData(0, (byte)FrameType.Settings, FrameFlags.Ack, 0, "000000040100000000")]
    [InlineData(8, (byte)FrameType.Ping, FrameFlags.None, 0, "000008060000000000")]
    [InlineData(16_384, (byte)FrameType.Data, FrameFlags.EndStream, 1, "004000000100000001")]
    [InlineData(FrameHeader.MaxLength, (byte)FrameType.Headers, FrameFlags.EndHeaders | FrameFlags.Padded | FrameFlags.Priority, FrameHeader.MaxStreamId, "ffffff012c7fffffff")]
    [InlineData(4, (byte)FrameType.WindowUpdate, FrameFlags.None, 0x01020304, "000004080001020304")]
    public void Header_WriteThenRead_RoundTrips(int length, byte type, byte flags, int streamId, string expectedHex)
    {
        var header = new FrameHeader(length, (FrameType)type, flags, streamId);
        byte[] bytes = new byte[FrameHeader.Size];

        header.Write(bytes);
        FrameHeader parsed = FrameHeader.Read(bytes);

        Assert.Equal(expectedHex, Convert.ToHexStringLower(bytes));
        Assert.Equal(header, parsed);
        Assert.Equal(length, parsed.Length);
        Assert.Equal((FrameType)type, parsed.Type);
        Assert.Equal(flags, parsed.Flags);
        Assert.Equal(streamId, parsed.StreamId);
    }

    [Fact]
    public void Read_ReservedBitSet_Masked()
    {
        FrameHeader header = FrameHeader.Read(Hex("000000 00 01 80000003"));

        Assert.Equal(3, header.StreamId);
        Assert.True(header.HasFlag(FrameFlags.EndStream));
    }

    [Fact]
    public void Read_UnknownType_Kept()
    {
        FrameHeader header = FrameHeader.Read(Hex("000000 fa 00 00000000"));

        Assert.Equal((FrameType)0xFA, header.Type);
    }

    [Fact]
    public void Read_ShortInput_Throws()
    {
        Assert.Throws<ArgumentException>(() => FrameHeader.Read(new byte[8]));
    }

    [Theory]
    [InlineData(-1, 0)]
    [InlineData(FrameHeader.MaxLength + 1, 0)]
    [InlineData(0, -1)]
    public void Constructor_OutOfRange_Throws(int length, int streamId)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new FrameHeader(length, FrameType.Data, 0, streamId));
    }
}

public class FrameReaderTests
{
    private static readonly byte[] s_pingFrame = Hex("000008 06 00 00000000 0102030405060708");

    [Fact]
    public void Frame_Complete_Done()
    {
        ReadOnlySequence<byte> input = Sequence([.. s_pingFrame, .. Hex("0000")]);

        FrameReadStatus status = FrameReader.TryReadFrame(ref input, 16_384, out FrameHeader header, out ReadOnlySequence<byte> payload);

        Assert.Equal(FrameReadStatus.Done, status);
        Assert.Equal(FrameType.Ping, header.Type);
        Assert.Equal("0102030405060708", Convert.ToHexStringLower(payload.ToArray()));
        Assert.Equal(2, input.Length);
    }

    [Fact]
    public void Frame_OneByteSegments_Done()
    {
        ReadOnlySequence<byte> input = ByteBySegment(s_pingFrame);

        FrameReadStatus status = FrameReader.TryReadFrame(ref input, 16_384, out FrameHeader header, out ReadOnlySequence<byte> payload);

        Assert.Equal(FrameReadStatus.Done, status);
        Assert.Equal(8, header.Length);
        Assert.Equal("0102030405060708", Convert.ToHexStringLower(payload.ToArray()));
        Assert.Equal(0, input.Length);
    }

    [Fact]
    public void Frame_EveryPrefix_NeedMoreData()
    {
        for (int length = 0; length < s_pingFrame.Length; length++)
        {
            ReadOnlySequence<byte> input = Sequence(s_pingFrame[..length]);

            FrameReadStatus status = FrameReader.TryReadFrame(ref input, 16_384, out _, out _);

            Assert.Equal($"{length}: {FrameReadStatus.NeedMoreData}", $"{length}: {status}");
            Assert.Equal(length, input.Length);
        }
    }

    [Fact]
    public void Frame_OverMaxFrameSize_Invalid()
    {
        ReadOnlySequence<byte> input = Sequence(Hex("004001 00 00 00000001"));

        FrameReadStatus status = FrameReader.TryReadFrame(ref input, 16_384, out FrameHeader header, out _);

        Assert.Equal(FrameReadStatus.Invalid, status);
        Assert.Equal(16_385, header.Length);
    }

    [Fact]
    public void Frame_AtMaxFrameSize_Done()
    {
        byte[] frame = [.. Hex("004000 00 00 00000001"), .. new byte[16_384]];
        ReadOnlySequence<byte> input = Sequence(frame);

        FrameReadStatus status = FrameReader.TryReadFrame(ref input, 16_384, out _, out ReadOnlySequence<byte> payload);

        Assert.Equal(FrameReadStatus.Done, status);
        Assert.Equal(16_384, payload.Length);
    }

    [Fact]
    public void Preface_Complete_Done()
    {
        ReadOnlySequence<byte> input = Sequence([.. "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray(), .. s_pingFrame]);

        FrameReadStatus status = FrameReader.TryReadClientPreface(ref input);

        Assert.Equal(FrameReadStatus.Done, status);
        Assert.Equal(s_pingFrame.Length, input.Length);
    }

    [Fact]
    public void Preface_Partial_NeedMoreData()
    {
        ReadOnlySequence<byte> input = ByteBySegment("PRI * HTTP/2.0\r\n"u8.ToArray());

        FrameReadStatus status = FrameReader.TryReadClientPreface(ref input);

        Assert.Equal(FrameReadStatus.NeedMoreData, status);
        Assert.Equal(16, input.Length);
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\n")]
    [InlineData("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\r")]
    [InlineData("X")]
    public void Preface_Different_Invalid(string received)
    {
        ReadOnlySequence<byte> input = Sequence(Bytes(received));

        FrameReadStatus status = FrameReader.TryReadClientPreface(ref input);

        Assert.Equal(FrameReadStatus.Invalid, status);
    }
}
