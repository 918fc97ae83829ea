using System.Buffers;
using BenchmarkDotNet.Attributes;
using FastContractorProxy.Http2;

namespace FastContractorProxy.Benchmarks;

/// <summary>
/// Reads and validates a batch of HTTP/2 frames as a client sends them for ten small requests on one connection.
/// Each request is a HEADERS frame with a 300-byte field block, a DATA frame of 1 KiB with END_STREAM and a
/// WINDOW_UPDATE, and one PING ends the batch. <see cref="ReadBatch"/> is per frame (31 frames); the batch is parsed from one
/// segment, then from segments of 1,000 bytes that split frames across reads. Frame reading allocates nothing.
/// </summary>
public class Http2FrameBenchmarks
{
    private const int Requests = 10;
    private const int FramesPerBatch = Requests * 3 + 1;
    private const int MaxFrameSize = 16384;

    private ReadOnlySequence<byte> _batch;
    private ReadOnlySequence<byte> _splitBatch;

    [GlobalSetup]
    public void Setup()
    {
        var output = new ArrayBufferWriter<byte>();
        byte[] fieldBlock = new byte[300];
        byte[] body = new byte[1024];
        Random.Shared.NextBytes(fieldBlock);
        for (int i = 0; i < Requests; i++)
        {
            int streamId = 1 + (2 * i);
            FrameWriter.WriteHeaders(output, streamId, fieldBlock, endStream: false, MaxFrameSize);
            FrameWriter.WriteData(output, streamId, body, endStream: true, MaxFrameSize);
            FrameWriter.WriteWindowUpdate(output, 0, 1024);
        }

        FrameWriter.WritePing(output, new byte[8], ack: false);
        byte[] bytes = output.WrittenSpan.ToArray();
        _batch = new ReadOnlySequence<byte>(bytes);
        _splitBatch = SequenceBuilder.Split(bytes, [.. Enumerable.Range(1, bytes.Length / 1000).Select(i => i * 1000)]);

        if (ReadAll(_batch) != FramesPerBatch || ReadAll(_splitBatch) != FramesPerBatch)
        {
            throw new InvalidOperationException("The batch did not parse into the frames it was written with.");
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = FramesPerBatch)]
    public int ReadBatch() => ReadAll(_batch);

    [Benchmark(OperationsPerInvoke = FramesPerBatch)]
    public int ReadSplitBatch() => ReadAll(_splitBatch);

    // Reads every frame and runs the validator of its type; returns the number of valid frames.
    private static int ReadAll(ReadOnlySequence<byte> input)
    {
        int frames = 0;
        while (FrameReader.TryReadFrame(ref input, MaxFrameSize, out FrameHeader header, out ReadOnlySequence<byte> payload) == FrameReadStatus.Done)
        {
            Http2Error error = header.Type switch
            {
                FrameType.Headers => FrameValidator.ValidateHeaders(header, payload, out _),
                FrameType.Data => FrameValidator.ValidateData(header, payload, out _),
                FrameType.WindowUpdate => FrameValidator.ValidateWindowUpdate(header, payload, out _),
                FrameType.Ping => FrameValidator.ValidatePing(header),
                _ => throw new InvalidOperationException($"unexpected frame type {header.Type}"),
            };
            if (error.IsNone)
            {
                frames++;
            }
        }

        return frames;
    }
}
