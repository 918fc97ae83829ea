using FastContractorProxy.Tests.Infrastructure;

namespace FastContractorProxy.Tests.Proxy;

/// <summary>Persistent connections, interim responses and response framing towards the client (RFC 9110, RFC 9112).</summary>
public class SemanticsTests
{
    [Fact]
    public async Task Pipelining_ResponsesInOrder()
    {
        await using var upstream = RecorderUpstream.Start(request => UpstreamReply.Ok(request.Target));
        await using var proxy = await TestProxy.StartAsync(upstream);
        using var client = proxy.Connect();

        await client.SendAsync(
            "GET /one HTTP/1.1\r\nHost: api.example.test\r\n\r\n" +
            "POST /two HTTP/1.1\r\nHost: api.example.test\r\nContent-Length: 3\r\n\r\nabc" +
            "GET /three HTTP/1.1\r\nHost: api.example.test\r\n\r\n");
        RawResponse first = await client.ReadResponseAsync();
        RawResponse second = await client.ReadResponseAsync();
        RawResponse third = await client.ReadResponseAsync();

        Assert.Equal("/one", first.BodyText);
        Assert.Equal("/two", second.BodyText);
        Assert.Equal("/three", third.BodyText);
        IReadOnlyList<RecordedRequest> requests = await upstream.WaitForRequestsAsync(3);
        Assert.Equal(3, requests.Count);
        Assert.Equal("abc", requests[1].BodyText);
        Assert.Equal(1, upstream.ConnectionCount);
    }

    [Fact]
    public async Task Expect100_ContinueThenFinal()
    {
        await using var upstream = RecorderUpstream.Start();
        await using var proxy = await TestProxy.StartAsync(upstream);
        using var client = proxy.Connect();

        await client.SendAsync("POST /public/ok HTTP/1.1\r\nHost: api.example.test\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
        RawResponse interim = await client.ReadResponseAsync();
        await client.SendAsync("hello");
        RawResponse final = await client.ReadResponseAsync();

        Assert.Equal(100, interim.StatusCode);
        Assert.Equal(200, final.StatusCode);
        RecordedRequest request = Assert.Single(await upstream.WaitForRequestsAsync(1));
        Assert.Equal("hello", request.BodyText);
        Assert.Empty(request.Values("Expect"));
    }

    [Fact]
    public async Task Expect100Http10_NoInterimResponse()
    {
        await using var upstream = RecorderUpstream.Start();
        await using var proxy = await TestProxy.StartAsync(upstream);
        using var client = proxy.Connect();

        await client.SendAsync("POST /public/ok HTTP/1.0\r\nHost: api.example.test\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhello");
        RawResponse response = await client.ReadResponseAsync();

        Assert.Equal(200, response.StatusCode);
        Assert.DoesNotContain("100 Continue", client.AllReceivedText, StringComparison.Ordinal);
        RecordedRequest request = Assert.Single(await upstream.WaitForRequestsAsync(1));
        Assert.Equal("hello", request.BodyText);
    }

    [Fact]
    public async Task Head_LengthWithoutBody()
    {
        await using var upstream = RecorderUpstream.Start(request => request.RequestLine.StartsWith("HEAD ", StringComparison.Ordinal)
            ? UpstreamReply.Text("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n")
            : UpstreamReply.Ok("next"));
        await using var proxy = await TestProxy.StartAsync(upstream);
        using var client = proxy.Connect();

        await client.SendAsync("HEAD /public/ok HTTP/1.1\r\nHost: api.example.test\r\n\r\n");
        RawResponse head = await client.ReadResponseAsync(headRequest: true);
        await client.SendAsync(ProxyAssert.FollowUp);
        RawResponse next = await client.ReadResponseAsync();

        Assert.Equal(200, head.StatusCode);
        Assert.Equal("5", head.Value("Content-Length"));
        Assert.Equal(200, next.StatusCode);
        Assert.Equal("next", next.BodyText);
        Assert.Equal(1, upstream.ConnectionCount);
    }

    [Theory]
    [InlineData("HTTP/1.1 204 No Content\r\n\r\n", 204)]
    [InlineData("HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\n\r\n", 304)]
    public async Task NoContentStatus_NoBody(string reply, int status)
    {
        int replies = 0;
        await using var upstream = RecorderUpstream.Start(_ => Interlocked.Increment(ref replies) == 1 ? UpstreamReply.Text(reply) : UpstreamReply.Ok("next"));
        await using var proxy = await TestProxy.StartAsync(upstream);
        using var client = proxy.Connect();

        await client.SendAsync("GET /public/ok HTTP/1.1\r\nHost: api.example.test\r\n\r\n");
        RawResponse response = await client.ReadResponseAsync();
        await client.SendAsync(ProxyAssert.FollowUp);
        RawResponse next = await client.ReadResponseAsync();

        Assert.Equal(status, response.StatusCode);
        Assert.Empty(response.Values("Transfer-Encoding"));
        Assert.Empty(response.Values("Content-Length"));
        Assert.Equal("next", next.BodyText);
    }

    [Fact]
    public async Task CloseDelimitedResponse_ChunkedToHttp11()
    {
        await using var upstream = RecorderUpstream.Start(_ => UpstreamReply.Text("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nhello", closeAfter: true));
        await using var proxy = await TestProxy.StartAsync(upstream);
        using var client = proxy.Connect();

        await client.SendAsync("GET /public/ok HTTP/1.1\r\nHost: api.example.test\r\n\r\n");
        RawResponse response = await client.ReadResponseAsync();
        await client.SendAsync(ProxyAssert.FollowUp);
        RawResponse next = await client.ReadResponseAsync();

        Assert.Equal(200, response.StatusCode);
        Assert.Equal("chunked", response.Value("Transfer-Encoding"));
        Assert.False(response.ClosesConnection);
        Assert.Equal("hello", response.BodyText);
        Assert.Equal("hello", next.BodyText);
        Assert.Equal(2, upstream.ConnectionCount);
    }

    [Fact]
    public async Task CloseDelimitedResponse_CloseToHttp10()
    {
        await using var upstream = RecorderUpstream.Start(_ => UpstreamReply.Text("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nhello", closeAfter: true));
        await using var proxy = await TestProxy.StartAsync(upstream);
        using var client = proxy.Connect();

        await client.SendAsync("GET /public/ok HTTP/1.0\r\nHost: api.example.test\r\nConnection: keep-alive\r\n\r\n");
        RawResponse response = await client.ReadResponseAsync();

        Assert.Equal(200, response.StatusCode);
        Assert.Empty(response.Values("Transfer-Encoding"));
        Assert.Empty(response.Values("Content-Length"));
        Assert.True(response.ClosesConnection);
        Assert.Equal("hello", response.BodyText);
        Assert.True(await client.IsClosedByPeerAsync());
    }

    [Fact]
    public async Task ChunkedResponse_RechunkedWithoutExtensions()
    {
        const string Reply = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n" +
            "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Checksum: abc\r\n\r\n";
        await using var upstream = RecorderUpstream.Start(_ => UpstreamReply.Text(Reply));
        await using var proxy = await TestProxy.StartAsync(upstream);
        using var client = proxy.Connect();

        await client.SendAsync("GET /public/ok HTTP/1.1\r\nHost: api.example.test\r\n\r\n");
        RawResponse response = await client.ReadResponseAsync();
        await client.SendAsync(ProxyAssert.FollowUp);
        RawResponse next = await client.ReadResponseAsync();

        Assert.Equal(200, response.StatusCode);
        Assert.Equal("chunked", response.Value("Transfer-Encoding"));
        Assert.Equal("hello world", response.BodyText);
        Assert.DoesNotContain("ext=1", client.AllReceivedText, StringComparison.Ordinal);
        Assert.DoesNotContain("X-Checksum", client.AllReceivedText, StringComparison.Ordinal);
        Assert.Equal("hello world", next.BodyText);
        Assert.Equal(1, upstream.ConnectionCount);
    }

    [Fact]
    public async Task ChunkedResponse_CloseDelimitedToHttp10()
    {
        await using var upstream = RecorderUpstream.Start(_ => UpstreamReply.Text("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"));
        await using var proxy = await TestProxy.StartAsync(upstream);
        using var client = proxy.Connect();

        await client.SendAsync("GET /public/ok HTTP/1.0\r\nHost: api.example.test\r\nConnection: keep-alive\r\n\r\n");
        RawResponse response = await client.ReadResponseAsync();

        Assert.Equal(200, response.StatusCode);
        Assert.Empty(response.Values("Transfer-Encoding"));
        Assert.True(response.ClosesConnection);
        Assert.Equal("hello", response.BodyText);
        Assert.True(await client.IsClosedByPeerAsync());
    }

    [Fact]
    public async Task ResponseHopByHop_Dropped()
    {
        await using var upstream = RecorderUpstream.Start(_ => UpstreamReply.Text(
            "HTTP/1.1 200 OK\r\nConnection: X-Internal\r\nX-Internal: secret\r\nKeep-Alive: timeout=5\r\nX-Public: yes\r\nContent-Length: 2\r\n\r\nok"));
        await using var proxy = await TestProxy.StartAsync(upstream);
        using var client = proxy.Connect();

        await client.SendAsync("GET /public/ok HTTP/1.1\r\nHost: api.example.test\r\n\r\n");
        RawResponse response = await client.ReadResponseAsync();

        Assert.Equal(200, response.StatusCode);
        Assert.Empty(response.Values("X-Internal"));
        Assert.Empty(response.Values("Keep-Alive"));
        Assert.Empty(response.Values("Connection"));
        Assert.Equal("yes", response.Value("X-Public"));
        Assert.Equal("ok", response.BodyText);
    }

    [Fact]
    public async Task ConnectionClose_ClosedAfterResponse()
    {
        await using var upstream = RecorderUpstream.Start();
        await using var proxy = await TestProxy.StartAsync(upstream);
        using var client = proxy.Connect();

        await client.SendAsync("GET /public/ok HTTP/1.1\r\nHost: api.example.test\r\nConnection: close\r\n\r\n" + ProxyAssert.FollowUp);
        RawResponse response = await client.ReadResponseAsync();

        Assert.Equal(200, response.StatusCode);
        Assert.True(response.ClosesConnection);
        Assert.True(await client.IsClosedByPeerAsync());
        Assert.Equal(0, client.PendingByteCount);
        Assert.Single(await upstream.WaitForRequestsAsync(1));
    }

    [Fact]
    public async Task UnsupportedExpectation_417AndClose()
    {
        await using var upstream = RecorderUpstream.Start();
        await using var proxy = await TestProxy.StartAsync(upstream);
        using var client = proxy.Connect();

        await client.SendAsync("POST /public/ok HTTP/1.1\r\nHost: api.example.test\r\nExpect: 200-ok\r\nContent-Length: 5\r\n\r\nhello" + ProxyAssert.FollowUp);

        await ProxyAssert.RejectedAndClosedAsync(client, 417);
        Assert.Equal(0, upstream.ConnectionCount);
    }

    [Fact]
    public async Task ContentLengthResponse_Http10KeepAlive()
    {
        await using var upstream = RecorderUpstream.Start();
        await using var proxy = await TestProxy.StartAsync(upstream);
        using var client = proxy.Connect();

        await client.SendAsync("GET /public/ok HTTP/1.0\r\nHost: api.example.test\r\nConnection: keep-alive\r\n\r\n");
        RawResponse response = await client.ReadResponseAsync();
        await client.SendAsync("GET /public/ok HTTP/1.0\r\nHost: api.example.test\r\n\r\n");
        RawResponse last = await client.ReadResponseAsync();

        Assert.Equal("keep-alive", response.Value("Connection"));
        Assert.Equal("ok", response.BodyText);
        Assert.True(last.ClosesConnection);
        Assert.True(await client.IsClosedByPeerAsync());
    }
}
