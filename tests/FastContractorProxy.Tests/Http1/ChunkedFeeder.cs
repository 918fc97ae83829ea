using System.Buffers;
using FastContractorProxy.Http1;

namespace FastContractorProxy.Tests.Http1;

/// <summary>The end state of one chunked body run through <see cref="ChunkedDecoder"/>.</summary>
internal sealed record ChunkedOutcome(ChunkedStatus Status, RejectReason Reason, string Data, long Consumed)
{
    public override string ToString() => $"{Status} {Reason} consumed={Consumed} data={Data}";
}

/// <summary>Runs <see cref="ChunkedDecoder"/> over bytes delivered in chunks, the way the body pump reads a pipe.</summary>
internal static class ChunkedFeeder
{
    public const int DefaultMaxTrailerBytes = 8 * 1024;

    public static ChunkedOutcome Decode(string body, int maxTrailerBytes = DefaultMaxTrailerBytes) =>
        Feed([TestSequences.Bytes(body)], maxTrailerBytes);

    /// <summary>
    /// Each step offers every byte received and not yet consumed as a multi-segment sequence, collects the
    /// data pieces, and consumes what the reader advanced past. Stops at Completed or Invalid, and returns
    /// NeedMoreData when the chunks run out first.
    /// </summary>
    public static ChunkedOutcome Feed(IReadOnlyList<byte[]> chunks, int maxTrailerBytes = DefaultMaxTrailerBytes)
    {
        var decoder = new ChunkedDecoder();
        var received = new List<byte[]>();
        var data = new List<byte>();
        long consumed = 0;

        foreach (byte[] chunk in chunks)
        {
            received.Add(chunk);
            var reader = new SequenceReader<byte>(TestSequences.Create(received).Slice(consumed));
            while (true)
            {
                ChunkedStatus status = decoder.Read(ref reader, maxTrailerBytes, out ReadOnlySequence<byte> piece, out RejectReason reason);
                if (status == ChunkedStatus.Data)
                {
                    Assert.False(piece.IsEmpty);
                    data.AddRange(piece.ToArray());
                    continue;
                }

                consumed += reader.Consumed;
                if (status == ChunkedStatus.NeedMoreData)
                {
                    Assert.Equal(RejectReason.None, reason);
                    break;
                }

                return new ChunkedOutcome(status, reason, TestSequences.Text(data.ToArray()), consumed);
            }
        }

        return new ChunkedOutcome(ChunkedStatus.NeedMoreData, RejectReason.None, TestSequences.Text(data.ToArray()), consumed);
    }
}
