using System.Net;
using FastContractorProxy.Cli;
using FastContractorProxy.Configuration;

namespace FastContractorProxy.Tests.Configuration;

public class SettingsLoaderTests
{
    private const string Valid = """
        listeners:
          - address: 127.0.0.1:8080
          - address: "[::1]:8443"
        limits:
          headers_timeout: 500ms
          max_header_bytes: 16384
        clusters:
          - id: items-api
            destinations: [ "127.0.0.1:9000", "localhost:9001" ]
            connect_timeout: 2s
            unhealthy_cooldown: 1m
        routes:
          - id: items
            hosts: [ API.Example.Test ]
            path_prefix: /api/items/
            cluster: items-api
            max_request_body_bytes: 1024
            allow_encoded_slash: true
        forwarding:
          trusted_proxies: [ 10.0.0.0/8, 192.0.2.7 ]
          strip_request_fields: [ X-Forwarded-*, X-Auth-User ]
        transport:
          inline_scheduling: true
          io_queue_count: 2
        """;

    [Fact]
    public void Parse_ValidFile_ReadsEveryValue()
    {
        ProxySettings settings = SettingsLoader.Parse(Valid);

        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 8080), settings.Listeners[0]);
        Assert.Equal(new IPEndPoint(IPAddress.IPv6Loopback, 8443), settings.Listeners[1]);
        Assert.Equal(TimeSpan.FromMilliseconds(500), settings.Limits.HeadersTimeout);
        Assert.Equal(16384, settings.Limits.MaxHeaderBytes);
        Assert.Equal(100, settings.Limits.MaxHeaderFields);

        ClusterSettings cluster = Assert.Single(settings.Clusters);
        Assert.Equal("items-api", cluster.Id);
        Assert.Equal(new DnsEndPoint("localhost", 9001), cluster.Destinations[1]);
        Assert.Equal(TimeSpan.FromSeconds(2), cluster.ConnectTimeout);
        Assert.Equal(TimeSpan.FromMinutes(1), cluster.UnhealthyCooldown);

        RouteSettings route = Assert.Single(settings.Routes);
        Assert.Equal(["api.example.test"], route.Hosts);
        Assert.Equal("/api/items", route.PathPrefix);
        Assert.Equal(1024, route.MaxRequestBodyBytes);
        Assert.True(route.AllowEncodedSlash);
        Assert.False(route.AllowPathParameters);

        Assert.Equal(2, settings.Forwarding.TrustedProxies.Count);
        Assert.True(settings.Forwarding.TrustedProxies[1].Contains(IPAddress.Parse("192.0.2.7")));
        Assert.Equal(["X-Forwarded-*", "X-Auth-User"], settings.Forwarding.StripRequestFields);
        Assert.True(settings.Transport.InlineScheduling);
        Assert.Equal(2, settings.Transport.IoQueueCount);
    }

    [Fact]
    public void Parse_OmittedSections_UseDefaults()
    {
        ProxySettings settings = SettingsLoader.Parse("""
            listeners: [ { address: "127.0.0.1:0" } ]
            clusters: [ { id: c, destinations: [ "127.0.0.1:1" ] } ]
            routes: [ { id: r, cluster: c } ]
            """);

        Assert.Equal("/", settings.Routes[0].PathPrefix);
        Assert.Null(settings.Routes[0].MaxRequestBodyBytes);
        Assert.Equal(TimeSpan.FromSeconds(10), settings.Limits.HeadersTimeout);
        Assert.Same(ForwardingSettings.DefaultStripRequestFields, settings.Forwarding.StripRequestFields);
        Assert.False(settings.Transport.InlineScheduling);
    }

    [Fact]
    public void Parse_SeveralMistakes_ReportsAllAtOnce()
    {
        const string yaml = """
            listeners:
              - address: localhost
            limits:
              headers_timeout: soon
              max_header_fields: 3
            clusters:
              - id: a
                destinations: [ "127.0.0.1:70000" ]
              - id: a
                destinations: [ "127.0.0.1:9000" ]
            routes:
              - id: r
                path_prefix: /x/../admin
                cluster: missing
                colour: blue
            """;

        SettingsException error = Assert.Throws<SettingsException>(() => SettingsLoader.Parse(yaml));

        Assert.Contains(error.Errors, e => e.Contains("listeners[0].address", StringComparison.Ordinal) && e.Contains("127.0.0.1:8080", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.Contains("headers_timeout", StringComparison.Ordinal) && e.Contains("10s", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.Contains("max_header_fields", StringComparison.Ordinal) && e.Contains("from 8", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.Contains("'127.0.0.1:70000'", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.Contains("duplicate cluster id", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.Contains("path_prefix", StringComparison.Ordinal) && e.Contains("dot segments", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.Contains("unknown cluster 'missing'", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.Contains("unknown key 'colour'", StringComparison.Ordinal));
        Assert.Equal(8, error.Errors.Count);
    }

    [Fact]
    public void Parse_DuplicateListenerAndRoute_Rejected()
    {
        const string yaml = """
            listeners:
              - address: 127.0.0.1:8080
              - address: 127.0.0.1:8080
            clusters: [ { id: c, destinations: [ "127.0.0.1:1" ] } ]
            routes:
              - { id: first, path_prefix: /d, cluster: c }
              - { id: second, path_prefix: /d/, cluster: c }
              - { id: other-host, hosts: [ a.example.test ], path_prefix: /d, cluster: c }
            """;

        SettingsException error = Assert.Throws<SettingsException>(() => SettingsLoader.Parse(yaml));

        Assert.Contains(error.Errors, e => e.Contains("listed twice", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.Contains("routes 'second'", StringComparison.Ordinal) && e.Contains("route 'first'", StringComparison.Ordinal));
        Assert.Equal(2, error.Errors.Count);
    }

    [Fact]
    public void Parse_MissingSections_NamesEachOne()
    {
        SettingsException error = Assert.Throws<SettingsException>(() => SettingsLoader.Parse("limits: {}"));

        Assert.Contains(error.Errors, e => e.Contains("missing 'listeners'", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.Contains("missing 'clusters'", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.Contains("missing 'routes'", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_InvalidYaml_ReportsLine()
    {
        SettingsException error = Assert.Throws<SettingsException>(() => SettingsLoader.Parse("listeners: [\n  - address", "proxy.yaml"));

        string message = Assert.Single(error.Errors);
        Assert.StartsWith("proxy.yaml: invalid YAML at line", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("250ms", 250)]
    [InlineData("1.5s", 1500)]
    [InlineData("2m", 120_000)]
    [InlineData("1h", 3_600_000)]
    public void Duration_Units_Parsed(string text, int expectedMilliseconds)
    {
        Assert.True(DurationText.TryParse(text, out TimeSpan value));
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMilliseconds), value);
    }

    [Theory]
    [InlineData("10")]
    [InlineData("s")]
    [InlineData("-1s")]
    [InlineData("1 s")]
    [InlineData("1d")]
    public void Duration_Malformed_Rejected(string text)
    {
        Assert.False(DurationText.TryParse(text, out _));
    }

    [Fact]
    public async Task CheckCommand_ExitCodes()
    {
        string directory = Directory.CreateTempSubdirectory("fcp-check-").FullName;
        string valid = Path.Combine(directory, "valid.yaml");
        string invalid = Path.Combine(directory, "invalid.yaml");
        await File.WriteAllTextAsync(valid, Valid);
        await File.WriteAllTextAsync(invalid, "listeners: []\n");

        int validExit = await Commands.Build().Parse(["check", valid]).InvokeAsync();
        int invalidExit = await Commands.Build().Parse(["check", invalid]).InvokeAsync();
        int missingExit = await Commands.Build().Parse(["check", Path.Combine(directory, "absent.yaml")]).InvokeAsync();

        Assert.Equal(0, validExit);
        Assert.Equal(Commands.ExitInvalidConfiguration, invalidExit);
        Assert.Equal(Commands.ExitInvalidConfiguration, missingExit);
        Directory.Delete(directory, recursive: true);
    }
}
