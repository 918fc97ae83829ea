using System.Buffers;
using FastContractorProxy.Http2;
using static FastContractorProxy.Tests.Http2.Http2TestData;

namespace FastContractorProxy.Tests.Http2;

public class HpackHuffmanTests
{
    // Huffman-coded strings from RFC 7541 Appendix C.4 and C.6.
    public static TheoryData<string, string> RfcStrings => new()
    {
        { "f1e3 c2e5 f23a 6ba0 ab90 f4ff", "www.example.com" },
        { "a8eb 1064 9cbf", "no-cache" },
        { "25a8 49e9 5ba9 7d7f", "custom-key" },
        { "25a8 49e9 5bb8 e8b4 bf", "custom-value" },
        { "6402", "302" },
        { "aec3 771a 4b", "private" },
        { "d07a be94 1054 d444 a820 0595 040b 8166 e082 a62d 1bff", "Mon, 21 Oct 2013 20:13:21 GMT" },
        { "9d29 ad17 1863 c78f 0b97 c8e9 ae82 ae43 d3", "https://www.example.com" },
        { "9bd9 ab", "gzip" },
        { "94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1" },
    };

    [Theory]
    [MemberData(nameof(RfcStrings))]
    public void Decode_RfcStrings_Match(string hex, string expected)
    {
        byte[] destination = new byte[256];

        OperationStatus status = HpackHuffman.Decode(Hex(hex), destination, out int written, out HpackDecodeResult error);

        Assert.Equal(OperationStatus.Done, status);
        Assert.Equal(HpackDecodeResult.Success, error);
        Assert.Equal(expected, Text(destination.AsSpan(0, written)));
    }

    [Theory]
    [MemberData(nameof(RfcStrings))]
    public void Encode_RfcStrings_Match(string expectedHex, string text)
    {
        byte[] value = Bytes(text);
        byte[] destination = new byte[HpackHuffman.GetEncodedLength(value, lowercase: false)];

        int written = HpackHuffman.Encode(value, destination, lowercase: false);

        Assert.Equal(destination.Length, written);
        Assert.Equal(Convert.ToHexStringLower(Hex(expectedHex)), Convert.ToHexStringLower(destination));
    }

    [Theory]
    // RFC 7541 Appendix B: the first and last codes, a few in between, and EOS.
    [InlineData(0, 0x1ff8u, 13)]
    [InlineData('0', 0x0u, 5)]
    [InlineData('a', 0x3u, 5)]
    [InlineData('t', 0x9u, 5)]
    [InlineData(' ', 0x14u, 6)]
    [InlineData(10, 0x3ffffffcu, 30)]
    [InlineData(255, 0x3ffffeeu, 26)]
    [InlineData(HpackHuffman.EosSymbol, 0x3fffffffu, 30)]
    public void GetCode_KnownSymbols_MatchRfc(int symbol, uint expectedCode, int expectedLength)
    {
        uint code = HpackHuffman.GetCode(symbol, out int length);

        Assert.Equal(expectedLength, length);
        Assert.Equal(expectedCode, code);
    }

    [Fact]
    public void Codes_Complete_PrefixFree()
    {
        // A complete prefix code satisfies the Kraft equality: the sum of 2^-length over all codes is 1.
        double kraftSum = 0;
        for (int symbol = 0; symbol <= HpackHuffman.EosSymbol; symbol++)
        {
            HpackHuffman.GetCode(symbol, out int length);
            kraftSum += Math.Pow(2, -length);
        }

        Assert.Equal(1.0, kraftSum, precision: 12);
    }

    [Fact]
    public void EncodeDecode_EveryByte_RoundTrips()
    {
        byte[] value = Enumerable.Range(0, 256).Select(b => (byte)b).Concat(Bytes("tail")).ToArray();
        byte[] encoded = new byte[HpackHuffman.GetEncodedLength(value, lowercase: false)];
        HpackHuffman.Encode(value, encoded, lowercase: false);
        byte[] decoded = new byte[value.Length];

        OperationStatus status = HpackHuffman.Decode(encoded, decoded, out int written, out _);

        Assert.Equal(OperationStatus.Done, status);
        Assert.Equal(value, decoded.AsSpan(0, written).ToArray());
    }

    [Fact]
    public void Encode_Lowercase_LowersLetters()
    {
        byte[] destination = new byte[32];
        int written = HpackHuffman.Encode(Bytes("Custom-Key"), destination, lowercase: true);

        Assert.Equal("25a849e95ba97d7f", Convert.ToHexStringLower(destination.AsSpan(0, written)));
    }

    [Theory]
    // A byte of padding alone.
    [InlineData("ff")]
    // 'a' (00011) followed by 11 bits of ones.
    [InlineData("1fff")]
    [InlineData("1fffff")]
    // 27 bits of ones after 'a'.
    [InlineData("1fffffff")]
    public void Decode_PaddingOver7Bits_Rejected(string hex)
    {
        OperationStatus status = HpackHuffman.Decode(Hex(hex), new byte[64], out _, out HpackDecodeResult error);

        Assert.Equal(OperationStatus.InvalidData, status);
        Assert.Equal(HpackDecodeResult.HuffmanPaddingTooLong, error);
    }

    [Theory]
    // '0' (00000) followed by 000, which is not a prefix of EOS.
    [InlineData("00")]
    // 'a' (00011) followed by 110.
    [InlineData("1e")]
    public void Decode_PaddingNotOnes_Rejected(string hex)
    {
        OperationStatus status = HpackHuffman.Decode(Hex(hex), new byte[64], out _, out HpackDecodeResult error);

        Assert.Equal(OperationStatus.InvalidData, status);
        Assert.Equal(HpackDecodeResult.HuffmanPaddingNotEos, error);
    }

    [Fact]
    public void Decode_EosSymbol_Rejected()
    {
        // 30 one bits (EOS), then '?'-like bits.
        OperationStatus status = HpackHuffman.Decode(Hex("fffffffffc"), new byte[64], out _, out HpackDecodeResult error);

        Assert.Equal(OperationStatus.InvalidData, status);
        Assert.Equal(HpackDecodeResult.HuffmanEosSymbol, error);
    }

    [Fact]
    public void Decode_SevenBitsPadding_Accepted()
    {
        // '0' is 00000; 3 padding bits complete the byte.
        OperationStatus status = HpackHuffman.Decode(Hex("07"), new byte[4], out int written, out _);

        Assert.Equal(OperationStatus.Done, status);
        Assert.Equal(1, written);
    }

    [Fact]
    public void Decode_Empty_NoOutput()
    {
        OperationStatus status = HpackHuffman.Decode([], new byte[4], out int written, out _);

        Assert.Equal(OperationStatus.Done, status);
        Assert.Equal(0, written);
    }

    [Fact]
    public void Decode_DestinationFull_StopsEarly()
    {
        // "www.example.com" is 15 bytes; only 4 fit.
        byte[] destination = new byte[4];

        OperationStatus status = HpackHuffman.Decode(Hex("f1e3 c2e5 f23a 6ba0 ab90 f4ff"), destination, out int written, out _);

        Assert.Equal(OperationStatus.DestinationTooSmall, status);
        Assert.Equal(4, written);
        Assert.Equal("www.", Text(destination));
    }

    [Fact]
    public void Decode_ExactFit_Done()
    {
        byte[] destination = new byte[15];

        OperationStatus status = HpackHuffman.Decode(Hex("f1e3 c2e5 f23a 6ba0 ab90 f4ff"), destination, out int written, out _);

        Assert.Equal(OperationStatus.Done, status);
        Assert.Equal(15, written);
    }
}
