using FastContractorProxy.Configuration;
using FastContractorProxy.Tests.Infrastructure;

namespace FastContractorProxy.Tests.Proxy;

/// <summary>
/// Upstreams that hang before or during the response, and clients that give up while an exchange is in flight:
/// every such upstream connection must be closed, never pooled.
/// </summary>
public class UpstreamTimeoutTests
{
    private const string Get = "GET /items/1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

    private const string StalledResponse = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789";

    [Fact]
    public async Task UpstreamNeverAnswers_504()
    {
        int served = 0;
        await using var upstream = RecorderUpstream.Start(_ => Interlocked.Increment(ref served) == 1
            ? UpstreamReply.Never
            : UpstreamReply.Ok("second"));
        await using var proxy = await TestProxy.StartAsync(upstream);
        using var client = proxy.Connect();

        await client.SendAsync(Get);
        RawResponse response = await client.ReadResponseAsync(timeoutMs: 8000);

        Assert.Equal(504, response.StatusCode);
        Assert.InRange(response.Body.Length, 1, 200);
        Assert.True(await upstream.WaitForOpenConnectionsAsync(0));

        await client.SendAsync(Get);
        RawResponse next = await client.ReadResponseAsync();

        Assert.Equal("second", next.BodyText);
        Assert.Equal(2, upstream.ConnectionCount);
    }

    [Fact]
    public async Task UpstreamStallsMidBody_ClientAborted()
    {
        int served = 0;
        await using var upstream = RecorderUpstream.Start(_ => Interlocked.Increment(ref served) == 1
            ? UpstreamReply.Stall(StalledResponse)
            : UpstreamReply.Ok("second"));
        await using var proxy = await TestProxy.StartAsync(upstream);
        using var client = proxy.Connect();

        await client.SendAsync(Get);
        bool closed = await client.IsClosedByPeerAsync(timeoutMs: 8000);
        string received = client.AllReceivedText;
        int headEnd = received.IndexOf("\r\n\r\n", StringComparison.Ordinal);

        Assert.True(closed);
        Assert.StartsWith("HTTP/1.1 200 ", received, StringComparison.Ordinal);
        Assert.Contains("Content-Length: 1000\r\n", received, StringComparison.Ordinal);
        Assert.Equal("0123456789", received[(headEnd + 4)..]);
        Assert.True(await upstream.WaitForOpenConnectionsAsync(0));

        using var nextClient = proxy.Connect();
        await nextClient.SendAsync(Get);
        RawResponse next = await nextClient.ReadResponseAsync();

        Assert.Equal("second", next.BodyText);
        Assert.Equal(2, upstream.ConnectionCount);
    }

    [Fact]
    public async Task ClientAbortWhileStreaming_UpstreamClosed()
    {
        int served = 0;
        await using var upstream = RecorderUpstream.Start(_ => Interlocked.Increment(ref served) == 1
            ? UpstreamReply.Stall(StalledResponse)
            : UpstreamReply.Ok("second"));

        // Long upstream timeouts: only the client's abort can end the stalled exchange within the test's waits.
        await using var proxy = await TestProxy.StartAsync(upstream, LongUpstreamTimeouts);
        var client = proxy.Connect();

        await client.SendAsync(Get);
        bool streaming = await client.ReadUntilAsync("0123456789");
        client.Abort();

        Assert.True(streaming);
        Assert.True(await upstream.WaitForOpenConnectionsAsync(0));

        using var nextClient = proxy.Connect();
        await nextClient.SendAsync(Get);
        RawResponse next = await nextClient.ReadResponseAsync();

        Assert.Equal("second", next.BodyText);
        Assert.Equal(2, upstream.ConnectionCount);
    }

    [Fact]
    public async Task AbortingClients_CancelUpstreamExchanges()
    {
        // 25 clients abort with an exchange in flight (13 waiting for a response head that never comes, 12 in the
        // middle of a request body); 25 others complete normally meanwhile.
        const int waitingCount = 13;
        const int midBodyCount = 12;
        const int normalCount = 25;
        await using var upstream = RecorderUpstream.Start(request => request.Target.StartsWith("/hang", StringComparison.Ordinal)
            ? UpstreamReply.Never
            : UpstreamReply.Ok());
        await using var proxy = await TestProxy.StartAsync(upstream, LongUpstreamTimeouts);

        var aborting = new List<RawHttpClient>();
        try
        {
            for (int i = 0; i < waitingCount; i++)
            {
                RawHttpClient client = proxy.Connect();
                aborting.Add(client);
                await client.SendAsync($"GET /hang/{i} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            }

            for (int i = 0; i < midBodyCount; i++)
            {
                RawHttpClient client = proxy.Connect();
                aborting.Add(client);
                await client.SendAsync($"POST /upload/{i} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\npart-{i:D2}");
            }

            // Every aborting exchange uses its own upstream connection before the normal clients start, so none
            // of the normal clients' pooled connections can be one of them.
            bool allInFlight = await WaitUntilAsync(() =>
                upstream.Requests.Count(r => r.Target.StartsWith("/hang", StringComparison.Ordinal)) == waitingCount &&
                Enumerable.Range(0, midBodyCount).All(i => upstream.AllReceivedText.Contains($"part-{i:D2}", StringComparison.Ordinal)));
            Assert.True(allInFlight);
            Assert.Equal(waitingCount + midBodyCount, upstream.OpenConnections);

            Task<int[]> normal = Task.WhenAll(Enumerable.Range(0, normalCount).Select(async i =>
            {
                using RawHttpClient client = proxy.Connect();
                await client.SendAsync($"GET /ok/{i} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
                return (await client.ReadResponseAsync()).StatusCode;
            }));
            foreach (RawHttpClient client in aborting)
            {
                client.Abort();
            }

            int[] statuses = await normal;

            Assert.All(statuses, status => Assert.Equal(200, status));
            int pooled = upstream.Requests.Where(r => r.Target.StartsWith("/ok", StringComparison.Ordinal)).Select(r => r.ConnectionId).Distinct().Count();
            Assert.True(await upstream.WaitForOpenConnectionsAsync(pooled), $"expected {pooled} open upstream connections, saw {upstream.OpenConnections}");
        }
        finally
        {
            foreach (RawHttpClient client in aborting)
            {
                client.Dispose();
            }
        }
    }

    internal static ProxySettings LongUpstreamTimeouts(ProxySettings settings) =>
        settings with
        {
            Limits = settings.Limits with { MinRequestBodyRateGrace = TimeSpan.FromSeconds(30) },
            Clusters = [settings.Clusters[0] with { ResponseHeaderTimeout = TimeSpan.FromSeconds(30) }],
        };

    internal static async Task<bool> WaitUntilAsync(Func<bool> condition, int timeoutMs = 5000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
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
}
