using FastContractorProxy.Tests.Infrastructure;
using FastContractorProxy.Tests.Proxy;

namespace FastContractorProxy.Tests.Variants;

/// <summary>
/// Spellings of the framing fields (RFC 9112 sections 6 and 7) that earlier tests do not send. Each rejected request
/// carries the smuggled request in its body and has a harmless request pipelined behind it: the proxy must send
/// the status with Connection: close, and the upstream must not be contacted at all.
/// </summary>
public sealed class SmugglingVariantTests
{
    private const string Head = "POST /public/ok HTTP/1.1\r\nHost: api.example.test\r\n";

    internal static async Task AssertRejectedAsync(string request, int status)
    {
        await using var upstream = RecorderUpstream.Start();
        await using var proxy = await TestProxy.StartAsync(upstream);
        using var client = proxy.Connect();

        await client.SendAsync(request + ProxyAssert.FollowUp);

        await ProxyAssert.RejectedAndClosedAsync(client, status);
        Assert.Equal(0, upstream.ConnectionCount);
        Assert.DoesNotContain(ProxyAssert.SmuggledPath, upstream.AllReceivedText, StringComparison.Ordinal);
    }

    // Chunk errors show only once the head was read, so the proxy may already have opened the upstream connection
    // and sent the head: what matters is that no complete request and no byte after the bad chunk line arrive.
    internal static async Task AssertChunkRejectedAsync(string request)
    {
        await using var upstream = RecorderUpstream.Start();
        await using var proxy = await TestProxy.StartAsync(upstream);
        using var client = proxy.Connect();

        await client.SendAsync(request + ProxyAssert.FollowUp);

        await ProxyAssert.RejectedAndClosedAsync(client, 400);
        Assert.True(await ProxyAssert.WaitUntilAsync(() => upstream.OpenConnections == 0), "The proxy kept the upstream connection open.");
        Assert.Empty(upstream.Requests);
        Assert.DoesNotContain(ProxyAssert.SmuggledPath, upstream.AllReceivedText, StringComparison.Ordinal);
        Assert.DoesNotContain("/public/next", upstream.AllReceivedText, StringComparison.Ordinal);
    }

    // Sends the request and the follow-up, and checks that both got 200 and the upstream saw exactly those two requests.
    internal static async Task<RecordedRequest> AssertForwardedAsync(string request)
    {
        await using var upstream = RecorderUpstream.Start();
        await using var proxy = await TestProxy.StartAsync(upstream);
        using var client = proxy.Connect();

        await client.SendAsync(request + ProxyAssert.FollowUp);
        RawResponse first = await client.ReadResponseAsync();
        RawResponse second = await client.ReadResponseAsync();

        Assert.Equal(200, first.StatusCode);
        Assert.Equal(200, second.StatusCode);
        IReadOnlyList<RecordedRequest> requests = await upstream.WaitForRequestsAsync(2);
        Assert.Equal(2, requests.Count);
        Assert.Equal("/public/next", requests[1].Target);
        return requests[0];
    }

    /// <summary>Transfer-Encoding lines that do not name chunked as one clean, final coding; each with and without Content-Length: 58.</summary>
    public static TheoryData<string, bool, int> RejectedTransferEncodings()
    {
        var data = new TheoryData<string, bool, int>();
        string[] malformed =
        [
            // obs-fold in the framing field (RFC 9112 section 5.2).
            "Transfer-Encoding:\r\n chunked\r\n",
            "Transfer-Encoding: chunked\r\n\tx\r\n",

            // chunked applied twice (RFC 9112 section 6.1 forbids it).
            "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
            "Transfer-Encoding: chunked\r\ntransfer-encoding: CHUNKED\r\n",

            // Not a token list.
            "Transfer-Encoding: ch unked\r\n",
            "Transfer-Encoding: chunked\0\r\n",
            "Transfer-Encoding: chunked\v\r\n",
            "Transfer-Encoding: \fchunked\r\n",
            "Transfer-Encoding: chunked;\r\n",
            "Transfer-Encoding: chunked=1\r\n",
            "Transfer-Encoding: chunkedx\r\n",
            "Transfer-Encoding: chunk\r\n",
        ];
        foreach (string coding in malformed)
        {
            data.Add(coding, false, 400);
            data.Add(coding, true, 400);
        }

        // A coding the proxy does not implement before chunked gets 501 (RFC 9112 section 6.1); with a
        // Content-Length the framing is ambiguous first, so 400.
        data.Add("Transfer-Encoding: identity, chunked\r\n", false, 501);
        data.Add("Transfer-Encoding: identity, chunked\r\n", true, 400);
        data.Add("Transfer-Encoding: deflate\r\nTransfer-Encoding: chunked\r\n", false, 501);

        // Clean chunked spellings are still ambiguous next to Content-Length, in either order.
        string[] clean = ["Transfer-Encoding: chunked \r\n", "Transfer-Encoding: Chunked\r\n", "Transfer-Encoding:  chunked\r\n", "Transfer-Encoding:\tchunked\r\n", "Transfer-Encoding:chunked\r\n"];
        foreach (string coding in clean)
        {
            data.Add(coding, true, 400);
            data.Add(coding + "Content-Length: 58\r\n", false, 400);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(RejectedTransferEncodings))]
    public async Task TransferEncodingVariant_Rejected(string coding, bool withContentLength, int status)
    {
        string length = withContentLength ? "Content-Length: 58\r\n" : "";

        await AssertRejectedAsync($"{Head}{length}{coding}\r\n{ProxyAssert.Smuggled}", status);
    }

    /// <summary>Spellings that are plain chunked after trimming whitespace and folding case (RFC 9112 sections 5.1 and 7).</summary>
    [Theory]
    [InlineData("Transfer-Encoding: chunked \r\n")]
    [InlineData("Transfer-Encoding: Chunked\r\n")]
    [InlineData("Transfer-Encoding:  chunked\r\n")]
    [InlineData("Transfer-Encoding:\tchunked\r\n")]
    [InlineData("Transfer-Encoding:chunked\r\n")]
    [InlineData("transfer-encoding: chunked\r\n")]
    public async Task CleanChunkedSpelling_Reframed(string coding)
    {
        RecordedRequest request = await AssertForwardedAsync($"{Head}{coding}\r\n2\r\nzz\r\n0\r\n\r\n");

        Assert.Equal("zz", request.BodyText);
        Assert.Equal(["chunked"], request.Values("Transfer-Encoding"));
        Assert.Empty(request.Values("Content-Length"));
    }

    /// <summary>Content-Length values that are not one decimal number (RFC 9110 section 8.6, RFC 9112 section 6.3).</summary>
    [Theory]
    [InlineData("Content-Length: 5 8\r\n")]
    [InlineData("Content-Length: 58.0\r\n")]
    [InlineData("Content-Length: -58\r\n")]
    [InlineData("Content-Length: 3a\r\n")]
    [InlineData("Content-Length: 5e1\r\n")]
    [InlineData("Content-Length: 58\0\r\n")]
    [InlineData("Content-Length: 58\v\r\n")]
    [InlineData("Content-Length: \"58\"\r\n")]
    [InlineData("Content-Length: 58;\r\n")]
    [InlineData("Content-Length: 58, 59\r\n")]
    [InlineData("Content-Length: 58\r\nContent-Length: 58\r\nContent-Length: 5\r\n")]
    [InlineData("Content-Length: 58\r\ncontent-length: 0\r\n")]
    [InlineData("Content-Length:\r\n 58\r\n")]
    [InlineData("Content-Length : 58\r\n")]
    public async Task ContentLengthVariant_400(string field) =>
        await AssertRejectedAsync($"{Head}{field}\r\n{ProxyAssert.Smuggled}", 400);

    /// <summary>Valid spellings of Content-Length: 58, which frame exactly the smuggled text as the body.</summary>
    [Theory]
    [InlineData("Content-Length:  58\r\n")]
    [InlineData("Content-Length:58\r\n")]
    [InlineData("Content-Length: 58 \r\n")]
    [InlineData("Content-Length:\t58\t\r\n")]
    [InlineData("content-length: 58\r\n")]
    [InlineData("Content-Length: 058\r\n")]
    public async Task ContentLengthSpelling_BodyForwarded(string field)
    {
        RecordedRequest request = await AssertForwardedAsync($"{Head}{field}\r\n{ProxyAssert.Smuggled}");

        Assert.Equal(ProxyAssert.Smuggled, request.BodyText);
        Assert.Equal(["58"], request.Values("Content-Length"));
    }

    /// <summary>Chunk lines that are not 1*HEXDIG with optional well-formed extensions (RFC 9112 section 7.1).</summary>
    [Theory]
    [InlineData("0x3a\r\n")]
    [InlineData("3a;ext=\"unterminated\r\n")]
    [InlineData("3a;ext=\"a\rb\"\r\n")]
    [InlineData("-3a\r\n")]
    [InlineData("+3a\r\n")]
    [InlineData("3 a\r\n")]
    [InlineData("3\ta\r\n")]
    [InlineData("3a\n")]
    [InlineData("3a\r")]
    [InlineData("3a\r\r\n")]
    [InlineData("3a\0\r\n")]
    [InlineData("3g\r\n")]
    [InlineData("\r\n")]
    [InlineData(";a=b\r\n")]
    public async Task ChunkSizeLineVariant_400(string sizeLine)
    {
        // 0x3a is 58: a parser that reads the size leniently takes the whole smuggled text as chunk data.
        await AssertChunkRejectedAsync($"{Head}Transfer-Encoding: chunked\r\n\r\n{sizeLine}{ProxyAssert.Smuggled}\r\n0\r\n\r\n");
    }

    /// <summary>Line endings after chunk data and in the last chunk and trailer section that are not CRLF.</summary>
    [Theory]
    [InlineData("2\r\nzz\n0\r\n\r\n")]
    [InlineData("2\r\nzz\r0\r\n\r\n")]
    [InlineData("2\r\nzz\r\n0\n\r\n")]
    [InlineData("2\r\nzz\r\n0\r\n\n")]
    [InlineData("2\r\nzz\r\n0\r\nX-T: a\n\r\n")]
    [InlineData("2\r\nzz\r\n0\r\nX-T: a\r\n b\r\n\r\n")]
    [InlineData("2\r\nzz\r\n0\r\nX-T: a\0\r\n\r\n")]
    [InlineData("2\r\nzz\r\n0\r\n: a\r\n\r\n")]
    public async Task ChunkLineEndingVariant_400(string body) =>
        await AssertChunkRejectedAsync($"{Head}Transfer-Encoding: chunked\r\n\r\n{body}{ProxyAssert.Smuggled}");

    [Theory]
    [InlineData("A\r\n0123456789\r\n0\r\n\r\n", "0123456789")]
    [InlineData("a\r\n0123456789\r\n0\r\n\r\n", "0123456789")]
    [InlineData("1;a=\"x;y\"\r\nz\r\n0\r\n\r\n", "z")]
    [InlineData("2\r\nzz\r\n0\r\nContent-Length: 100\r\nTransfer-Encoding: gzip\r\n\r\n", "zz")]
    public async Task ValidChunkedBody_Reframed(string body, string expected)
    {
        RecordedRequest request = await AssertForwardedAsync($"{Head}Transfer-Encoding: chunked\r\n\r\n{body}");

        Assert.Equal(expected, request.BodyText);
        Assert.Empty(request.Values("Content-Length"));
        Assert.Equal(["chunked"], request.Values("Transfer-Encoding"));
    }

    /// <summary>Request lines that do not match method SP request-target SP HTTP-version (RFC 9112 section 3).</summary>
    [Theory]
    [InlineData("GET  /public/ok HTTP/1.1")]
    [InlineData("GET /public/ok  HTTP/1.1")]
    [InlineData("GET\t/public/ok HTTP/1.1")]
    [InlineData("GET /public/ok\tHTTP/1.1")]
    [InlineData("GET /public/ok HTTP/1.1 ")]
    [InlineData(" GET /public/ok HTTP/1.1")]
    [InlineData("GET /public/ok http/1.1")]
    [InlineData("GET /public/ok Http/1.1")]
    [InlineData("GET /public/ok HTTP/1.10")]
    [InlineData("GET /public/ok HTTP/01.1")]
    [InlineData("GET /public/ok HTTP/1.")]
    [InlineData("GET /public/ok HTTP/1")]
    [InlineData("GET /public/ok HTTP/1.1/")]
    [InlineData("GET /public/ok")]
    [InlineData("GET /public/ok HTTP/1.1 extra")]
    [InlineData("GET /public/ok?a b HTTP/1.1")]
    [InlineData("GET /public/\0ok HTTP/1.1")]
    [InlineData("GET /public/\u007fok HTTP/1.1")]
    [InlineData("G\0ET /public/ok HTTP/1.1")]
    [InlineData("GET\v/public/ok HTTP/1.1")]
    [InlineData("GET /public/ok\rHTTP/1.1")]
    [InlineData("GE(T /public/ok HTTP/1.1")]
    [InlineData("GET http://api.example.test:8080@other.example.test/public/ok HTTP/1.1")]
    [InlineData("GET http:///public/ok HTTP/1.1")]
    public async Task RequestLineVariant_400(string requestLine) =>
        await AssertRejectedAsync($"{requestLine}\r\nHost: api.example.test\r\n\r\n", 400);

    /// <summary>
    /// Numerals past 64 bits, one of which wraps to 58 (RFC 9110 section 8.6 requires guarding against overflow).
    /// The proxy may call them invalid (400) or too large (413).
    /// </summary>
    [Theory]
    [InlineData("Content-Length: 18446744073709551674\r\n")]
    [InlineData("Content-Length: 99999999999999999999999999999\r\n")]
    [InlineData("Transfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n")]
    [InlineData("Transfer-Encoding: chunked\r\n\r\n1000000000000003a\r\n")]
    public async Task LengthOverflow_400Or413(string framing)
    {
        // The chunked rows already end their head; the Content-Length rows need the blank line.
        string separator = framing.Contains("\r\n\r\n", StringComparison.Ordinal) ? "" : "\r\n";
        await using var upstream = RecorderUpstream.Start();
        await using var proxy = await TestProxy.StartAsync(upstream);
        using var client = proxy.Connect();

        await client.SendAsync($"{Head}{framing}{separator}{ProxyAssert.Smuggled}{ProxyAssert.FollowUp}");
        RawResponse response = await client.ReadResponseAsync();

        Assert.True(response.StatusCode is 400 or 413, $"status {response.StatusCode}");
        Assert.True(response.ClosesConnection, "The rejection has no 'Connection: close'.");
        Assert.True(await client.IsClosedByPeerAsync(), "The proxy kept the connection open after the rejection.");
        Assert.DoesNotContain(ProxyAssert.SmuggledPath, upstream.AllReceivedText, StringComparison.Ordinal);
        Assert.DoesNotContain("/public/next", upstream.AllReceivedText, StringComparison.Ordinal);
    }

    /// <summary>
    /// Absolute-form whose authority differs from Host (RFC 9112 section 3.2.2): the proxy either rejects with 400
    /// or replaces Host with the authority of the target.
    /// </summary>
    [Theory]
    [InlineData("api.example.test.")]
    [InlineData("api.example.test:1")]
    [InlineData("API.example.test:80")]
    public async Task AbsoluteFormHostMismatch_RejectedOrReplaced(string host)
    {
        await using var upstream = RecorderUpstream.Start();
        await using var proxy = await TestProxy.StartAsync(upstream);
        using var client = proxy.Connect();

        await client.SendAsync($"GET http://api.example.test/public/ok HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
        RawResponse response = await client.ReadResponseAsync();

        Assert.True(response.StatusCode is 200 or 400, $"status {response.StatusCode}");
        if (response.StatusCode == 200)
        {
            RecordedRequest request = Assert.Single(await upstream.WaitForRequestsAsync(1));
            Assert.Equal(["api.example.test"], request.Values("Host"));
        }
        else
        {
            Assert.Equal(0, upstream.ConnectionCount);
        }
    }

    /// <summary>Field lines with characters outside the field-name and field-value grammar (RFC 9110 section 5, RFC 9112 section 5).</summary>
    [Theory]
    [InlineData("X-No\0te: a\r\n")]
    [InlineData("X-Note\r: a\r\n")]
    [InlineData("X Note: a\r\n")]
    [InlineData("X-Note(1): a\r\n")]
    [InlineData("X-Not\u00e9: a\r\n")]
    [InlineData("X-Note: a\r\r\n")]
    [InlineData("X-Note: \0\r\n")]
    [InlineData("X-Note: a\r\n\tb\r\n")]
    [InlineData("Host: api.example.test\r\n other.example.test\r\n")]
    [InlineData("Host : api.example.test\r\n")]
    [InlineData("Host\t: api.example.test\r\n")]
    [InlineData("Content-Length\0: 58\r\n")]
    [InlineData("Transfer-Encoding\v: chunked\r\n")]
    [InlineData("Transfer-Encoding\0: chunked\r\n")]
    [InlineData("X-Note: a\nTransfer-Encoding: chunked\r\n")]
    [InlineData("X-Note: a\rTransfer-Encoding: chunked\r\n")]
    [InlineData("No-Colon-Here\r\n")]
    [InlineData(":\r\n")]
    public async Task FieldLineVariant_400(string fields) =>
        await AssertRejectedAsync($"POST /public/ok HTTP/1.1\r\nHost: api.example.test\r\nContent-Length: 58\r\n{fields}\r\n{ProxyAssert.Smuggled}", 400);

    /// <summary>Whitespace between the request line and the first field (RFC 9112 section 2.2): reject, or ignore that line.</summary>
    [Theory]
    [InlineData(" Transfer-Encoding: chunked\r\n")]
    [InlineData("\tTransfer-Encoding: chunked\r\n")]
    public async Task WhitespaceBeforeFirstField_400(string firstLine) =>
        await AssertRejectedAsync($"POST /public/ok HTTP/1.1\r\n{firstLine}Host: api.example.test\r\nContent-Length: 58\r\n\r\n{ProxyAssert.Smuggled}", 400);

    /// <summary>Bare CR or LF as a line ending of the request line or of the blank line that ends the head.</summary>
    [Theory]
    [InlineData("POST /public/ok HTTP/1.1\nHost: api.example.test\r\nContent-Length: 58\r\n\r\n")]
    [InlineData("POST /public/ok HTTP/1.1\rHost: api.example.test\r\nContent-Length: 58\r\n\r\n")]
    [InlineData("POST /public/ok HTTP/1.1\r\nHost: api.example.test\r\nContent-Length: 58\r\n\n")]
    [InlineData("POST /public/ok HTTP/1.1\r\nHost: api.example.test\r\nContent-Length: 58\n\n")]
    [InlineData("POST /public/ok HTTP/1.1\r\nHost: api.example.test\r\nContent-Length: 58\r\n\r\r\n")]
    public async Task BareLineEnding_400(string head) =>
        await AssertRejectedAsync(head + ProxyAssert.Smuggled, 400);

    /// <summary>
    /// A framing field spelled with '_' is a different field, because '_' is not '-'. The proxy frames by the real
    /// field and drops the '_' copy, so an upstream that maps '_' to '-' cannot reread it.
    /// </summary>
    [Theory]
    [InlineData("Transfer-Encoding: chunked\r\nContent_Length: 58\r\n")]
    [InlineData("Content_Length: 58\r\nTransfer-Encoding: chunked\r\n")]
    [InlineData("Transfer-Encoding: chunked\r\nContent-Length_: 58\r\n")]
    public async Task UnderscoreContentLength_ChunkedWins(string fields)
    {
        RecordedRequest request = await AssertForwardedAsync($"{Head}{fields}\r\n2\r\nzz\r\n0\r\n\r\n");

        Assert.Equal("zz", request.BodyText);
        Assert.DoesNotContain(request.Fields, f => f.Name.Contains('_', StringComparison.Ordinal));
        Assert.DoesNotContain(request.Fields, f => f.Value == "58");
    }

    [Theory]
    [InlineData("Content-Length: 58\r\nTransfer_Encoding: chunked\r\n")]
    [InlineData("Transfer_Encoding: chunked\r\nContent-Length: 58\r\n")]
    [InlineData("Content-Length: 58\r\nTransfer-Encoding_: chunked\r\n")]
    public async Task UnderscoreTransferEncoding_ContentLengthWins(string fields)
    {
        RecordedRequest request = await AssertForwardedAsync($"{Head}{fields}\r\n{ProxyAssert.Smuggled}");

        Assert.Equal(ProxyAssert.Smuggled, request.BodyText);
        Assert.DoesNotContain(request.Fields, f => f.Name.Contains('_', StringComparison.Ordinal));
        Assert.Empty(request.Values("Transfer-Encoding"));
    }

    /// <summary>
    /// A framing field named in Connection: the proxy frames the request it parsed, so either it rejects the
    /// request or the upstream receives the same body under the proxy's own framing.
    /// </summary>
    [Theory]
    [InlineData("Connection: Content-Length\r\nContent-Length: 58\r\n", "cl")]
    [InlineData("Connection: Transfer-Encoding\r\nTransfer-Encoding: chunked\r\n", "te")]
    [InlineData("Connection: close, transfer-encoding\r\nTransfer-Encoding: chunked\r\n", "te")]
    public async Task FramingFieldNamedInConnection_FramedByProxy(string fields, string framing)
    {
        await using var upstream = RecorderUpstream.Start();
        await using var proxy = await TestProxy.StartAsync(upstream);
        using var client = proxy.Connect();
        string body = framing == "cl" ? ProxyAssert.Smuggled : "2\r\nzz\r\n0\r\n\r\n";

        await client.SendAsync($"{Head}{fields}\r\n{body}");
        RawResponse response = await client.ReadResponseAsync();

        Assert.True(response.StatusCode is 200 or 400, $"status {response.StatusCode}");
        Assert.DoesNotContain(upstream.Requests, r => r.Target == ProxyAssert.SmuggledPath);
        if (response.StatusCode == 200)
        {
            RecordedRequest request = Assert.Single(await upstream.WaitForRequestsAsync(1));
            Assert.Equal(framing == "cl" ? ProxyAssert.Smuggled : "zz", request.BodyText);
            Assert.Empty(request.Values("Connection"));
        }
    }

    /// <summary>Expect values (RFC 9110 section 10.1.1): 100-continue in any case is honoured, anything else is 417.</summary>
    [Theory]
    [InlineData("Expect: 100-Continue\r\n")]
    [InlineData("Expect: 100-CONTINUE\r\n")]
    [InlineData("Expect:  100-continue \r\n")]
    [InlineData("expect: 100-continue\r\n")]
    public async Task ExpectContinueSpelling_Continued(string expect)
    {
        await using var upstream = RecorderUpstream.Start();
        await using var proxy = await TestProxy.StartAsync(upstream);
        using var client = proxy.Connect();

        await client.SendAsync($"{Head}{expect}Content-Length: 5\r\n\r\n");
        RawResponse interim = await client.ReadResponseAsync();
        await client.SendAsync("hello");
        RawResponse final = await client.ReadResponseAsync();

        Assert.Equal(100, interim.StatusCode);
        Assert.Equal(200, final.StatusCode);
        RecordedRequest request = Assert.Single(await upstream.WaitForRequestsAsync(1));
        Assert.Equal("hello", request.BodyText);
        Assert.Empty(request.Values("Expect"));
    }

    [Theory]
    [InlineData("Expect: 100-continue, 200-ok\r\n")]
    [InlineData("Expect: 100-continuex\r\n")]
    [InlineData("Expect: 100-continue;a=b\r\n")]
    [InlineData("Expect: 100-continue\r\nExpect: 200-ok\r\n")]
    public async Task UnsupportedExpectation_417(string expect) =>
        await AssertRejectedAsync($"{Head}{expect}Content-Length: 58\r\n\r\n{ProxyAssert.Smuggled}", 417);

    /// <summary>A bad request pipelined behind a good one on the same connection: only the good one reaches the upstream.</summary>
    [Theory]
    [InlineData("POST /public/ok HTTP/1.1\r\nHost: api.example.test\r\nContent-Length: 58\r\nTransfer-Encoding: chunked\r\n\r\n")]
    [InlineData("POST /public/ok HTTP/1.1\r\nHost: api.example.test\r\nTransfer-Encoding: xchunked\r\n\r\n")]
    [InlineData("GET  /public/ok HTTP/1.1\r\nHost: api.example.test\r\n\r\n")]
    [InlineData("GET /public/ok HTTP/1.1\r\nHost: api.example.test\r\nX-Note: a\r\n b\r\n\r\n")]
    public async Task BadSecondRequest_FirstOnlyForwarded(string second)
    {
        await using var upstream = RecorderUpstream.Start();
        await using var proxy = await TestProxy.StartAsync(upstream);
        using var client = proxy.Connect();

        await client.SendAsync("GET /public/first HTTP/1.1\r\nHost: api.example.test\r\n\r\n" + second + ProxyAssert.Smuggled + ProxyAssert.FollowUp);
        RawResponse first = await client.ReadResponseAsync();

        Assert.Equal(200, first.StatusCode);
        await ProxyAssert.RejectedAndClosedAsync(client, 400);
        RecordedRequest request = Assert.Single(upstream.Requests);
        Assert.Equal("/public/first", request.Target);
        Assert.DoesNotContain(ProxyAssert.SmuggledPath, upstream.AllReceivedText, StringComparison.Ordinal);
        Assert.DoesNotContain("/public/next", upstream.AllReceivedText, StringComparison.Ordinal);
    }
}
