using System.Text;
using System.Text.Json;
using FastContractorProxy.Http2;
using FastContractorProxy.Tests.Access;
using FastContractorProxy.Tests.Infrastructure;

namespace FastContractorProxy.Tests.Http2Proxy;

/// <summary>HTTP/2 requests through the proxy: authorization, forwarding to the HTTP/1.1 upstream, and the response relayed back.</summary>
public sealed class Http2ExchangeTests
{
    private static (string, string) Bearer(string token) => ("authorization", $"Bearer {token}");

    [Fact]
    public async Task Get_Allowed_ForwardsWithIdentityFields()
    {
        await using Http2Harness proxy = await Http2Harness.StartAsync(_ => UpstreamReply.Text("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Upstream: yes\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\nhello"));
        using H2TestClient client = await proxy.ConnectAsync();

        await client.SendGetAsync(1, "/api/items/./1?q=2", Bearer(AccessHarness.AliceToken()), ("x-contractor-id", "mallory"), ("cookie", "a=1"), ("cookie", "b=2"));
        H2Response response = await client.ReadResponseAsync(1);

        Assert.Equal(200, response.Status);
        Assert.Equal("hello", response.BodyText);
        Assert.Equal("yes", response.Value("x-upstream"));
        Assert.Null(response.Value("connection"));
        Assert.Null(response.Value("keep-alive"));
        RecordedRequest request = Assert.Single(proxy.Upstream.Requests);
        Assert.Equal("GET /api/items/1?q=2 HTTP/1.1", request.RequestLine);
        Assert.Equal("api.example.test", request.Value("Host"));
        Assert.Equal("alice", request.Value("X-Contractor-Id"));
        Assert.Equal("Acme Consulting", request.Value("X-Contractor-Org"));
        Assert.Equal("http", request.Value("X-Forwarded-Proto"));
        Assert.Equal("127.0.0.1", request.Value("X-Forwarded-For"));
        Assert.Equal("api.example.test", request.Value("X-Forwarded-Host"));
        Assert.NotNull(request.Value("X-Request-Id"));
        Assert.Equal("a=1; b=2", request.Value("cookie"));
        Assert.Empty(request.Values("authorization"));
    }

    [Fact]
    public async Task Get_Denied_Returns403Problem()
    {
        await using Http2Harness proxy = await Http2Harness.StartAsync();
        using H2TestClient client = await proxy.ConnectAsync();

        await client.SendGetAsync(1, "/admin/users", Bearer(AccessHarness.AliceToken()));
        H2Response response = await client.ReadResponseAsync(1);

        Assert.Equal(403, response.Status);
        Assert.Equal("application/problem+json", response.Value("content-type"));
        using JsonDocument problem = JsonDocument.Parse(response.BodyText);
        Assert.Equal(403, problem.RootElement.GetProperty("status").GetInt32());
        Assert.Equal("Forbidden", problem.RootElement.GetProperty("title").GetString());
        Assert.Equal(response.Value("x-request-id"), problem.RootElement.GetProperty("request_id").GetString());
        Assert.Equal(response.Body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), response.Value("content-length"));
        Assert.Empty(proxy.Upstream.Requests);
    }

    [Fact]
    public async Task Get_WithoutCredential_Returns401Challenge()
    {
        await using Http2Harness proxy = await Http2Harness.StartAsync();
        using H2TestClient client = await proxy.ConnectAsync();

        await client.SendGetAsync(1, "/api/items/1");
        H2Response response = await client.ReadResponseAsync(1);

        Assert.Equal(401, response.Status);
        Assert.StartsWith("Bearer", response.Value("www-authenticate"), StringComparison.Ordinal);
        using JsonDocument problem = JsonDocument.Parse(response.BodyText);
        Assert.Equal(401, problem.RootElement.GetProperty("status").GetInt32());
        Assert.Empty(proxy.Upstream.Requests);
    }

    [Fact]
    public async Task Post_WithContentLength_ForwardsBody()
    {
        await using Http2Harness proxy = await Http2Harness.StartAsync();
        using H2TestClient client = await proxy.ConnectAsync();

        byte[] block = client.EncodeRequest("POST", "/api/items/1", "api.example.test", Bearer(AccessHarness.AliceToken()), ("content-length", "11"));
        await client.SendHeadersAsync(1, block, endStream: false);
        await client.SendDataAsync(1, "hello "u8.ToArray(), endStream: false);
        await client.SendDataAsync(1, "world"u8.ToArray(), endStream: true);
        H2Response response = await client.ReadResponseAsync(1);

        Assert.Equal(200, response.Status);
        RecordedRequest request = Assert.Single(proxy.Upstream.Requests);
        Assert.Equal("hello world", request.BodyText);
        Assert.Equal("11", request.Value("Content-Length"));
        Assert.Empty(request.Values("Transfer-Encoding"));
    }

    [Fact]
    public async Task Post_WithoutContentLength_ForwardsChunked()
    {
        await using Http2Harness proxy = await Http2Harness.StartAsync();
        using H2TestClient client = await proxy.ConnectAsync();

        byte[] block = client.EncodeRequest("POST", "/api/items/1", "api.example.test", Bearer(AccessHarness.AliceToken()));
        await client.SendHeadersAsync(1, block, endStream: false);
        await client.SendDataAsync(1, "part one, "u8.ToArray(), endStream: false);
        await client.SendDataAsync(1, "part two"u8.ToArray(), endStream: false);
        await client.SendDataAsync(1, [], endStream: true);
        H2Response response = await client.ReadResponseAsync(1);

        Assert.Equal(200, response.Status);
        RecordedRequest request = Assert.Single(proxy.Upstream.Requests);
        Assert.Equal("part one, part two", request.BodyText);
        Assert.Equal("chunked", request.Value("Transfer-Encoding"));
        Assert.Empty(request.Values("Content-Length"));
    }

    [Fact]
    public async Task Post_LargeBody_FlowsWithWindowUpdates()
    {
        await using Http2Harness proxy = await Http2Harness.StartAsync();
        using H2TestClient client = await proxy.ConnectAsync();
        byte[] body = new byte[3 * 1024 * 1024];
        new Random(7).NextBytes(body);

        byte[] block = client.EncodeRequest("POST", "/api/items/1", "api.example.test", Bearer(AccessHarness.AliceToken()), ("content-length", body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        await client.SendHeadersAsync(1, block, endStream: false);

        // More than the initial windows: the upload only completes if the proxy returns window as it forwards.
        Task<H2Response> response = client.ReadResponseAsync(1, timeoutMs: 20_000);
        await client.SendDataWithinWindowAsync(1, body, endStream: true);

        Assert.Equal(200, (await response).Status);
        RecordedRequest request = Assert.Single(proxy.Upstream.Requests);
        Assert.Equal(body, request.Body);
    }

    [Fact]
    public async Task Response_LargeBody_RespectsSmallWindow()
    {
        string payload = new('x', 200_000);
        await using Http2Harness proxy = await Http2Harness.StartAsync(_ => UpstreamReply.Ok(payload));
        using H2TestClient client = await proxy.ConnectAsync(initialWindowSize: 1000);
        client.AutoWindowUpdate = false;

        await client.SendGetAsync(1, "/api/items/1", Bearer(AccessHarness.AliceToken()));
        var body = new MemoryStream();
        int streamWindow = 1000;
        int connectionWindow = 65_535;
        while (true)
        {
            H2Frame frame = await client.ReadFrameAsync() ?? throw new IOException("closed");
            if (frame.Type != FrameType.Data)
            {
                continue;
            }

            streamWindow -= frame.Payload.Length;
            connectionWindow -= frame.Payload.Length;
            Assert.True(streamWindow >= 0, $"The proxy overran the stream window by {-streamWindow} bytes.");
            Assert.True(connectionWindow >= 0, $"The proxy overran the connection window by {-connectionWindow} bytes.");
            body.Write(frame.Payload);
            if (frame.HasFlag(FrameFlags.EndStream))
            {
                break;
            }

            if (streamWindow == 0)
            {
                // Small increments, as a slow client would send them.
                await client.SendWindowUpdateAsync(1, 3000);
                await client.SendWindowUpdateAsync(0, 3000);
                streamWindow += 3000;
                connectionWindow += 3000;
            }
        }

        Assert.Equal(payload, Encoding.ASCII.GetString(body.ToArray()));
    }

    [Fact]
    public async Task Response_Chunked_RelayedAsData()
    {
        await using Http2Harness proxy = await Http2Harness.StartAsync(_ => UpstreamReply.Text("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"));
        using H2TestClient client = await proxy.ConnectAsync();

        await client.SendGetAsync(1, "/api/items/1", Bearer(AccessHarness.AliceToken()));
        H2Response response = await client.ReadResponseAsync(1);

        Assert.Equal(200, response.Status);
        Assert.Equal("hello world", response.BodyText);
        Assert.Null(response.Value("transfer-encoding"));
    }

    [Fact]
    public async Task Streams_Concurrent_AllAnswered()
    {
        await using Http2Harness proxy = await Http2Harness.StartAsync(r => UpstreamReply.Ok(r.Target));
        using H2TestClient client = await proxy.ConnectAsync();
        string token = AccessHarness.AliceToken();

        for (int i = 0; i < 20; i++)
        {
            await client.SendGetAsync((2 * i) + 1, $"/api/items/{i}", Bearer(token));
        }

        var bodies = new Dictionary<int, string>();
        var buffers = new Dictionary<int, MemoryStream>();
        while (bodies.Count < 20)
        {
            H2Frame frame = await client.ReadFrameAsync() ?? throw new IOException("closed");
            if (frame.Type == FrameType.Data)
            {
                MemoryStream buffer = buffers.TryGetValue(frame.StreamId, out MemoryStream? existing) ? existing : buffers[frame.StreamId] = new MemoryStream();
                buffer.Write(frame.Payload);
                if (frame.HasFlag(FrameFlags.EndStream))
                {
                    bodies[frame.StreamId] = Encoding.ASCII.GetString(buffer.ToArray());
                }
            }
        }

        for (int i = 0; i < 20; i++)
        {
            Assert.Equal($"/api/items/{i}", bodies[(2 * i) + 1]);
        }
    }

    [Fact]
    public async Task Te_Trailers_Allowed()
    {
        await using Http2Harness proxy = await Http2Harness.StartAsync();
        using H2TestClient client = await proxy.ConnectAsync();

        await client.SendGetAsync(1, "/api/items/1", Bearer(AccessHarness.AliceToken()), ("te", "trailers"));
        H2Response response = await client.ReadResponseAsync(1);

        Assert.Equal(200, response.Status);
        Assert.Empty(Assert.Single(proxy.Upstream.Requests).Values("te"));
    }

    [Fact]
    public async Task Audit_RecordsProtocolVersion2()
    {
        await using Http2Harness proxy = await Http2Harness.StartAsync(extraConfiguration: "audit:\n  path: audit.log\n  flush_interval: 50ms\n");
        using (H2TestClient client = await proxy.ConnectAsync())
        {
            await client.SendGetAsync(1, "/public/a", Bearer(AccessHarness.AliceToken()));
            Assert.Equal(200, (await client.ReadResponseAsync(1)).Status);
            await client.SendGetAsync(3, "/admin/users", Bearer(AccessHarness.AliceToken()));
            Assert.Equal(403, (await client.ReadResponseAsync(3)).Status);
        }

        await proxy.StopAsync();
        List<JsonElement> records = [.. File.ReadAllLines(proxy.AuditPath).Select(line => JsonDocument.Parse(line).RootElement.Clone())];

        Assert.Equal(2, records.Count);
        Assert.All(records, r => Assert.Equal("2", r.GetProperty("network.protocol.version").GetString()));
        Assert.Equal("allow", records[0].GetProperty("fcp.decision").GetString());
        Assert.Equal("/public/a", records[0].GetProperty("url.path").GetString());
        Assert.Equal("deny", records[1].GetProperty("fcp.decision").GetString());
        Assert.Equal(403, records[1].GetProperty("http.response.status_code").GetInt32());
    }

    [Fact]
    public async Task GoAway_FromClient_DrainsAndCloses()
    {
        await using Http2Harness proxy = await Http2Harness.StartAsync();
        using H2TestClient client = await proxy.ConnectAsync();

        await client.SendGetAsync(1, "/api/items/1", Bearer(AccessHarness.AliceToken()));
        byte[] goAway = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(goAway, 0);
        await client.SendFrameAsync(FrameType.GoAway, FrameFlags.None, 0, goAway);

        Assert.Equal(200, (await client.ReadResponseAsync(1)).Status);
        (H2Frame frame, _) = await client.ReadUntilGoAwayAsync();
        Assert.Equal(Http2ErrorCode.NoError, frame.ErrorCode);
        Assert.True(await client.WaitForCloseAsync());
    }

    [Fact]
    public async Task Http1_StillServed()
    {
        await using Http2Harness proxy = await Http2Harness.StartAsync();
        using RawHttpClient client = RawHttpClient.Connect(proxy.Port);

        await client.SendAsync("GET /healthz HTTP/1.1\r\nHost: api.example.test\r\nConnection: close\r\n\r\n");

        Assert.Equal(200, (await client.ReadResponseAsync()).StatusCode);
    }
}
