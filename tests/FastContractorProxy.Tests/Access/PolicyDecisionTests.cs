using System.Text.Json;
using FastContractorProxy.Tests.Infrastructure;

namespace FastContractorProxy.Tests.Access;

/// <summary>Decisions of the policy through the running proxy: allowed requests reach the upstream, denied ones get 403 and never do.</summary>
public sealed class PolicyDecisionTests
{
    private static void AssertProblem(RawResponse response, int status, string reason)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Value("Content-Type"));
        using JsonDocument body = JsonDocument.Parse(response.BodyText);
        JsonElement root = body.RootElement;
        Assert.Equal(status, root.GetProperty("status").GetInt32());
        Assert.Equal(reason, root.GetProperty("reason").GetString());
        Assert.Equal(response.Value("X-Request-Id"), root.GetProperty("request_id").GetString());

        // Nothing about the policy: no rule, route or contractor names.
        Assert.Equal(["title", "status", "reason", "request_id"], root.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task Granted_ReachesUpstreamWithCanonicalPath()
    {
        await using AccessHarness proxy = await AccessHarness.StartAsync();

        RawResponse response = await proxy.SendAsync("GET", "/public/a/../ok?x=1", AccessHarness.AliceToken());

        Assert.Equal(200, response.StatusCode);
        RecordedRequest request = Assert.Single(await proxy.Upstream.WaitForRequestsAsync(1));
        Assert.Equal("/public/ok?x=1", request.Target);
    }

    [Theory]
    [InlineData("/public/../admin/users")]
    [InlineData("/public/%2e%2e/admin/users")]
    [InlineData("/public/%2E%2e/admin/users")]
    [InlineData("/public/.%2e/admin/users")]
    [InlineData("/./admin/users")]
    [InlineData("//admin/users")]
    [InlineData("/public/./../admin//users")]
    [InlineData("http://api.example.test/admin/users")]
    public async Task DotSegmentsAndAbsoluteForm_AuthorizeCanonicalPath(string target)
    {
        await using AccessHarness proxy = await AccessHarness.StartAsync();

        RawResponse response = await proxy.SendAsync("GET", target, AccessHarness.AliceToken());

        AssertProblem(response, 403, "no_grant");
        Assert.Empty(proxy.Upstream.Requests);
    }

    [Theory]
    [InlineData("/admin%2Fusers")]
    [InlineData("/public%2F..%2Fadmin/users")]
    [InlineData("/admin%5Cusers")]
    [InlineData("/public\\..\\admin\\users")]
    [InlineData("admin/users")]
    [InlineData("http://u@api.example.test/admin")]
    public async Task AmbiguousSeparatorsAndTargets_400(string target)
    {
        await using AccessHarness proxy = await AccessHarness.StartAsync();

        RawResponse response = await proxy.SendAsync("GET", target, AccessHarness.AliceToken());

        Assert.Equal(400, response.StatusCode);
        Assert.Empty(proxy.Upstream.Requests);
    }

    [Fact]
    public async Task DoubleEncodedDots_DecodedOnceOnly()
    {
        await using AccessHarness proxy = await AccessHarness.StartAsync();

        RawResponse response = await proxy.SendAsync("GET", "/public/%252e%252e/admin/users", AccessHarness.AliceToken());

        // Still under /public: the segment is the literal text "%2e%2e", never "..".
        Assert.Equal(200, response.StatusCode);
        Assert.Equal("/public/%252e%252e/admin/users", Assert.Single(proxy.Upstream.Requests).Target);
    }

    [Theory]
    [InlineData("GET", "/api/items/export/all.csv", "denied_by_rule")]
    [InlineData("DELETE", "/api/items/7", "no_grant")]
    [InlineData("GET", "/api/reports/2025", "grant_expired")]
    [InlineData("GET", "/metrics", "no_route")]
    [InlineData("GET", "/admin/users", "no_grant")]
    public async Task Denied_403WithReason(string method, string target, string reason)
    {
        await using AccessHarness proxy = await AccessHarness.StartAsync();

        RawResponse response = await proxy.SendAsync(method, target, AccessHarness.AliceToken());

        AssertProblem(response, 403, reason);
        Assert.Empty(proxy.Upstream.Requests);
    }

    [Theory]
    [InlineData("carol-sub", "contract_expired")]
    [InlineData("mallory-sub", "unknown_contractor")]
    public async Task CallerNotAllowed_403WithReason(string subject, string reason)
    {
        await using AccessHarness proxy = await AccessHarness.StartAsync();

        RawResponse response = await proxy.SendAsync("GET", "/public/ok", AccessHarness.AliceToken(c => c["sub"] = subject));

        AssertProblem(response, 403, reason);
        Assert.Empty(proxy.Upstream.Requests);
    }

    [Fact]
    public async Task ApiKeyOfGroupMember_AllowedOnAdmin()
    {
        await using AccessHarness proxy = await AccessHarness.StartAsync();

        RawResponse response = await proxy.SendAsync("DELETE", "/admin/users/7", extraFields: $"Authorization: ApiKey {AccessHarness.BobApiKey}\r\n");

        Assert.Equal(200, response.StatusCode);
        RecordedRequest request = Assert.Single(proxy.Upstream.Requests);
        Assert.Equal("bob", request.Value("X-Contractor-Id"));
        Assert.Equal("Globex", request.Value("X-Contractor-Org"));
        Assert.Null(request.Value("Authorization"));
    }

    [Fact]
    public async Task WrongApiKey_401()
    {
        await using AccessHarness proxy = await AccessHarness.StartAsync();

        RawResponse response = await proxy.SendAsync("GET", "/admin/users", extraFields: $"Authorization: ApiKey {AccessHarness.BobApiKey}x\r\n");

        AssertProblem(response, 401, "invalid_api_key");
        Assert.Contains("error=\"invalid_token\"", response.Value("WWW-Authenticate"), StringComparison.Ordinal);
        Assert.Empty(proxy.Upstream.Requests);
    }

    [Fact]
    public async Task MissingCredential_401WithoutErrorCode()
    {
        await using AccessHarness proxy = await AccessHarness.StartAsync();

        RawResponse response = await proxy.SendAsync("GET", "/api/items/1");

        AssertProblem(response, 401, "missing_credential");
        Assert.Equal("Bearer realm=\"fcp\"", response.Value("WWW-Authenticate"));
        Assert.Empty(proxy.Upstream.Requests);
    }

    [Fact]
    public async Task AnonymousRoute_ServedWithoutCredential()
    {
        await using AccessHarness proxy = await AccessHarness.StartAsync();

        RawResponse response = await proxy.SendAsync("GET", "/healthz");

        Assert.Equal(200, response.StatusCode);
        Assert.Single(proxy.Upstream.Requests);
    }

    [Fact]
    public async Task DeniedRequest_KeepsConnectionUsable()
    {
        await using AccessHarness proxy = await AccessHarness.StartAsync();
        using RawHttpClient client = proxy.Connect();
        string token = AccessHarness.AliceToken();

        await client.SendAsync($"GET /admin/users HTTP/1.1\r\nHost: api.example.test\r\nAuthorization: Bearer {token}\r\n\r\n" +
            $"GET /api/items/1 HTTP/1.1\r\nHost: api.example.test\r\nAuthorization: Bearer {token}\r\n\r\n");

        Assert.Equal(403, (await client.ReadResponseAsync()).StatusCode);
        Assert.Equal(200, (await client.ReadResponseAsync()).StatusCode);
        Assert.Equal("/api/items/1", Assert.Single(proxy.Upstream.Requests).Target);
    }

    [Fact]
    public async Task DeniedRequestWithBody_ClosesConnection()
    {
        await using AccessHarness proxy = await AccessHarness.StartAsync();
        using RawHttpClient client = proxy.Connect();

        await client.SendAsync($"POST /admin/users HTTP/1.1\r\nHost: api.example.test\r\nAuthorization: Bearer {AccessHarness.AliceToken()}\r\n" +
            "Content-Length: 5\r\n\r\nhello");
        RawResponse response = await client.ReadResponseAsync();

        Assert.Equal(403, response.StatusCode);
        Assert.True(response.ClosesConnection);
        Assert.Empty(proxy.Upstream.Requests);
    }

    [Fact]
    public async Task HeadDenied_NoBody()
    {
        await using AccessHarness proxy = await AccessHarness.StartAsync();

        RawResponse response = await proxy.SendAsync("HEAD", "/admin/users", AccessHarness.AliceToken());

        Assert.Equal(403, response.StatusCode);
        Assert.Empty(response.Body);
    }
}
