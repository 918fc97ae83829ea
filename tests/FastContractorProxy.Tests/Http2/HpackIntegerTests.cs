using FastContractorProxy.Http2;
using static FastContractorProxy.Tests.Http2.Http2TestData;

namespace FastContractorProxy.Tests.Http2;

public class HpackIntegerTests
{
    // RFC 7541 Appendix C.1: 10 and 1337 with a 5-bit prefix, 42 with an 8-bit prefix.
    [Theory]
    [InlineData(10, 5, "0a")]
    [InlineData(1337, 5, "1f9a0a")]
    [InlineData(42, 8, "2a")]
    public void Encode_RfcExamples_Match(int value, int prefixBits, string expectedHex)
    {
        Span<byte> buffer = stackalloc byte[HpackInteger.MaxEncodedLength];

        int written = HpackInteger.Encode(value, prefixBits, 0, buffer);

        Assert.Equal(expectedHex, Convert.ToHexStringLower(buffer[..written]));
    }

    [Theory]
    [InlineData("0a", 5, 10)]
    [InlineData("1f9a0a", 5, 1337)]
    [InlineData("2a", 8, 42)]
    [InlineData("ea", 5, 10)]
    public void Decode_RfcExamples_Match(string hex, int prefixBits, int expected)
    {
        byte[] bytes = Hex(hex);
        int position = 0;

        HpackDecodeResult result = HpackInteger.Decode(bytes, ref position, prefixBits, out int value);

        Assert.Equal(HpackDecodeResult.Success, result);
        Assert.Equal(expected, value);
        Assert.Equal(bytes.Length, position);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(30, 5)]
    [InlineData(31, 5)]
    [InlineData(32, 5)]
    [InlineData(127, 7)]
    [InlineData(128, 7)]
    [InlineData(254, 8)]
    [InlineData(255, 8)]
    [InlineData(16_384, 4)]
    [InlineData(int.MaxValue, 1)]
    [InlineData(int.MaxValue, 8)]
    public void EncodeDecode_Boundaries_RoundTrip(int value, int prefixBits)
    {
        byte[] buffer = new byte[HpackInteger.MaxEncodedLength];
        int written = HpackInteger.Encode(value, prefixBits, 0, buffer);
        int position = 0;

        HpackDecodeResult result = HpackInteger.Decode(buffer.AsSpan(0, written), ref position, prefixBits, out int decoded);

        Assert.Equal(HpackDecodeResult.Success, result);
        Assert.Equal(value, decoded);
        Assert.Equal(written, position);
    }

    [Fact]
    public void Encode_HighBits_KeptAbovePrefix()
    {
        Span<byte> buffer = stackalloc byte[HpackInteger.MaxEncodedLength];

        int written = HpackInteger.Encode(62, 7, 0x80, buffer);

        Assert.Equal("be", Convert.ToHexStringLower(buffer[..written]));
    }

    [Theory]
    [InlineData("1f")]
    [InlineData("1f9a")]
    [InlineData("1fffffffff")]
    public void Decode_Truncated_Rejected(string hex)
    {
        int position = 0;

        HpackDecodeResult result = HpackInteger.Decode(Hex(hex), ref position, 5, out _);

        Assert.Equal(HpackDecodeResult.TruncatedBlock, result);
        Assert.Equal(0, position);
    }

    [Theory]
    // 2^31 - 1 + 31 does not fit in an int32.
    [InlineData("1fe1ffffff07")]
    // The fifth continuation byte alone adds 2^31.
    [InlineData("1f8080808008")]
    // Six continuation bytes, even if the value is small.
    [InlineData("1f808080808000")]
    [InlineData("1fffffffffffffffff0f")]
    public void Decode_Overflow_Rejected(string hex)
    {
        int position = 0;

        HpackDecodeResult result = HpackInteger.Decode(Hex(hex), ref position, 5, out _);

        Assert.Equal(HpackDecodeResult.IntegerOverflow, result);
    }

    [Fact]
    public void Decode_LargestValue_Accepted()
    {
        // 31 + 0x7fffffe0 = 2^31 - 1.
        int position = 0;

        HpackDecodeResult result = HpackInteger.Decode(Hex("1fe0ffffff07"), ref position, 5, out int value);

        Assert.Equal(HpackDecodeResult.Success, result);
        Assert.Equal(int.MaxValue, value);
    }
}
