namespace FastContractorProxy.Tests.Admin;

/// <summary>Checks that the test parser rejects malformed scrapes, so the endpoint tests can fail on bad output.</summary>
public sealed class PrometheusTextTests
{
    private const string ValidHistogram = """
        # TYPE latency_seconds histogram
        latency_seconds_bucket{route="a",le="0.1"} 1
        latency_seconds_bucket{route="a",le="1"} 2
        latency_seconds_bucket{route="a",le="+Inf"} 3
        latency_seconds_sum{route="a"} 12.5
        latency_seconds_count{route="a"} 3

        """;

    [Fact]
    public void ValidScrape_Parsed()
    {
        PrometheusText scrape = PrometheusText.Parse(ValidHistogram + """
            # HELP requests_total Requests.
            # TYPE requests_total counter
            requests_total{path="/a \"b\"\\c",code="200"} 7 1700000000000
            up 1

            """);
        HistogramSeries series = Assert.Single(scrape.Histograms("latency_seconds"));

        Assert.Equal("counter", scrape.Types["requests_total"]);
        Assert.Equal(7, scrape.Value("requests_total", ("path", "/a \"b\"\\c")));
        Assert.Equal(1, scrape.Value("up"));
        Assert.Equal(3, series.Count);
        Assert.Equal(12.5, series.Sum);
        Assert.Equal(2, series.CountAtMost(1));
    }

    [Theory]
    [InlineData("latency_seconds_bucket{route=\"a\",le=\"+Inf\"} 3", "latency_seconds_bucket{route=\"a\",le=\"+Inf\"} 4", "+Inf bucket counts 4")]
    [InlineData("latency_seconds_bucket{route=\"a\",le=\"1\"} 2", "latency_seconds_bucket{route=\"a\",le=\"1\"} 0", "must be cumulative")]
    [InlineData("latency_seconds_bucket{route=\"a\",le=\"+Inf\"} 3\n", "", "no le=\"+Inf\" bucket")]
    [InlineData("latency_seconds_sum{route=\"a\"} 12.5", "latency_seconds_sum{route=\"a\"} 12.5\nlatency_seconds_sum{route=\"a\"} 12.5", "duplicate series")]
    [InlineData("# TYPE latency_seconds histogram", "# TYPE latency_seconds histogram\n# TYPE latency_seconds gauge", "second TYPE line")]
    [InlineData("# TYPE latency_seconds histogram", "# TYPE latency_seconds histo", "unknown type")]
    [InlineData("latency_seconds_sum{route=\"a\"} 12.5", "latency_seconds_sum{route=\"a\"} twelve", "is not a number")]
    [InlineData("latency_seconds_sum{route=\"a\"} 12.5", "latency_seconds_sum{route=\"a\"}12.5", "expected a space")]
    [InlineData("latency_seconds_sum{route=\"a\"} 12.5", "latency_seconds_sum{route=\"a\\t\"} 12.5", "invalid escape")]
    public void MalformedScrape_Rejected(string original, string replacement, string expected)
    {
        string text = ValidHistogram.Replace(original, replacement, StringComparison.Ordinal);

        FormatException exception = Assert.Throws<FormatException>(() => PrometheusText.Parse(text));

        Assert.Contains(expected, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SplitFamily_Rejected()
    {
        const string Text = """
            # TYPE a gauge
            a{x="1"} 1
            # TYPE b gauge
            b 2
            a{x="2"} 3

            """;

        FormatException exception = Assert.Throws<FormatException>(() => PrometheusText.Parse(Text));

        Assert.Contains("split into more than one group", exception.Message, StringComparison.Ordinal);
    }
}
