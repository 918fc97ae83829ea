using FastContractorProxy.Tests.Infrastructure;

namespace FastContractorProxy.Tests.Proxy;

/// <summary>Request-target forms (RFC 9112 section 3.2) and how the proxy forwards them.</summary>
public class RequestTargetTests
{
    [Theory]
    [InlineData("http://api.example.test/admin/users", "api.example.test")]
    [InlineData("HTTP://api.example.test/admin/users", "API.example.test")]
    public async Task AbsoluteForm_ForwardedAsOriginForm(string target, string host)
    {
        await using var upstream = RecorderUpstream.Start();
        await using var proxy = await TestProxy.StartAsync(upstream);
        using var client = proxy.Connect();

        await client.SendAsync($"GET {target} HTTP/1.1\r\nHost: {host}\r\n\r\n");
        RawResponse response = await client.ReadResponseAsync();

        Assert.Equal(200, response.StatusCode);
        RecordedRequest request = Assert.Single(await upstream.WaitForRequestsAsync(1));
        Assert.Equal("GET /admin/users HTTP/1.1", request.RequestLine);
        Assert.Equal("api.example.test", request.Value("Host"));
    }

    [Fact]
    public async Task AbsoluteFormWithQuery_QueryKept()
    {
        await using var upstream = RecorderUpstream.Start();
        await using var proxy = await TestProxy.StartAsync(upstream);
        using var client = proxy.Connect();

        await client.SendAsync("GET http://api.example.test/public/a/../b?x=1 HTTP/1.1\r\nHost: api.example.test\r\n\r\n");
        RawResponse response = await client.ReadResponseAsync();

        Assert.Equal(200, response.StatusCode);
        RecordedRequest request = Assert.Single(await upstream.WaitForRequestsAsync(1));
        Assert.Equal("GET /public/b?x=1 HTTP/1.1", request.RequestLine);
    }

    [Theory]
    [InlineData("GET http://api.example.test/admin/users HTTP/1.1", "other.example.test")]
    [InlineData("GET http://other.example.test/admin/users HTTP/1.1", "api.example.test")]
    [InlineData("GET http://api.example.test:8080/admin/users HTTP/1.1", "api.example.test")]
    [InlineData("GET admin/users HTTP/1.1", "api.example.test")]
    [InlineData("GET http://u@api.example.test/admin HTTP/1.1", "api.example.test")]
    [InlineData("GET ftp://api.example.test/admin HTTP/1.1", "api.example.test")]
    [InlineData("GET * HTTP/1.1", "api.example.test")]
    [InlineData("GET /public/ok#frag HTTP/1.1", "api.example.test")]
    public async Task InvalidTarget_400AndClose(string requestLine, string host)
    {
        await using var upstream = RecorderUpstream.Start();
        await using var proxy = await TestProxy.StartAsync(upstream);
        using var client = proxy.Connect();

        await client.SendAsync($"{requestLine}\r\nHost: {host}\r\n\r\n{ProxyAssert.FollowUp}");

        await ProxyAssert.RejectedAndClosedAsync(client, 400);
        Assert.Equal(0, upstream.ConnectionCount);
    }

    [Fact]
    public async Task OptionsAsterisk_Forwarded()
    {
        await using var upstream = RecorderUpstream.Start();
        await using var proxy = await TestProxy.StartAsync(upstream);
        using var client = proxy.Connect();

        await client.SendAsync("OPTIONS * HTTP/1.1\r\nHost: api.example.test\r\n\r\n" + ProxyAssert.FollowUp);
        RawResponse first = await client.ReadResponseAsync();
        RawResponse second = await client.ReadResponseAsync();

        Assert.Equal(200, first.StatusCode);
        Assert.Equal(200, second.StatusCode);
        IReadOnlyList<RecordedRequest> requests = await upstream.WaitForRequestsAsync(2);
        Assert.Equal("OPTIONS * HTTP/1.1", requests[0].RequestLine);
        Assert.Equal("api.example.test", requests[0].Value("Host"));
        Assert.Equal("/public/next", requests[1].Target);
    }
}
