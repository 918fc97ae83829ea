using FastContractorProxy.Http2;
using static FastContractorProxy.Tests.Http2.Http2TestData;

namespace FastContractorProxy.Tests.Http2;

public class HpackDecoderTests
{
    [Fact]
    public void Insert_TableFull_EvictsOldest()
    {
        // Each entry is 4 + 4 + 32 = 40 bytes, so two fit in 100.
        var decoder = new HpackDecoder(maxHeaderListSize: 16384, maxTableSize: 100);
        var fields = new HeaderFieldList();

        Assert.Equal(HpackDecodeResult.Success, decoder.Decode(Block(Indexing("k001", "v001"), Indexing("k002", "v002")), fields));
        Assert.Equal(HpackDecodeResult.Success, decoder.Decode(Block(Indexing("k003", "v003")), fields));

        Assert.Equal([("k003", "v003"), ("k002", "v002")], DynamicTable(decoder));
        Assert.Equal(80, decoder.DynamicTableSize);
    }

    [Fact]
    public void Insert_EntryLargerThanTable_EmptiesTable()
    {
        var decoder = new HpackDecoder(maxHeaderListSize: 16384, maxTableSize: 100);
        var fields = new HeaderFieldList();
        decoder.Decode(Block(Indexing("k001", "v001")), fields);

        HpackDecodeResult result = decoder.Decode(Block(Indexing("big", new string('x', 70))), fields);

        Assert.Equal(HpackDecodeResult.Success, result);
        Assert.Equal([("big", new string('x', 70))], Fields(fields));
        Assert.Equal(0, decoder.DynamicTableCount);
        Assert.Equal(0, decoder.DynamicTableSize);
    }

    [Fact]
    public void Insert_NameOfEvictedEntry_NameKept()
    {
        // The new entry (3 + 20 + 32 = 55) evicts the entry whose name it references (36), RFC 7541 section 4.4.
        var decoder = new HpackDecoder(maxHeaderListSize: 16384, maxTableSize: 64);
        var fields = new HeaderFieldList();
        decoder.Decode(Block(Indexing("abc", "x")), fields);

        HpackDecodeResult result = decoder.Decode(Block([0x7E], Str(new string('y', 20))), fields);

        Assert.Equal(HpackDecodeResult.Success, result);
        Assert.Equal([("abc", new string('y', 20))], Fields(fields));
        Assert.Equal([("abc", new string('y', 20))], DynamicTable(decoder));
    }

    [Fact]
    public void Insert_ManyEntries_TableStaysConsistent()
    {
        // Enough insertions to wrap the entry ring and compact the storage many times.
        var decoder = new HpackDecoder(maxHeaderListSize: 16384, maxTableSize: 256);
        var fields = new HeaderFieldList();

        for (int i = 0; i < 500; i++)
        {
            string value = new('v', i % 37);
            Assert.Equal(HpackDecodeResult.Success, decoder.Decode(Block(Indexing($"name{i}", value)), fields));
            Assert.Equal($"name{i}", Text(decoder.GetDynamicTableName(0)));
            Assert.Equal(value, Text(decoder.GetDynamicTableValue(0)));
        }

        // The newest entries, from 499 back, are whole and in order.
        List<(string Name, string Value)> table = DynamicTable(decoder);
        for (int k = 0; k < table.Count; k++)
        {
            int i = 499 - k;
            Assert.Equal(($"name{i}", new string('v', i % 37)), table[k]);
        }

        int expectedSize = table.Sum(entry => entry.Name.Length + entry.Value.Length + 32);
        Assert.Equal(expectedSize, decoder.DynamicTableSize);
        Assert.True(decoder.DynamicTableSize <= 256);
    }

    [Fact]
    public void Indexed_DynamicEntry_Decoded()
    {
        var decoder = new HpackDecoder(maxHeaderListSize: 16384);
        var fields = new HeaderFieldList();
        decoder.Decode(Block(Indexing("k1", "v1"), Indexing("k2", "v2")), fields);

        HpackDecodeResult result = decoder.Decode(Block([0xBE, 0xBF]), fields);

        Assert.Equal(HpackDecodeResult.Success, result);
        Assert.Equal([("k2", "v2"), ("k1", "v1")], Fields(fields));
    }

    [Theory]
    // Index 0.
    [InlineData("80")]
    // Index 62 while the dynamic table is empty.
    [InlineData("be")]
    // Literal with a name index beyond both tables.
    [InlineData("7f0001 61")]
    [InlineData("0f3001 61")]
    public void Index_OutOfRange_Rejected(string hex)
    {
        var decoder = new HpackDecoder(maxHeaderListSize: 16384);

        HpackDecodeResult result = decoder.Decode(Hex(hex), new HeaderFieldList());

        Assert.Equal(HpackDecodeResult.InvalidIndex, result);
        Assert.True(result.IsCompressionError());
    }

    [Theory]
    // String length 5, but only 3 bytes follow.
    [InlineData("0003 6162 6305 6162 63")]
    // The name string is missing.
    [InlineData("00")]
    // Integer cut inside its continuation bytes.
    [InlineData("ff")]
    public void Block_Truncated_Rejected(string hex)
    {
        var decoder = new HpackDecoder(maxHeaderListSize: 16384);

        HpackDecodeResult result = decoder.Decode(Hex(hex), new HeaderFieldList());

        Assert.Equal(HpackDecodeResult.TruncatedBlock, result);
    }

    [Fact]
    public void HuffmanValue_BadPadding_CompressionError()
    {
        var decoder = new HpackDecoder(maxHeaderListSize: 16384);

        // Literal without indexing, name "a", Huffman value 0x00 ('0' and 3 zero bits of padding).
        HpackDecodeResult result = decoder.Decode(Hex("0001 6181 00"), new HeaderFieldList());

        Assert.Equal(HpackDecodeResult.HuffmanPaddingNotEos, result);
        Assert.True(result.IsCompressionError());
    }

    [Fact]
    public void SizeUpdate_AtBlockStart_EvictsAndAccepted()
    {
        var decoder = new HpackDecoder(maxHeaderListSize: 16384);
        var fields = new HeaderFieldList();
        decoder.Decode(Block(Indexing("k001", "v001"), Indexing("k002", "v002")), fields);

        // Size update to 40 keeps only the newest entry, then :method GET.
        HpackDecodeResult result = decoder.Decode(Block(SizeUpdate(40), [0x82]), fields);

        Assert.Equal(HpackDecodeResult.Success, result);
        Assert.Equal(40, decoder.DynamicTableMaxSize);
        Assert.Equal([("k002", "v002")], DynamicTable(decoder));
        Assert.Equal([(":method", "GET")], Fields(fields));
    }

    [Fact]
    public void SizeUpdate_TwoAtBlockStart_Accepted()
    {
        var decoder = new HpackDecoder(maxHeaderListSize: 16384);
        var fields = new HeaderFieldList();
        decoder.Decode(Block(Indexing("k001", "v001")), fields);

        HpackDecodeResult result = decoder.Decode(Block(SizeUpdate(0), SizeUpdate(4096), [0x82]), fields);

        Assert.Equal(HpackDecodeResult.Success, result);
        Assert.Equal(4096, decoder.DynamicTableMaxSize);
        Assert.Equal(0, decoder.DynamicTableCount);
    }

    [Fact]
    public void SizeUpdate_AfterField_Rejected()
    {
        var decoder = new HpackDecoder(maxHeaderListSize: 16384);

        HpackDecodeResult result = decoder.Decode(Block([0x82], SizeUpdate(100)), new HeaderFieldList());

        Assert.Equal(HpackDecodeResult.SizeUpdateNotAtBlockStart, result);
        Assert.True(result.IsCompressionError());
    }

    [Fact]
    public void SizeUpdate_InLaterBlockStart_Accepted()
    {
        var decoder = new HpackDecoder(maxHeaderListSize: 16384);
        var fields = new HeaderFieldList();
        decoder.Decode(Block([0x82]), fields);

        HpackDecodeResult result = decoder.Decode(Block(SizeUpdate(100), [0x84]), fields);

        Assert.Equal(HpackDecodeResult.Success, result);
        Assert.Equal(100, decoder.DynamicTableMaxSize);
    }

    [Fact]
    public void SizeUpdate_AboveSettingsLimit_Rejected()
    {
        var decoder = new HpackDecoder(maxHeaderListSize: 16384, maxTableSize: 4096);

        HpackDecodeResult result = decoder.Decode(Block(SizeUpdate(4097)), new HeaderFieldList());

        Assert.Equal(HpackDecodeResult.SizeUpdateAboveLimit, result);
        Assert.True(result.IsCompressionError());
    }

    [Fact]
    public void SizeUpdate_AtSettingsLimit_Accepted()
    {
        var decoder = new HpackDecoder(maxHeaderListSize: 16384, maxTableSize: 4096);

        HpackDecodeResult result = decoder.Decode(Block(SizeUpdate(4096), [0x82]), new HeaderFieldList());

        Assert.Equal(HpackDecodeResult.Success, result);
    }

    [Fact]
    public void SettingsLowered_NoSizeUpdate_Rejected()
    {
        var decoder = new HpackDecoder(maxHeaderListSize: 16384);
        decoder.SetMaxAllowedTableSize(1024);

        HpackDecodeResult result = decoder.Decode(Block([0x82]), new HeaderFieldList());

        Assert.Equal(HpackDecodeResult.SizeUpdateMissing, result);
    }

    [Fact]
    public void SettingsLowered_SizeUpdateSent_Accepted()
    {
        var decoder = new HpackDecoder(maxHeaderListSize: 16384);
        var fields = new HeaderFieldList();
        decoder.SetMaxAllowedTableSize(1024);

        HpackDecodeResult first = decoder.Decode(Block(SizeUpdate(512), [0x82]), fields);
        HpackDecodeResult second = decoder.Decode(Block([0x82]), fields);

        Assert.Equal(HpackDecodeResult.Success, first);
        Assert.Equal(HpackDecodeResult.Success, second);
        Assert.Equal(512, decoder.DynamicTableMaxSize);
    }

    [Fact]
    public void SettingsLowered_SizeUpdateAboveNewLimit_Rejected()
    {
        var decoder = new HpackDecoder(maxHeaderListSize: 16384);
        decoder.SetMaxAllowedTableSize(1024);

        HpackDecodeResult result = decoder.Decode(Block(SizeUpdate(2048), [0x82]), new HeaderFieldList());

        Assert.Equal(HpackDecodeResult.SizeUpdateAboveLimit, result);
    }

    [Fact]
    public void SettingsRaised_NoSizeUpdate_Accepted()
    {
        var decoder = new HpackDecoder(maxHeaderListSize: 16384);
        decoder.SetMaxAllowedTableSize(8192);

        HpackDecodeResult result = decoder.Decode(Block([0x82]), new HeaderFieldList());

        Assert.Equal(HpackDecodeResult.Success, result);
        Assert.Equal(4096, decoder.DynamicTableMaxSize);
    }

    [Fact]
    public void HeaderList_AtLimit_Accepted()
    {
        // :method GET counts 7 + 3 + 32 = 42, "ab: cd" counts 36.
        var decoder = new HpackDecoder(maxHeaderListSize: 78);
        var fields = new HeaderFieldList();

        HpackDecodeResult result = decoder.Decode(Block([0x82], WithoutIndexing("ab", "cd")), fields);

        Assert.Equal(HpackDecodeResult.Success, result);
        Assert.Equal(2, fields.Count);
    }

    [Fact]
    public void HeaderList_OverLimit_StopsOutput()
    {
        var decoder = new HpackDecoder(maxHeaderListSize: 77);
        var fields = new HeaderFieldList();

        HpackDecodeResult result = decoder.Decode(Block([0x82], WithoutIndexing("ab", "cd"), [0x84]), fields);

        Assert.Equal(HpackDecodeResult.HeaderListTooLarge, result);
        Assert.False(result.IsCompressionError());
        Assert.Equal([(":method", "GET")], Fields(fields));
    }

    [Fact]
    public void HeaderList_OverLimit_TableKeptInStep()
    {
        // The second field crosses the limit; the indexed literals after it must still enter the table.
        var decoder = new HpackDecoder(maxHeaderListSize: 100);
        var fields = new HeaderFieldList();

        HpackDecodeResult first = decoder.Decode(
            Block(Indexing("k1", "v1"), WithoutIndexing("big", new string('x', 80)), Indexing("k2", "v2"), HuffmanIndexing("custom-key", "25a849e95ba97d7f")),
            fields);

        Assert.Equal(HpackDecodeResult.HeaderListTooLarge, first);
        Assert.Equal([("k1", "v1")], Fields(fields));
        Assert.Equal([("custom-key", "custom-key"), ("k2", "v2"), ("k1", "v1")], DynamicTable(decoder));

        HpackDecodeResult second = decoder.Decode(Block([0xBE, 0xBF]), fields);

        Assert.Equal(HpackDecodeResult.Success, second);
        Assert.Equal([("custom-key", "custom-key"), ("k2", "v2")], Fields(fields));
    }

    [Fact]
    public void HeaderList_HugeValue_BoundedCopy()
    {
        // A 1 MiB Huffman value and a 1 MiB raw value with a 4 KiB limit: neither is decoded or copied whole.
        var decoder = new HpackDecoder(maxHeaderListSize: 4096);
        var fields = new HeaderFieldList(initialBufferSize: 64);
        byte[] huffmanValue = new byte[1 << 20];
        Array.Fill(huffmanValue, (byte)0x08);

        HpackDecodeResult result = decoder.Decode(
            Block([0x00], Str("b"), HuffmanHeader(huffmanValue.Length), huffmanValue, WithoutIndexing("a", new string('x', 1 << 20))),
            fields);

        Assert.Equal(HpackDecodeResult.HeaderListTooLarge, result);
        Assert.Equal(0, fields.Count);
        Assert.True(fields.GetPending(0).Length < 64 * 1024, $"The field buffer grew to {fields.GetPending(0).Length} bytes.");
    }

    [Fact]
    public void HeaderList_HugeHuffmanIndexedValue_TableEmptied()
    {
        var decoder = new HpackDecoder(maxHeaderListSize: 4096);
        var fields = new HeaderFieldList();
        decoder.Decode(Block(Indexing("k1", "v1")), fields);
        byte[] huffmanValue = new byte[100_000];
        Array.Fill(huffmanValue, (byte)0x08);

        HpackDecodeResult result = decoder.Decode(Block([0x40], Str("a"), HuffmanHeader(huffmanValue.Length), huffmanValue), fields);

        Assert.Equal(HpackDecodeResult.HeaderListTooLarge, result);
        Assert.Equal(0, decoder.DynamicTableCount);
    }

    [Fact]
    public void FieldList_Reused_ClearedFirst()
    {
        var decoder = new HpackDecoder(maxHeaderListSize: 16384);
        var fields = new HeaderFieldList();
        decoder.Decode(Block([0x82, 0x84]), fields);

        decoder.Decode(Block([0x83]), fields);

        Assert.Equal([(":method", "POST")], Fields(fields));
    }

    [Fact]
    public void EmptyBlock_NoFields()
    {
        var decoder = new HpackDecoder(maxHeaderListSize: 16384);
        var fields = new HeaderFieldList();

        HpackDecodeResult result = decoder.Decode([], fields);

        Assert.Equal(HpackDecodeResult.Success, result);
        Assert.Equal(0, fields.Count);
    }

    [Fact]
    public void IsCompressionError_AllResults()
    {
        foreach (HpackDecodeResult result in Enum.GetValues<HpackDecodeResult>())
        {
            bool expected = result is not (HpackDecodeResult.Success or HpackDecodeResult.HeaderListTooLarge);
            Assert.Equal($"{result}: {expected}", $"{result}: {result.IsCompressionError()}");
        }
    }

    internal static byte[] Block(params byte[][] parts) => parts.SelectMany(part => part).ToArray();

    /// <summary>A raw (not Huffman-coded) string literal.</summary>
    internal static byte[] Str(string text)
    {
        byte[] prefix = new byte[HpackInteger.MaxEncodedLength];
        int length = HpackInteger.Encode(text.Length, 7, 0x00, prefix);
        return [.. prefix.AsSpan(0, length), .. Bytes(text)];
    }

    /// <summary>Literal with incremental indexing and a new name.</summary>
    internal static byte[] Indexing(string name, string value) => Block([0x40], Str(name), Str(value));

    /// <summary>Literal without indexing and a new name.</summary>
    internal static byte[] WithoutIndexing(string name, string value) => Block([0x00], Str(name), Str(value));

    private static byte[] HuffmanIndexing(string name, string huffmanValueHex)
    {
        byte[] value = Hex(huffmanValueHex);
        return Block([0x40], Str(name), HuffmanHeader(value.Length), value);
    }

    private static byte[] HuffmanHeader(int length)
    {
        byte[] prefix = new byte[HpackInteger.MaxEncodedLength];
        int written = HpackInteger.Encode(length, 7, 0x80, prefix);
        return prefix[..written];
    }

    private static byte[] SizeUpdate(int size)
    {
        byte[] prefix = new byte[HpackInteger.MaxEncodedLength];
        int written = HpackInteger.Encode(size, 5, 0x20, prefix);
        return prefix[..written];
    }
}
