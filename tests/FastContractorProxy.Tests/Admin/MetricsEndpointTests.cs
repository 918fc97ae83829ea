using System.Net;
using FastContractorProxy.Admin;
using FastContractorProxy.Http1;

namespace FastContractorProxy.Tests.Admin;

public sealed class MetricsEndpointTests
{
    private const string Duration = "http_server_request_duration_seconds";

    [Fact]
    public async Task Requests_CountedByContractorAndDecision()
    {
        using var metrics = new ProxyMetrics();
        await using AdminHarness admin = await AdminHarness.StartAsync(metrics);

        for (int i = 0; i < 3; i++)
        {
            metrics.RecordRequest("orders", KnownMethod.Get, 200, RequestDecision.Allow, "acme", TimeSpan.FromMilliseconds(2));
        }

        metrics.RecordRequest("orders", KnownMethod.Delete, 403, RequestDecision.Deny, "acme", TimeSpan.FromMilliseconds(1));
        metrics.RecordRequest("invoices", KnownMethod.Get, 403, RequestDecision.Deny, "globex", TimeSpan.FromMilliseconds(1));
        metrics.RecordRequest(null, KnownMethod.Get, 401, RequestDecision.Unauthenticated, null, TimeSpan.FromMilliseconds(1));
        PrometheusText scrape = await admin.ScrapeAsync();

        Assert.Equal("counter", scrape.Types["fcp_requests_total"]);
        Assert.Equal(3, scrape.Value("fcp_requests_total", ("user_id", "acme"), ("fcp_decision", "allow")));
        Assert.Equal(1, scrape.Value("fcp_requests_total", ("user_id", "acme"), ("fcp_decision", "deny")));
        Assert.Equal(1, scrape.Value("fcp_requests_total", ("user_id", "globex"), ("fcp_decision", "deny")));
        Assert.Equal(1, scrape.Value("fcp_requests_total", ("user_id", "none"), ("fcp_decision", "unauthenticated")));
        Assert.Equal(6, scrape.Find("fcp_requests_total").Sum(s => s.Value));
    }

    [Fact]
    public async Task Duration_HistogramBucketsAndTags()
    {
        using var metrics = new ProxyMetrics();
        await using AdminHarness admin = await AdminHarness.StartAsync(metrics);

        metrics.RecordRequest("orders", KnownMethod.Get, 200, RequestDecision.Allow, "acme", TimeSpan.FromMilliseconds(2));
        metrics.RecordRequest("orders", KnownMethod.Get, 200, RequestDecision.Allow, "acme", TimeSpan.FromMilliseconds(20));
        metrics.RecordRequest("orders", KnownMethod.Get, 200, RequestDecision.Allow, "acme", TimeSpan.FromMilliseconds(200));
        metrics.RecordRequest("orders", KnownMethod.Get, 502, RequestDecision.UpstreamError, "acme", TimeSpan.FromSeconds(30));
        metrics.RecordRequest(null, (KnownMethod)200, 400, RequestDecision.Rejected, null, TimeSpan.FromMilliseconds(0.1));
        PrometheusText scrape = await admin.ScrapeAsync();
        HistogramSeries allowed = Assert.Single(scrape.Histograms(Duration,
            ("http_route", "orders"), ("http_request_method", "GET"), ("http_response_status_code", "200"), ("fcp_decision", "allow")));
        HistogramSeries failed = Assert.Single(scrape.Histograms(Duration, ("fcp_decision", "upstream_error")));
        HistogramSeries rejected = Assert.Single(scrape.Histograms(Duration, ("fcp_decision", "rejected")));

        Assert.Equal("histogram", scrape.Types[Duration]);
        Assert.Equal([.. ProxyMetrics.DurationBuckets, double.PositiveInfinity], allowed.Buckets.Select(b => b.UpperBound));
        Assert.Equal(3, allowed.Count);
        Assert.Equal(0.222, allowed.Sum, precision: 9);
        Assert.Equal(0, allowed.CountAtMost(0.001));
        Assert.Equal(1, allowed.CountAtMost(0.0025));
        Assert.Equal(1, allowed.CountAtMost(0.01));
        Assert.Equal(2, allowed.CountAtMost(0.025));
        Assert.Equal(3, allowed.CountAtMost(0.25));
        Assert.Equal(0, failed.CountAtMost(10));
        Assert.Equal(1, failed.CountAtMost(double.PositiveInfinity));
        Assert.Equal("502", failed.Labels["http_response_status_code"]);
        Assert.Equal("none", rejected.Labels["http_route"]);
        Assert.Equal("_OTHER", rejected.Labels["http_request_method"]);
        Assert.Equal(1, rejected.CountAtMost(0.0005));
    }

    [Fact]
    public async Task ConnectionsAndStreams_ReportedAsGauges()
    {
        using var metrics = new ProxyMetrics();
        await using AdminHarness admin = await AdminHarness.StartAsync(metrics);

        metrics.ConnectionOpened(ConnectionProtocol.Http1);
        metrics.ConnectionOpened(ConnectionProtocol.Http1);
        metrics.ConnectionOpened(ConnectionProtocol.Http2);
        metrics.ConnectionClosed(ConnectionProtocol.Http1);
        for (int i = 0; i < 3; i++)
        {
            metrics.StreamOpened();
        }

        metrics.StreamClosed();
        PrometheusText scrape = await admin.ScrapeAsync();

        Assert.Equal("gauge", scrape.Types["fcp_connections_active"]);
        Assert.Equal(1, scrape.Value("fcp_connections_active", ("network_protocol_version", "1.1")));
        Assert.Equal(1, scrape.Value("fcp_connections_active", ("network_protocol_version", "2")));
        Assert.Equal("gauge", scrape.Types["fcp_streams_active"]);
        Assert.Equal(2, scrape.Value("fcp_streams_active"));
    }

    [Fact]
    public async Task UpstreamFailures_CountedByDestinationAndType()
    {
        using var metrics = new ProxyMetrics();
        await using AdminHarness admin = await AdminHarness.StartAsync(metrics);

        metrics.RecordUpstreamFailure("10.0.0.5:8080", UpstreamErrorType.ConnectRefused);
        metrics.RecordUpstreamFailure("10.0.0.5:8080", UpstreamErrorType.ResponseTimeout);
        metrics.RecordUpstreamFailure("10.0.0.5:8080", UpstreamErrorType.ResponseTimeout);
        metrics.RecordUpstreamFailure("10.0.0.6:8080", UpstreamErrorType.Closed);
        PrometheusText scrape = await admin.ScrapeAsync();

        Assert.Equal("counter", scrape.Types["fcp_upstream_failures_total"]);
        Assert.Equal(1, scrape.Value("fcp_upstream_failures_total", ("server_address", "10.0.0.5:8080"), ("error_type", "connect_refused")));
        Assert.Equal(2, scrape.Value("fcp_upstream_failures_total", ("server_address", "10.0.0.5:8080"), ("error_type", "response_timeout")));
        Assert.Equal(1, scrape.Value("fcp_upstream_failures_total", ("server_address", "10.0.0.6:8080"), ("error_type", "closed")));
    }

    [Fact]
    public async Task Sources_ReadOnEachScrape()
    {
        var now = new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);
        var policy = new PolicySample(Reloads: 4, ReloadFailures: 1, Version: "2025-03-01");
        var sources = new MetricsSources
        {
            KeySets = () =>
            [
                new KeySetSample("https://idp.example.test", KeyCount: 2, LastSuccess: now.AddSeconds(-30), ConsecutiveFailures: 0, Refreshes: 5, RefreshFailures: 1),
                new KeySetSample("https://down.example.test", KeyCount: 0, LastSuccess: null, ConsecutiveFailures: 3),
            ],
            Policy = () => policy,
            Audit = () => new AuditSample(QueueLength: 7, RecordsWritten: 120, RecordsDropped: 2, WriteFailures: 1),
        };
        using var metrics = new ProxyMetrics(sources, timeProvider: new FixedTimeProvider(now));
        await using AdminHarness admin = await AdminHarness.StartAsync(metrics);

        PrometheusText first = await admin.ScrapeAsync();
        policy = policy with { Reloads = 5, Version = "2025-03-02" };
        PrometheusText second = await admin.ScrapeAsync();

        Assert.Equal(2, first.Value("fcp_jwks_keys", ("fcp_issuer", "https://idp.example.test")));
        Assert.Equal(0, first.Value("fcp_jwks_keys", ("fcp_issuer", "https://down.example.test")));
        Assert.Equal(3, first.Value("fcp_jwks_consecutive_failures", ("fcp_issuer", "https://down.example.test")));
        Assert.Equal(30, first.Value("fcp_jwks_last_success_age_seconds", ("fcp_issuer", "https://idp.example.test")));
        Assert.Empty(first.Find("fcp_jwks_last_success_age_seconds", ("fcp_issuer", "https://down.example.test")));
        Assert.Equal(5, first.Value("fcp_jwks_refreshes_total", ("fcp_issuer", "https://idp.example.test")));
        Assert.Equal(1, first.Value("fcp_jwks_refresh_failures_total", ("fcp_issuer", "https://idp.example.test")));
        Assert.Empty(first.Find("fcp_jwks_refreshes_total", ("fcp_issuer", "https://down.example.test")));
        Assert.Equal("counter", first.Types["fcp_policy_reloads_total"]);
        Assert.Equal(4, first.Value("fcp_policy_reloads_total"));
        Assert.Equal(1, first.Value("fcp_policy_reload_failures_total"));
        Assert.Equal(1, first.Value("fcp_policy_version", ("fcp_policy_version", "2025-03-01")));
        Assert.Equal("gauge", first.Types["fcp_audit_queue_length"]);
        Assert.Equal(7, first.Value("fcp_audit_queue_length"));
        Assert.Equal(120, first.Value("fcp_audit_records_written_total"));
        Assert.Equal(2, first.Value("fcp_audit_records_dropped_total"));
        Assert.Equal(1, first.Value("fcp_audit_write_failures_total"));
        Assert.Equal(5, second.Value("fcp_policy_reloads_total"));
        Assert.Equal(1, second.Value("fcp_policy_version", ("fcp_policy_version", "2025-03-02")));
        Assert.Empty(second.Find("fcp_policy_version", ("fcp_policy_version", "2025-03-01")));
    }

    [Fact]
    public async Task MissingSources_NoInstruments()
    {
        using var metrics = new ProxyMetrics();
        await using AdminHarness admin = await AdminHarness.StartAsync(metrics);

        PrometheusText scrape = await admin.ScrapeAsync();

        Assert.DoesNotContain(scrape.Types.Keys, name => name.StartsWith("fcp_jwks", StringComparison.Ordinal));
        Assert.DoesNotContain(scrape.Types.Keys, name => name.StartsWith("fcp_policy", StringComparison.Ordinal));
        Assert.DoesNotContain(scrape.Types.Keys, name => name.StartsWith("fcp_audit", StringComparison.Ordinal));
    }

    [Fact]
    public async Task OtherProxyMetrics_NotExported()
    {
        using var metrics = new ProxyMetrics();
        using var other = new ProxyMetrics();
        await using AdminHarness admin = await AdminHarness.StartAsync(metrics);

        metrics.RecordUpstreamFailure("10.0.0.5:8080", UpstreamErrorType.Closed);
        other.RecordUpstreamFailure("10.0.0.5:8080", UpstreamErrorType.Closed);
        other.RecordUpstreamFailure("10.0.0.9:8080", UpstreamErrorType.Closed);
        PrometheusText scrape = await admin.ScrapeAsync();

        Assert.Equal(1, scrape.Value("fcp_upstream_failures_total", ("server_address", "10.0.0.5:8080")));
        Assert.Empty(scrape.Find("fcp_upstream_failures_total", ("server_address", "10.0.0.9:8080")));
    }

    [Fact]
    public async Task ManyRoutes_OverflowSeriesAfter2000()
    {
        using var metrics = new ProxyMetrics();
        await using AdminHarness admin = await AdminHarness.StartAsync(metrics);

        for (int i = 0; i < 2100; i++)
        {
            metrics.RecordUpstreamFailure($"10.0.{i / 256}.{i % 256}:8080", UpstreamErrorType.Closed);
        }

        PrometheusText scrape = await admin.ScrapeAsync();
        List<PrometheusSample> failures = scrape.Find("fcp_upstream_failures_total");

        Assert.Equal(2100, failures.Sum(s => s.Value));
        Assert.True(scrape.Value("fcp_upstream_failures_total", ("otel_metric_overflow", "true")) >= 100);
        Assert.True(failures.Count <= 2001, $"{failures.Count} series");
    }

    [Fact]
    public async Task Scrape_TextFormatContentType()
    {
        using var metrics = new ProxyMetrics();
        await using AdminHarness admin = await AdminHarness.StartAsync(metrics);

        using HttpResponseMessage response = await admin.Client.GetAsync(new Uri("metrics", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(response.Content.Headers.ContentType!.Parameters, p => p.Name == "version" && p.Value == "0.0.4");
    }

    [Fact]
    public async Task Scrape_OpenMetricsWhenRequested()
    {
        using var metrics = new ProxyMetrics();
        await using AdminHarness admin = await AdminHarness.StartAsync(metrics);
        metrics.RecordUpstreamFailure("10.0.0.5:8080", UpstreamErrorType.Closed);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("metrics", UriKind.Relative));
        request.Headers.Accept.ParseAdd("application/openmetrics-text; version=1.0.0");

        using HttpResponseMessage response = await admin.Client.SendAsync(request);
        string body = await response.Content.ReadAsStringAsync();

        Assert.Equal("application/openmetrics-text", response.Content.Headers.ContentType?.MediaType);
        Assert.EndsWith("# EOF\n", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Recording_AllocatesNothing()
    {
        using var metrics = new ProxyMetrics();
        await using AdminHarness admin = await AdminHarness.StartAsync(metrics);
        string route = "orders";
        string contractor = "acme";
        string destination = "10.0.0.5:8080";

        // The first measurement of each tag combination creates its series; only later ones must be free.
        RecordAll(metrics, route, contractor, destination);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            RecordAll(metrics, route, contractor, destination);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
    }

    private static void RecordAll(ProxyMetrics metrics, string route, string contractor, string destination)
    {
        metrics.RecordRequest(route, KnownMethod.Post, 201, RequestDecision.Allow, contractor, TimeSpan.FromMilliseconds(3));
        metrics.RecordRequest(null, KnownMethod.Get, 401, RequestDecision.Unauthenticated, null, TimeSpan.FromMilliseconds(1));
        metrics.ConnectionOpened(ConnectionProtocol.Http2);
        metrics.StreamOpened();
        metrics.StreamClosed();
        metrics.ConnectionClosed(ConnectionProtocol.Http2);
        metrics.RecordUpstreamFailure(destination, UpstreamErrorType.ConnectTimeout);
    }
}
