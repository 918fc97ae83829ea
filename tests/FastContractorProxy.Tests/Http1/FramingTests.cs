using FastContractorProxy.Http1;

namespace FastContractorProxy.Tests.Http1;

/// <summary>Content-Length and Transfer-Encoding in request heads (RFC 9112 section 6).</summary>
public class FramingTests
{
    private static ParsedRequest ParseFields(string fields, string version = "HTTP/1.1") =>
        RequestHeads.Parse($"POST /upload {version}\r\nHost: example.com\r\n{fields}\r\n");

    [Fact]
    public void NoFraming_NoBody()
    {
        ParsedRequest request = ParseFields("");

        Assert.Equal(RejectReason.None, request.Reason);
        Assert.Equal(-1, request.Head.ContentLength);
        Assert.False(request.Head.Chunked);
        Assert.False(request.Head.HasBody);
    }

    [Theory]
    [InlineData("0", 0)]
    [InlineData("58", 58)]
    [InlineData("0058", 58)]
    [InlineData("58, 58", 58)]
    [InlineData("58,58,58", 58)]
    [InlineData("999999999999999999", 999999999999999999)]
    public void ContentLength_Valid_Parsed(string value, long expected)
    {
        ParsedRequest request = ParseFields($"Content-Length: {value}\r\n");

        Assert.Equal(RejectReason.None, request.Reason);
        Assert.Equal(expected, request.Head.ContentLength);
        Assert.True(request.IsDropped("Content-Length"));
    }

    [Fact]
    public void ContentLength_Zero_NoBody()
    {
        ParsedRequest request = ParseFields("Content-Length: 0\r\n");

        Assert.False(request.Head.HasBody);
    }

    [Fact]
    public void ContentLength_TwoEqualFields_Collapsed()
    {
        ParsedRequest request = ParseFields("Content-Length: 58\r\nContent-Length: 58\r\n");

        Assert.Equal(RejectReason.None, request.Reason);
        Assert.Equal(58, request.Head.ContentLength);
    }

    [Fact]
    public void ContentLength_TwoDifferentFields_Conflicting()
    {
        ParsedRequest request = ParseFields("Content-Length: 58\r\nContent-Length: 5\r\n");

        Assert.Equal(RejectReason.ConflictingContentLength, request.Reason);
        Assert.Equal(400, RejectReasons.GetStatusCode(request.Reason));
    }

    [Theory]
    [InlineData("58, 5")]
    [InlineData("5, 58")]
    [InlineData("0, 1")]
    public void ContentLength_DifferentListMembers_Conflicting(string value)
    {
        Assert.Equal(RejectReason.ConflictingContentLength, ParseFields($"Content-Length: {value}\r\n").Reason);
    }

    [Theory]
    [InlineData("")]
    [InlineData("+58")]
    [InlineData("-1")]
    [InlineData("0x3a")]
    [InlineData("3a")]
    [InlineData("5 8")]
    [InlineData("58,")]
    [InlineData(",58")]
    [InlineData("58,,58")]
    [InlineData("5.8")]
    [InlineData("1e3")]
    [InlineData("\"58\"")]
    [InlineData("1000000000000000000")]
    [InlineData("9223372036854775807")]
    [InlineData("99999999999999999999999")]
    public void ContentLength_Invalid_Rejected(string value)
    {
        ParsedRequest request = ParseFields($"Content-Length: {value}\r\n");

        Assert.Equal(RejectReason.InvalidContentLength, request.Reason);
        Assert.Equal(400, RejectReasons.GetStatusCode(request.Reason));
    }

    [Fact]
    public void ContentLength_WithTransferEncoding_Rejected()
    {
        ParsedRequest request = ParseFields("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n");

        Assert.Equal(RejectReason.ContentLengthWithTransferEncoding, request.Reason);
        Assert.Equal(400, RejectReasons.GetStatusCode(request.Reason));
    }

    [Fact]
    public void ContentLength_AfterTransferEncoding_Rejected()
    {
        ParsedRequest request = ParseFields("Transfer-Encoding: chunked\r\nContent-Length: 0\r\n");

        Assert.Equal(RejectReason.ContentLengthWithTransferEncoding, request.Reason);
    }

    [Fact]
    public void TransferEncoding_InHttp10_Rejected()
    {
        ParsedRequest request = ParseFields("Transfer-Encoding: chunked\r\n", "HTTP/1.0");

        Assert.Equal(RejectReason.TransferEncodingInHttp10, request.Reason);
        Assert.Equal(400, RejectReasons.GetStatusCode(request.Reason));
    }

    [Theory]
    [InlineData("Transfer-Encoding: chunked\r\n")]
    [InlineData("Transfer-Encoding: CHUNKED\r\n")]
    [InlineData("Transfer-Encoding: Chunked\r\n")]
    [InlineData("Transfer-Encoding: chunked\t\r\n")]
    [InlineData("Transfer-Encoding:chunked\r\n")]
    [InlineData("Transfer-Encoding: chunked,\r\n")]
    [InlineData("Transfer-Encoding: , chunked\r\n")]
    [InlineData("transfer-encoding: chunked\r\n")]
    public void TransferEncoding_Chunked_Accepted(string fields)
    {
        ParsedRequest request = ParseFields(fields);

        Assert.Equal(RejectReason.None, request.Reason);
        Assert.True(request.Head.Chunked);
        Assert.True(request.Head.HasBody);
        Assert.Equal(-1, request.Head.ContentLength);
        Assert.True(request.IsDropped("Transfer-Encoding"));
    }

    [Theory]
    [InlineData("Transfer-Encoding: chunked\t\r\n")]
    [InlineData("Transfer-Encoding: chunked,\r\n")]
    [InlineData("Transfer-Encoding: CHUNKED\r\n")]
    public void TransferEncoding_ChunkedVariantWithContentLength_Rejected(string fields)
    {
        ParsedRequest request = ParseFields(fields + "Content-Length: 58\r\n");

        Assert.Equal(RejectReason.ContentLengthWithTransferEncoding, request.Reason);
    }

    [Theory]
    [InlineData("Transfer-Encoding: xchunked\r\n", nameof(RejectReason.ChunkedNotFinal))]
    [InlineData("Transfer-Encoding: chunkedx\r\n", nameof(RejectReason.ChunkedNotFinal))]
    [InlineData("Transfer-Encoding: gzip\r\n", nameof(RejectReason.ChunkedNotFinal))]
    [InlineData("Transfer-Encoding: identity\r\n", nameof(RejectReason.ChunkedNotFinal))]
    [InlineData("Transfer-Encoding: chunked, identity\r\n", nameof(RejectReason.ChunkedNotFinal))]
    [InlineData("Transfer-Encoding: chunked, gzip\r\n", nameof(RejectReason.ChunkedNotFinal))]
    [InlineData("Transfer-Encoding: chunked, chunked\r\n", nameof(RejectReason.ChunkedNotFinal))]
    [InlineData("Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n", nameof(RejectReason.ChunkedNotFinal))]
    [InlineData("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", nameof(RejectReason.ChunkedNotFinal))]
    [InlineData("Transfer-Encoding: \"chunked\"\r\n", nameof(RejectReason.InvalidTransferCoding))]
    [InlineData("Transfer-Encoding: chunked;q=1\r\n", nameof(RejectReason.InvalidTransferCoding))]
    [InlineData("Transfer-Encoding: chun ked\r\n", nameof(RejectReason.InvalidTransferCoding))]
    [InlineData("Transfer-Encoding:\r\n", nameof(RejectReason.InvalidTransferCoding))]
    [InlineData("Transfer-Encoding: ,\r\n", nameof(RejectReason.InvalidTransferCoding))]
    [InlineData("Transfer-Encoding: \u000bchunked\r\n", nameof(RejectReason.InvalidFieldValue))]
    [InlineData("Transfer-Encoding: chunked\u000b\r\n", nameof(RejectReason.InvalidFieldValue))]
    [InlineData("Transfer-Encoding: \u00a0chunked\r\n", nameof(RejectReason.InvalidTransferCoding))]
    public void TransferEncoding_Malformed_400(string fields, string expectedName)
    {
        RejectReason expected = Enum.Parse<RejectReason>(expectedName);

        ParsedRequest request = ParseFields(fields);

        Assert.Equal(expected, request.Reason);
        Assert.Equal(400, RejectReasons.GetStatusCode(request.Reason));
    }

    [Theory]
    [InlineData("Transfer-Encoding: gzip, chunked\r\n")]
    [InlineData("Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n")]
    [InlineData("Transfer-Encoding: identity, chunked\r\n")]
    public void TransferEncoding_OtherCodingBeforeChunked_501(string fields)
    {
        ParsedRequest request = ParseFields(fields);

        Assert.Equal(RejectReason.UnsupportedTransferCoding, request.Reason);
        Assert.Equal(501, RejectReasons.GetStatusCode(request.Reason));
    }

    [Fact]
    public void TransferEncoding_SplitOverTwoFields_Chunked()
    {
        ParsedRequest request = ParseFields("Transfer-Encoding: \r\nTransfer-Encoding: chunked\r\n");

        Assert.Equal(RejectReason.None, request.Reason);
        Assert.True(request.Head.Chunked);
    }
}
