using FastContractorProxy.Tests.Infrastructure;

namespace FastContractorProxy.Tests.Proxy;

/// <summary>Requests and checks shared by the end-to-end proxy tests.</summary>
internal static class ProxyAssert
{
    /// <summary>
    /// A chunked last-chunk followed by a request for a path no test ever sends openly (58 bytes). An upstream
    /// that frames a body differently from the proxy would read the GET as a second request.
    /// </summary>
    public const string Smuggled = "0\r\n\r\nGET /admin/users HTTP/1.1\r\nHost: api.example.test\r\n\r\n";

    /// <summary>The path inside <see cref="Smuggled"/>; the upstream must never receive it.</summary>
    public const string SmuggledPath = "/admin/users";

    /// <summary>A harmless request pipelined behind the request under test.</summary>
    public const string FollowUp = "GET /public/next HTTP/1.1\r\nHost: api.example.test\r\n\r\n";

    /// <summary>
    /// Reads one response and checks that it has <paramref name="status"/>, announces <c>Connection: close</c>, and
    /// that the proxy then closes the connection without responding to anything pipelined behind the request.
    /// </summary>
    public static async Task RejectedAndClosedAsync(RawHttpClient client, int status)
    {
        RawResponse response = await client.ReadResponseAsync();

        Assert.Equal(status, response.StatusCode);
        Assert.True(response.ClosesConnection, $"The {status} response has no 'Connection: close'.");
        Assert.True(await client.IsClosedByPeerAsync(), "The proxy kept the connection open after the rejection.");
        Assert.Equal(0, client.PendingByteCount);
    }

    /// <summary>Polls <paramref name="condition"/> until it is true or the timeout passes. Returns whether it became true.</summary>
    public static async Task<bool> WaitUntilAsync(Func<bool> condition, int timeoutMs = 3000)
    {
        DateTime deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(10);
        }

        return true;
    }

    /// <summary>The bytes the upstream received after the first request head, as Latin-1 text.</summary>
    public static string BodyAfterFirstHead(RecorderUpstream upstream)
    {
        string received = upstream.AllReceivedText;
        int headEnd = received.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        return headEnd < 0 ? "" : received[(headEnd + 4)..];
    }
}
