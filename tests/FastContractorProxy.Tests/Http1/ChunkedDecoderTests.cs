using FastContractorProxy.Http1;

namespace FastContractorProxy.Tests.Http1;

public class ChunkedDecoderTests
{
    [Fact]
    public void Extension_TokenValue_DataDecoded()
    {
        ChunkedOutcome outcome = ChunkedFeeder.Decode("2;a=b\r\nzz\r\n0\r\n\r\n");

        Assert.Equal(ChunkedStatus.Completed, outcome.Status);
        Assert.Equal("zz", outcome.Data);
        Assert.Equal(16, outcome.Consumed);
    }

    [Theory]
    [InlineData("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", "hello world")]
    [InlineData("0\r\n\r\n", "")]
    [InlineData("A\r\n0123456789\r\n0\r\n\r\n", "0123456789")]
    [InlineData("a\r\n0123456789\r\n0\r\n\r\n", "0123456789")]
    [InlineData("0002\r\nzz\r\n000\r\n\r\n", "zz")]
    [InlineData("000000000000000000002\r\nzz\r\n0\r\n\r\n", "zz")]
    [InlineData("1\r\n\r\r\n1\r\n\n\r\n0\r\n\r\n", "\r\n")]
    public void Body_Valid_DataDecoded(string body, string expected)
    {
        ChunkedOutcome outcome = ChunkedFeeder.Decode(body);

        Assert.Equal(ChunkedStatus.Completed, outcome.Status);
        Assert.Equal(expected, outcome.Data);
        Assert.Equal(body.Length, outcome.Consumed);
    }

    [Fact]
    public void Completed_StopsBeforeNextRequest()
    {
        const string body = "2\r\nzz\r\n0\r\n\r\n";

        ChunkedOutcome outcome = ChunkedFeeder.Decode(body + "GET / HTTP/1.1\r\n");

        Assert.Equal(ChunkedStatus.Completed, outcome.Status);
        Assert.Equal(body.Length, outcome.Consumed);
    }

    [Fact]
    public void MaxChunkSize_Accepted()
    {
        Assert.Equal(RejectReason.None, ChunkedDecoder.ParseSizeLine("ffffffff"u8, out long size));
        Assert.Equal(ChunkedDecoder.MaxChunkSize, size);
    }

    [Theory]
    [InlineData("2;a=b")]
    [InlineData("2;a")]
    [InlineData("2;a;b=c")]
    [InlineData("2 ;a=b")]
    [InlineData("2\t;\ta\t=\tb")]
    [InlineData("2; a = b ; c")]
    [InlineData("2;a=\"\"")]
    [InlineData("2;a=\"x y;z=\\\"q\\\"\"")]
    [InlineData("2;a=\"caf\u00e9\"")]
    [InlineData("2;a=\"tab\there\"")]
    [InlineData("2;a=\"\\\\\"")]
    public void Extension_Valid_Accepted(string line)
    {
        Assert.Equal(RejectReason.None, ChunkedDecoder.ParseSizeLine(TestSequences.Bytes(line), out long size));
        Assert.Equal(2, size);
    }

    // Lenient on purpose: whitespace after the size without an extension is not in the RFC 9112 grammar, but
    // the proxy re-frames the body, so the upstream never receives this line and cannot read it differently.
    [Fact]
    public void SizeLine_TrailingWhitespace_Accepted()
    {
        Assert.Equal(RejectReason.None, ChunkedDecoder.ParseSizeLine("2 \t"u8, out long size));
        Assert.Equal(2, size);
    }

    [Theory]
    [InlineData("2;")]
    [InlineData("2;=b")]
    [InlineData("2;a=")]
    [InlineData("2;a=b c")]
    [InlineData("2;a=\"unterminated")]
    [InlineData("2;a=\"x\"y")]
    [InlineData("2;a=\"x\\")]
    [InlineData("2;a=\"\u0000\"")]
    [InlineData("2;a=\"\u007f\"")]
    [InlineData("2;a=\"\\\u0001\"")]
    [InlineData("2;a=b\"c\"")]
    [InlineData("2;a=@")]
    [InlineData("2;a b")]
    [InlineData("2 x")]
    public void Extension_Invalid_Rejected(string line)
    {
        Assert.Equal(RejectReason.InvalidChunkExtension, ChunkedDecoder.ParseSizeLine(TestSequences.Bytes(line), out _));
    }

    [Fact]
    public void Extension_QuotedValueInBody_DataDecoded()
    {
        ChunkedOutcome outcome = ChunkedFeeder.Decode("2;name=\"a;b=c\\\"\"\r\nzz\r\n0;last\r\n\r\n");

        Assert.Equal(ChunkedStatus.Completed, outcome.Status);
        Assert.Equal("zz", outcome.Data);
    }

    [Theory]
    [InlineData("2;a\nxx\r\nzz\r\n0\r\n\r\n", nameof(RejectReason.BareLineFeed))]
    [InlineData("2\nzz\r\n0\r\n\r\n", nameof(RejectReason.BareLineFeed))]
    [InlineData("\n", nameof(RejectReason.BareLineFeed))]
    [InlineData("2\r\nzz\r\n0\n\r\n", nameof(RejectReason.BareLineFeed))]
    [InlineData("2\r\r\nzz\r\n0\r\n\r\n", nameof(RejectReason.BareCarriageReturn))]
    [InlineData("2;a=\"\r\"\r\nzz\r\n0\r\n\r\n", nameof(RejectReason.BareCarriageReturn))]
    [InlineData("1zzz\r\n", nameof(RejectReason.InvalidChunkSize))]
    [InlineData("0x2\r\n", nameof(RejectReason.InvalidChunkSize))]
    [InlineData("-0\r\n\r\n", nameof(RejectReason.InvalidChunkSize))]
    [InlineData("+2\r\nzz\r\n0\r\n\r\n", nameof(RejectReason.InvalidChunkSize))]
    [InlineData(" 2\r\nzz\r\n0\r\n\r\n", nameof(RejectReason.InvalidChunkSize))]
    [InlineData("\r\n", nameof(RejectReason.InvalidChunkSize))]
    [InlineData("g\r\n", nameof(RejectReason.InvalidChunkSize))]
    [InlineData("2,3\r\n", nameof(RejectReason.InvalidChunkSize))]
    [InlineData("100000002\r\nzz", nameof(RejectReason.ChunkSizeTooLarge))]
    [InlineData("100000000\r\n", nameof(RejectReason.ChunkSizeTooLarge))]
    [InlineData("12345678901234567890\r\nzz", nameof(RejectReason.ChunkSizeTooLarge))]
    [InlineData("ffffffffffffffffffff\r\n", nameof(RejectReason.ChunkSizeTooLarge))]
    [InlineData("2\r\nzzz\r\n0\r\n\r\n", nameof(RejectReason.MissingChunkTerminator))]
    [InlineData("2\r\nzz0\r\n\r\n", nameof(RejectReason.MissingChunkTerminator))]
    [InlineData("2\r\nzz\n0\r\n\r\n", nameof(RejectReason.MissingChunkTerminator))]
    [InlineData("2\r\nzz\rx0\r\n\r\n", nameof(RejectReason.MissingChunkTerminator))]
    public void Body_Malformed_Rejected(string body, string expectedName)
    {
        RejectReason expected = Enum.Parse<RejectReason>(expectedName);

        ChunkedOutcome outcome = ChunkedFeeder.Decode(body);

        Assert.Equal(ChunkedStatus.Invalid, outcome.Status);
        Assert.Equal(expected, outcome.Reason);
        Assert.Equal(400, RejectReasons.GetStatusCode(outcome.Reason));
    }

    [Theory]
    [InlineData("2\r\nz")]
    [InlineData("2\r\nzz")]
    [InlineData("2\r\nzz\r")]
    [InlineData("2\r\nzz\r\n0\r\n")]
    [InlineData("2\r\nzz\r\n0\r\n\r")]
    [InlineData("2\r\nzz\r\n0\r\nX-Sum: 1\r\n")]
    [InlineData("1zz")]
    public void Body_Incomplete_NeedsMoreData(string body)
    {
        Assert.Equal(ChunkedStatus.NeedMoreData, ChunkedFeeder.Decode(body).Status);
    }

    [Fact]
    public void SizeLine_OverLineLimit_Rejected()
    {
        string body = new string('0', 5000) + "2\r\nzz\r\n0\r\n\r\n";

        ChunkedOutcome outcome = ChunkedFeeder.Decode(body);

        Assert.Equal(ChunkedStatus.Invalid, outcome.Status);
        Assert.Equal(RejectReason.InvalidChunkSize, outcome.Reason);
    }

    [Fact]
    public void SizeLine_UnendedOverLineLimit_Rejected()
    {
        ChunkedOutcome outcome = ChunkedFeeder.Decode("2;a=" + new string('b', 5000));

        Assert.Equal(ChunkedStatus.Invalid, outcome.Status);
        Assert.Equal(RejectReason.InvalidChunkSize, outcome.Reason);
    }

    [Fact]
    public void Trailer_ValidFields_Completed()
    {
        ChunkedOutcome outcome = ChunkedFeeder.Decode("2\r\nzz\r\n0\r\nX-Checksum: abc\r\nX-Empty:\r\nX-Obs: caf\u00e9\r\n\r\n");

        Assert.Equal(ChunkedStatus.Completed, outcome.Status);
        Assert.Equal("zz", outcome.Data);
    }

    [Theory]
    [InlineData("0\r\nX-Sum: a\u0000b\r\n\r\n", nameof(RejectReason.InvalidTrailer))]
    [InlineData("0\r\nX-Sum: a\u000bb\r\n\r\n", nameof(RejectReason.InvalidTrailer))]
    [InlineData("0\r\nX Sum: a\r\n\r\n", nameof(RejectReason.InvalidTrailer))]
    [InlineData("0\r\nX-Sum : a\r\n\r\n", nameof(RejectReason.InvalidTrailer))]
    [InlineData("0\r\n: a\r\n\r\n", nameof(RejectReason.InvalidTrailer))]
    [InlineData("0\r\nno-colon\r\n\r\n", nameof(RejectReason.InvalidTrailer))]
    [InlineData("0\r\nX-Sum: a\r\n b\r\n\r\n", nameof(RejectReason.InvalidTrailer))]
    [InlineData("0\r\n\tX-Sum: a\r\n\r\n", nameof(RejectReason.InvalidTrailer))]
    [InlineData("0\r\nX-Sum: a\n\r\n", nameof(RejectReason.BareLineFeed))]
    [InlineData("0\r\nX-Sum: a\rb\r\n\r\n", nameof(RejectReason.BareCarriageReturn))]
    [InlineData("0\r\n\n", nameof(RejectReason.BareLineFeed))]
    public void Trailer_Malformed_Rejected(string body, string expectedName)
    {
        RejectReason expected = Enum.Parse<RejectReason>(expectedName);

        ChunkedOutcome outcome = ChunkedFeeder.Decode(body);

        Assert.Equal(ChunkedStatus.Invalid, outcome.Status);
        Assert.Equal(expected, outcome.Reason);
    }

    // The trailer section is the field lines between the last chunk and the final CRLF (RFC 9112 section 7.1.2).
    [Theory]
    [InlineData("0\r\n\r\n", 0)]
    [InlineData("0\r\nX-A: 1\r\n\r\n", 8)]
    [InlineData("0\r\nX-A: 1\r\nX-B: 22\r\n\r\n", 17)]
    public void Trailer_AtLimit_Completed(string body, int maxTrailerBytes)
    {
        Assert.Equal(ChunkedStatus.Completed, ChunkedFeeder.Decode(body, maxTrailerBytes).Status);
    }

    [Theory]
    [InlineData("0\r\nX-A: 1\r\n\r\n", 7)]
    [InlineData("0\r\nX-A: 1\r\nX-B: 22\r\n\r\n", 16)]
    [InlineData("0\r\nX-A: 1\r\nX-B: 22", 15)]
    [InlineData("0\r\nX-A: 1", 6)]
    public void Trailer_OverLimit_431(string body, int maxTrailerBytes)
    {
        ChunkedOutcome outcome = ChunkedFeeder.Decode(body, maxTrailerBytes);

        Assert.Equal(ChunkedStatus.Invalid, outcome.Status);
        Assert.Equal(RejectReason.TrailerSectionTooLarge, outcome.Reason);
        Assert.Equal(431, RejectReasons.GetStatusCode(outcome.Reason));
    }

    [Fact]
    public void Trailer_BudgetSpent_AwaitsFinalCrlf()
    {
        ChunkedOutcome outcome = ChunkedFeeder.Decode("0\r\nX-A: 1\r\n\r", 8);

        Assert.Equal(ChunkedStatus.NeedMoreData, outcome.Status);
    }

    [Fact]
    public void Trailer_LongLine_431()
    {
        string body = "0\r\nX-Long: " + new string('v', 5000) + "\r\n\r\n";

        ChunkedOutcome outcome = ChunkedFeeder.Decode(body, 1024);

        Assert.Equal(ChunkedStatus.Invalid, outcome.Status);
        Assert.Equal(RejectReason.TrailerSectionTooLarge, outcome.Reason);
    }

    [Fact]
    public void Trailer_LineLongerThanSizeLineLimit_Completed()
    {
        string body = "0\r\nX-Long: " + new string('v', 5000) + "\r\n\r\n";

        ChunkedOutcome outcome = ChunkedFeeder.Decode(body, 8 * 1024);

        Assert.Equal(ChunkedStatus.Completed, outcome.Status);
    }

    [Fact]
    public void Trailer_LongUnendedLine_431()
    {
        string body = "0\r\nX-Long: " + new string('v', 5000);

        ChunkedOutcome outcome = ChunkedFeeder.Decode(body, 1024);

        Assert.Equal(ChunkedStatus.Invalid, outcome.Status);
        Assert.Equal(RejectReason.TrailerSectionTooLarge, outcome.Reason);
    }

    [Fact]
    public void Completed_ReadAgain_StaysCompleted()
    {
        var decoder = new ChunkedDecoder();
        var reader = new System.Buffers.SequenceReader<byte>(new System.Buffers.ReadOnlySequence<byte>("0\r\n\r\nxyz"u8.ToArray()));

        Assert.Equal(ChunkedStatus.Completed, decoder.Read(ref reader, 100, out _, out _));
        Assert.True(decoder.IsCompleted);
        Assert.Equal(ChunkedStatus.Completed, decoder.Read(ref reader, 100, out _, out _));
        Assert.Equal(5, reader.Consumed);
    }
}
