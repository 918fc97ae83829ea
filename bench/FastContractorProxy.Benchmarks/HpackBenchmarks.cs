using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using FastContractorProxy.Http2;

namespace FastContractorProxy.Benchmarks;

/// <summary>
/// Measures decoding one HPACK field block of a typical API request (11 fields, about 600 bytes decoded) into a
/// reused <see cref="HeaderFieldList"/>. The block is encoded by <see cref="HpackEncoder"/>: static-table names
/// where they exist and literals without indexing, so every iteration decodes the same work and the dynamic
/// table stays empty. Steady state allocates nothing.
/// </summary>
public class HpackBenchmarks
{
    private const int MaxHeaderListSize = 16 * 1024;

    private static readonly (string Name, string Value)[] s_requestFields =
    [
        (":method", "GET"),
        (":scheme", "https"),
        (":path", "/api/v2/orders/84213/items?limit=50&cursor=eyJpZCI6ODQyMTN9"),
        (":authority", "api.example.com"),
        ("user-agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"),
        ("accept", "application/json, text/plain, */*"),
        ("accept-language", "en-US,en;q=0.5"),
        ("accept-encoding", "gzip, deflate, br, zstd"),
        ("authorization", "Bearer eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJjb250cmFjdG9yLTQyIiwiYXVkIjoiYXBpIiwiZXhwIjoxNzAwMDAwMDAwfQ.c2lnbmF0dXJlLXBsYWNlaG9sZGVyLW5vdC1hLXJlYWwtc2lnbmF0dXJl"),
        ("cookie", "session=7f3c2a9e4b1d; theme=dark; consent=1"),
        ("x-request-id", "0f8fad5b-d9cb-469f-a165-70867728950e"),
    ];

    private readonly HeaderFieldList _fields = new();
    private HpackDecoder _decoder = null!;
    private byte[] _huffmanBlock = [];
    private byte[] _rawBlock = [];

    [GlobalSetup]
    public void Setup()
    {
        _decoder = new HpackDecoder(MaxHeaderListSize);
        _huffmanBlock = Encode(useHuffman: true);
        _rawBlock = Encode(useHuffman: false);

        if (_huffmanBlock.Length >= _rawBlock.Length)
        {
            throw new InvalidOperationException($"The Huffman block ({_huffmanBlock.Length} bytes) is not shorter than the raw block ({_rawBlock.Length} bytes).");
        }

        Verify(nameof(DecodeHuffman), _huffmanBlock);
        Verify(nameof(DecodeRaw), _rawBlock);
    }

    /// <summary>Every string Huffman-coded, as browsers and most HTTP/2 clients send them.</summary>
    [Benchmark(Baseline = true)]
    public int DecodeHuffman() => Decode(_huffmanBlock);

    /// <summary>Every string sent raw, so decoding is copying.</summary>
    [Benchmark]
    public int DecodeRaw() => Decode(_rawBlock);

    private int Decode(byte[] block)
    {
        HpackDecodeResult result = _decoder.Decode(block, _fields);
        if (result != HpackDecodeResult.Success)
        {
            throw new InvalidOperationException($"Decoding the benchmark block failed: {result}.");
        }

        return _fields.Count;
    }

    private static byte[] Encode(bool useHuffman)
    {
        var encoder = new HpackEncoder(useHuffman);
        var output = new ArrayBufferWriter<byte>();

        // An encoder puts a table size update before its first field. The benchmark decodes the block many
        // times, so a warm-up field takes that update and is then dropped.
        encoder.WriteField(output, "x-warm-up"u8, "1"u8);
        output.ResetWrittenCount();

        foreach ((string name, string value) in s_requestFields)
        {
            encoder.WriteField(output, Encoding.ASCII.GetBytes(name), Encoding.ASCII.GetBytes(value));
        }

        return output.WrittenSpan.ToArray();
    }

    private void Verify(string benchmark, byte[] block)
    {
        int count = Decode(block);
        if (count != s_requestFields.Length)
        {
            throw new InvalidOperationException($"{benchmark}: decoded {count} fields, expected {s_requestFields.Length}.");
        }

        for (int i = 0; i < count; i++)
        {
            string name = Encoding.ASCII.GetString(_fields.GetName(i));
            string value = Encoding.ASCII.GetString(_fields.GetValue(i));
            if (name != s_requestFields[i].Name || value != s_requestFields[i].Value)
            {
                throw new InvalidOperationException($"{benchmark}: field {i} is \"{name}: {value}\", expected \"{s_requestFields[i].Name}: {s_requestFields[i].Value}\".");
            }
        }
    }
}
