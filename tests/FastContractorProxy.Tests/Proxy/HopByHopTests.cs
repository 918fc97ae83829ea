using System.Net;
using FastContractorProxy.Configuration;
using FastContractorProxy.Tests.Infrastructure;

namespace FastContractorProxy.Tests.Proxy;

/// <summary>Hop-by-hop fields, the strip list and the forwarding fields the proxy owns.</summary>
public class HopByHopTests
{
    private const string ClientForwardingFields =
        "X-Forwarded-For: 6.6.6.6\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: evil.example.test\r\n";

    private static ProxySettings WithStripList(ProxySettings settings, string[] stripList) =>
        settings with { Forwarding = settings.Forwarding with { StripRequestFields = stripList } };

    private static ProxySettings WithTrustedLoopback(ProxySettings settings) =>
        settings with { Forwarding = settings.Forwarding with { TrustedProxies = [IPNetwork.Parse("127.0.0.1/32")] } };

    private static async Task<RecordedRequest> ForwardAsync(string fields, Func<ProxySettings, ProxySettings>? configure = null)
    {
        await using var upstream = RecorderUpstream.Start();
        await using var proxy = await TestProxy.StartAsync(upstream, configure);
        using var client = proxy.Connect();

        await client.SendAsync($"GET /public/ok HTTP/1.1\r\nHost: api.example.test\r\n{fields}X-Note: kept\r\n\r\n");
        RawResponse response = await client.ReadResponseAsync();

        Assert.Equal(200, response.StatusCode);
        RecordedRequest request = Assert.Single(await upstream.WaitForRequestsAsync(1));
        Assert.Equal("kept", request.Value("X-Note"));
        return request;
    }

    [Fact]
    public async Task ClientRequestId_KeptWhenEndToEnd()
    {
        RecordedRequest request = await ForwardAsync("X-Request-Id: client-id-1\r\n");

        Assert.Equal("client-id-1", request.Value("X-Request-Id"));
    }

    [Theory]
    [InlineData("Connection: X-Request-Id\r\n")]
    [InlineData("Connection: keep-alive, x-request-id\r\n")]
    public async Task ClientRequestId_NamedInConnection_Replaced(string connection)
    {
        RecordedRequest request = await ForwardAsync($"X-Request-Id: client-id-1\r\n{connection}");

        string? id = request.Value("X-Request-Id");
        Assert.NotNull(id);
        Assert.NotEqual("client-id-1", id);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ConnectionList_NamedFieldsReplaced(bool emptyStripList)
    {
        Func<ProxySettings, ProxySettings>? configure = emptyStripList ? s => WithStripList(s, []) : null;

        RecordedRequest request = await ForwardAsync(
            "Connection: keep-alive, X-Auth-User, X-Forwarded-For, X-Forwarded-Proto, X-Forwarded-Host, X-Hop\r\n" +
            "X-Auth-User: mallory\r\nX-Hop: 1\r\n" + ClientForwardingFields, configure);

        Assert.Equal(["127.0.0.1"], request.Values("X-Forwarded-For"));
        Assert.Equal(["http"], request.Values("X-Forwarded-Proto"));
        Assert.Equal(["api.example.test"], request.Values("X-Forwarded-Host"));
        Assert.Empty(request.Values("Connection"));
        Assert.Empty(request.Values("X-Auth-User"));
        Assert.Empty(request.Values("X-Hop"));
        Assert.DoesNotContain("keep-alive", request.Head, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("mallory", request.Head, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ForwardingFields_OnlyProxyValues(bool emptyStripList)
    {
        Func<ProxySettings, ProxySettings>? configure = emptyStripList ? s => WithStripList(s, []) : null;

        RecordedRequest request = await ForwardAsync(ClientForwardingFields + "x_forwarded_proto: https\r\n", configure);

        Assert.Equal(["127.0.0.1"], request.Values("X-Forwarded-For"));
        Assert.Equal(["http"], request.Values("X-Forwarded-Proto"));
        Assert.Equal(["api.example.test"], request.Values("X-Forwarded-Host"));
        Assert.DoesNotContain("6.6.6.6", request.Head, StringComparison.Ordinal);
        Assert.DoesNotContain("evil.example.test", request.Head, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("X-Forwarded-For: 1.2.3.4\r\n", "1.2.3.4")]
    [InlineData("X-Real-IP: 1.2.3.4\r\n", "1.2.3.4")]
    [InlineData("True-Client-IP: 1.2.3.4\r\n", "1.2.3.4")]
    [InlineData("X-Original-URL: /admin/users\r\n", "/admin/users")]
    [InlineData("X-HTTP-Method-Override: DELETE\r\n", "DELETE")]
    [InlineData("X_Auth_User: mallory\r\n", "mallory")]
    [InlineData("x-auth-user: mallory\r\n", "mallory")]
    [InlineData("X-AUTH_USER: mallory\r\n", "mallory")]
    [InlineData("Forwarded: for=1.2.3.4;proto=https\r\n", "1.2.3.4")]
    [InlineData("X-Contractor-Id: c-1\r\n", "c-1")]
    public async Task StripListField_NeverForwarded(string field, string marker)
    {
        RecordedRequest request = await ForwardAsync(field);

        Assert.DoesNotContain(marker, request.Head, StringComparison.Ordinal);
        Assert.Equal(["127.0.0.1"], request.Values("X-Forwarded-For"));
    }

    [Theory]
    [InlineData("Keep-Alive: timeout=5\r\n", "Keep-Alive")]
    [InlineData("TE: trailers\r\n", "TE")]
    [InlineData("Trailer: X-Checksum\r\n", "Trailer")]
    [InlineData("Proxy-Connection: keep-alive\r\n", "Proxy-Connection")]
    [InlineData("Proxy-Authorization: Basic dTpw\r\n", "Proxy-Authorization")]
    [InlineData("Connection: close, X-Hop\r\nX-Hop: 1\r\n", "X-Hop")]
    [InlineData("Connection: x_hop\r\nX-Hop: 1\r\n", "X-Hop")]
    public async Task HopByHopField_Dropped(string field, string name)
    {
        RecordedRequest request = await ForwardAsync(field);

        Assert.Empty(request.Values(name));
        Assert.Empty(request.Values("Connection"));
    }

    [Theory]
    [InlineData("X-Forwarded-For: 1.2.3.4\r\n", "1.2.3.4, 127.0.0.1")]
    [InlineData("X-Forwarded-For: 1.2.3.4, 5.6.7.8\r\nX-Forwarded-For: ::1\r\n", "1.2.3.4, 5.6.7.8, ::1, 127.0.0.1")]
    [InlineData("X-Forwarded-For: unknown, 1.2.3.4\r\n", "1.2.3.4, 127.0.0.1")]
    [InlineData("", "127.0.0.1")]
    public async Task TrustedPeer_ChainKeptBeforePeer(string fields, string expected)
    {
        RecordedRequest request = await ForwardAsync(fields + "X-Real-IP: 9.9.9.9\r\n", WithTrustedLoopback);

        Assert.Equal([expected], request.Values("X-Forwarded-For"));
        Assert.Empty(request.Values("X-Real-IP"));
    }
}
