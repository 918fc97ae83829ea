using System.Text;
using FastContractorProxy.Configuration;
using FastContractorProxy.Tests.Infrastructure;

namespace FastContractorProxy.Tests.Proxy;

/// <summary>Size limits on the request line, the header section and the body, with the default 8 KiB, 32 KiB and 100 fields.</summary>
public class LimitsTests
{
    private const int RouteBodyLimit = 16;

    private static ProxySettings WithRouteBodyLimit(ProxySettings settings) =>
        settings with { Routes = settings.Routes.Select(r => r with { MaxRequestBodyBytes = RouteBodyLimit }).ToList() };

    private static string PaddingFields(int count, int valueLength)
    {
        var fields = new StringBuilder();
        for (int i = 0; i < count; i++)
        {
            fields.Append(System.Globalization.CultureInfo.InvariantCulture, $"X-Pad-{i}: ").Append('a', valueLength).Append("\r\n");
        }

        return fields.ToString();
    }

    private static async Task AssertRejectedBeforeUpstreamAsync(string request, int status)
    {
        await using var upstream = RecorderUpstream.Start();
        await using var proxy = await TestProxy.StartAsync(upstream);
        using var client = proxy.Connect();

        await client.SendAsync(request + ProxyAssert.FollowUp);

        await ProxyAssert.RejectedAndClosedAsync(client, status);
        Assert.Equal(0, upstream.ConnectionCount);
    }

    private static async Task<RecordedRequest> AssertForwardedAsync(string request)
    {
        await using var upstream = RecorderUpstream.Start();
        await using var proxy = await TestProxy.StartAsync(upstream);
        using var client = proxy.Connect();

        await client.SendAsync(request);
        RawResponse response = await client.ReadResponseAsync();

        Assert.Equal(200, response.StatusCode);
        return Assert.Single(await upstream.WaitForRequestsAsync(1));
    }

    // "GET ", the fixed path prefix "/public/x/" and " HTTP/1.1" make a request line of 23 + padding bytes.
    private static string RequestWithLine(int lineLength) =>
        $"GET /public/x/{new string('a', lineLength - 23)} HTTP/1.1\r\nHost: api.example.test\r\n\r\n";

    [Theory]
    [InlineData(8 * 1024 + 1)]
    [InlineData(9000)]
    [InlineData(64 * 1024)]
    public async Task RequestLineOverLimit_414(int lineLength) =>
        await AssertRejectedBeforeUpstreamAsync(RequestWithLine(lineLength), 414);

    [Theory]
    [InlineData(8 * 1024)]
    [InlineData(4000)]
    public async Task RequestLineAtLimit_Forwarded(int lineLength)
    {
        RecordedRequest request = await AssertForwardedAsync(RequestWithLine(lineLength));

        Assert.Equal(lineLength - 23 + 10, request.Target.Length);
    }

    [Theory]
    [InlineData(40, 900)]
    [InlineData(1, 33 * 1024)]
    public async Task HeaderSectionOverLimit_431(int fieldCount, int valueLength) =>
        await AssertRejectedBeforeUpstreamAsync($"GET /public/ok HTTP/1.1\r\nHost: api.example.test\r\n{PaddingFields(fieldCount, valueLength)}\r\n", 431);

    [Fact]
    public async Task HeaderSectionUnderLimit_Forwarded()
    {
        RecordedRequest request = await AssertForwardedAsync($"GET /public/ok HTTP/1.1\r\nHost: api.example.test\r\n{PaddingFields(30, 900)}\r\n");

        Assert.Single(request.Values("X-Pad-29"));
    }

    [Theory]
    [InlineData(100)]
    [InlineData(200)]
    public async Task FieldCountOverLimit_431(int paddingFields) =>
        await AssertRejectedBeforeUpstreamAsync($"GET /public/ok HTTP/1.1\r\nHost: api.example.test\r\n{PaddingFields(paddingFields, 1)}\r\n", 431);

    [Fact]
    public async Task FieldCountAtLimit_Forwarded()
    {
        // With Host, 99 padding fields make the 100 that are allowed.
        RecordedRequest request = await AssertForwardedAsync($"GET /public/ok HTTP/1.1\r\nHost: api.example.test\r\n{PaddingFields(99, 1)}\r\n");

        Assert.Single(request.Values("X-Pad-98"));
    }

    [Fact]
    public async Task ContentLengthOverRouteLimit_413()
    {
        await using var upstream = RecorderUpstream.Start();
        await using var proxy = await TestProxy.StartAsync(upstream, WithRouteBodyLimit);
        using var client = proxy.Connect();
        string body = new('a', RouteBodyLimit + 1);

        await client.SendAsync($"POST /public/ok HTTP/1.1\r\nHost: api.example.test\r\nContent-Length: {body.Length}\r\n\r\n{body}{ProxyAssert.FollowUp}");

        await ProxyAssert.RejectedAndClosedAsync(client, 413);
        Assert.Equal(0, upstream.ConnectionCount);
    }

    [Fact]
    public async Task Expect100OverRouteLimit_413WithoutContinue()
    {
        await using var upstream = RecorderUpstream.Start();
        await using var proxy = await TestProxy.StartAsync(upstream, WithRouteBodyLimit);
        using var client = proxy.Connect();

        await client.SendAsync($"POST /public/ok HTTP/1.1\r\nHost: api.example.test\r\nExpect: 100-continue\r\nContent-Length: {RouteBodyLimit + 1}\r\n\r\n");

        await ProxyAssert.RejectedAndClosedAsync(client, 413);
        Assert.DoesNotContain("100 Continue", client.AllReceivedText, StringComparison.Ordinal);
        Assert.Equal(0, upstream.ConnectionCount);
    }

    [Fact]
    public async Task ContentLengthAtRouteLimit_Forwarded()
    {
        await using var upstream = RecorderUpstream.Start();
        await using var proxy = await TestProxy.StartAsync(upstream, WithRouteBodyLimit);
        using var client = proxy.Connect();
        string body = new('a', RouteBodyLimit);

        await client.SendAsync($"POST /public/ok HTTP/1.1\r\nHost: api.example.test\r\nContent-Length: {body.Length}\r\n\r\n{body}");
        RawResponse response = await client.ReadResponseAsync();

        Assert.Equal(200, response.StatusCode);
        Assert.Equal(body, Assert.Single(await upstream.WaitForRequestsAsync(1)).BodyText);
    }

    [Theory]
    [InlineData("11\r\naaaaaaaaaaaaaaaaa\r\n0\r\n\r\n")]
    [InlineData("a\r\naaaaaaaaaa\r\na\r\naaaaaaaaaa\r\n0\r\n\r\n")]
    public async Task ChunkedOverRouteLimit_413(string body)
    {
        await using var upstream = RecorderUpstream.Start();
        await using var proxy = await TestProxy.StartAsync(upstream, WithRouteBodyLimit);
        using var client = proxy.Connect();

        await client.SendAsync($"POST /public/ok HTTP/1.1\r\nHost: api.example.test\r\nTransfer-Encoding: chunked\r\n\r\n{body}{ProxyAssert.FollowUp}");

        await ProxyAssert.RejectedAndClosedAsync(client, 413);
        Assert.True(await ProxyAssert.WaitUntilAsync(() => upstream.OpenConnections == 0), "The proxy kept the upstream connection open.");
        Assert.Empty(upstream.Requests);
        Assert.DoesNotContain("0\r\n\r\n", ProxyAssert.BodyAfterFirstHead(upstream), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChunkedAtRouteLimit_Forwarded()
    {
        await using var upstream = RecorderUpstream.Start();
        await using var proxy = await TestProxy.StartAsync(upstream, WithRouteBodyLimit);
        using var client = proxy.Connect();

        await client.SendAsync("POST /public/ok HTTP/1.1\r\nHost: api.example.test\r\nTransfer-Encoding: chunked\r\n\r\n8\r\naaaaaaaa\r\n8\r\nbbbbbbbb\r\n0\r\n\r\n");
        RawResponse response = await client.ReadResponseAsync();

        Assert.Equal(200, response.StatusCode);
        Assert.Equal("aaaaaaaabbbbbbbb", Assert.Single(await upstream.WaitForRequestsAsync(1)).BodyText);
    }
}
