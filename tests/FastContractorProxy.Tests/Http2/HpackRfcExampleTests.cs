using FastContractorProxy.Http2;
using static FastContractorProxy.Tests.Http2.Http2TestData;

namespace FastContractorProxy.Tests.Http2;

/// <summary>The header block examples of RFC 7541 Appendix C.2 to C.6, with the dynamic table after each block.</summary>
public class HpackRfcExampleTests
{
    private const string Date21 = "Mon, 21 Oct 2013 20:13:21 GMT";
    private const string Date22 = "Mon, 21 Oct 2013 20:13:22 GMT";
    private const string Location = "https://www.example.com";
    private const string SetCookie = "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1";

    [Fact]
    public void LiteralWithIndexing_C21_AddsEntry()
    {
        var decoder = new HpackDecoder(maxHeaderListSize: 16384);
        var fields = new HeaderFieldList();

        HpackDecodeResult result = decoder.Decode(Hex("400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572"), fields);

        Assert.Equal(HpackDecodeResult.Success, result);
        Assert.Equal([("custom-key", "custom-header")], Fields(fields));
        Assert.Equal([("custom-key", "custom-header")], DynamicTable(decoder));
        Assert.Equal(55, decoder.DynamicTableSize);
    }

    [Fact]
    public void LiteralWithoutIndexing_C22_TableUnchanged()
    {
        var decoder = new HpackDecoder(maxHeaderListSize: 16384);
        var fields = new HeaderFieldList();

        HpackDecodeResult result = decoder.Decode(Hex("040c 2f73 616d 706c 652f 7061 7468"), fields);

        Assert.Equal(HpackDecodeResult.Success, result);
        Assert.Equal([(":path", "/sample/path")], Fields(fields));
        Assert.False(fields[0].NeverIndexed);
        Assert.Equal(0, decoder.DynamicTableCount);
    }

    [Fact]
    public void LiteralNeverIndexed_C23_MarkedNeverIndexed()
    {
        var decoder = new HpackDecoder(maxHeaderListSize: 16384);
        var fields = new HeaderFieldList();

        HpackDecodeResult result = decoder.Decode(Hex("1008 7061 7373 776f 7264 0673 6563 7265 74"), fields);

        Assert.Equal(HpackDecodeResult.Success, result);
        Assert.Equal([("password", "secret")], Fields(fields));
        Assert.True(fields[0].NeverIndexed);
        Assert.Equal(0, decoder.DynamicTableCount);
    }

    [Fact]
    public void IndexedField_C24_StaticEntry()
    {
        var decoder = new HpackDecoder(maxHeaderListSize: 16384);
        var fields = new HeaderFieldList();

        HpackDecodeResult result = decoder.Decode(Hex("82"), fields);

        Assert.Equal(HpackDecodeResult.Success, result);
        Assert.Equal([(":method", "GET")], Fields(fields));
        Assert.Equal(0, decoder.DynamicTableCount);
    }

    [Fact]
    public void Requests_C3_WithoutHuffman() => DecodeSeries(4096, RequestSteps(
        "8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
        "8286 84be 5808 6e6f 2d63 6163 6865",
        "8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65"));

    [Fact]
    public void Requests_C4_WithHuffman() => DecodeSeries(4096, RequestSteps(
        "8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff",
        "8286 84be 5886 a8eb 1064 9cbf",
        "8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf"));

    [Fact]
    public void Responses_C5_WithoutHuffman() => DecodeSeries(256, ResponseSteps(
        """
        4803 3330 3258 0770 7269 7661 7465 611d
        4d6f 6e2c 2032 3120 4f63 7420 3230 3133
        2032 303a 3133 3a32 3120 474d 546e 1768
        7474 7073 3a2f 2f77 7777 2e65 7861 6d70
        6c65 2e63 6f6d
        """,
        "4803 3330 37c1 c0bf",
        """
        88c1 611d 4d6f 6e2c 2032 3120 4f63 7420
        3230 3133 2032 303a 3133 3a32 3220 474d
        54c0 5a04 677a 6970 7738 666f 6f3d 4153
        444a 4b48 514b 425a 584f 5157 454f 5049
        5541 5851 5745 4f49 553b 206d 6178 2d61
        6765 3d33 3630 303b 2076 6572 7369 6f6e
        3d31
        """));

    [Fact]
    public void Responses_C6_WithHuffman() => DecodeSeries(256, ResponseSteps(
        """
        4882 6402 5885 aec3 771a 4b61 96d0 7abe
        9410 54d4 44a8 2005 9504 0b81 66e0 82a6
        2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8
        e9ae 82ae 43d3
        """,
        "4883 640e ffc1 c0bf",
        """
        88c1 6196 d07a be94 1054 d444 a820 0595
        040b 8166 e084 a62d 1bff c05a 839b d9ab
        77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b
        3960 d5af 2708 7f36 72c1 ab27 0fb5 291f
        9587 3160 65c0 03ed 4ee5 b106 3d50 07
        """));

    private static Step[] RequestSteps(string first, string second, string third) =>
    [
        new(first,
            [(":method", "GET"), (":scheme", "http"), (":path", "/"), (":authority", "www.example.com")],
            [(":authority", "www.example.com")],
            57),
        new(second,
            [(":method", "GET"), (":scheme", "http"), (":path", "/"), (":authority", "www.example.com"), ("cache-control", "no-cache")],
            [("cache-control", "no-cache"), (":authority", "www.example.com")],
            110),
        new(third,
            [(":method", "GET"), (":scheme", "https"), (":path", "/index.html"), (":authority", "www.example.com"), ("custom-key", "custom-value")],
            [("custom-key", "custom-value"), ("cache-control", "no-cache"), (":authority", "www.example.com")],
            164),
    ];

    private static Step[] ResponseSteps(string first, string second, string third) =>
    [
        new(first,
            [(":status", "302"), ("cache-control", "private"), ("date", Date21), ("location", Location)],
            [("location", Location), ("date", Date21), ("cache-control", "private"), (":status", "302")],
            222),
        new(second,
            [(":status", "307"), ("cache-control", "private"), ("date", Date21), ("location", Location)],
            [(":status", "307"), ("location", Location), ("date", Date21), ("cache-control", "private")],
            222),
        new(third,
            [(":status", "200"), ("cache-control", "private"), ("date", Date22), ("location", Location), ("content-encoding", "gzip"), ("set-cookie", SetCookie)],
            [("set-cookie", SetCookie), ("content-encoding", "gzip"), ("date", Date22)],
            215),
    ];

    private static void DecodeSeries(int tableSize, Step[] steps)
    {
        var decoder = new HpackDecoder(maxHeaderListSize: 16384, maxTableSize: tableSize);
        var fields = new HeaderFieldList();

        for (int i = 0; i < steps.Length; i++)
        {
            Step step = steps[i];
            HpackDecodeResult result = decoder.Decode(Hex(step.Block), fields);

            Assert.Equal($"step {i}: {HpackDecodeResult.Success}", $"step {i}: {result}");
            Assert.Equal(step.Fields, Fields(fields));
            Assert.Equal(step.Table, DynamicTable(decoder));
            Assert.Equal($"step {i}: size {step.TableSize}", $"step {i}: size {decoder.DynamicTableSize}");
        }
    }

    private sealed record Step(string Block, (string, string)[] Fields, (string, string)[] Table, int TableSize);
}
