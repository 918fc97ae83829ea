using FastContractorProxy.Http1;

namespace FastContractorProxy.Tests.Http1;

public class ResponseHeadParserTests
{
    private static (bool Parsed, ResponseHead Head) Parse(string text, KnownMethod method = KnownMethod.Get)
    {
        byte[] bytes = TestSequences.Bytes(text);
        var head = new ResponseHead();
        head.Attach(bytes, 0, bytes.Length);
        bool parsed = ResponseHeadParser.TryParse(head, method, out _);
        return (parsed, head);
    }

    private static bool IsDropped(ResponseHead head, string name)
    {
        for (int i = 0; i < head.FieldCount; i++)
        {
            if (string.Equals(TestSequences.Text(head.Fields[i].Name(head.Section)), name, StringComparison.OrdinalIgnoreCase))
            {
                return head.Fields[i].Dropped;
            }
        }

        Assert.Fail($"No field named '{name}' in the response head.");
        return false;
    }

    [Fact]
    public void StatusLine_Parsed()
    {
        (bool parsed, ResponseHead head) = Parse("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");

        Assert.True(parsed);
        Assert.Equal(404, head.StatusCode);
        Assert.Equal(HttpVersion.Http11, head.Version);
        Assert.Equal("Not Found", TestSequences.Text(head.Section.Slice(head.ReasonPhrase.Start, head.ReasonPhrase.Length)));
    }

    [Fact]
    public void StatusLine_EmptyReason_Accepted()
    {
        (bool parsed, ResponseHead head) = Parse("HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n");

        Assert.True(parsed);
        Assert.Equal(200, head.StatusCode);
        Assert.Equal(0, head.ReasonPhrase.Length);
    }

    [Fact]
    public void StatusLine_Http10_Accepted()
    {
        (bool parsed, ResponseHead head) = Parse("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n");

        Assert.True(parsed);
        Assert.Equal(HttpVersion.Http10, head.Version);
    }

    [Theory]
    [InlineData("HTTP/1.1 200\r\n\r\n")]
    [InlineData("HTTP/1.1 200OK\r\n\r\n")]
    [InlineData("HTTP/1.1  200 OK\r\n\r\n")]
    [InlineData("HTTP/1.1 20 OK\r\n\r\n")]
    [InlineData("HTTP/1.1 2000 OK\r\n\r\n")]
    [InlineData("HTTP/1.1 20x OK\r\n\r\n")]
    [InlineData("HTTP/1.1 099 OK\r\n\r\n")]
    [InlineData("HTTP/1.1 600 OK\r\n\r\n")]
    [InlineData("HTTP/1.1 999 OK\r\n\r\n")]
    [InlineData("HTTP/2.0 200 OK\r\n\r\n")]
    [InlineData("http/1.1 200 OK\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\n\r\n")]
    [InlineData("HTTP/1.1 200 O\u0000K\r\n\r\n")]
    [InlineData("HTTP/1.1 200 O\rK\r\n\r\n")]
    [InlineData("ICY 200 OK\r\n\r\n")]
    [InlineData("\r\n")]
    public void StatusLine_Malformed_Rejected(string text)
    {
        Assert.False(Parse(text).Parsed);
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nX : a\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nX: a\u0000\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nX: a\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nno-colon\r\n\r\n")]
    public void Fields_Malformed_Rejected(string text)
    {
        Assert.False(Parse(text).Parsed);
    }

    [Fact]
    public void ContentLength_Framing()
    {
        (bool parsed, ResponseHead head) = Parse("HTTP/1.1 200 OK\r\nContent-Length: 42\r\n\r\n");

        Assert.True(parsed);
        Assert.Equal(ResponseFraming.ContentLength, head.Framing);
        Assert.Equal(42, head.ContentLength);
        Assert.True(head.KeepAlive);
    }

    [Theory]
    [InlineData("Content-Length: 42, 42\r\n")]
    [InlineData("Content-Length: 42\r\nContent-Length: 42\r\n")]
    public void ContentLength_RepeatedSameValue_Accepted(string fields)
    {
        (bool parsed, ResponseHead head) = Parse($"HTTP/1.1 200 OK\r\n{fields}\r\n");

        Assert.True(parsed);
        Assert.Equal(42, head.ContentLength);
    }

    [Theory]
    [InlineData("Content-Length: 42, 43\r\n")]
    [InlineData("Content-Length: 42\r\nContent-Length: 43\r\n")]
    [InlineData("Content-Length: -1\r\n")]
    [InlineData("Content-Length: +42\r\n")]
    [InlineData("Content-Length: 0x2a\r\n")]
    [InlineData("Content-Length:\r\n")]
    [InlineData("Content-Length: 1000000000000000000\r\n")]
    public void ContentLength_Invalid_Rejected(string fields)
    {
        Assert.False(Parse($"HTTP/1.1 200 OK\r\n{fields}\r\n").Parsed);
    }

    [Theory]
    [InlineData("Transfer-Encoding: chunked\r\n")]
    [InlineData("Transfer-Encoding: CHUNKED \r\n")]
    [InlineData("Transfer-Encoding: chunked,\r\n")]
    public void Chunked_Framing(string fields)
    {
        (bool parsed, ResponseHead head) = Parse($"HTTP/1.1 200 OK\r\n{fields}\r\n");

        Assert.True(parsed);
        Assert.Equal(ResponseFraming.Chunked, head.Framing);
        Assert.True(head.KeepAlive);
        Assert.True(IsDropped(head, "Transfer-Encoding"));
    }

    [Theory]
    [InlineData("Transfer-Encoding: gzip, chunked\r\n")]
    [InlineData("Transfer-Encoding: gzip\r\n")]
    [InlineData("Transfer-Encoding: chunked, gzip\r\n")]
    [InlineData("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n")]
    [InlineData("Transfer-Encoding: \"chunked\"\r\n")]
    [InlineData("Transfer-Encoding:\r\n")]
    public void TransferEncoding_NotExactlyChunked_Rejected(string fields)
    {
        Assert.False(Parse($"HTTP/1.1 200 OK\r\n{fields}\r\n").Parsed);
    }

    [Theory]
    [InlineData("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n")]
    [InlineData("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n")]
    public void ContentLengthWithTransferEncoding_Rejected(string fields)
    {
        Assert.False(Parse($"HTTP/1.1 200 OK\r\n{fields}\r\n").Parsed);
    }

    // RFC 9112 section 6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing.
    [Theory]
    [InlineData("Transfer-Encoding: chunked\r\n")]
    [InlineData("Transfer-Encoding: chunked\r\nConnection: keep-alive\r\n")]
    public void TransferEncodingInHttp10_Rejected(string fields)
    {
        Assert.False(Parse($"HTTP/1.0 200 OK\r\n{fields}\r\n").Parsed);
    }

    [Fact]
    public void NoLength_CloseDelimited()
    {
        (bool parsed, ResponseHead head) = Parse("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n");

        Assert.True(parsed);
        Assert.Equal(ResponseFraming.CloseDelimited, head.Framing);
        Assert.False(head.KeepAlive);
    }

    [Theory]
    [InlineData("HTTP/1.1 204 No Content\r\n\r\n")]
    [InlineData("HTTP/1.1 304 Not Modified\r\nContent-Length: 42\r\n\r\n")]
    [InlineData("HTTP/1.1 100 Continue\r\n\r\n")]
    [InlineData("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n")]
    [InlineData("HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n")]
    [InlineData("HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n")]
    public void NoBodyStatus_NoBody(string text)
    {
        (bool parsed, ResponseHead head) = Parse(text);

        Assert.True(parsed);
        Assert.Equal(ResponseFraming.NoBody, head.Framing);
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 42\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\n\r\n")]
    public void HeadRequest_NoBody(string text)
    {
        (bool parsed, ResponseHead head) = Parse(text, KnownMethod.Head);

        Assert.True(parsed);
        Assert.Equal(ResponseFraming.NoBody, head.Framing);
        Assert.True(head.KeepAlive);
    }

    [Fact]
    public void HeadRequest_ContentLengthKept()
    {
        (_, ResponseHead head) = Parse("HTTP/1.1 200 OK\r\nContent-Length: 42\r\n\r\n", KnownMethod.Head);

        Assert.Equal(42, head.ContentLength);
    }

    [Theory]
    [InlineData("HTTP/1.1", "", true)]
    [InlineData("HTTP/1.1", "Connection: close\r\n", false)]
    [InlineData("HTTP/1.1", "Connection: Close\r\n", false)]
    [InlineData("HTTP/1.1", "Connection: keep-alive, close\r\n", false)]
    [InlineData("HTTP/1.1", "Connection: keep-alive\r\n", true)]
    [InlineData("HTTP/1.0", "", false)]
    [InlineData("HTTP/1.0", "Connection: keep-alive\r\n", true)]
    [InlineData("HTTP/1.0", "Connection: close, keep-alive\r\n", false)]
    [InlineData("HTTP/1.0", "Connection: close\r\nConnection: keep-alive\r\n", false)]
    [InlineData("HTTP/1.0", "Connection: keep-alive\r\nConnection: close\r\n", false)]
    public void KeepAlive_FromVersionAndConnection(string version, string fields, bool expected)
    {
        (bool parsed, ResponseHead head) = Parse($"{version} 200 OK\r\nContent-Length: 0\r\n{fields}\r\n");

        Assert.True(parsed);
        Assert.Equal(expected, head.KeepAlive);
    }

    [Fact]
    public void ConnectionOptions_NamedFieldsDropped()
    {
        (bool parsed, ResponseHead head) = Parse(
            "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX-Internal: a\r\nConnection: x_internal\r\nX-Public: b\r\nKeep-Alive: timeout=5\r\n\r\n");

        Assert.True(parsed);
        Assert.True(IsDropped(head, "X-Internal"));
        Assert.True(IsDropped(head, "Connection"));
        Assert.True(IsDropped(head, "Keep-Alive"));
        Assert.False(IsDropped(head, "X-Public"));
    }

    [Fact]
    public void Reuse_ResetsPreviousValues()
    {
        byte[] first = TestSequences.Bytes("HTTP/1.1 200 OK\r\nContent-Length: 42\r\nX-A: 1\r\n\r\n");
        byte[] second = TestSequences.Bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
        var head = new ResponseHead();
        head.Attach(first, 0, first.Length);
        Assert.True(ResponseHeadParser.TryParse(head, KnownMethod.Get, out _));

        head.Attach(second, 0, second.Length);

        Assert.True(ResponseHeadParser.TryParse(head, KnownMethod.Get, out _));
        Assert.Equal(ResponseFraming.Chunked, head.Framing);
        Assert.Equal(1, head.FieldCount);
    }
}
