using FastContractorProxy.Http2;
using FastContractorProxy.Tests.Access;

namespace FastContractorProxy.Tests.Http2Proxy;

/// <summary>Connection and stream errors that RFC 9113 sections 5 and 6 require, and the downgrade cases that must never reach the upstream.</summary>
public sealed class Http2ProtocolErrorTests
{
    private static (string, string) Bearer() => ("authorization", $"Bearer {AccessHarness.AliceToken()}");

    private static async Task AssertGoAwayAsync(H2TestClient client, Http2ErrorCode expected)
    {
        (H2Frame goAway, _) = await client.ReadUntilGoAwayAsync();
        Assert.Equal(expected, goAway.ErrorCode);
        Assert.True(await client.WaitForCloseAsync(), "The proxy kept the connection open after GOAWAY.");
    }

    [Fact]
    public async Task ServerSettings_AdvertiseLimits()
    {
        await using Http2Harness proxy = await Http2Harness.StartAsync();
        using H2TestClient client = await proxy.ConnectAsync();

        Assert.Equal(100u, client.ServerSettings.MaxConcurrentStreams);
        Assert.False(client.ServerSettings.EnablePush);
        Assert.Equal(16384, client.ServerSettings.MaxFrameSize);
        Assert.Equal(32768u, client.ServerSettings.MaxHeaderListSize);
        Assert.True(client.ServerSettings.InitialWindowSize >= 65535);
    }

    [Fact]
    public async Task Ping_AnsweredWithAck()
    {
        await using Http2Harness proxy = await Http2Harness.StartAsync();
        using H2TestClient client = await proxy.ConnectAsync();

        await client.SendFrameAsync(FrameType.Ping, FrameFlags.None, 0, "12345678"u8);
        H2Frame ack;
        do
        {
            ack = await client.ReadFrameAsync() ?? throw new IOException("closed");
        }
        while (ack.Type != FrameType.Ping);

        Assert.True(ack.HasFlag(FrameFlags.Ack));
        Assert.Equal("12345678"u8.ToArray(), ack.Payload);
    }

    [Fact]
    public async Task UnknownAndPriorityFrames_Ignored()
    {
        await using Http2Harness proxy = await Http2Harness.StartAsync();
        using H2TestClient client = await proxy.ConnectAsync();

        await client.SendFrameAsync((FrameType)0x42, 0, 0, "anything"u8);
        await client.SendFrameAsync(FrameType.Priority, FrameFlags.None, 7, [0, 0, 0, 0, 16]);
        await client.SendGetAsync(1, "/healthz");

        Assert.Equal(200, (await client.ReadResponseAsync(1)).Status);
    }

    [Fact]
    public async Task FirstFrame_NotSettings_ProtocolError()
    {
        await using Http2Harness proxy = await Http2Harness.StartAsync();
        using H2TestClient client = await H2TestClient.ConnectAsync(proxy.Port);

        await client.SendPrefaceAsync();
        await client.SendFrameAsync(FrameType.Ping, FrameFlags.None, 0, "12345678"u8);

        await AssertGoAwayAsync(client, Http2ErrorCode.ProtocolError);
    }

    [Fact]
    public async Task EvenStreamId_ProtocolError()
    {
        await using Http2Harness proxy = await Http2Harness.StartAsync();
        using H2TestClient client = await proxy.ConnectAsync();

        await client.SendGetAsync(2, "/healthz");

        await AssertGoAwayAsync(client, Http2ErrorCode.ProtocolError);
    }

    [Fact]
    public async Task LowerStreamId_ProtocolError()
    {
        await using Http2Harness proxy = await Http2Harness.StartAsync();
        using H2TestClient client = await proxy.ConnectAsync();

        await client.SendGetAsync(5, "/healthz");
        await client.SendGetAsync(3, "/healthz");

        await AssertGoAwayAsync(client, Http2ErrorCode.ProtocolError);
    }

    [Fact]
    public async Task OversizedFrame_FrameSizeError()
    {
        await using Http2Harness proxy = await Http2Harness.StartAsync();
        using H2TestClient client = await proxy.ConnectAsync();

        await client.SendFrameAsync(FrameType.Data, FrameFlags.None, 1, new byte[16385]);

        await AssertGoAwayAsync(client, Http2ErrorCode.FrameSizeError);
    }

    [Fact]
    public async Task ConnectionWindowOverflow_FlowControlError()
    {
        await using Http2Harness proxy = await Http2Harness.StartAsync();
        using H2TestClient client = await proxy.ConnectAsync();

        await client.SendWindowUpdateAsync(0, int.MaxValue);

        await AssertGoAwayAsync(client, Http2ErrorCode.FlowControlError);
    }

    [Fact]
    public async Task StreamWindowOverflow_ResetsStream()
    {
        await using Http2Harness proxy = await Http2Harness.StartAsync(_ => Infrastructure.UpstreamReply.Never);
        using H2TestClient client = await proxy.ConnectAsync();

        await client.SendGetAsync(1, "/healthz");
        await client.SendWindowUpdateAsync(1, int.MaxValue);

        H2Frame frame = await client.ReadResetOrGoAwayAsync(1);
        Assert.Equal(FrameType.RstStream, frame.Type);
        Assert.Equal(Http2ErrorCode.FlowControlError, frame.ErrorCode);
    }

    [Fact]
    public async Task DataOnClosedStream_StreamClosed()
    {
        await using Http2Harness proxy = await Http2Harness.StartAsync();
        using H2TestClient client = await proxy.ConnectAsync();

        await client.SendGetAsync(1, "/healthz");
        Assert.Equal(200, (await client.ReadResponseAsync(1)).Status);
        await client.SendDataAsync(1, "late"u8.ToArray(), endStream: true);

        H2Frame frame = await client.ReadResetOrGoAwayAsync(1);
        Assert.Equal(Http2ErrorCode.StreamClosed, frame.ErrorCode);
    }

    [Fact]
    public async Task SettingsWithBadValue_ProtocolError()
    {
        await using Http2Harness proxy = await Http2Harness.StartAsync();
        using H2TestClient client = await proxy.ConnectAsync();

        await client.SendFrameAsync(FrameType.Settings, FrameFlags.None, 0, H2TestClient.SettingsPayload((Http2SettingId.EnablePush, 2)));

        await AssertGoAwayAsync(client, Http2ErrorCode.ProtocolError);
    }

    [Fact]
    public async Task TooManyStreams_Refused()
    {
        await using Http2Harness proxy = await Http2Harness.StartAsync(_ => Infrastructure.UpstreamReply.Never);
        using H2TestClient client = await proxy.ConnectAsync();

        for (int i = 0; i < 101; i++)
        {
            await client.SendGetAsync((2 * i) + 1, "/healthz");
        }

        H2Frame frame = await client.ReadResetOrGoAwayAsync(201);
        Assert.Equal(FrameType.RstStream, frame.Type);
        Assert.Equal(Http2ErrorCode.RefusedStream, frame.ErrorCode);
    }

    // H3 downgrade framing: each request is malformed, is reset with PROTOCOL_ERROR, and never reaches the upstream.
    [Fact]
    public async Task ContentLengthWithoutData_ResetsStream()
    {
        await using Http2Harness proxy = await Http2Harness.StartAsync();
        using H2TestClient client = await proxy.ConnectAsync();

        byte[] block = client.EncodeRequest("POST", "/api/items/1", "api.example.test", Bearer(), ("content-length", "5"));
        await client.SendHeadersAsync(1, block, endStream: true);

        await AssertResetWithoutForwardingAsync(proxy, client, 1);
    }

    [Fact]
    public async Task DataLongerThanContentLength_ResetsStream()
    {
        await using Http2Harness proxy = await Http2Harness.StartAsync();
        using H2TestClient client = await proxy.ConnectAsync();

        byte[] block = client.EncodeRequest("POST", "/api/items/1", "api.example.test", Bearer(), ("content-length", "4"));
        byte[] data = System.Text.Encoding.ASCII.GetBytes("abcd" + "GET /admin/users HTTP/1.1\r\nHost: api.example.test\r\n\r\n" + "xxx");
        Assert.Equal(60, data.Length);
        await client.SendHeadersAsync(1, block, endStream: false);
        await client.SendDataAsync(1, data, endStream: true);

        await AssertResetWithoutForwardingAsync(proxy, client, 1);
    }

    [Theory]
    [InlineData("transfer-encoding", "chunked")]
    [InlineData("connection", "keep-alive")]
    [InlineData("keep-alive", "timeout=5")]
    [InlineData("upgrade", "websocket")]
    [InlineData("proxy-connection", "keep-alive")]
    [InlineData("te", "gzip")]
    public async Task ConnectionSpecificField_ResetsStream(string name, string value)
    {
        await using Http2Harness proxy = await Http2Harness.StartAsync();
        using H2TestClient client = await proxy.ConnectAsync();

        byte[] block = client.EncodeRequest("POST", "/api/items/1", "api.example.test", Bearer(), (name, value));
        await client.SendHeadersAsync(1, block, endStream: false);
        await client.SendDataAsync(1, "0\r\n\r\nGET /admin HTTP/1.1\r\n\r\n"u8.ToArray(), endStream: true);

        await AssertResetWithoutForwardingAsync(proxy, client, 1);
    }

    [Fact]
    public async Task UppercaseFieldName_ResetsStream()
    {
        await using Http2Harness proxy = await Http2Harness.StartAsync();
        using H2TestClient client = await proxy.ConnectAsync();

        // The encoder lowercases names, so the uppercase field is a hand-written literal without indexing.
        byte[] literal = [0x00, 6, .. "X-Evil"u8, 1, (byte)'1'];
        byte[] block = [.. client.EncodeRequest("GET", "/healthz"), .. literal];
        await client.SendHeadersAsync(1, block, endStream: true);

        await AssertResetWithoutForwardingAsync(proxy, client, 1);
    }

    private static async Task AssertResetWithoutForwardingAsync(Http2Harness proxy, H2TestClient client, int streamId)
    {
        H2Frame frame = await client.ReadResetOrGoAwayAsync(streamId);
        Assert.Equal(FrameType.RstStream, frame.Type);
        Assert.Equal(Http2ErrorCode.ProtocolError, frame.ErrorCode);

        // The connection stays usable, and the upstream saw nothing of the malformed request.
        await client.SendGetAsync(streamId + 2, "/healthz");
        Assert.Equal(200, (await client.ReadResponseAsync(streamId + 2)).Status);
        RecordedRequestAssert.OnlyHealthChecks(proxy);
    }
}

/// <summary>Checks on what the recorder upstream received.</summary>
internal static class RecordedRequestAssert
{
    public static void OnlyHealthChecks(Http2Harness proxy)
    {
        Assert.All(proxy.Upstream.Requests, r => Assert.Equal("GET /healthz HTTP/1.1", r.RequestLine));
        Assert.DoesNotContain("/api/items", proxy.Upstream.AllReceivedText, StringComparison.Ordinal);
        Assert.DoesNotContain("/admin", proxy.Upstream.AllReceivedText, StringComparison.Ordinal);
    }
}
