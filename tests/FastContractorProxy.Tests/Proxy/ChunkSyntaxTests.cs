using FastContractorProxy.Tests.Infrastructure;

namespace FastContractorProxy.Tests.Proxy;

/// <summary>Malformed chunked request bodies (RFC 9112 section 7.1), each followed by the smuggled request.</summary>
public class ChunkSyntaxTests
{
    private const string ChunkedHead = "POST /public/ok HTTP/1.1\r\nHost: api.example.test\r\nTransfer-Encoding: chunked\r\n\r\n";

    public static TheoryData<string> MalformedBodies => new()
    {
        // Bare LF after a chunk extension or a size.
        "2;a\nxx\r\nzz\r\n0\r\n\r\n",
        "2\nzz\r\n0\r\n\r\n",

        // Sizes that are not plain hexadecimal digits.
        "1zzz\r\nz\r\n0\r\n\r\n",
        "0x2\r\nzz\r\n0\r\n\r\n",
        "-0\r\n\r\n",
        " 2\r\nzz\r\n0\r\n\r\n",

        // Sizes that wrap in a 32-bit or 64-bit parser.
        "100000002\r\nzz\r\n0\r\n\r\n",
        "10000000000000000002\r\nzz\r\n0\r\n\r\n",

        // Chunk data longer or shorter than its size.
        "2\r\nzzz\r\n0\r\n\r\n",
        "2\r\nzz0\r\n\r\n",
        "3\r\nzz\r\n0\r\n\r\n",

        // Malformed extension and trailer.
        "2;=b\r\nzz\r\n0\r\n\r\n",
        "2\r\nzz\r\n0\r\nX-Trailer : t\r\n\r\n",
    };

    [Theory]
    [MemberData(nameof(MalformedBodies))]
    public async Task MalformedChunk_400AndClose(string body)
    {
        await using var upstream = RecorderUpstream.Start();
        await using var proxy = await TestProxy.StartAsync(upstream);
        using var client = proxy.Connect();

        await client.SendAsync(ChunkedHead + body + ProxyAssert.Smuggled);

        await ProxyAssert.RejectedAndClosedAsync(client, 400);
        Assert.True(await ProxyAssert.WaitUntilAsync(() => upstream.OpenConnections == 0), "The proxy kept the upstream connection open.");
        Assert.Empty(upstream.Requests);
        Assert.DoesNotContain("0\r\n\r\n", ProxyAssert.BodyAfterFirstHead(upstream), StringComparison.Ordinal);
        Assert.DoesNotContain(ProxyAssert.SmuggledPath, upstream.AllReceivedText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChunkExtension_DroppedAndReframed()
    {
        await using var upstream = RecorderUpstream.Start();
        await using var proxy = await TestProxy.StartAsync(upstream);
        using var client = proxy.Connect();

        await client.SendAsync(ChunkedHead + "2;a=b\r\nzz\r\n0\r\n\r\n" + ProxyAssert.FollowUp);
        RawResponse first = await client.ReadResponseAsync();
        RawResponse second = await client.ReadResponseAsync();

        Assert.Equal(200, first.StatusCode);
        Assert.Equal(200, second.StatusCode);
        IReadOnlyList<RecordedRequest> requests = await upstream.WaitForRequestsAsync(2);
        Assert.Equal("zz", requests[0].BodyText);
        Assert.StartsWith("2\r\nzz\r\n0\r\n\r\n", ProxyAssert.BodyAfterFirstHead(upstream), StringComparison.Ordinal);
        Assert.DoesNotContain("a=b", upstream.AllReceivedText, StringComparison.Ordinal);
        Assert.Equal("/public/next", requests[1].Target);
    }

    [Fact]
    public async Task Trailer_DroppedAndReframed()
    {
        await using var upstream = RecorderUpstream.Start();
        await using var proxy = await TestProxy.StartAsync(upstream);
        using var client = proxy.Connect();

        await client.SendAsync(ChunkedHead + "000002\r\nzz\r\n1 ; q=\"x y\"\r\n!\r\n0\r\nX-Trailer: t\r\n\r\n" + ProxyAssert.FollowUp);
        RawResponse first = await client.ReadResponseAsync();
        RawResponse second = await client.ReadResponseAsync();

        Assert.Equal(200, first.StatusCode);
        Assert.Equal(200, second.StatusCode);
        IReadOnlyList<RecordedRequest> requests = await upstream.WaitForRequestsAsync(2);
        Assert.Equal("zz!", requests[0].BodyText);
        Assert.DoesNotContain("X-Trailer", upstream.AllReceivedText, StringComparison.Ordinal);
        Assert.DoesNotContain("q=", upstream.AllReceivedText, StringComparison.Ordinal);
        Assert.Equal("/public/next", requests[1].Target);
    }
}
