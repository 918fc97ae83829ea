using FastContractorProxy.Tests.Infrastructure;

namespace FastContractorProxy.Tests.Proxy;

/// <summary>Graceful shutdown: requests in flight finish with Connection: close, idle connections close at once.</summary>
public sealed class ShutdownTests
{
    [Fact]
    public async Task InFlightRequest_FinishesWithConnectionClose()
    {
        using var release = new ManualResetEventSlim();
        await using var upstream = RecorderUpstream.Start(_ =>
        {
            // Holds the response until the proxy has begun to shut down.
            release.Wait(TimeSpan.FromSeconds(10));
            return UpstreamReply.Ok("slow");
        });
        TestProxy proxy = await TestProxy.StartAsync(upstream);
        using RawHttpClient client = proxy.Connect();
        await client.SendAsync("GET /slow HTTP/1.1\r\nHost: api.example.test\r\n\r\n");
        await upstream.WaitForRequestsAsync(1);

        Task stopping = proxy.DisposeAsync().AsTask();
        await Task.Delay(200);
        release.Set();
        RawResponse response = await client.ReadResponseAsync();
        await stopping.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(200, response.StatusCode);
        Assert.Equal("slow", response.BodyText);
        Assert.True(response.ClosesConnection);
        Assert.True(await client.IsClosedByPeerAsync());
    }

    [Fact]
    public async Task IdleKeepAliveConnection_ClosedAtOnce()
    {
        await using var upstream = RecorderUpstream.Start();
        TestProxy proxy = await TestProxy.StartAsync(upstream, s => s with { Limits = s.Limits with { KeepAliveTimeout = TimeSpan.FromMinutes(5) } });
        using RawHttpClient client = proxy.Connect();
        await client.SendAsync("GET /a HTTP/1.1\r\nHost: api.example.test\r\n\r\n");
        Assert.Equal(200, (await client.ReadResponseAsync()).StatusCode);

        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        await proxy.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(await client.IsClosedByPeerAsync());
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"shutdown took {stopwatch.Elapsed}");
    }
}
