using System.Text;
using FastContractorProxy.Tests.Infrastructure;

namespace FastContractorProxy.Tests.Proxy;

/// <summary>Protocol upgrades: WebSocket is tunneled, h2c is never offered to the upstream.</summary>
public class UpgradeTests
{
    private const string WebSocketRequest =
        "GET /ws HTTP/1.1\r\nHost: api.example.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

    private const string SwitchingProtocols =
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";

    private const string H2cRequest =
        "GET /public/ok HTTP/1.1\r\nHost: api.example.test\r\nConnection: Upgrade, HTTP2-Settings\r\n" +
        "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n";

    [Fact]
    public async Task WebSocket_BytesFlowBothWays()
    {
        await using var upstream = RecorderUpstream.Start(_ => UpstreamReply.Text(SwitchingProtocols) with { EchoAfterReply = true });
        await using var proxy = await TestProxy.StartAsync(upstream);
        using var client = proxy.Connect();

        await client.SendAsync(WebSocketRequest);
        RawResponse response = await client.ReadResponseAsync();
        await client.SendAsync("frame-one");
        byte[] first = await client.ReadBytesAsync(9);
        await client.SendAsync("frame-two\r\n\r\n");
        byte[] second = await client.ReadBytesAsync(13);

        Assert.Equal(101, response.StatusCode);
        Assert.Equal("websocket", response.Value("Upgrade"));
        Assert.Equal("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", response.Value("Sec-WebSocket-Accept"));
        Assert.Equal("frame-one", Encoding.Latin1.GetString(first));
        Assert.Equal("frame-two\r\n\r\n", Encoding.Latin1.GetString(second));
        RecordedRequest request = Assert.Single(upstream.Requests);
        Assert.Equal("websocket", request.Value("Upgrade"));
        Assert.Equal("upgrade", request.Value("Connection"), ignoreCase: true);
        Assert.Equal("dGhlIHNhbXBsZSBub25jZQ==", request.Value("Sec-WebSocket-Key"));
    }

    [Fact]
    public async Task WebSocket_IdleTunnelClosed_ActiveTunnelKept()
    {
        await using var upstream = RecorderUpstream.Start(_ => UpstreamReply.Text(SwitchingProtocols) with { EchoAfterReply = true });
        await using var proxy = await TestProxy.StartAsync(upstream, s => s with { Limits = s.Limits with { TunnelIdleTimeout = TimeSpan.FromSeconds(1) } });
        using var client = proxy.Connect();

        await client.SendAsync(WebSocketRequest);
        Assert.Equal(101, (await client.ReadResponseAsync()).StatusCode);
        for (int i = 0; i < 4; i++)
        {
            // Traffic every 400 ms keeps the tunnel open past its 1 s idle timeout.
            await Task.Delay(400);
            await client.SendAsync("ping");
            Assert.Equal("ping", Encoding.Latin1.GetString(await client.ReadBytesAsync(4)));
        }

        Assert.True(await client.IsClosedByPeerAsync(timeoutMs: 5000));
    }

    [Fact]
    public async Task WebSocketRejected_StaysHttp11()
    {
        await using var upstream = RecorderUpstream.Start(request => UpstreamReply.Ok(request.Target));
        await using var proxy = await TestProxy.StartAsync(upstream);
        using var client = proxy.Connect();

        await client.SendAsync(WebSocketRequest);
        RawResponse rejected = await client.ReadResponseAsync();
        await client.SendAsync(ProxyAssert.FollowUp);
        RawResponse next = await client.ReadResponseAsync();

        Assert.Equal(200, rejected.StatusCode);
        Assert.Empty(rejected.Values("Upgrade"));
        Assert.Equal("/ws", rejected.BodyText);
        Assert.Equal(200, next.StatusCode);
        Assert.Equal("/public/next", next.BodyText);
        IReadOnlyList<RecordedRequest> requests = await upstream.WaitForRequestsAsync(2);
        Assert.Equal("GET /public/next HTTP/1.1", requests[1].RequestLine);
        Assert.Empty(requests[1].Values("Upgrade"));
    }

    [Fact]
    public async Task H2cUpgrade_ServedAsHttp11()
    {
        await using var upstream = RecorderUpstream.Start();
        await using var proxy = await TestProxy.StartAsync(upstream);
        using var client = proxy.Connect();

        await client.SendAsync(H2cRequest + ProxyAssert.FollowUp);
        RawResponse response = await client.ReadResponseAsync();
        RawResponse next = await client.ReadResponseAsync();

        Assert.Equal(200, response.StatusCode);
        Assert.Equal(200, next.StatusCode);
        RecordedRequest request = (await upstream.WaitForRequestsAsync(2))[0];
        Assert.Empty(request.Values("Upgrade"));
        Assert.Empty(request.Values("HTTP2-Settings"));
        Assert.Empty(request.Values("Connection"));
        Assert.DoesNotContain("h2c", request.Head, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData(H2cRequest)]
    [InlineData("GET /public/ok HTTP/1.1\r\nHost: api.example.test\r\nUpgrade: websocket\r\n\r\n")]
    [InlineData("POST /public/ok HTTP/1.1\r\nHost: api.example.test\r\nConnection: upgrade\r\nUpgrade: websocket\r\nContent-Length: 0\r\n\r\n")]
    public async Task UnrequestedSwitch_502NotRelayed(string request)
    {
        await using var upstream = RecorderUpstream.Start(_ => UpstreamReply.Text(SwitchingProtocols) with { EchoAfterReply = true });
        await using var proxy = await TestProxy.StartAsync(upstream);
        using var client = proxy.Connect();

        await client.SendAsync(request);
        RawResponse response = await client.ReadResponseAsync();

        Assert.Equal(502, response.StatusCode);
        Assert.DoesNotContain(" 101 ", client.AllReceivedText, StringComparison.Ordinal);
    }
}
