using System.Buffers;
using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;
using FastContractorProxy.Http1;

namespace FastContractorProxy.Benchmarks;

/// <summary>
/// Measures decoding a complete chunked body that is already in memory, from the first chunk-size line to the
/// end of the trailer section. The decoder slices chunk data out of the input and copies none of it.
/// </summary>
public class ChunkedDecoderBenchmarks
{
    private const int MaxTrailerBytes = 4096;

    private const int LargeBodyBytes = 64 * 1024;
    private const int LargeChunkBytes = 4 * 1024;

    private const int SmallChunkCount = 256;
    private const int SmallChunkBytes = 64;

    private ReadOnlySequence<byte> _largeChunks;
    private ReadOnlySequence<byte> _smallChunksWithExtensions;

    [GlobalSetup]
    public void Setup()
    {
        _largeChunks = new ReadOnlySequence<byte>(CreateLargeChunks());
        _smallChunksWithExtensions = new ReadOnlySequence<byte>(CreateSmallChunksWithExtensions());

        Verify(nameof(FourKiBChunks), _largeChunks, LargeBodyBytes);
        Verify(nameof(SmallChunksWithExtensions), _smallChunksWithExtensions, SmallChunkCount * SmallChunkBytes);
    }

    /// <summary>A 64 KiB body sent as sixteen 4 KiB chunks.</summary>
    [Benchmark(Baseline = true)]
    public long FourKiBChunks() => Decode(_largeChunks, out _);

    /// <summary>
    /// A 16 KiB body sent as 256 chunks of 64 bytes, each with a chunk-signature extension of 64 hex
    /// digits, and a checksum trailer field.
    /// </summary>
    [Benchmark]
    public long SmallChunksWithExtensions() => Decode(_smallChunksWithExtensions, out _);

    private static long Decode(ReadOnlySequence<byte> body, out long unread)
    {
        var decoder = new ChunkedDecoder();
        var reader = new SequenceReader<byte>(body);
        long decodedBytes = 0;

        while (true)
        {
            ChunkedStatus status = decoder.Read(ref reader, MaxTrailerBytes, out ReadOnlySequence<byte> data, out RejectReason reason);
            switch (status)
            {
                case ChunkedStatus.Data:
                    decodedBytes += data.Length;
                    break;

                case ChunkedStatus.Completed:
                    unread = reader.Remaining;
                    return decodedBytes;

                default:
                    throw new InvalidOperationException($"Decoding a benchmark body failed after {decodedBytes} bytes: status {status}, reason {reason}.");
            }
        }
    }

    private static void Verify(string benchmark, ReadOnlySequence<byte> body, long expectedBytes)
    {
        long decodedBytes = Decode(body, out long unread);
        if (decodedBytes != expectedBytes)
        {
            throw new InvalidOperationException($"{benchmark}: decoded {decodedBytes} bytes, expected {expectedBytes}.");
        }

        if (unread != 0)
        {
            throw new InvalidOperationException($"{benchmark}: {unread} bytes are left after the body, expected 0.");
        }
    }

    private static byte[] CreateLargeChunks()
    {
        var body = new List<byte>(LargeBodyBytes + 1024);
        byte[] chunk = CreatePayload(LargeChunkBytes);
        string sizeLine = LargeChunkBytes.ToString("x", CultureInfo.InvariantCulture) + "\r\n";

        for (int sent = 0; sent < LargeBodyBytes; sent += LargeChunkBytes)
        {
            body.AddRange(Encoding.ASCII.GetBytes(sizeLine));
            body.AddRange(chunk);
            body.AddRange("\r\n"u8.ToArray());
        }

        body.AddRange("0\r\n\r\n"u8.ToArray());
        return body.ToArray();
    }

    private static byte[] CreateSmallChunksWithExtensions()
    {
        var body = new List<byte>();
        byte[] chunk = CreatePayload(SmallChunkBytes);
        var random = new Random(7);
        byte[] signature = new byte[32];

        for (int i = 0; i < SmallChunkCount; i++)
        {
            random.NextBytes(signature);
            string sizeLine = SmallChunkBytes.ToString("x", CultureInfo.InvariantCulture) +
                ";chunk-signature=" + Convert.ToHexStringLower(signature) + "\r\n";

            // Every eighth chunk also carries a quoted-string extension value.
            if (i % 8 == 0)
            {
                sizeLine = sizeLine.Insert(sizeLine.Length - 2, $";note=\"part {i / 8}\"");
            }

            body.AddRange(Encoding.ASCII.GetBytes(sizeLine));
            body.AddRange(chunk);
            body.AddRange("\r\n"u8.ToArray());
        }

        body.AddRange("0\r\nx-amz-checksum-crc32: sOO8/Q==\r\n\r\n"u8.ToArray());
        return body.ToArray();
    }

    // Printable bytes, so that a chunk accidentally containing CR or LF cannot hide a framing bug.
    private static byte[] CreatePayload(int length)
    {
        byte[] payload = new byte[length];
        for (int i = 0; i < length; i++)
        {
            payload[i] = (byte)('a' + (i % 26));
        }

        return payload;
    }
}
