using FastContractorProxy.Tests.Access;
using FastContractorProxy.Tests.Infrastructure;

namespace FastContractorProxy.Tests.Variants;

/// <summary>
/// Client copies of identity, address and original-URL fields in spellings earlier tests do not send. The upstream
/// must see only the proxy's values: the identity from the validated token, the address from the socket (the
/// peer is not a trusted proxy), and no field it could route or authorize on (RFC 9110 section 7.6.1).
/// </summary>
public sealed class FieldSpoofingVariantTests
{
    private const string Marker = "spoofed";

    /// <summary>Fields whose client copy must be gone, each carrying <see cref="Marker"/> in its value.</summary>
    [Theory]
    [InlineData("X-CONTRACTOR-ID: spoofed\r\n")]
    [InlineData("x-contractor-id: spoofed\r\n")]
    [InlineData("X_CONTRACTOR_ID: spoofed\r\n")]
    [InlineData("X-Contractor_Org: spoofed\r\n")]
    [InlineData("x-contractor-scopes: spoofed\r\n")]
    [InlineData("X-Contractor-Id:spoofed\r\nX-Contractor-Id: spoofed\r\n")]
    [InlineData("X-Contractor-Id: alice, spoofed\r\n")]
    [InlineData("X-Auth-User: spoofed\r\n")]
    [InlineData("X-AUTH-USER: spoofed\r\n")]
    [InlineData("x_auth_user: spoofed\r\n")]
    [InlineData("X-Auth-Request-User: spoofed\r\n")]
    [InlineData("x-auth-request-email: spoofed@example.test\r\n")]
    [InlineData("Remote-User: spoofed\r\n")]
    [InlineData("REMOTE_USER: spoofed\r\n")]
    [InlineData("X-Remote-User: spoofed\r\n")]
    [InlineData("X-Forwarded-User: spoofed\r\n")]
    [InlineData("X-Forwarded-Email: spoofed@example.test\r\n")]
    [InlineData("X-Forwarded-Preferred-Username: spoofed\r\n")]
    [InlineData("X-Forwarded-Access-Token: spoofed\r\n")]
    [InlineData("X-Authenticated-User: spoofed\r\n")]
    [InlineData("X-User: spoofed\r\n")]
    [InlineData("X-SSL-Client-S-DN: CN=spoofed\r\n")]
    [InlineData("X-Client-Cert: spoofed\r\n")]
    [InlineData("X-Original-URL: /admin/spoofed\r\n")]
    [InlineData("x-original-url: /admin/spoofed\r\n")]
    [InlineData("X_Original_URL: /admin/spoofed\r\n")]
    [InlineData("X-Rewrite-URL: /admin/spoofed\r\n")]
    [InlineData("X-REWRITE-URL: /admin/spoofed\r\n")]
    [InlineData("X-Original-Host: spoofed.example.test\r\n")]
    [InlineData("X-Host: spoofed.example.test\r\n")]
    [InlineData("X-Forwarded-Server: spoofed.example.test\r\n")]
    [InlineData("X-Forwarded-Prefix: /spoofed\r\n")]
    [InlineData("X-Forwarded-Port: 1\r\nX-Forwarded-Uri: /spoofed\r\n")]
    [InlineData("X-HTTP-Method-Override: spoofed\r\n")]
    [InlineData("X-Method-Override: spoofed\r\n")]
    [InlineData("Forwarded: for=203.0.113.9;by=spoofed\r\n")]
    [InlineData("forwarded: for=\"[2001:db8::1]\";host=spoofed.example.test\r\n")]
    [InlineData("FORWARDED: for=spoofed\r\n")]
    [InlineData("X-Real-IP: 203.0.113.9\r\n")]
    [InlineData("X-Client-IP: spoofed\r\n")]
    [InlineData("CF-Connecting-IP: spoofed\r\n")]
    [InlineData("Fastly-Client-IP: spoofed\r\n")]
    [InlineData("X-Cluster-Client-IP: spoofed\r\n")]
    [InlineData("True-Client-IP: spoofed\r\n")]
    [InlineData("X-Original-Forwarded-For: spoofed\r\n")]
    [InlineData("X-Forwarded-For: spoofed\r\n")]
    [InlineData("X_Forwarded_For: spoofed\r\n")]
    [InlineData("X-Forwarded-Host: spoofed.example.test\r\n")]
    [InlineData("X-Forwarded-Proto: spoofed\r\n")]
    public async Task SpoofedField_NotForwarded(string fields)
    {
        await using AccessHarness proxy = await AccessHarness.StartAsync();

        RawResponse response = await proxy.SendAsync("GET", "/public/ok", AccessHarness.AliceToken(), fields);

        Assert.Equal(200, response.StatusCode);
        RecordedRequest request = Assert.Single(proxy.Upstream.Requests);
        AssertOnlyProxyValues(request);
    }

    /// <summary>The same fields on an anonymous route: no identity field at all reaches the upstream.</summary>
    [Theory]
    [InlineData("X-Contractor-Id: spoofed\r\nX-Contractor-Org: spoofed\r\nX-Contractor-Scopes: spoofed\r\n")]
    [InlineData("x_contractor_id: spoofed\r\n")]
    [InlineData("X-Contractor-Id:\r\n")]
    [InlineData("Connection: X-Contractor-Id\r\nX-Contractor-Id: spoofed\r\n")]
    public async Task SpoofedIdentity_AnonymousRoute_Absent(string fields)
    {
        await using AccessHarness proxy = await AccessHarness.StartAsync();

        RawResponse response = await proxy.SendAsync("GET", "/healthz", extraFields: fields);

        Assert.Equal(200, response.StatusCode);
        RecordedRequest request = Assert.Single(proxy.Upstream.Requests);
        Assert.DoesNotContain(Marker, request.Head, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(request.Values("X-Contractor-Id"));
        Assert.Empty(request.Values("X-Contractor-Org"));
        Assert.Empty(request.Values("X-Contractor-Scopes"));
        Assert.Equal(["127.0.0.1"], request.Values("X-Forwarded-For"));
    }

    /// <summary>Empty client copies are removed too, so the upstream never receives two values or an empty one.</summary>
    [Theory]
    [InlineData("X-Contractor-Id:\r\n")]
    [InlineData("X-Contractor-Id: \r\n")]
    [InlineData("X-Forwarded-For:\r\n")]
    [InlineData("X-Forwarded-Proto:\r\nX-Forwarded-Host:\r\n")]
    [InlineData("Forwarded:\r\n")]
    public async Task EmptyClientCopy_Replaced(string fields)
    {
        await using AccessHarness proxy = await AccessHarness.StartAsync();

        RawResponse response = await proxy.SendAsync("GET", "/public/ok", AccessHarness.AliceToken(), fields);

        Assert.Equal(200, response.StatusCode);
        AssertOnlyProxyValues(Assert.Single(proxy.Upstream.Requests));
    }

    /// <summary>A chain of addresses from an untrusted peer is dropped whole, and only the socket address remains.</summary>
    [Theory]
    [InlineData("X-Forwarded-For: 203.0.113.9, 127.0.0.1\r\n")]
    [InlineData("X-Forwarded-For: 127.0.0.1\r\nX-Forwarded-For: 203.0.113.9\r\n")]
    [InlineData("X-Forwarded-For: 203.0.113.9,127.0.0.1,::1\r\n")]
    [InlineData("X-Forwarded-For: [::1]:80\r\n")]
    [InlineData("X-Forwarded-For: unknown\r\n")]
    public async Task UntrustedChain_OnlySocketAddress(string fields)
    {
        await using AccessHarness proxy = await AccessHarness.StartAsync();

        RawResponse response = await proxy.SendAsync("GET", "/public/ok", AccessHarness.AliceToken(), fields);

        Assert.Equal(200, response.StatusCode);
        RecordedRequest request = Assert.Single(proxy.Upstream.Requests);
        Assert.Equal(["127.0.0.1"], request.Values("X-Forwarded-For"));
        Assert.DoesNotContain("203.0.113.9", request.Head, StringComparison.Ordinal);
        Assert.DoesNotContain("unknown", request.Head, StringComparison.Ordinal);
        Assert.DoesNotContain("::1", request.Head, StringComparison.Ordinal);
    }

    /// <summary>
    /// Names listed in Connection, in any case and spelling: the client copies are removed first, then the proxy
    /// adds its own values, and no Connection list reaches the upstream.
    /// </summary>
    [Theory]
    [InlineData("Connection: x-contractor-id, X-FORWARDED-FOR\r\nX-Contractor-Id: spoofed\r\nX-Forwarded-For: 203.0.113.9\r\n")]
    [InlineData("Connection: X_Contractor_Id\r\nX-Contractor-Id: spoofed\r\n")]
    [InlineData("Connection: keep-alive\r\nConnection: X-Forwarded-Host\r\nX-Forwarded-Host: spoofed.example.test\r\n")]
    [InlineData("Connection: Forwarded, X-Real-IP\r\nForwarded: for=spoofed\r\nX-Real-IP: 203.0.113.9\r\n")]
    [InlineData("Connection: X-Note-Value\r\nX-Note-Value: spoofed\r\n")]
    [InlineData("Connection: ,X-Note-Value,\r\nX-Note-Value: spoofed\r\n")]
    public async Task ConnectionListedField_Removed(string fields)
    {
        await using AccessHarness proxy = await AccessHarness.StartAsync();

        RawResponse response = await proxy.SendAsync("GET", "/public/ok", AccessHarness.AliceToken(), fields);

        Assert.Equal(200, response.StatusCode);
        RecordedRequest request = Assert.Single(proxy.Upstream.Requests);
        AssertOnlyProxyValues(request);
        Assert.Empty(request.Values("X-Note-Value"));
        Assert.Empty(request.Values("Connection"));
    }

    /// <summary>
    /// Authorization named in Connection must not make the proxy forward the credential or skip the check: the
    /// request is either authenticated as alice or rejected, and the upstream never receives the token.
    /// </summary>
    [Fact]
    public async Task AuthorizationNamedInConnection_NeverForwarded()
    {
        await using AccessHarness proxy = await AccessHarness.StartAsync();
        string token = AccessHarness.AliceToken();

        RawResponse response = await proxy.SendAsync("GET", "/public/ok", token, "Connection: Authorization\r\n");

        Assert.True(response.StatusCode is 200 or 400 or 401, $"status {response.StatusCode}");
        Assert.DoesNotContain(token[..20], proxy.Upstream.AllReceivedText, StringComparison.Ordinal);
        if (response.StatusCode == 200)
        {
            Assert.Equal(["alice"], Assert.Single(proxy.Upstream.Requests).Values("X-Contractor-Id"));
        }
    }

    /// <summary>Identity fields sent as chunked trailers are dropped with the trailer section.</summary>
    [Fact]
    public async Task IdentityInTrailers_Dropped()
    {
        await using AccessHarness proxy = await AccessHarness.StartAsync();
        using RawHttpClient client = proxy.Connect();

        await client.SendAsync(
            $"POST /api/items/1 HTTP/1.1\r\nHost: api.example.test\r\nAuthorization: Bearer {AccessHarness.AliceToken()}\r\n" +
            "Transfer-Encoding: chunked\r\nTrailer: X-Contractor-Id\r\nConnection: close\r\n\r\n" +
            "2\r\nzz\r\n0\r\nX-Contractor-Id: spoofed\r\nX-Forwarded-For: 203.0.113.9\r\nX-Original-URL: /admin/users\r\n\r\n");
        RawResponse response = await client.ReadResponseAsync();

        Assert.Equal(200, response.StatusCode);
        RecordedRequest request = Assert.Single(await proxy.Upstream.WaitForRequestsAsync(1));
        Assert.Equal("zz", request.BodyText);
        Assert.DoesNotContain(Marker, proxy.Upstream.AllReceivedText, StringComparison.Ordinal);
        Assert.DoesNotContain("203.0.113.9", proxy.Upstream.AllReceivedText, StringComparison.Ordinal);
        Assert.DoesNotContain("/admin/users", proxy.Upstream.AllReceivedText, StringComparison.Ordinal);
        Assert.Equal(["alice"], request.Values("X-Contractor-Id"));
    }

    /// <summary>
    /// Names that differ from an identity field only by characters outside the token grammar are not fields at all:
    /// the request is rejected with 400 before the upstream is contacted.
    /// </summary>
    [Theory]
    [InlineData("X-Contractor-Id : spoofed\r\n")]
    [InlineData("X-Contractor-Id\t: spoofed\r\n")]
    [InlineData(" X-Contractor-Id: spoofed\r\n")]
    [InlineData("X-Contractor-Id\0: spoofed\r\n")]
    [InlineData("X-Contractor\u00adId: spoofed\r\n")]
    [InlineData("X-Note: a\r\n X-Contractor-Id: spoofed\r\n")]
    public async Task MalformedIdentityName_400(string fields)
    {
        await using AccessHarness proxy = await AccessHarness.StartAsync();

        RawResponse response = await proxy.SendAsync("GET", "/public/ok", AccessHarness.AliceToken(), fields);

        Assert.Equal(400, response.StatusCode);
        Assert.Equal(0, proxy.Upstream.ConnectionCount);
    }

    private static void AssertOnlyProxyValues(RecordedRequest request)
    {
        Assert.DoesNotContain(Marker, request.Head, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("203.0.113.9", request.Head, StringComparison.Ordinal);
        Assert.DoesNotContain("/admin", request.Head, StringComparison.Ordinal);
        Assert.DoesNotContain(request.Fields, f => f.Name.Contains('_', StringComparison.Ordinal));
        Assert.Equal(["alice"], request.Values("X-Contractor-Id"));
        Assert.Equal(["Acme Consulting"], request.Values("X-Contractor-Org"));
        Assert.Equal(["127.0.0.1"], request.Values("X-Forwarded-For"));
        Assert.Equal(["http"], request.Values("X-Forwarded-Proto"));
        Assert.Equal(["api.example.test"], request.Values("X-Forwarded-Host"));
        Assert.Empty(request.Values("Forwarded"));
        Assert.Empty(request.Values("X-Real-IP"));
        Assert.Empty(request.Values("X-Original-URL"));
        Assert.Empty(request.Values("X-Rewrite-URL"));
    }
}
