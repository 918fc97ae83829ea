using FastContractorProxy.Tests.Infrastructure;

namespace FastContractorProxy.Tests.Access;

/// <summary>
/// What the upstream receives about the caller. Identity fields come only from the validated credential, and
/// every client copy is removed in any case and with '_' spelling. The client address comes from the socket, and
/// the credential itself reaches the upstream only where the route forwards it.
/// </summary>
public sealed class IdentityFieldTests
{
    private const string Spoofed =
        "X-Auth-User: admin\r\nx-auth-user: admin\r\nX_Auth_User: admin\r\nX-Forwarded-User: admin\r\n" +
        "X-Forwarded-Email: admin@example.test\r\nRemote-User: admin\r\nX-Forwarded-For: 127.0.0.1\r\n" +
        "X-Real-IP: 10.0.0.1\r\nTrue-Client-IP: 10.0.0.2\r\nX-Contractor-Id: admin\r\nx-contractor-org: Evil\r\n" +
        "X_Contractor_Scopes: admin\r\nX-Contractor-Id: ops\r\n";

    private static readonly string[] ClientCopies =
    [
        "X-Auth-User", "X_Auth_User", "X-Forwarded-User", "X-Forwarded-Email", "Remote-User", "X-Real-IP", "True-Client-IP",
        "X_Contractor_Scopes",
    ];

    private static void AssertNoClientCopies(RecordedRequest request)
    {
        foreach (string name in ClientCopies)
        {
            Assert.Empty(request.Values(name));
        }

        Assert.DoesNotContain("admin", request.Head, StringComparison.Ordinal);
        Assert.DoesNotContain("Evil", request.Head, StringComparison.Ordinal);
        Assert.Equal("127.0.0.1", request.Value("X-Forwarded-For"));
    }

    [Fact]
    public async Task SpoofedFields_AnonymousRoute_AllRemoved()
    {
        await using AccessHarness proxy = await AccessHarness.StartAsync();

        RawResponse response = await proxy.SendAsync("GET", "/healthz", extraFields: Spoofed);

        Assert.Equal(200, response.StatusCode);
        RecordedRequest request = Assert.Single(proxy.Upstream.Requests);
        AssertNoClientCopies(request);
        Assert.Empty(request.Values("X-Contractor-Id"));
        Assert.Empty(request.Values("X-Contractor-Org"));
        Assert.Empty(request.Values("X-Contractor-Scopes"));
    }

    [Fact]
    public async Task SpoofedFields_AsAlice_OnlyValidatedIdentity()
    {
        await using AccessHarness proxy = await AccessHarness.StartAsync();

        RawResponse response = await proxy.SendAsync("GET", "/public/ok", AccessHarness.AliceToken(), Spoofed);

        Assert.Equal(200, response.StatusCode);
        RecordedRequest request = Assert.Single(proxy.Upstream.Requests);
        AssertNoClientCopies(request);
        Assert.Equal(["alice"], request.Values("X-Contractor-Id"));
        Assert.Equal(["Acme Consulting"], request.Values("X-Contractor-Org"));
        Assert.Equal(["items:read items:write"], request.Values("X-Contractor-Scopes"));
        Assert.Null(request.Value("Authorization"));
    }

    [Fact]
    public async Task ConnectionNamesProxyFields_ProxyValuesWin()
    {
        await using AccessHarness proxy = await AccessHarness.StartAsync();

        RawResponse response = await proxy.SendAsync("GET", "/public/ok", AccessHarness.AliceToken(),
            "X-Auth-User: admin\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: evil.test\r\n" +
            "Connection: keep-alive, X-Auth-User, X-Forwarded-For, X-Forwarded-Proto, X-Forwarded-Host, X-Contractor-Id\r\n");

        Assert.Equal(200, response.StatusCode);
        RecordedRequest request = Assert.Single(proxy.Upstream.Requests);
        Assert.Equal(["http"], request.Values("X-Forwarded-Proto"));
        Assert.Equal(["api.example.test"], request.Values("X-Forwarded-Host"));
        Assert.Equal(["alice"], request.Values("X-Contractor-Id"));
        Assert.Empty(request.Values("X-Auth-User"));
        Assert.DoesNotContain(request.Values("Connection"), v => v.Contains("X-", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task ClaimWithControlCharacters_CannotInjectFields()
    {
        await using AccessHarness proxy = await AccessHarness.StartAsync();
        string token = AccessHarness.AliceToken(c => c["scope"] = "items:read\r\nX-Injected: yes");

        RawResponse response = await proxy.SendAsync("GET", "/public/ok", token);

        Assert.Equal(200, response.StatusCode);
        RecordedRequest request = Assert.Single(proxy.Upstream.Requests);
        Assert.Empty(request.Values("X-Injected"));
    }

    [Fact]
    public async Task RouteForwardingAuthorization_KeepsIt()
    {
        await using AccessHarness proxy = await AccessHarness.StartAsync();
        string token = AccessHarness.AliceToken();

        RawResponse response = await proxy.SendAsync("GET", "/passthrough/x", token);

        Assert.Equal(200, response.StatusCode);
        Assert.Equal($"Bearer {token}", Assert.Single(proxy.Upstream.Requests).Value("Authorization"));
    }
}
