using System.Diagnostics;
using FastContractorProxy.Http2;
using FastContractorProxy.Tests.Access;
using FastContractorProxy.Tests.Infrastructure;

namespace FastContractorProxy.Tests.Http2Proxy;

/// <summary>
/// The proxy's own robustness against floods on one connection (rapid reset, control-frame floods, endless
/// CONTINUATION), on loopback and bounded in frame count: the flooding connection is closed with GOAWAY while
/// a well-behaved client on another connection keeps working.
/// </summary>
public sealed class Http2FloodTests
{
    [Fact]
    public async Task RapidReset_BoundedUpstreamWork()
    {
        await using Http2Harness proxy = await Http2Harness.StartAsync();
        using H2TestClient flooder = await proxy.ConnectAsync();
        long memoryBefore = GC.GetTotalMemory(forceFullCollection: true);

        // 10,000 requests, each cancelled right after it was sent, in one burst.
        byte[] block = flooder.EncodeRequest("GET", "/healthz");
        var burst = new MemoryStream();
        for (int i = 0; i < 10_000; i++)
        {
            int streamId = (2 * i) + 1;
            burst.Write(H2TestClient.Frame(FrameType.Headers, FrameFlags.EndHeaders | FrameFlags.EndStream, streamId, block));
            burst.Write(H2TestClient.Frame(FrameType.RstStream, FrameFlags.None, streamId, H2TestClient.UInt32Payload((uint)Http2ErrorCode.Cancel)));
        }

        Task send = SendIgnoringCloseAsync(flooder, burst.ToArray());
        (H2Frame goAway, _) = await flooder.ReadUntilGoAwayAsync();
        await send;

        Assert.Equal(Http2ErrorCode.EnhanceYourCalm, goAway.ErrorCode);
        Assert.True(await flooder.WaitForCloseAsync());

        // Upstream work is bounded by the reset budget plus the concurrent exchanges, not by the 10,000 streams.
        Assert.InRange(proxy.Upstream.ConnectionCount, 0, 101);
        Assert.InRange(proxy.Upstream.Requests.Count, 0, 1100);
        await AssertWellBehavedClientServedAsync(proxy);
        Assert.True(await proxy.Upstream.WaitForOpenConnectionsAsync(proxy.Upstream.OpenConnections, 100));
        long memoryAfter = GC.GetTotalMemory(forceFullCollection: true);
        Assert.True(memoryAfter - memoryBefore < 64 * 1024 * 1024, $"Managed memory grew by {(memoryAfter - memoryBefore) / 1024} KiB.");
    }

    [Fact]
    public async Task PingFlood_NotReading_GoAway()
    {
        await using Http2Harness proxy = await Http2Harness.StartAsync();
        using H2TestClient flooder = await proxy.ConnectAsync();

        var burst = new MemoryStream();
        for (int i = 0; i < 10_000; i++)
        {
            burst.Write(H2TestClient.Frame(FrameType.Ping, FrameFlags.None, 0, "pingpong"u8));
        }

        // The flooder reads nothing until its whole burst is written.
        await SendIgnoringCloseAsync(flooder, burst.ToArray());
        await AssertWellBehavedClientServedAsync(proxy);

        (H2Frame goAway, int framesBefore) = await flooder.ReadUntilGoAwayAsync();
        Assert.Equal(Http2ErrorCode.EnhanceYourCalm, goAway.ErrorCode);
        Assert.InRange(framesBefore, 0, 1010);
        Assert.True(await flooder.WaitForCloseAsync());
    }

    [Fact]
    public async Task SettingsFlood_NotReading_GoAway()
    {
        await using Http2Harness proxy = await Http2Harness.StartAsync();
        using H2TestClient flooder = await proxy.ConnectAsync();

        var burst = new MemoryStream();
        for (int i = 0; i < 10_000; i++)
        {
            burst.Write(H2TestClient.Frame(FrameType.Settings, FrameFlags.None, 0, []));
        }

        await SendIgnoringCloseAsync(flooder, burst.ToArray());
        await AssertWellBehavedClientServedAsync(proxy);

        (H2Frame goAway, _) = await flooder.ReadUntilGoAwayAsync();
        Assert.Equal(Http2ErrorCode.EnhanceYourCalm, goAway.ErrorCode);
        Assert.True(await flooder.WaitForCloseAsync());
    }

    [Fact]
    public async Task ContinuationFlood_GoAwayWithinBoundedFrames()
    {
        await using Http2Harness proxy = await Http2Harness.StartAsync();
        using H2TestClient flooder = await proxy.ConnectAsync();

        byte[] first = flooder.EncodeRequest("GET", "/healthz");
        byte[] padding = flooder.EncodeFields(("x-padding", new string('p', 16_000)));
        Assert.True(padding.Length <= 16_384);
        await flooder.SendHeadersAsync(1, first, endStream: true, endHeaders: false);

        // Frames keep coming until the proxy closes; the count it accepted before GOAWAY is what is bounded.
        int sent = 0;
        using var stop = new CancellationTokenSource();
        Task sender = Task.Run(async () =>
        {
            try
            {
                while (!stop.IsCancellationRequested && sent < 1000)
                {
                    await flooder.SendFrameAsync(FrameType.Continuation, FrameFlags.None, 1, padding);
                    sent++;
                }
            }
            catch (IOException)
            {
                // The proxy closed the connection.
            }
        });

        (H2Frame goAway, _) = await flooder.ReadUntilGoAwayAsync();
        await stop.CancelAsync();
        await sender;

        Assert.Equal(Http2ErrorCode.EnhanceYourCalm, goAway.ErrorCode);
        Assert.Equal(0, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(goAway.Payload) & 0x7FFFFFFF);
        Assert.True(await flooder.WaitForCloseAsync());
        Assert.Empty(proxy.Upstream.Requests);
        await AssertWellBehavedClientServedAsync(proxy);
    }

    [Fact]
    public async Task EmptyContinuationFlood_GoAwayAfterCap()
    {
        await using Http2Harness proxy = await Http2Harness.StartAsync();
        using H2TestClient flooder = await proxy.ConnectAsync();

        var burst = new MemoryStream();
        burst.Write(H2TestClient.Frame(FrameType.Headers, FrameFlags.EndStream, 1, flooder.EncodeRequest("GET", "/healthz")));
        for (int i = 0; i < 10_000; i++)
        {
            burst.Write(H2TestClient.Frame(FrameType.Continuation, FrameFlags.None, 1, []));
        }

        await SendIgnoringCloseAsync(flooder, burst.ToArray());

        (H2Frame goAway, _) = await flooder.ReadUntilGoAwayAsync();
        Assert.Equal(Http2ErrorCode.EnhanceYourCalm, goAway.ErrorCode);
        Assert.True(await flooder.WaitForCloseAsync());
        Assert.Empty(proxy.Upstream.Requests);
    }

    private static async Task SendIgnoringCloseAsync(H2TestClient client, byte[] bytes)
    {
        try
        {
            await client.SendRawAsync(bytes);
        }
        catch (IOException)
        {
            // The proxy closed the connection before the whole burst was written.
        }
    }

    private static async Task AssertWellBehavedClientServedAsync(Http2Harness proxy)
    {
        var watch = Stopwatch.StartNew();
        using H2TestClient client = await proxy.ConnectAsync();
        await client.SendGetAsync(1, "/api/items/1", ("authorization", $"Bearer {AccessHarness.AliceToken()}"));
        H2Response response = await client.ReadResponseAsync(1);
        Assert.Equal(200, response.Status);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"The well-behaved client waited {watch.Elapsed}.");
    }
}
