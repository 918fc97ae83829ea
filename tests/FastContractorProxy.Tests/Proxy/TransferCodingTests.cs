using FastContractorProxy.Tests.Infrastructure;

namespace FastContractorProxy.Tests.Proxy;

/// <summary>Transfer-Encoding values that try to hide or disguise chunked (RFC 9112 sections 6.1 and 6.3).</summary>
public class TransferCodingTests
{
    private static readonly string[] s_obfuscated =
    [
        "Transfer-Encoding: xchunked\r\n",
        "Transfer-Encoding: chunked, identity\r\n",
        "Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n",
        "Transfer-Encoding: \"chunked\"\r\n",
        "Transfer-Encoding: \vchunked\r\n",
        "Transfer-Encoding: chunked, gzip\r\n",
        "Transfer-Encoding: chunked, chunked\r\n",
        "Transfer-Encoding: \r\n",
    ];

    private static readonly string[] s_trimmedChunked =
    [
        "Transfer-Encoding: chunked\t\r\n",
        "Transfer-Encoding: chunked,\r\n",
        "Transfer-Encoding: CHUNKED\r\n",
    ];

    /// <summary>Each case: the Transfer-Encoding lines, whether Content-Length: 58 comes too, and the expected status.</summary>
    public static TheoryData<string, bool, int> RejectedCodings
    {
        get
        {
            var data = new TheoryData<string, bool, int>();
            foreach (string coding in s_obfuscated)
            {
                data.Add(coding, false, 400);
                data.Add(coding, true, 400);
            }

            data.Add("Transfer-Encoding: gzip, chunked\r\n", false, 501);
            data.Add("Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n", false, 501);
            data.Add("Transfer-Encoding: gzip, chunked\r\n", true, 400);
            foreach (string coding in s_trimmedChunked)
            {
                data.Add(coding, true, 400);
            }

            return data;
        }
    }

    public static TheoryData<string> TrimmedChunked => new(s_trimmedChunked);

    [Theory]
    [MemberData(nameof(RejectedCodings))]
    public async Task ObfuscatedCoding_RejectedAndClosed(string coding, bool withContentLength, int status)
    {
        await using var upstream = RecorderUpstream.Start();
        await using var proxy = await TestProxy.StartAsync(upstream);
        using var client = proxy.Connect();
        string length = withContentLength ? "Content-Length: 58\r\n" : "";

        await client.SendAsync($"POST /public/ok HTTP/1.1\r\nHost: api.example.test\r\n{length}{coding}\r\n{ProxyAssert.Smuggled}{ProxyAssert.FollowUp}");

        await ProxyAssert.RejectedAndClosedAsync(client, status);
        Assert.Equal(0, upstream.ConnectionCount);
        Assert.DoesNotContain(ProxyAssert.SmuggledPath, upstream.AllReceivedText, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(TrimmedChunked))]
    public async Task TrimmedChunked_Reframed(string coding)
    {
        await using var upstream = RecorderUpstream.Start();
        await using var proxy = await TestProxy.StartAsync(upstream);
        using var client = proxy.Connect();

        await client.SendAsync($"POST /public/ok HTTP/1.1\r\nHost: api.example.test\r\n{coding}\r\n2\r\nzz\r\n0\r\n\r\n{ProxyAssert.FollowUp}");
        RawResponse first = await client.ReadResponseAsync();
        RawResponse second = await client.ReadResponseAsync();

        Assert.Equal(200, first.StatusCode);
        Assert.Equal(200, second.StatusCode);
        IReadOnlyList<RecordedRequest> requests = await upstream.WaitForRequestsAsync(2);
        RecordedRequest request = requests[0];
        Assert.Equal("zz", request.BodyText);
        Assert.Single(request.Values("Transfer-Encoding"));
        Assert.Contains("\r\nTransfer-Encoding: chunked\r\n", request.Head, StringComparison.Ordinal);
        Assert.Empty(request.Values("Content-Length"));
        Assert.Equal("/public/next", requests[1].Target);
    }
}
