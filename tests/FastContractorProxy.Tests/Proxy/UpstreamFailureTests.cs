using System.Net;
using System.Net.Sockets;
using FastContractorProxy.Tests.Infrastructure;

namespace FastContractorProxy.Tests.Proxy;

/// <summary>Upstreams that refuse connections, send invalid heads or close early: the client gets a short 502.</summary>
public class UpstreamFailureTests
{
    private const string Get = "GET /items/1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

    /// <summary>Time an upstream waits between a partial response and its close, so the proxy relays the part first.</summary>
    private static readonly TimeSpan RelayPause = TimeSpan.FromMilliseconds(500);

    /// <summary>Upper bound for the proxy's own one-line error bodies.</summary>
    private const int MaxErrorBodyBytes = 200;

    [Fact]
    public async Task ConnectRefused_502()
    {
        await using var proxy = await TestProxy.StartAsync(ClosedLoopbackPort());
        using var client = proxy.Connect();

        // The second request finds the destination cooling down and still gets a response rather than a hang.
        for (int i = 0; i < 2; i++)
        {
            await client.SendAsync(Get);
            RawResponse response = await client.ReadResponseAsync();

            Assert.Equal(502, response.StatusCode);
            Assert.InRange(response.Body.Length, 1, MaxErrorBodyBytes);
            Assert.NotNull(response.Value("X-Request-Id"));
        }
    }

    [Fact]
    public async Task ConnectTimeout_504()
    {
        // A loopback listener that never accepts: once its accept queue is full, Linux drops new connection
        // attempts, so connecting to it hangs until the proxy's connect timeout.
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var endPoint = (IPEndPoint)listener.LocalEndPoint!;
        var fillers = new List<Socket>();
        try
        {
            bool queueFull = false;
            for (int i = 0; i < 8 && !queueFull; i++)
            {
                var filler = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                fillers.Add(filler);
                using var attempt = new CancellationTokenSource(500);
                try
                {
                    await filler.ConnectAsync(endPoint, attempt.Token);
                }
                catch (OperationCanceledException)
                {
                    queueFull = true;
                }
            }

            Assert.True(queueFull, "the listener's accept queue never filled, so connecting to it would not hang");

            await using var proxy = await TestProxy.StartAsync(endPoint.Port, settings => settings with
            {
                Clusters = [settings.Clusters[0] with { ConnectTimeout = TimeSpan.FromSeconds(1) }],
            });
            using var client = proxy.Connect();

            await client.SendAsync(Get);
            RawResponse response = await client.ReadResponseAsync(timeoutMs: 8000);

            Assert.Equal(504, response.StatusCode);
            Assert.InRange(response.Body.Length, 1, MaxErrorBodyBytes);
        }
        finally
        {
            foreach (Socket filler in fillers)
            {
                filler.Dispose();
            }
        }
    }

    [Fact]
    public async Task OneDestinationRefused_HealthyOneServes()
    {
        await using var upstream = RecorderUpstream.Start();
        int refusedPort = ClosedLoopbackPort();
        await using var proxy = await TestProxy.StartAsync(upstream, settings => settings with
        {
            Clusters =
            [
                settings.Clusters[0] with
                {
                    Destinations = [new DnsEndPoint("127.0.0.1", refusedPort), new DnsEndPoint("127.0.0.1", upstream.Port)],
                },
            ],
        });

        // Separate client connections, so every request leases again and round-robin starts at both destinations.
        const int requestCount = 6;
        for (int i = 0; i < requestCount; i++)
        {
            using var client = proxy.Connect();
            await client.SendAsync(Get);
            RawResponse response = await client.ReadResponseAsync();
            Assert.Equal(200, response.StatusCode);
        }

        Assert.Equal(requestCount, upstream.Requests.Count);
    }

    [Fact]
    public async Task InvalidResponseHead_502AndClosed()
    {
        await using var upstream = RecorderUpstream.Start(_ =>
            UpstreamReply.Text("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nsmugg\r\n0\r\n\r\n"));
        await using var proxy = await TestProxy.StartAsync(upstream);
        using var client = proxy.Connect();

        await client.SendAsync(Get);
        RawResponse response = await client.ReadResponseAsync();

        Assert.Equal(502, response.StatusCode);
        Assert.InRange(response.Body.Length, 1, MaxErrorBodyBytes);
        Assert.DoesNotContain("smugg", client.AllReceivedText, StringComparison.Ordinal);
        Assert.True(await upstream.WaitForOpenConnectionsAsync(0));
    }

    [Fact]
    public async Task UpstreamClosesAfterRequest_502()
    {
        await using var upstream = RecorderUpstream.Start(_ => UpstreamReply.Text("", closeAfter: true));
        await using var proxy = await TestProxy.StartAsync(upstream);
        using var client = proxy.Connect();

        await client.SendAsync(Get);
        RawResponse response = await client.ReadResponseAsync();

        Assert.Equal(502, response.StatusCode);
        Assert.InRange(response.Body.Length, 1, MaxErrorBodyBytes);
        Assert.Single(upstream.Requests);
    }

    [Fact]
    public async Task UpstreamClosesMidHead_502()
    {
        await using var upstream = RecorderUpstream.Start(_ => UpstreamReply.Text("HTTP/1.1 200 OK\r\nContent-Le", closeAfter: true));
        await using var proxy = await TestProxy.StartAsync(upstream);
        using var client = proxy.Connect();

        await client.SendAsync(Get);
        RawResponse response = await client.ReadResponseAsync();

        Assert.Equal(502, response.StatusCode);
        Assert.DoesNotContain("200 OK", client.AllReceivedText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpstreamClosesMidLengthBody_ClientAborted()
    {
        await using var upstream = RecorderUpstream.Start(_ =>
            UpstreamReply.Text("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789", closeAfter: true) with { CloseDelay = RelayPause });
        await using var proxy = await TestProxy.StartAsync(upstream);
        using var client = proxy.Connect();

        await client.SendAsync(Get);
        bool closed = await client.IsClosedByPeerAsync();
        string received = client.AllReceivedText;

        Assert.True(closed);
        Assert.StartsWith("HTTP/1.1 200 ", received, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\n0123456789", received, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpstreamClosesMidChunkedBody_NoLastChunk()
    {
        // The re-chunked relay must not end with a last chunk: that would make the truncated body look complete.
        await using var upstream = RecorderUpstream.Start(_ =>
            UpstreamReply.Text("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3e8\r\n0123456789", closeAfter: true) with { CloseDelay = RelayPause });
        await using var proxy = await TestProxy.StartAsync(upstream);
        using var client = proxy.Connect();

        await client.SendAsync(Get);
        bool closed = await client.IsClosedByPeerAsync();
        string received = client.AllReceivedText;

        Assert.True(closed);
        Assert.EndsWith("\r\n\r\na\r\n0123456789\r\n", received, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpstreamFailure_ClientConnectionKept()
    {
        int served = 0;
        await using var upstream = RecorderUpstream.Start(_ => Interlocked.Increment(ref served) == 1
            ? UpstreamReply.Text("", closeAfter: true)
            : UpstreamReply.Ok("second"));
        await using var proxy = await TestProxy.StartAsync(upstream);
        using var client = proxy.Connect();

        await client.SendAsync(Get);
        RawResponse failed = await client.ReadResponseAsync();
        await client.SendAsync(Get);
        RawResponse next = await client.ReadResponseAsync();

        Assert.Equal(502, failed.StatusCode);
        Assert.False(failed.ClosesConnection);
        Assert.Equal(200, next.StatusCode);
        Assert.Equal("second", next.BodyText);
    }

    /// <summary>Returns a loopback port that nothing listens on, so connecting to it is refused.</summary>
    internal static int ClosedLoopbackPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
