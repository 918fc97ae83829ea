using System.Buffers;
using FastContractorProxy.Http2;
using static FastContractorProxy.Tests.Http2.Http2TestData;

namespace FastContractorProxy.Tests.Http2;

public class HpackEncoderTests
{
    private static readonly (string Name, string Value)[] s_responseFields =
    [
        ("content-type", "application/json; charset=utf-8"),
        ("content-length", "1234"),
        ("date", "Mon, 21 Oct 2013 20:13:21 GMT"),
        ("cache-control", "private"),
        ("x-request-id", "0f8fad5b-d9cb-469f-a165-70867728950e"),
        ("set-cookie", "session=abc; Path=/; HttpOnly"),
        ("vary", ""),
        ("x-binary", "caf\u00e9 \t ok"),
        ("accept-encoding", "gzip, deflate"),
    ];

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Fields_RoundTrip_ThroughDecoder(bool useHuffman)
    {
        var encoder = new HpackEncoder(useHuffman);
        var output = new ArrayBufferWriter<byte>();
        encoder.WriteStatus(output, 200);
        foreach ((string name, string value) in s_responseFields)
        {
            encoder.WriteField(output, Bytes(name), Bytes(value));
        }

        var decoder = new HpackDecoder(maxHeaderListSize: 16384);
        var fields = new HeaderFieldList();
        HpackDecodeResult result = decoder.Decode(output.WrittenSpan, fields);

        Assert.Equal(HpackDecodeResult.Success, result);
        Assert.Equal([(":status", "200"), .. s_responseFields], Fields(fields));
        Assert.Equal(0, decoder.DynamicTableCount);
        Assert.Equal(0, decoder.DynamicTableMaxSize);
    }

    [Fact]
    public void Fields_SecondBlock_DecodesWithSameDecoder()
    {
        var encoder = new HpackEncoder();
        var decoder = new HpackDecoder(maxHeaderListSize: 16384);
        var fields = new HeaderFieldList();

        for (int block = 0; block < 3; block++)
        {
            var output = new ArrayBufferWriter<byte>();
            encoder.WriteStatus(output, 404);
            encoder.WriteField(output, "Server"u8, "fcp"u8);

            Assert.Equal(HpackDecodeResult.Success, decoder.Decode(output.WrittenSpan, fields));
            Assert.Equal([(":status", "404"), ("server", "fcp")], Fields(fields));
        }
    }

    [Fact]
    public void Huffman_ShorterThanRaw_Smaller()
    {
        var withHuffman = new ArrayBufferWriter<byte>();
        var withoutHuffman = new ArrayBufferWriter<byte>();
        byte[] value = Bytes("Mon, 21 Oct 2013 20:13:21 GMT");

        new HpackEncoder(useHuffman: true).WriteField(withHuffman, "date"u8, value);
        new HpackEncoder(useHuffman: false).WriteField(withoutHuffman, "date"u8, value);

        Assert.True(withHuffman.WrittenCount < withoutHuffman.WrittenCount, $"{withHuffman.WrittenCount} >= {withoutHuffman.WrittenCount}");
    }

    [Fact]
    public void FirstField_TableSizeUpdateToZero_Once()
    {
        var encoder = new HpackEncoder();
        var first = new ArrayBufferWriter<byte>();
        var second = new ArrayBufferWriter<byte>();

        encoder.WriteStatus(first, 200);
        encoder.WriteStatus(second, 200);

        Assert.Equal("2088", Convert.ToHexStringLower(first.WrittenSpan));
        Assert.Equal("88", Convert.ToHexStringLower(second.WrittenSpan));
    }

    [Theory]
    [InlineData(200, "88")]
    [InlineData(204, "89")]
    [InlineData(500, "8e")]
    // Literal without indexing, name index 8 (:status), Huffman "302".
    [InlineData(302, "08826402")]
    public void Status_Encoded_Compactly(int statusCode, string expectedHex)
    {
        var encoder = new HpackEncoder();
        encoder.WriteStatus(new ArrayBufferWriter<byte>(), 200);
        var output = new ArrayBufferWriter<byte>();

        encoder.WriteStatus(output, statusCode);

        Assert.Equal(expectedHex, Convert.ToHexStringLower(output.WrittenSpan));
    }

    [Theory]
    [InlineData(99)]
    [InlineData(1000)]
    public void Status_OutOfRange_Throws(int statusCode)
    {
        var encoder = new HpackEncoder();

        Assert.Throws<ArgumentOutOfRangeException>(() => encoder.WriteStatus(new ArrayBufferWriter<byte>(), statusCode));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Name_MixedCase_Lowercased(bool useHuffman)
    {
        var encoder = new HpackEncoder(useHuffman);
        var output = new ArrayBufferWriter<byte>();
        encoder.WriteField(output, "X-Custom-Header"u8, "Value"u8);
        encoder.WriteField(output, "Content-Type"u8, "text/plain"u8);

        var fields = new HeaderFieldList();
        new HpackDecoder(maxHeaderListSize: 16384).Decode(output.WrittenSpan, fields);

        Assert.Equal([("x-custom-header", "Value"), ("content-type", "text/plain")], Fields(fields));
    }

    [Fact]
    public void NeverIndexed_FlagSurvivesDecoding()
    {
        var encoder = new HpackEncoder();
        var output = new ArrayBufferWriter<byte>();
        encoder.WriteField(output, "authorization"u8, "Bearer secret"u8, neverIndexed: true);
        encoder.WriteField(output, "x-other"u8, "plain"u8);

        var fields = new HeaderFieldList();
        new HpackDecoder(maxHeaderListSize: 16384).Decode(output.WrittenSpan, fields);

        Assert.True(fields[0].NeverIndexed);
        Assert.False(fields[1].NeverIndexed);
    }

    [Fact]
    public void StaticField_ExactMatch_OneByte()
    {
        var encoder = new HpackEncoder();
        encoder.WriteStatus(new ArrayBufferWriter<byte>(), 200);
        var output = new ArrayBufferWriter<byte>();

        encoder.WriteField(output, "accept-encoding"u8, "gzip, deflate"u8);

        Assert.Equal("90", Convert.ToHexStringLower(output.WrittenSpan));
    }

    [Fact]
    public void LongValue_MultiByteLength_RoundTrips()
    {
        var encoder = new HpackEncoder(useHuffman: false);
        var output = new ArrayBufferWriter<byte>();
        string value = new('v', 5000);
        encoder.WriteField(output, "x-long"u8, Bytes(value));

        var fields = new HeaderFieldList();
        HpackDecodeResult result = new HpackDecoder(maxHeaderListSize: 16384).Decode(output.WrittenSpan, fields);

        Assert.Equal(HpackDecodeResult.Success, result);
        Assert.Equal([("x-long", value)], Fields(fields));
    }
}
