using FastContractorProxy.Tests.Infrastructure;

namespace FastContractorProxy.Tests.Proxy;

/// <summary>Malformed field lines in the request header section (RFC 9112 sections 2.2 and 5).</summary>
public class FieldSyntaxTests
{
    public static TheoryData<string> MalformedHeads => new()
    {
        // Whitespace between the field name and the colon.
        "POST /public/ok HTTP/1.1\r\nHost: api.example.test\r\nTransfer-Encoding : chunked\r\n\r\n" + ProxyAssert.Smuggled,
        "POST /public/ok HTTP/1.1\r\nHost: api.example.test\r\nContent-Length: 58\r\nTransfer-Encoding\t: chunked\r\n\r\n" + ProxyAssert.Smuggled,

        // Obsolete line folding.
        "GET /public/ok HTTP/1.1\r\nHost: api.example.test\r\nX-Note: a\r\n b\r\n\r\n",
        "POST /public/ok HTTP/1.1\r\nHost: api.example.test\r\nContent-Length:\r\n 58\r\n\r\n" + ProxyAssert.Smuggled,

        // A value on the line after its name.
        "POST /public/ok HTTP/1.1\r\nHost: api.example.test\r\nContent-Length:\r\n58\r\n\r\n" + ProxyAssert.Smuggled,

        // Control characters inside a value.
        "GET /public/ok HTTP/1.1\r\nHost: api.example.test\r\nX-Note: a\0b\r\n\r\n",
        "GET /public/ok HTTP/1.1\r\nHost: api.example.test\r\nX-Note: a\rb\r\n\r\n",
        "GET /public/ok HTTP/1.1\r\nHost: api.example.test\rX-Note: a\r\n\r\n",

        // Bare LF line endings, everywhere or on one line.
        "GET /public/ok HTTP/1.1\nHost: api.example.test\n\n",
        "GET /public/ok HTTP/1.1\r\nHost: api.example.test\nX-Note: a\r\n\r\n",
        "GET /public/ok HTTP/1.1\r\nHost: api.example.test\r\nX-Note: a\n\r\n",

        // An empty field name.
        "GET /public/ok HTTP/1.1\r\nHost: api.example.test\r\n: empty\r\n\r\n",
    };

    [Theory]
    [MemberData(nameof(MalformedHeads))]
    public async Task MalformedField_400AndClose(string request)
    {
        await using var upstream = RecorderUpstream.Start();
        await using var proxy = await TestProxy.StartAsync(upstream);
        using var client = proxy.Connect();

        await client.SendAsync(request + ProxyAssert.FollowUp);

        await ProxyAssert.RejectedAndClosedAsync(client, 400);
        Assert.Equal(0, upstream.ConnectionCount);
        Assert.DoesNotContain(ProxyAssert.SmuggledPath, upstream.AllReceivedText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HostTrailingSpace_Trimmed()
    {
        await using var upstream = RecorderUpstream.Start();
        await using var proxy = await TestProxy.StartAsync(upstream);
        using var client = proxy.Connect();

        await client.SendAsync("GET /public/ok HTTP/1.1\r\nHost: api.example.test \r\n\r\n");
        RawResponse response = await client.ReadResponseAsync();

        Assert.Equal(200, response.StatusCode);
        RecordedRequest request = Assert.Single(await upstream.WaitForRequestsAsync(1));
        Assert.Contains("\r\nHost: api.example.test\r\n", request.Head, StringComparison.Ordinal);
        Assert.DoesNotContain("api.example.test ", request.Head, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WellFormedFields_Forwarded()
    {
        await using var upstream = RecorderUpstream.Start();
        await using var proxy = await TestProxy.StartAsync(upstream);
        using var client = proxy.Connect();

        await client.SendAsync("GET /public/ok HTTP/1.1\r\nHost: api.example.test\r\nX-Note:\ta\tb \r\nAccept:*/*\r\n\r\n" + ProxyAssert.FollowUp);
        RawResponse first = await client.ReadResponseAsync();
        RawResponse second = await client.ReadResponseAsync();

        Assert.Equal(200, first.StatusCode);
        Assert.Equal(200, second.StatusCode);
        IReadOnlyList<RecordedRequest> requests = await upstream.WaitForRequestsAsync(2);
        Assert.Contains("\r\nX-Note: a\tb\r\n", requests[0].Head, StringComparison.Ordinal);
        Assert.Contains("\r\nAccept: */*\r\n", requests[0].Head, StringComparison.Ordinal);
    }
}
