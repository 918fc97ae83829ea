using System.Text;
using FastContractorProxy.Http2;
using FastContractorProxy.Tests.Access;
using FastContractorProxy.Tests.Http2Proxy;

namespace FastContractorProxy.Tests.Variants;

/// <summary>
/// Frame-level HTTP/2 requests that RFC 9113 section 8 calls malformed, stream-state errors from section 5.1, and
/// HPACK decoding errors (RFC 7541). Field blocks are written by hand as literals without indexing, so the test
/// controls every byte, and every request carries "probe=1" in its target so the upstream check can find it.
/// </summary>
public sealed class Http2RequestVariantTests
{
    private const string Probe = "probe=1";
    private const string ProbePath = "/healthz?" + Probe;
    private const string ItemsPath = "/api/items/1?" + Probe;

    // Malformed requests (RFC 9113 section 8.1.1): a stream error, which the server may widen to a connection error,
    // optionally after a 400 response.
    private static readonly string[] s_malformed = ["RST_STREAM ProtocolError", "GOAWAY ProtocolError", "status 400"];
    private static readonly string[] s_connectionProtocolError = ["GOAWAY ProtocolError"];
    private static readonly string[] s_compressionError = ["GOAWAY CompressionError"];
    private static readonly string[] s_streamClosed = ["RST_STREAM StreamClosed", "GOAWAY StreamClosed"];

    private static (string, string)[] Request(string method = "GET", string path = ProbePath, string authority = "api.example.test") =>
        [(":method", method), (":scheme", "http"), (":path", path), (":authority", authority)];

    private static (string, string)[] Post(params (string, string)[] fields) =>
        [.. Request("POST", ItemsPath), ("authorization", $"Bearer {AccessHarness.AliceToken()}"), .. fields];

    private static readonly Dictionary<string, Variant> s_variants = new()
    {
        // Names: lowercase tokens only (RFC 9113 section 8.2), pseudo-header fields only the defined ones, first and once (8.3).
        ["uppercase regular name"] = HeadersOnly([.. Request(), ("X-Probe", "1")]),
        ["uppercase pseudo-header name"] = HeadersOnly([(":method", "GET"), (":scheme", "http"), (":Path", ProbePath), (":authority", "api.example.test")]),
        ["uppercase Host"] = HeadersOnly([.. Request(), ("Host", "api.example.test")]),
        ["name with a space"] = HeadersOnly([.. Request(), ("x probe", "1")]),
        ["name with a colon inside"] = HeadersOnly([.. Request(), ("x:probe", "1")]),
        ["empty name"] = HeadersOnly([.. Request(), ("", "1")]),
        ["name with a NUL"] = HeadersOnly([.. Request(), ("x\0probe", "1")]),
        [":method missing"] = HeadersOnly([(":scheme", "http"), (":path", ProbePath), (":authority", "api.example.test")]),
        [":method twice, same value"] = HeadersOnly([(":method", "GET"), .. Request()]),
        [":method twice, other value"] = HeadersOnly([.. Request(), (":method", "DELETE")]),
        [":path twice"] = HeadersOnly([.. Request(), (":path", "/admin/users")]),
        [":scheme missing"] = HeadersOnly([(":method", "GET"), (":path", ProbePath), (":authority", "api.example.test")]),
        [":scheme twice"] = HeadersOnly([.. Request(), (":scheme", "https")]),
        [":path missing"] = HeadersOnly([(":method", "GET"), (":scheme", "http"), (":authority", "api.example.test")]),
        ["pseudo-header after a regular field"] = HeadersOnly([(":method", "GET"), (":scheme", "http"), (":authority", "api.example.test"), ("x-probe", "1"), (":path", ProbePath)]),
        ["unknown pseudo-header"] = HeadersOnly([.. Request(), (":probe", "1")]),
        [":status in a request"] = HeadersOnly([.. Request(), (":status", "200")]),
        [":protocol without extended CONNECT"] = HeadersOnly([.. Request(), (":protocol", "websocket")]),

        // :path must be an absolute path with an optional query (RFC 9113 section 8.3.1).
        [":path without a leading slash"] = HeadersOnly(Request(path: "healthz?" + Probe)),
        [":path as an absolute URI"] = HeadersOnly(Request(path: "http://api.example.test" + ProbePath)),
        [":path empty"] = HeadersOnly(Request(path: "")),
        [":path asterisk with GET"] = HeadersOnly(Request(path: "*")),
        [":path with a space"] = HeadersOnly(Request(path: "/healthz?probe=1 HTTP/1.1")),
        [":path with CR LF"] = HeadersOnly(Request(path: "/healthz?probe=1\r\nx-contractor-id: admin")),
        [":path with a fragment"] = HeadersOnly(Request(path: ProbePath + "#x")),
        [":method with a space"] = HeadersOnly(Request(method: "GET /admin")),
        [":method empty"] = HeadersOnly(Request(method: "")),

        // :authority without userinfo, agreeing with host (RFC 9113 section 8.3.1).
        [":authority with userinfo"] = HeadersOnly(Request(authority: "u@api.example.test")),
        [":authority with a space"] = HeadersOnly(Request(authority: "api.example.test /x")),
        [":authority and host disagree"] = HeadersOnly([.. Request(), ("host", "other.example.test")]),

        // Values without leading or trailing whitespace, NUL, CR or LF (RFC 9113 section 8.2.1).
        ["value with a leading space"] = HeadersOnly([.. Request(), ("x-probe", " a")]),
        ["value with a trailing space"] = HeadersOnly([.. Request(), ("x-probe", "a ")]),
        ["value with a trailing tab"] = HeadersOnly([.. Request(), ("x-probe", "a\t")]),
        ["value with a NUL"] = HeadersOnly([.. Request(), ("x-probe", "a\0b")]),
        ["value with a CR"] = HeadersOnly([.. Request(), ("x-probe", "a\rb")]),
        ["value with a LF"] = HeadersOnly([.. Request(), ("x-probe", "a\nb")]),
        ["value with CR LF and a field"] = HeadersOnly([.. Request(), ("x-probe", "a\r\nx-contractor-id: admin")]),

        // Connection-specific fields (RFC 9113 section 8.2.2).
        ["te trailers, gzip"] = HeadersOnly([.. Request(), ("te", "trailers, gzip")]),
        ["te gzip, trailers"] = HeadersOnly([.. Request(), ("te", "gzip, trailers")]),
        ["transfer-encoding identity"] = HeadersOnly([.. Request(), ("transfer-encoding", "identity")]),
        ["connection close"] = HeadersOnly([.. Request(), ("connection", "close")]),

        // content-length must be one decimal number matching the DATA length (RFC 9113 section 8.1.1).
        ["content-length +5"] = PostWithData(("content-length", "+5")),
        ["content-length -5"] = PostWithData(("content-length", "-5")),
        ["content-length with a leading space"] = PostWithData(("content-length", " 5")),
        ["content-length 0x5"] = PostWithData(("content-length", "0x5")),
        ["content-length 5.0"] = PostWithData(("content-length", "5.0")),
        ["content-length 5, 6"] = PostWithData(("content-length", "5, 6")),
        ["content-length twice, different"] = PostWithData(("content-length", "5"), ("content-length", "6")),
        ["content-length empty"] = PostWithData(("content-length", "")),
        ["content-length past 64 bits"] = PostWithData(("content-length", "18446744073709551621")),
        ["content-length 6 with 5 bytes"] = PostWithData(("content-length", "6")),
    };

    private static readonly Dictionary<string, Variant> s_streamingVariants = new()
    {
        // Trailers: no pseudo-header or connection-specific field, and they must end the stream (RFC 9113 section 8.1).
        ["trailers with connection"] = WithTrailers([("connection", "close")], endStream: true),
        ["trailers with transfer-encoding"] = WithTrailers([("transfer-encoding", "chunked")], endStream: true),
        ["trailers with a pseudo-header"] = WithTrailers([(":path", "/admin/users")], endStream: true),
        ["trailers with an uppercase name"] = WithTrailers([("X-Trailer", "1")], endStream: true),
        ["trailers with a CR LF value"] = WithTrailers([("x-trailer", "a\r\nx-contractor-id: admin")], endStream: true),
        ["trailers without END_STREAM"] = WithTrailers([("x-trailer", "1")], endStream: false),
        ["second HEADERS without END_STREAM"] = new(async client =>
        {
            await client.SendHeadersAsync(1, Block(Post()), endStream: false);
            await client.SendHeadersAsync(1, Block([("x-trailer", "1")]), endStream: false);
        }, s_malformed),
    };

    private static readonly Dictionary<string, Variant> s_frameVariants = new()
    {
        // Frames on idle streams (RFC 9113 section 5.1) and broken padding, priority and CONTINUATION sequences (section 6).
        ["DATA on an idle stream"] = new(client => client.SendDataAsync(1, "zz"u8.ToArray(), endStream: true), s_connectionProtocolError),
        ["WINDOW_UPDATE on an idle stream"] = new(client => client.SendWindowUpdateAsync(1, 100), s_connectionProtocolError),
        ["RST_STREAM on an idle stream"] = new(client => client.SendRstStreamAsync(1, Http2ErrorCode.Cancel), s_connectionProtocolError),
        ["HEADERS padding past the payload"] = new(client => client.SendFrameAsync(FrameType.Headers,
            (byte)(FrameFlags.Padded | FrameFlags.EndHeaders | FrameFlags.EndStream), 1, [255, .. Block(Request())]), s_connectionProtocolError),
        ["DATA padding past the payload"] = new(async client =>
        {
            await client.SendHeadersAsync(1, Block(Post()), endStream: false);
            await client.SendFrameAsync(FrameType.Data, (byte)(FrameFlags.Padded | FrameFlags.EndStream), 1, [10, .. "zz"u8]);
        }, s_connectionProtocolError),
        ["HEADERS depending on its own stream"] = new(client => client.SendFrameAsync(FrameType.Headers,
            (byte)(0x20 | FrameFlags.EndHeaders | FrameFlags.EndStream), 1, [0, 0, 0, 1, 16, .. Block(Request())]), ["RST_STREAM ProtocolError", "GOAWAY ProtocolError"]),
        ["CONTINUATION on another stream"] = new(async client =>
        {
            byte[] block = Block(Request());
            await client.SendHeadersAsync(1, block[..10], endStream: true, endHeaders: false);
            await client.SendFrameAsync(FrameType.Continuation, FrameFlags.EndHeaders, 3, block[10..]);
        }, s_connectionProtocolError),
        ["DATA between HEADERS and CONTINUATION"] = new(async client =>
        {
            byte[] block = Block(Request());
            await client.SendHeadersAsync(1, block[..10], endStream: false, endHeaders: false);
            await client.SendDataAsync(1, "zz"u8.ToArray(), endStream: true);
        }, s_connectionProtocolError),
        ["CONTINUATION without HEADERS"] = new(client => client.SendFrameAsync(FrameType.Continuation, FrameFlags.EndHeaders, 1, Block(Request())), s_connectionProtocolError),

        // HPACK decoding errors are connection errors of type COMPRESSION_ERROR (RFC 9113 section 4.3).
        ["indexed field 0"] = HeadersBytes([0x80, .. Block(Request())], s_compressionError),
        ["index past both tables"] = HeadersBytes([.. Block(Request()), 0xFE], s_compressionError),
        ["index that overflows 32 bits"] = HeadersBytes([.. Block(Request()), 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F], s_compressionError),
        ["table size update above the setting"] = HeadersBytes([0x3F, 0xA1, 0x84, 0x3D, .. Block(Request())], s_compressionError),
        ["table size update after a field"] = HeadersBytes([.. Block(Request()), 0x20], s_compressionError),
        ["Huffman padding of zero bits"] = HeadersBytes([.. Block(Request()), 0x00, 7, .. "x-probe"u8, 0x81, 0x00], s_compressionError),
        ["Huffman padding longer than 7 bits"] = HeadersBytes([.. Block(Request()), 0x00, 7, .. "x-probe"u8, 0x82, 0xFF, 0xFF], s_compressionError),
        ["Huffman EOS symbol"] = HeadersBytes([.. Block(Request()), 0x00, 7, .. "x-probe"u8, 0x84, 0xFF, 0xFF, 0xFF, 0xFF], s_compressionError),
        ["string longer than the block"] = HeadersBytes([.. Block(Request()), 0x00, 100, .. "x-probe"u8], s_compressionError),
    };

    public static TheoryData<string> MalformedRequests => new(s_variants.Keys);

    public static TheoryData<string> MalformedStreamingRequests => new(s_streamingVariants.Keys);

    public static TheoryData<string> FrameErrors => new(s_frameVariants.Keys);

    [Theory]
    [MemberData(nameof(MalformedRequests))]
    public async Task MalformedRequest_NeverForwarded(string name)
    {
        await using Http2Harness proxy = await Http2Harness.StartAsync();
        using H2TestClient client = await proxy.ConnectAsync();
        Variant variant = s_variants[name];

        await variant.Send(client);
        string outcome = await ReadOutcomeAsync(client, 1);

        Assert.True(variant.Outcomes.Contains(outcome), $"{name}: {outcome}, expected one of {string.Join(" | ", variant.Outcomes)}");
        Assert.DoesNotContain(Probe, proxy.Upstream.AllReceivedText, StringComparison.Ordinal);
        Assert.DoesNotContain("x-contractor-id: admin", proxy.Upstream.AllReceivedText, StringComparison.OrdinalIgnoreCase);
        await AssertStillUsableAsync(proxy, client, outcome);
    }

    /// <summary>
    /// Errors that show only after the head: the proxy may already be streaming the request, so the upstream may
    /// have its head, but it must never receive a complete request.
    /// </summary>
    [Theory]
    [MemberData(nameof(MalformedStreamingRequests))]
    public async Task MalformedTrailers_NeverCompleted(string name)
    {
        await using Http2Harness proxy = await Http2Harness.StartAsync();
        using H2TestClient client = await proxy.ConnectAsync();
        Variant variant = s_streamingVariants[name];

        await variant.Send(client);
        string outcome = await ReadOutcomeAsync(client, 1);

        Assert.True(variant.Outcomes.Contains(outcome), $"{name}: {outcome}, expected one of {string.Join(" | ", variant.Outcomes)}");
        await Task.Delay(100);
        Assert.DoesNotContain(proxy.Upstream.Requests, r => r.Target.Contains(Probe, StringComparison.Ordinal));
        Assert.DoesNotContain("/admin/users", proxy.Upstream.AllReceivedText, StringComparison.Ordinal);
        Assert.DoesNotContain("x-contractor-id: admin", proxy.Upstream.AllReceivedText, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [MemberData(nameof(FrameErrors))]
    public async Task FrameError_ConnectionOrStreamError(string name)
    {
        await using Http2Harness proxy = await Http2Harness.StartAsync();
        using H2TestClient client = await proxy.ConnectAsync();
        Variant variant = s_frameVariants[name];

        await variant.Send(client);
        string outcome = await ReadOutcomeAsync(client, 1);

        Assert.True(variant.Outcomes.Contains(outcome), $"{name}: {outcome}, expected one of {string.Join(" | ", variant.Outcomes)}");
        Assert.DoesNotContain(Probe, proxy.Upstream.AllReceivedText, StringComparison.Ordinal);
        if (outcome.StartsWith("GOAWAY", StringComparison.Ordinal))
        {
            Assert.True(await client.WaitForCloseAsync(), $"{name}: the proxy kept the connection open after GOAWAY.");
        }
    }

    /// <summary>
    /// Frames after END_STREAM on a half-closed (remote) stream get STREAM_CLOSED (RFC 9113 section 5.1). Both frames
    /// go in one write, so the proxy reads the second while the stream is still half-closed.
    /// </summary>
    [Theory]
    [InlineData("DATA")]
    [InlineData("HEADERS")]
    public async Task FrameAfterEndStream_StreamClosed(string second)
    {
        await using Http2Harness proxy = await Http2Harness.StartAsync(_ => Infrastructure.UpstreamReply.Never);
        using H2TestClient client = await proxy.ConnectAsync();
        byte[] first = H2TestClient.Frame(FrameType.Headers, (byte)(FrameFlags.EndHeaders | FrameFlags.EndStream), 1, Block(Request()));
        byte[] late = second == "DATA"
            ? H2TestClient.Frame(FrameType.Data, FrameFlags.EndStream, 1, "zz"u8)
            : H2TestClient.Frame(FrameType.Headers, (byte)(FrameFlags.EndHeaders | FrameFlags.EndStream), 1, Block([("x-trailer", "1")]));

        await client.SendRawAsync([.. first, .. late]);
        H2Frame frame = await client.ReadResetOrGoAwayAsync(1);

        string outcome = $"{(frame.Type == FrameType.GoAway ? "GOAWAY" : "RST_STREAM")} {frame.ErrorCode}";
        Assert.True(s_streamClosed.Contains(outcome), $"{second} after END_STREAM: {outcome}");
        Assert.DoesNotContain("x-trailer", proxy.Upstream.AllReceivedText, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The HTTP/2 :path is authorized after the same normalization as an HTTP/1.1 target.</summary>
    [Theory]
    [InlineData("/public/%2e%2e/admin/users", "403")]
    [InlineData("/public/../admin/users", "403")]
    [InlineData("//admin/users", "403")]
    [InlineData("/ADMIN/users", "403")]
    [InlineData("/public/..%2fadmin/users", "400")]
    [InlineData("/public\\..\\admin/users", "400")]
    [InlineData("/public/..;/admin/users", "400|403")]
    [InlineData("/api/items//export/all.csv", "400|403")]
    public async Task PathVariant_Denied(string path, string statuses)
    {
        await using Http2Harness proxy = await Http2Harness.StartAsync();
        using H2TestClient client = await proxy.ConnectAsync();

        await client.SendHeadersAsync(1, Block([.. Request(path: path), ("authorization", $"Bearer {AccessHarness.AliceToken()}")]), endStream: true);
        string outcome = await ReadOutcomeAsync(client, 1);

        string[] allowed = [.. statuses.Split('|').Select(s => "status " + s), "RST_STREAM ProtocolError"];
        Assert.True(allowed.Contains(outcome), $"{path}: {outcome}, expected {statuses}");
        Assert.Empty(proxy.Upstream.Requests);
    }

    [Fact]
    public async Task HandWrittenBlock_Accepted()
    {
        await using Http2Harness proxy = await Http2Harness.StartAsync();
        using H2TestClient client = await proxy.ConnectAsync();

        await client.SendHeadersAsync(1, Block([.. Request(), ("x-probe", "a b"), ("te", "trailers")]), endStream: true);

        Assert.Equal("status 200", await ReadOutcomeAsync(client, 1));
        Assert.Equal("/healthz?" + Probe, Assert.Single(proxy.Upstream.Requests).Target);
    }

    private sealed record Variant(Func<H2TestClient, Task> Send, string[] Outcomes);

    private static Variant HeadersOnly((string, string)[] fields) =>
        new(client => client.SendHeadersAsync(1, Block(fields), endStream: true), s_malformed);

    private static Variant HeadersBytes(byte[] block, string[] outcomes) =>
        new(client => client.SendHeadersAsync(1, block, endStream: true), outcomes);

    private static Variant PostWithData(params (string, string)[] fields) =>
        new(async client =>
        {
            await client.SendHeadersAsync(1, Block(Post(fields)), endStream: false);
            await client.SendDataAsync(1, "hello"u8.ToArray(), endStream: true);
        }, s_malformed);

    private static Variant WithTrailers((string, string)[] trailers, bool endStream) =>
        new(async client =>
        {
            await client.SendHeadersAsync(1, Block(Post()), endStream: false);
            await client.SendDataAsync(1, "zz"u8.ToArray(), endStream: false);
            await client.SendHeadersAsync(1, Block(trailers), endStream: endStream);
        }, s_malformed);

    /// <summary>Encodes each field as a literal without indexing with a new name and no Huffman coding (RFC 7541 section 6.2.2).</summary>
    private static byte[] Block(params (string Name, string Value)[] fields)
    {
        var block = new List<byte>();
        foreach ((string name, string value) in fields)
        {
            block.Add(0x00);
            WriteString(block, Encoding.Latin1.GetBytes(name));
            WriteString(block, Encoding.Latin1.GetBytes(value));
        }

        return [.. block];
    }

    private static void WriteString(List<byte> block, byte[] text)
    {
        // The 7-bit prefix integer of RFC 7541 section 5.1, with H = 0.
        int length = text.Length;
        if (length < 127)
        {
            block.Add((byte)length);
        }
        else
        {
            block.Add(127);
            length -= 127;
            while (length >= 128)
            {
                block.Add((byte)((length % 128) + 128));
                length /= 128;
            }

            block.Add((byte)length);
        }

        block.AddRange(text);
    }

    /// <summary>
    /// Reads until stream <paramref name="streamId"/> gets a response head, a RST_STREAM, or the connection a GOAWAY,
    /// and describes it as "status N", "RST_STREAM code" or "GOAWAY code".
    /// </summary>
    private static async Task<string> ReadOutcomeAsync(H2TestClient client, int streamId)
    {
        while (true)
        {
            H2Frame? frame;
            try
            {
                frame = await client.ReadFrameAsync(5_000);
            }
            catch (TimeoutException)
            {
                return "no frame within 5 s";
            }

            if (frame is null)
            {
                return "connection closed without GOAWAY";
            }

            if (frame.Type == FrameType.Settings && !frame.HasFlag(FrameFlags.Ack))
            {
                await client.SendFrameAsync(FrameType.Settings, FrameFlags.Ack, 0, []);
            }
            else if (frame.Type == FrameType.GoAway)
            {
                return $"GOAWAY {frame.ErrorCode}";
            }
            else if (frame.Type == FrameType.RstStream && frame.StreamId == streamId)
            {
                return $"RST_STREAM {frame.ErrorCode}";
            }
            else if (frame.Type == FrameType.Headers && frame.StreamId == streamId)
            {
                string status = client.Decode(frame.Payload).Single(f => f.Name == ":status").Value;
                return $"status {status}";
            }
        }
    }

    // After a stream error or a 400 the connection must still serve a well-formed request.
    private static async Task AssertStillUsableAsync(Http2Harness proxy, H2TestClient client, string outcome)
    {
        if (outcome.StartsWith("GOAWAY", StringComparison.Ordinal))
        {
            Assert.True(await client.WaitForCloseAsync(), "The proxy kept the connection open after GOAWAY.");
            return;
        }

        await client.SendGetAsync(3, "/healthz");
        H2Response response = await client.ReadResponseAsync(3);
        Assert.Equal(200, response.Status);
        Assert.All(proxy.Upstream.Requests, r => Assert.Equal("/healthz", r.Target));
    }
}
