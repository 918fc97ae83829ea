using System.Net;
using FastContractorProxy.Tests.Admin;

namespace FastContractorProxy.Tests.Access;

/// <summary>The admin listener of the running proxy: /metrics counts the requests the proxy served, /readyz reflects its state.</summary>
public sealed class AdminEndpointTests
{
    private const string AdminSection = "admin:\n  address: 127.0.0.1:0\n";

    private static async Task<(HttpStatusCode Status, string Body)> GetAsync(AccessHarness proxy, string path)
    {
        using var client = new HttpClient();
        using HttpResponseMessage response = await client.GetAsync($"http://127.0.0.1:{proxy.Server.Admin!.Port}{path}");
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Metrics_CountServedRequests()
    {
        await using AccessHarness proxy = await AccessHarness.StartAsync(extraConfiguration: AdminSection);
        string token = AccessHarness.AliceToken();
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(200, (await proxy.SendAsync("GET", $"/api/items/{i}", token)).StatusCode);
        }

        Assert.Equal(403, (await proxy.SendAsync("GET", "/admin/users", token)).StatusCode);
        Assert.Equal(401, (await proxy.SendAsync("GET", "/api/items/1")).StatusCode);
        Assert.Equal(502, (await proxy.SendAsync("GET", "/broken/x")).StatusCode);

        (HttpStatusCode status, string body) = await GetAsync(proxy, "/metrics");
        PrometheusText scrape = PrometheusText.Parse(body);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(3, scrape.Value("fcp_requests_total", ("user_id", "alice"), ("fcp_decision", "allow")));
        Assert.Equal(1, scrape.Value("fcp_requests_total", ("user_id", "alice"), ("fcp_decision", "deny")));
        Assert.Equal(1, scrape.Value("fcp_requests_total", ("user_id", "none"), ("fcp_decision", "unauthenticated")));
        Assert.Equal(1, scrape.Value("fcp_requests_total", ("user_id", "none"), ("fcp_decision", "upstream_error")));
        Assert.Equal(1, scrape.Find("fcp_upstream_failures_total", ("error_type", "connect_refused")).Sum(s => s.Value));
        Assert.Equal(1, scrape.Value("fcp_policy_version", ("fcp_policy_version", proxy.Server.Runtime.Access!.Version)));
    }

    [Fact]
    public async Task Metrics_CountHttp2Streams()
    {
        await using AccessHarness proxy = await AccessHarness.StartAsync(extraConfiguration: AdminSection);
        using var client = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", AccessHarness.AliceToken());
        client.DefaultRequestHeaders.Host = "api.example.test";
        for (int i = 0; i < 2; i++)
        {
            using HttpResponseMessage response = await client.GetAsync($"http://127.0.0.1:{proxy.Port}/api/items/{i}");
            Assert.Equal(HttpVersion.Version20, response.Version);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        (_, string body) = await GetAsync(proxy, "/metrics");
        PrometheusText scrape = PrometheusText.Parse(body);

        Assert.Equal(2, scrape.Value("fcp_requests_total", ("user_id", "alice"), ("fcp_decision", "allow")));
        Assert.Equal(1, scrape.Value("fcp_connections_active", ("network_protocol_version", "2")));
    }

    [Fact]
    public async Task Readiness_ReadyWithKeysAndPolicy()
    {
        await using AccessHarness proxy = await AccessHarness.StartAsync(extraConfiguration: AdminSection);

        (HttpStatusCode ready, _) = await GetAsync(proxy, "/readyz");
        (HttpStatusCode healthy, string health) = await GetAsync(proxy, "/healthz");

        Assert.Equal(HttpStatusCode.OK, ready);
        Assert.Equal(HttpStatusCode.OK, healthy);
        Assert.Equal("ok", health.Trim());
    }

    [Fact]
    public async Task Readiness_IssuerWithoutKeys_Unready()
    {
        await using AccessHarness proxy = await AccessHarness.StartAsync(extraConfiguration: AdminSection, missingKeysForIssuerB: true);

        (HttpStatusCode status, string body) = await GetAsync(proxy, "/readyz");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Contains($"issuer {AccessHarness.IssuerB}", body, StringComparison.Ordinal);
        Assert.DoesNotContain($"issuer {AccessHarness.IssuerA}", body, StringComparison.Ordinal);
    }
}
