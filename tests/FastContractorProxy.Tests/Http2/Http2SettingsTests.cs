using System.Buffers;
using FastContractorProxy.Http2;
using static FastContractorProxy.Tests.Http2.Http2TestData;

namespace FastContractorProxy.Tests.Http2;

public class Http2SettingsTests
{
    [Fact]
    public void Default_MatchesRfc()
    {
        Http2Settings settings = Http2Settings.Default;

        Assert.Equal(4096u, settings.HeaderTableSize);
        Assert.True(settings.EnablePush);
        Assert.Equal(uint.MaxValue, settings.MaxConcurrentStreams);
        Assert.Equal(65_535, settings.InitialWindowSize);
        Assert.Equal(16_384, settings.MaxFrameSize);
        Assert.Equal(uint.MaxValue, settings.MaxHeaderListSize);
    }

    [Fact]
    public void Apply_AllKnown_Updated()
    {
        ReadOnlySequence<byte> payload = Sequence(Hex(
            "0001 00000100" + "0002 00000000" + "0003 00000064" + "0004 00010000" + "0005 00008000" + "0006 00002000"));

        Http2Error error = Http2Settings.Apply(payload, Http2Settings.Default, out Http2Settings updated);

        Assert.True(error.IsNone);
        Assert.Equal(new Http2Settings(256, false, 100, 65_536, 32_768, 8192), updated);
    }

    [Fact]
    public void Apply_UnknownId_Ignored()
    {
        ReadOnlySequence<byte> payload = Sequence(Hex("0008 00000001" + "00ff ffffffff" + "0003 0000000a"));

        Http2Error error = Http2Settings.Apply(payload, Http2Settings.Default, out Http2Settings updated);

        Assert.True(error.IsNone);
        Assert.Equal(Http2Settings.Default with { MaxConcurrentStreams = 10 }, updated);
    }

    [Fact]
    public void Apply_RepeatedId_LastWins()
    {
        ReadOnlySequence<byte> payload = Sequence(Hex("0003 00000001" + "0003 00000002"));

        Http2Settings.Apply(payload, Http2Settings.Default, out Http2Settings updated);

        Assert.Equal(2u, updated.MaxConcurrentStreams);
    }

    [Fact]
    public void Apply_OneByteSegments_Updated()
    {
        Http2Error error = Http2Settings.Apply(ByteBySegment(Hex("0004 7fffffff")), Http2Settings.Default, out Http2Settings updated);

        Assert.True(error.IsNone);
        Assert.Equal(int.MaxValue, updated.InitialWindowSize);
    }

    [Fact]
    public void Apply_Empty_Unchanged()
    {
        Http2Error error = Http2Settings.Apply(ReadOnlySequence<byte>.Empty, Http2Settings.Default, out Http2Settings updated);

        Assert.True(error.IsNone);
        Assert.Equal(Http2Settings.Default, updated);
    }

    [Theory]
    [InlineData("0002 00000002", nameof(Http2ErrorCode.ProtocolError))]
    [InlineData("0004 80000000", nameof(Http2ErrorCode.FlowControlError))]
    [InlineData("0004 ffffffff", nameof(Http2ErrorCode.FlowControlError))]
    [InlineData("0005 00003fff", nameof(Http2ErrorCode.ProtocolError))]
    [InlineData("0005 01000000", nameof(Http2ErrorCode.ProtocolError))]
    [InlineData("0003 00000001 00", nameof(Http2ErrorCode.FrameSizeError))]
    public void Apply_InvalidValue_ConnectionErrorAndUnchanged(string payloadHex, string code)
    {
        // A valid parameter first: it must not take effect either.
        ReadOnlySequence<byte> payload = Sequence(Hex("0001 00000000" + payloadHex));

        Http2Error error = Http2Settings.Apply(payload, Http2Settings.Default, out Http2Settings updated);

        Assert.True(error.IsConnectionError);
        Assert.Equal(code, error.Code.ToString());
        Assert.Equal(Http2Settings.Default, updated);
    }

    [Theory]
    [InlineData((ushort)Http2SettingId.EnablePush, 0u)]
    [InlineData((ushort)Http2SettingId.EnablePush, 1u)]
    [InlineData((ushort)Http2SettingId.InitialWindowSize, 0u)]
    [InlineData((ushort)Http2SettingId.InitialWindowSize, 0x7FFF_FFFFu)]
    [InlineData((ushort)Http2SettingId.MaxFrameSize, 16_384u)]
    [InlineData((ushort)Http2SettingId.MaxFrameSize, 16_777_215u)]
    [InlineData((ushort)Http2SettingId.HeaderTableSize, uint.MaxValue)]
    [InlineData((ushort)Http2SettingId.MaxConcurrentStreams, 0u)]
    [InlineData((ushort)Http2SettingId.MaxHeaderListSize, 0u)]
    [InlineData((ushort)0x99, uint.MaxValue)]
    public void Validate_BoundaryValues_Accepted(ushort id, uint value)
    {
        Assert.True(Http2Settings.Validate((Http2SettingId)id, value).IsNone);
    }

    [Fact]
    public void Validate_OwnSettings_ChecksFrameSizeAndWindow()
    {
        Assert.True(Http2Settings.Default.Validate().IsNone);
        Assert.Equal(Http2ErrorCode.ProtocolError, (Http2Settings.Default with { MaxFrameSize = 1 << 24 }).Validate().Code);
        Assert.Equal(Http2ErrorCode.FlowControlError, (Http2Settings.Default with { InitialWindowSize = -1 }).Validate().Code);
    }
}
