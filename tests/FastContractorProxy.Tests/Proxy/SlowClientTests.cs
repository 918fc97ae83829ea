using FastContractorProxy.Configuration;
using FastContractorProxy.Tests.Infrastructure;

namespace FastContractorProxy.Tests.Proxy;

/// <summary>
/// Clients that send too slowly or not at all, scaled down to seconds: each is cut off by its own deadline
/// (header section, body rate, keep-alive idle), and none of them holds up a normal client.
/// </summary>
public class SlowClientTests
{
    private const string Get = "GET /items/1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

    /// <summary>Header lines a slow client would send, one per second: far more than the 2 s header deadline allows.</summary>
    private const int SlowHeaderLines = 6;

    [Fact]
    public async Task SlowHeaders_408AtTotalDeadline()
    {
        await using var upstream = RecorderUpstream.Start();
        await using var proxy = await TestProxy.StartAsync(upstream);

        // If the deadline were extended per byte, every head would complete after about 6 s and be forwarded.
        SlowOutcome[] outcomes = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => SendHeadSlowlyAsync(proxy, i)));

        Assert.All(outcomes, outcome => Assert.Equal(408, outcome.StatusCode));
        Assert.All(outcomes, outcome => Assert.True(outcome.ClosedByProxy));

        // The final empty line is the last unit: it was never sent.
        Assert.All(outcomes, outcome => Assert.InRange(outcome.UnitsSent, 1, SlowHeaderLines));
        Assert.Equal(0, upstream.ConnectionCount);
    }

    [Fact]
    public async Task SilentBody_408AndUpstreamClosed()
    {
        await using var upstream = RecorderUpstream.Start();
        await using var proxy = await TestProxy.StartAsync(upstream);
        using var client = proxy.Connect();

        await client.SendAsync("POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10\r\n\r\n");
        RawResponse response = await client.ReadResponseAsync(timeoutMs: 8000);

        Assert.Equal(408, response.StatusCode);
        Assert.True(response.ClosesConnection);
        Assert.True(await client.IsClosedByPeerAsync());
        Assert.Equal(1, upstream.ConnectionCount);
        Assert.True(await upstream.WaitForOpenConnectionsAsync(0));
        Assert.Empty(upstream.Requests);

        // The half-sent exchange's connection was closed, so the next request needs a new one.
        using var nextClient = proxy.Connect();
        await nextClient.SendAsync(Get);
        RawResponse next = await nextClient.ReadResponseAsync();

        Assert.Equal(200, next.StatusCode);
        Assert.Equal(2, upstream.ConnectionCount);
    }

    [Fact]
    public async Task TricklingBody_408BelowMinimumRate()
    {
        await using var upstream = RecorderUpstream.Start();
        await using var proxy = await TestProxy.StartAsync(upstream, MinimumRate100);

        SlowOutcome outcome = await SendBodySlowlyAsync(proxy);

        Assert.Equal(408, outcome.StatusCode);
        Assert.True(outcome.ClosedByProxy);
        Assert.InRange(outcome.UnitsSent, 1, 9);
        Assert.Empty(upstream.Requests);
        Assert.True(await upstream.WaitForOpenConnectionsAsync(0));
    }

    [Fact]
    public async Task IdleConnection_ClosedAfterKeepAliveTimeout()
    {
        await using var upstream = RecorderUpstream.Start();
        await using var proxy = await TestProxy.StartAsync(upstream, ShortKeepAlive);
        using var silent = proxy.Connect();
        using var idleAfterRequest = proxy.Connect();

        await idleAfterRequest.SendAsync(Get);
        RawResponse response = await idleAfterRequest.ReadResponseAsync();
        Task<bool> silentClosed = silent.IsClosedByPeerAsync(timeoutMs: 8000);
        Task<bool> idleClosed = idleAfterRequest.IsClosedByPeerAsync(timeoutMs: 8000);

        Assert.Equal(200, response.StatusCode);
        Assert.True(await silentClosed);
        Assert.True(await idleClosed);
        Assert.Equal(0, silent.AllReceivedText.Length);
        Assert.Equal(0, idleAfterRequest.PendingByteCount);
    }

    [Fact]
    public async Task SlowClients_NormalClientServed()
    {
        await using var upstream = RecorderUpstream.Start();
        await using var proxy = await TestProxy.StartAsync(upstream, settings => ShortKeepAlive(MinimumRate100(settings)));
        using var normal = proxy.Connect();

        // One warm-up request leaves one pooled upstream connection: the baseline the test returns to.
        await normal.SendAsync(Get);
        Assert.Equal(200, (await normal.ReadResponseAsync()).StatusCode);
        int baseline = upstream.OpenConnections;

        Task<SlowOutcome[]> slowHeads = Task.WhenAll(Enumerable.Range(0, 10).Select(i => SendHeadSlowlyAsync(proxy, i)));
        Task<SlowOutcome[]> slowBodies = Task.WhenAll(Enumerable.Range(0, 5).Select(_ => SendBodySlowlyAsync(proxy)));
        Task<SlowOutcome[]> silentBodies = Task.WhenAll(Enumerable.Range(0, 5).Select(_ => SendSilentBodyAsync(proxy)));
        Task<SlowOutcome[]> idle = Task.WhenAll(Enumerable.Range(0, 5).Select(_ => SendNothingAsync(proxy)));
        Task allSlow = Task.WhenAll(slowHeads, slowBodies, silentBodies, idle);

        // The normal client keeps sending while the slow ones are being cut off (bounded: 200 requests at most).
        var normalStatuses = new List<int>();
        while (!allSlow.IsCompleted && normalStatuses.Count < 200)
        {
            await normal.SendAsync(Get);
            normalStatuses.Add((await normal.ReadResponseAsync()).StatusCode);
            await Task.Delay(20);
        }

        SlowOutcome[] headOutcomes = await slowHeads;
        SlowOutcome[] bodyOutcomes = await slowBodies;
        SlowOutcome[] silentOutcomes = await silentBodies;
        SlowOutcome[] idleOutcomes = await idle;

        Assert.NotEmpty(normalStatuses);
        Assert.All(normalStatuses, status => Assert.Equal(200, status));
        Assert.All(headOutcomes, outcome => Assert.Equal(408, outcome.StatusCode));
        Assert.All(bodyOutcomes, outcome => Assert.Equal(408, outcome.StatusCode));
        Assert.All(silentOutcomes, outcome => Assert.Equal(408, outcome.StatusCode));
        Assert.All(idleOutcomes, outcome => Assert.Equal(0, outcome.StatusCode));
        Assert.All(headOutcomes.Concat(bodyOutcomes).Concat(silentOutcomes).Concat(idleOutcomes), outcome => Assert.True(outcome.ClosedByProxy));
        Assert.True(await upstream.WaitForOpenConnectionsAsync(baseline), $"expected {baseline} open upstream connections, saw {upstream.OpenConnections}");
    }

    [Fact]
    public async Task StalledReader_AbortedAfterSendTimeout()
    {
        // Far more than the loopback socket buffers between the proxy and the client can hold, so the proxy's
        // writes to a client that stopped reading must wait, and the response send timeout cuts it off.
        const int bodyLength = 32 * 1024 * 1024;
        await using var upstream = RecorderUpstream.Start(_ =>
            UpstreamReply.Text($"HTTP/1.1 200 OK\r\nContent-Length: {bodyLength}\r\n\r\n{new string('x', bodyLength)}"));
        await using var proxy = await TestProxy.StartAsync(upstream, settings => settings with
        {
            Limits = settings.Limits with { ResponseSendTimeout = TimeSpan.FromSeconds(1) },
        });
        using var client = proxy.Connect();

        await client.SendAsync(Get);
        await upstream.WaitForRequestsAsync(1);

        // The client reads nothing until the proxy gave up on it and closed the upstream connection.
        bool upstreamClosed = await upstream.WaitForOpenConnectionsAsync(0, timeoutMs: 8000);
        bool clientClosed = await client.IsClosedByPeerAsync(timeoutMs: 8000);

        Assert.True(upstreamClosed);
        Assert.True(clientClosed);
        Assert.InRange(client.AllReceivedText.Length, 0, bodyLength - 1);
    }

    private static ProxySettings MinimumRate100(ProxySettings settings) => settings with
    {
        Limits = settings.Limits with { MinRequestBodyBytesPerSecond = 100, MinRequestBodyRateGrace = TimeSpan.FromSeconds(1) },
    };

    private static ProxySettings ShortKeepAlive(ProxySettings settings) => settings with
    {
        Limits = settings.Limits with { KeepAliveTimeout = TimeSpan.FromSeconds(2) },
    };

    /// <summary>
    /// What a slow client saw: the status of the response (0 when none came), whether the proxy closed the
    /// connection, and how many of its slow units (header lines or body bytes) it sent before that.
    /// </summary>
    private sealed record SlowOutcome(int StatusCode, bool ClosedByProxy, int UnitsSent);

    // Sends a request line, then one header line per second, until the proxy responds or all lines were sent.
    private static Task<SlowOutcome> SendHeadSlowlyAsync(TestProxy proxy, int index) =>
        SendSlowlyAsync(proxy, $"GET /slow/{index} HTTP/1.1\r\nHost: 127.0.0.1\r\n",
            Enumerable.Range(0, SlowHeaderLines).Select(line => $"X-Slow-{line}: {index}\r\n").Append("\r\n").ToArray());

    // Declares a 10-byte body and sends it at 1 byte per second, far below the 100 B/s minimum.
    private static Task<SlowOutcome> SendBodySlowlyAsync(TestProxy proxy) =>
        SendSlowlyAsync(proxy, "POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10\r\n\r\n",
            Enumerable.Repeat("b", 10).ToArray());

    private static Task<SlowOutcome> SendSilentBodyAsync(TestProxy proxy) =>
        SendSlowlyAsync(proxy, "POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10\r\n\r\n", []);

    private static Task<SlowOutcome> SendNothingAsync(TestProxy proxy) => SendSlowlyAsync(proxy, "", []);

    /// <summary>
    /// Sends <paramref name="start"/> and the first unit, then one more unit per second while the proxy has not
    /// closed the connection. Every wait is bounded, so the call ends within about 12 s whatever the proxy does.
    /// </summary>
    private static async Task<SlowOutcome> SendSlowlyAsync(TestProxy proxy, string start, string[] units)
    {
        using RawHttpClient client = proxy.Connect();
        if (start.Length > 0)
        {
            await client.SendAsync(start);
        }

        Task<bool> closed = client.IsClosedByPeerAsync(timeoutMs: 10_000);
        int sent = 0;
        while (sent < units.Length && !closed.IsCompleted)
        {
            try
            {
                await client.SendAsync(units[sent]);
            }
            catch (IOException)
            {
                break;
            }

            sent++;
            await Task.WhenAny(closed, Task.Delay(1000));
        }

        bool closedByProxy = await closed;
        string received = client.AllReceivedText;
        int status = received.StartsWith("HTTP/1.1 ", StringComparison.Ordinal) ? int.Parse(received.AsSpan(9, 3), System.Globalization.CultureInfo.InvariantCulture) : 0;
        return new SlowOutcome(status, closedByProxy, sent);
    }
}
