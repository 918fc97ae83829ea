using FastContractorProxy.Tests.Infrastructure;

namespace FastContractorProxy.Tests.Proxy;

/// <summary>Requests whose body length is ambiguous: Content-Length and Transfer-Encoding conflicts (RFC 9112 section 6).</summary>
public class FramingTests
{
    public static TheoryData<string, string> ConflictingFraming => new()
    {
        { "HTTP/1.1", "Content-Length: 58\r\nTransfer-Encoding: chunked\r\n" },
        { "HTTP/1.1", "Transfer-Encoding: chunked\r\nContent-Length: 58\r\n" },
        { "HTTP/1.1", "Content-Length: 58\r\nContent-Length: 5\r\n" },
        { "HTTP/1.1", "Content-Length: 58, 5\r\n" },
        { "HTTP/1.1", "Content-Length:\r\nTransfer-Encoding: chunked\r\n" },
        { "HTTP/1.1", "Content-Length: 58\r\nContent-Length:\r\n" },
        { "HTTP/1.1", "Content-Length: +58\r\n" },
        { "HTTP/1.1", "Content-Length: 0x3a\r\n" },
        { "HTTP/1.0", "Transfer-Encoding: chunked\r\n" },
        { "HTTP/1.0", "Content-Length: 58\r\nTransfer-Encoding: chunked\r\n" },
    };

    [Theory]
    [MemberData(nameof(ConflictingFraming))]
    public async Task ConflictingLengths_400AndClose(string version, string framing)
    {
        await using var upstream = RecorderUpstream.Start();
        await using var proxy = await TestProxy.StartAsync(upstream);
        using var client = proxy.Connect();

        await client.SendAsync($"POST /public/ok {version}\r\nHost: api.example.test\r\n{framing}\r\n{ProxyAssert.Smuggled}{ProxyAssert.FollowUp}");

        await ProxyAssert.RejectedAndClosedAsync(client, 400);
        Assert.Equal(0, upstream.ConnectionCount);
        Assert.DoesNotContain(ProxyAssert.SmuggledPath, upstream.AllReceivedText, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("HTTP/1.1", "")]
    [InlineData("HTTP/1.1", "Content-Length: 58, 58\r\n")]
    [InlineData("HTTP/1.1", "Content-Length: 58\r\n")]
    [InlineData("HTTP/1.0", "Connection: keep-alive\r\n")]
    public async Task SingleContentLength_BodyForwarded(string version, string extraFields)
    {
        await using var upstream = RecorderUpstream.Start();
        await using var proxy = await TestProxy.StartAsync(upstream);
        using var client = proxy.Connect();
        string length = extraFields.StartsWith("Content-Length", StringComparison.Ordinal) ? "" : "Content-Length: 58\r\n";

        await client.SendAsync($"POST /public/ok {version}\r\nHost: api.example.test\r\n{length}{extraFields}\r\n{ProxyAssert.Smuggled}{ProxyAssert.FollowUp}");
        RawResponse first = await client.ReadResponseAsync();
        RawResponse second = await client.ReadResponseAsync();

        Assert.Equal(200, first.StatusCode);
        Assert.Equal(200, second.StatusCode);
        IReadOnlyList<RecordedRequest> requests = await upstream.WaitForRequestsAsync(2);
        Assert.Equal(2, requests.Count);
        Assert.Equal(ProxyAssert.Smuggled, requests[0].BodyText);
        Assert.Equal("58", requests[0].Value("Content-Length"));
        Assert.Equal("/public/next", requests[1].Target);
    }
}
