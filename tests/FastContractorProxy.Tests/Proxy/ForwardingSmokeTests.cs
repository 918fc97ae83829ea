using FastContractorProxy.Tests.Infrastructure;

namespace FastContractorProxy.Tests.Proxy;

public class ForwardingSmokeTests
{
    [Fact]
    public async Task Get_ForwardedWithProxyFields()
    {
        await using var upstream = RecorderUpstream.Start(_ => UpstreamReply.Ok("hello"));
        await using var proxy = await TestProxy.StartAsync(upstream);
        using var client = proxy.Connect();

        await client.SendAsync("GET /public/a/../ok?x=1 HTTP/1.1\r\nHost: api.example.test\r\nX-Forwarded-For: 6.6.6.6\r\nAccept: */*\r\n\r\n");
        RawResponse response = await client.ReadResponseAsync();

        Assert.Equal(200, response.StatusCode);
        Assert.Equal("hello", response.BodyText);
        RecordedRequest request = Assert.Single(upstream.Requests);
        Assert.Equal("GET /public/ok?x=1 HTTP/1.1", request.RequestLine);
        Assert.Equal("api.example.test", request.Value("Host"));
        Assert.Equal("127.0.0.1", request.Value("X-Forwarded-For"));
        Assert.Equal("http", request.Value("X-Forwarded-Proto"));
        Assert.Equal("*/*", request.Value("Accept"));
        Assert.NotNull(request.Value("X-Request-Id"));
    }

    [Fact]
    public async Task KeepAlive_ReusesUpstreamConnection()
    {
        await using var upstream = RecorderUpstream.Start();
        await using var proxy = await TestProxy.StartAsync(upstream);
        using var client = proxy.Connect();

        for (int i = 0; i < 5; i++)
        {
            await client.SendAsync($"GET /item/{i} HTTP/1.1\r\nHost: api.example.test\r\n\r\n");
            RawResponse response = await client.ReadResponseAsync();
            Assert.Equal(200, response.StatusCode);
        }

        Assert.Equal(5, upstream.Requests.Count);
        Assert.Equal(1, upstream.ConnectionCount);
    }

    [Fact]
    public async Task ChunkedPost_ReframedWithoutExtensions()
    {
        await using var upstream = RecorderUpstream.Start();
        await using var proxy = await TestProxy.StartAsync(upstream);
        using var client = proxy.Connect();

        await client.SendAsync("POST /api/items HTTP/1.1\r\nHost: api.example.test\r\nTransfer-Encoding: chunked\r\n\r\n2;a=b\r\nzz\r\n0\r\n\r\n");
        RawResponse response = await client.ReadResponseAsync();

        Assert.Equal(200, response.StatusCode);
        RecordedRequest request = Assert.Single(upstream.Requests);
        Assert.Equal("zz", request.BodyText);
        Assert.Equal("chunked", request.Value("Transfer-Encoding"));
        Assert.DoesNotContain("a=b", upstream.AllReceivedText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConflictingFraming_400AndUpstreamSeesNothing()
    {
        await using var upstream = RecorderUpstream.Start();
        await using var proxy = await TestProxy.StartAsync(upstream);
        using var client = proxy.Connect();
        const string smuggled = "0\r\n\r\nGET /admin/users HTTP/1.1\r\nHost: api.example.test\r\n\r\n";

        await client.SendAsync($"POST /public/ok HTTP/1.1\r\nHost: api.example.test\r\nContent-Length: {smuggled.Length}\r\nTransfer-Encoding: chunked\r\n\r\n{smuggled}");
        RawResponse response = await client.ReadResponseAsync();

        Assert.Equal(400, response.StatusCode);
        Assert.True(response.ClosesConnection);
        Assert.True(await client.IsClosedByPeerAsync());
        Assert.Equal(0, upstream.ConnectionCount);
        Assert.DoesNotContain("/admin/users", upstream.AllReceivedText, StringComparison.Ordinal);
    }
}
