using System.Buffers;
using FastContractorProxy.Http2;
using static FastContractorProxy.Tests.Http2.Http2TestData;

namespace FastContractorProxy.Tests.Http2;

public class FrameWriterTests
{
    [Fact]
    public void SettingsAck_Bytes()
    {
        var output = new ArrayBufferWriter<byte>();

        FrameWriter.WriteSettingsAck(output);

        Assert.Equal("000000040100000000", Convert.ToHexStringLower(output.WrittenSpan));
    }

    [Fact]
    public void Settings_Defaults_EmptyPayload()
    {
        var output = new ArrayBufferWriter<byte>();

        FrameWriter.WriteSettings(output, Http2Settings.Default);

        Assert.Equal("000000040000000000", Convert.ToHexStringLower(output.WrittenSpan));
    }

    [Fact]
    public void Settings_NonDefaults_WrittenAndReadBack()
    {
        Http2Settings ours = Http2Settings.Default with
        {
            EnablePush = false,
            MaxConcurrentStreams = 100,
            InitialWindowSize = 1 << 20,
            MaxFrameSize = 32_768,
            MaxHeaderListSize = 16_384,
        };
        var output = new ArrayBufferWriter<byte>();

        FrameWriter.WriteSettings(output, ours);

        ReadOnlySequence<byte> input = new(output.WrittenMemory);
        Assert.Equal(FrameReadStatus.Done, FrameReader.TryReadFrame(ref input, 16_384, out FrameHeader header, out ReadOnlySequence<byte> payload));
        Assert.True(FrameValidator.ValidateSettings(header).IsNone);
        Assert.Equal(5 * Http2Settings.EntryLength, header.Length);
        Assert.True(Http2Settings.Apply(payload, Http2Settings.Default, out Http2Settings read).IsNone);
        Assert.Equal(ours, read);
    }

    [Fact]
    public void Settings_Invalid_Throws()
    {
        Http2Settings invalid = Http2Settings.Default with { MaxFrameSize = 100 };

        Assert.Throws<ArgumentException>(() => FrameWriter.WriteSettings(new ArrayBufferWriter<byte>(), invalid));
    }

    [Fact]
    public void PingAck_EchoesData()
    {
        var output = new ArrayBufferWriter<byte>();

        FrameWriter.WritePingAck(output, Hex("0102030405060708"));

        Assert.Equal("000008060100000000" + "0102030405060708", Convert.ToHexStringLower(output.WrittenSpan));
    }

    [Fact]
    public void Ping_WrongLength_Throws()
    {
        Assert.Throws<ArgumentException>(() => FrameWriter.WritePingAck(new ArrayBufferWriter<byte>(), new byte[7]));
    }

    [Fact]
    public void GoAway_Bytes()
    {
        var output = new ArrayBufferWriter<byte>();

        FrameWriter.WriteGoAway(output, lastStreamId: 7, Http2ErrorCode.ProtocolError, "bad"u8);

        Assert.Equal("00000b070000000000" + "00000007" + "00000001" + "626164", Convert.ToHexStringLower(output.WrittenSpan));
    }

    [Fact]
    public void RstStream_Bytes()
    {
        var output = new ArrayBufferWriter<byte>();

        FrameWriter.WriteRstStream(output, streamId: 3, Http2ErrorCode.Cancel);

        Assert.Equal("000004030000000003" + "00000008", Convert.ToHexStringLower(output.WrittenSpan));
    }

    [Fact]
    public void WindowUpdate_Bytes()
    {
        var output = new ArrayBufferWriter<byte>();

        FrameWriter.WriteWindowUpdate(output, streamId: 0, increment: 65_536);

        Assert.Equal("000004080000000000" + "00010000", Convert.ToHexStringLower(output.WrittenSpan));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void WindowUpdate_NonPositiveIncrement_Throws(int increment)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => FrameWriter.WriteWindowUpdate(new ArrayBufferWriter<byte>(), 1, increment));
    }

    [Fact]
    public void Headers_FitsOneFrame_EndHeaders()
    {
        var output = new ArrayBufferWriter<byte>();

        FrameWriter.WriteHeaders(output, streamId: 1, Hex("8286"), endStream: true, maxFrameSize: 16_384);

        Assert.Equal("000002010500000001" + "8286", Convert.ToHexStringLower(output.WrittenSpan));
    }

    [Fact]
    public void Headers_OverMaxFrameSize_SplitIntoContinuation()
    {
        byte[] block = Enumerable.Range(0, 40_000).Select(i => (byte)i).ToArray();
        var output = new ArrayBufferWriter<byte>();

        FrameWriter.WriteHeaders(output, streamId: 5, block, endStream: true, maxFrameSize: 16_384);

        List<(FrameHeader Header, byte[] Payload)> frames = ReadFrames(output.WrittenMemory, 16_384);
        Assert.Equal(3, frames.Count);
        Assert.Equal(new FrameHeader(16_384, FrameType.Headers, FrameFlags.EndStream, 5), frames[0].Header);
        Assert.Equal(new FrameHeader(16_384, FrameType.Continuation, FrameFlags.None, 5), frames[1].Header);
        Assert.Equal(new FrameHeader(40_000 - 32_768, FrameType.Continuation, FrameFlags.EndHeaders, 5), frames[2].Header);
        Assert.Equal(block, frames.SelectMany(frame => frame.Payload).ToArray());
    }

    [Fact]
    public void Headers_ExactlyMaxFrameSize_OneFrame()
    {
        var output = new ArrayBufferWriter<byte>();

        FrameWriter.WriteHeaders(output, streamId: 1, new byte[16_384], endStream: false, maxFrameSize: 16_384);

        List<(FrameHeader Header, byte[] Payload)> frames = ReadFrames(output.WrittenMemory, 16_384);
        Assert.Single(frames);
        Assert.Equal(FrameFlags.EndHeaders, frames[0].Header.Flags);
    }

    [Fact]
    public void Data_OverMaxFrameSize_Split()
    {
        byte[] data = new byte[20_000];
        var output = new ArrayBufferWriter<byte>();

        FrameWriter.WriteData(output, streamId: 1, data, endStream: true, maxFrameSize: 16_384);

        List<(FrameHeader Header, byte[] Payload)> frames = ReadFrames(output.WrittenMemory, 16_384);
        Assert.Equal(2, frames.Count);
        Assert.Equal(new FrameHeader(16_384, FrameType.Data, FrameFlags.None, 1), frames[0].Header);
        Assert.Equal(new FrameHeader(3_616, FrameType.Data, FrameFlags.EndStream, 1), frames[1].Header);
    }

    [Fact]
    public void Data_EmptyWithEndStream_OneEmptyFrame()
    {
        var output = new ArrayBufferWriter<byte>();

        FrameWriter.WriteData(output, streamId: 3, [], endStream: true, maxFrameSize: 16_384);

        Assert.Equal("000000000100000003", Convert.ToHexStringLower(output.WrittenSpan));
    }

    [Fact]
    public void Data_EmptyWithoutEndStream_Nothing()
    {
        var output = new ArrayBufferWriter<byte>();

        FrameWriter.WriteData(output, streamId: 3, [], endStream: false, maxFrameSize: 16_384);

        Assert.Equal(0, output.WrittenCount);
    }

    [Theory]
    [InlineData(16_383)]
    [InlineData(16_777_216)]
    public void Headers_InvalidMaxFrameSize_Throws(int maxFrameSize)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => FrameWriter.WriteHeaders(new ArrayBufferWriter<byte>(), 1, [0x82], false, maxFrameSize));
    }

    private static List<(FrameHeader Header, byte[] Payload)> ReadFrames(ReadOnlyMemory<byte> bytes, int maxFrameSize)
    {
        var frames = new List<(FrameHeader, byte[])>();
        var input = new ReadOnlySequence<byte>(bytes);
        while (FrameReader.TryReadFrame(ref input, maxFrameSize, out FrameHeader header, out ReadOnlySequence<byte> payload) == FrameReadStatus.Done)
        {
            frames.Add((header, payload.ToArray()));
        }

        Assert.Equal(0, input.Length);
        return frames;
    }
}
