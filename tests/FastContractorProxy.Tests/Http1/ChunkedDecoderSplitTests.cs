using FastContractorProxy.Http1;
using static FastContractorProxy.Tests.Http1.TestSequences;

namespace FastContractorProxy.Tests.Http1;

/// <summary>Chunked data out must not depend on how the transport splits the body into segments and reads.</summary>
public class ChunkedDecoderSplitTests
{
    private const string Body =
        "5;name=\"quoted;value\"\r\nhello\r\n" +
        "1\r\n \r\n" +
        "00a\r\n0123456789\r\n" +
        "3\r\n\r\n\r\r\n" +
        "0;last\r\n" +
        "X-Checksum: abc\r\n" +
        "\r\n";

    private const string Data = "hello 0123456789\r\n\r";

    // Bytes after the body belong to the next request and must stay unconsumed.
    private const string Next = "GET / HTTP/1.1\r\n";

    [Fact]
    public void Body_OneSegment_Decoded()
    {
        ChunkedOutcome outcome = ChunkedFeeder.Feed([Bytes(Body + Next)]);

        Assert.Equal(ChunkedStatus.Completed, outcome.Status);
        Assert.Equal(Data, outcome.Data);
        Assert.Equal(Body.Length, outcome.Consumed);
    }

    [Fact]
    public void Body_EverySplit_SameData()
    {
        byte[] bytes = Bytes(Body + Next);
        var expected = new ChunkedOutcome(ChunkedStatus.Completed, RejectReason.None, Data, Body.Length);

        for (int split = 1; split < bytes.Length; split++)
        {
            ChunkedOutcome actual = ChunkedFeeder.Feed(SplitAt(bytes, split));
            Assert.Equal($"split {split}: {expected}", $"split {split}: {actual}");
        }
    }

    [Fact]
    public void Body_EveryTwoSplits_SameData()
    {
        byte[] bytes = Bytes(Body);
        var expected = new ChunkedOutcome(ChunkedStatus.Completed, RejectReason.None, Data, Body.Length);

        for (int first = 1; first < bytes.Length; first++)
        {
            for (int second = first + 1; second < bytes.Length; second++)
            {
                ChunkedOutcome actual = ChunkedFeeder.Feed(SplitAt(bytes, first, second));
                Assert.Equal($"split {first},{second}: {expected}", $"split {first},{second}: {actual}");
            }
        }
    }

    [Fact]
    public void Body_OneBytePerSegment_SameData()
    {
        ChunkedOutcome outcome = ChunkedFeeder.Feed(OneBytePerSegment(Bytes(Body + Next)));

        Assert.Equal(ChunkedStatus.Completed, outcome.Status);
        Assert.Equal(Data, outcome.Data);
        Assert.Equal(Body.Length, outcome.Consumed);
    }

    [Fact]
    public void Body_Truncated_NeedsMoreDataAtEveryLength()
    {
        byte[] bytes = Bytes(Body);

        for (int length = 1; length < bytes.Length; length++)
        {
            ChunkedOutcome outcome = ChunkedFeeder.Feed(OneBytePerSegment(bytes[..length]));
            Assert.Equal($"length {length}: {ChunkedStatus.NeedMoreData}", $"length {length}: {outcome.Status}");
            Assert.StartsWith(outcome.Data, Data, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("2;a\nxx\r\nzz\r\n0\r\n\r\n", nameof(RejectReason.BareLineFeed))]
    [InlineData("2\nzz\r\n0\r\n\r\n", nameof(RejectReason.BareLineFeed))]
    [InlineData("1zzz\r\n", nameof(RejectReason.InvalidChunkSize))]
    [InlineData("0x2\r\n", nameof(RejectReason.InvalidChunkSize))]
    [InlineData("-0\r\n\r\n", nameof(RejectReason.InvalidChunkSize))]
    [InlineData("100000002\r\nzz", nameof(RejectReason.ChunkSizeTooLarge))]
    [InlineData("2\r\nzzz\r\n0\r\n\r\n", nameof(RejectReason.MissingChunkTerminator))]
    [InlineData("2\r\nzz0\r\n\r\n", nameof(RejectReason.MissingChunkTerminator))]
    [InlineData("2\r\nzz\r\n0\r\nX-Sum : 1\r\n\r\n", nameof(RejectReason.InvalidTrailer))]
    public void Malformed_EverySplit_SameReason(string body, string expectedName)
    {
        RejectReason expected = Enum.Parse<RejectReason>(expectedName);

        byte[] bytes = Bytes(body);

        for (int split = 1; split < bytes.Length; split++)
        {
            ChunkedOutcome outcome = ChunkedFeeder.Feed(SplitAt(bytes, split));
            Assert.Equal($"split {split}: {ChunkedStatus.Invalid} {expected}", $"split {split}: {outcome.Status} {outcome.Reason}");
        }
    }
}
