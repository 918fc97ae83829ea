using FastContractorProxy.Tests.Infrastructure;

namespace FastContractorProxy.Tests.Proxy;

public class ConnectionLifecycleTests
{
    [Fact]
    public async Task EmptyBody_KeepAliveUpstream_RelayedAtOnce()
    {
        await using var upstream = RecorderUpstream.Start(_ => UpstreamReply.Text("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"));
        await using var proxy = await TestProxy.StartAsync(upstream);
        using var client = proxy.Connect();

        // The upstream keeps its connection open, so waiting for body bytes would last until a timeout.
        for (int i = 0; i < 2; i++)
        {
            await client.SendAsync("GET /missing HTTP/1.1\r\nHost: api.example.test\r\n\r\n");
            RawResponse response = await client.ReadResponseAsync(timeoutMs: 1500);

            Assert.Equal(404, response.StatusCode);
            Assert.Equal("0", response.Value("Content-Length"));
            Assert.Empty(response.Body);
        }

        Assert.Equal(1, upstream.ConnectionCount);
    }

    [Fact]
    public async Task HalfClosedClient_GetsForwardedResponse()
    {
        await using var upstream = RecorderUpstream.Start(_ => UpstreamReply.Ok("served"));
        await using var proxy = await TestProxy.StartAsync(upstream);
        using var client = proxy.Connect();

        await client.SendAsync("GET /x HTTP/1.1\r\nHost: api.example.test\r\n\r\n");
        client.ShutdownSend();
        RawResponse response = await client.ReadResponseAsync();

        Assert.Equal(200, response.StatusCode);
        Assert.Equal("served", response.BodyText);
        Assert.True(await client.IsClosedByPeerAsync());
    }

    [Fact]
    public async Task HalfClosedClient_GetsProxyRejection()
    {
        await using var upstream = RecorderUpstream.Start();
        await using var proxy = await TestProxy.StartAsync(upstream);
        using var client = proxy.Connect();

        await client.SendAsync("GET /x HTTP/1.1\r\nHost: unrouted.example.test\r\n\r\n");
        client.ShutdownSend();
        RawResponse response = await client.ReadResponseAsync();

        Assert.Equal(404, response.StatusCode);
        Assert.Equal(0, upstream.ConnectionCount);
    }
}
