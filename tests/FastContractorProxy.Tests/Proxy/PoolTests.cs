using FastContractorProxy.Tests.Infrastructure;

namespace FastContractorProxy.Tests.Proxy;

/// <summary>Which upstream connections go back to the pool, and which are closed instead.</summary>
public class PoolTests
{
    private const string Get = "GET /items/1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

    [Fact]
    public async Task IdleClosedByUpstream_NotReused()
    {
        int served = 0;
        await using var upstream = RecorderUpstream.Start(_ => Interlocked.Increment(ref served) == 1
            ? UpstreamReply.Text("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst", closeAfter: true)
            : UpstreamReply.Ok("second"));
        await using var proxy = await TestProxy.StartAsync(upstream);
        using var client = proxy.Connect();

        await client.SendAsync(Get);
        RawResponse first = await client.ReadResponseAsync();
        bool upstreamClosed = await upstream.WaitForOpenConnectionsAsync(0);

        // A request with a body cannot be replayed, so it only succeeds if the dead connection was never leased.
        await client.SendAsync("POST /items HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 4\r\n\r\ndata");
        RawResponse second = await client.ReadResponseAsync();

        Assert.Equal("first", first.BodyText);
        Assert.True(upstreamClosed);
        Assert.Equal(200, second.StatusCode);
        Assert.Equal("second", second.BodyText);
        Assert.Equal("data", upstream.Requests[^1].BodyText);
        Assert.Equal(2, upstream.ConnectionCount);
    }

    [Fact]
    public async Task ConnectionClose_NotPooled()
    {
        int served = 0;
        await using var upstream = RecorderUpstream.Start(_ => Interlocked.Increment(ref served) == 1
            ? UpstreamReply.Text("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nfirst")
            : UpstreamReply.Ok("second"));
        await using var proxy = await TestProxy.StartAsync(upstream);
        using var client = proxy.Connect();

        await client.SendAsync(Get);
        RawResponse first = await client.ReadResponseAsync();

        // The recorder keeps its side open, so only the proxy can close this connection.
        Assert.Equal(200, first.StatusCode);
        Assert.False(first.ClosesConnection);
        Assert.True(await upstream.WaitForOpenConnectionsAsync(0));

        await client.SendAsync(Get);
        RawResponse second = await client.ReadResponseAsync();

        Assert.Equal("second", second.BodyText);
        Assert.Equal(2, upstream.ConnectionCount);
    }

    [Fact]
    public async Task Http10WithoutKeepAlive_NotPooled()
    {
        int served = 0;
        await using var upstream = RecorderUpstream.Start(_ => Interlocked.Increment(ref served) == 1
            ? UpstreamReply.Text("HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nfirst")
            : UpstreamReply.Ok("second"));
        await using var proxy = await TestProxy.StartAsync(upstream);
        using var client = proxy.Connect();

        await client.SendAsync(Get);
        RawResponse first = await client.ReadResponseAsync();

        Assert.Equal("first", first.BodyText);
        Assert.True(await upstream.WaitForOpenConnectionsAsync(0));

        await client.SendAsync(Get);
        RawResponse second = await client.ReadResponseAsync();

        Assert.Equal("second", second.BodyText);
        Assert.Equal(2, upstream.ConnectionCount);
    }

    [Theory]
    [InlineData("GET", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst")]
    [InlineData("GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n0\r\n\r\n")]
    [InlineData("HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n")]
    [InlineData("GET", "HTTP/1.1 204 No Content\r\n\r\n")]
    public async Task ExtraBytesAfterResponse_NotPooled(string method, string firstReply)
    {
        // Bytes past the end of a response must never be read as the response to another client's request.
        const string injected = "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\ninjected";
        int served = 0;
        await using var upstream = RecorderUpstream.Start(_ => Interlocked.Increment(ref served) == 1
            ? UpstreamReply.Text(firstReply + injected)
            : UpstreamReply.Ok("second"));
        await using var proxy = await TestProxy.StartAsync(upstream);
        using var firstClient = proxy.Connect();
        using var secondClient = proxy.Connect();

        await firstClient.SendAsync($"{method} /items/1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        RawResponse first = await firstClient.ReadResponseAsync(headRequest: method == "HEAD");
        await secondClient.SendAsync(Get);
        RawResponse second = await secondClient.ReadResponseAsync();

        Assert.Equal(firstReply.Substring(9, 3), first.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(200, second.StatusCode);
        Assert.Equal("second", second.BodyText);
        Assert.Equal(2, upstream.ConnectionCount);
    }
}
