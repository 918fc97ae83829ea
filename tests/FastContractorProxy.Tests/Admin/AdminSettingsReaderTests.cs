using System.Net;
using FastContractorProxy.Admin;
using YamlDotNet.RepresentationModel;

namespace FastContractorProxy.Tests.Admin;

public sealed class AdminSettingsReaderTests
{
    [Fact]
    public void EmptySection_Defaults()
    {
        (AdminSettings settings, List<string> errors) = Read("{}");

        Assert.Empty(errors);
        Assert.True(settings.Enabled);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 9901), settings.Address);
    }

    [Theory]
    [InlineData("127.0.0.1:9901", "127.0.0.1", 9901)]
    [InlineData("0.0.0.0:9000", "0.0.0.0", 9000)]
    [InlineData("10.1.2.3:0", "10.1.2.3", 0)]
    [InlineData("\"[::1]:9901\"", "::1", 9901)]
    [InlineData("\"[::]:65535\"", "::", 65535)]
    public void Address_Accepted(string text, string ip, int port)
    {
        (AdminSettings settings, List<string> errors) = Read($"""
            enabled: false
            address: {text}
            """);

        Assert.Empty(errors);
        Assert.False(settings.Enabled);
        Assert.Equal(new IPEndPoint(IPAddress.Parse(ip), port), settings.Address);
    }

    [Theory]
    [InlineData("localhost:9901", "host names are not accepted")]
    [InlineData("metrics.example.test:9901", "host names are not accepted")]
    [InlineData("127.0.0.1", "has no port")]
    [InlineData("\"[::1]\"", "has no port")]
    [InlineData("\"127.0.0.1:\"", "invalid port ''")]
    [InlineData("127.0.0.1:99999", "invalid port '99999'")]
    [InlineData("127.0.0.1:-1", "invalid port '-1'")]
    [InlineData("127.1:9901", "does not start with an IP address")]
    [InlineData("::1:9901", "more than one ':'")]
    [InlineData("\"[127.0.0.1]:9901\"", "IPv4 address in brackets")]
    [InlineData("\"[::1:9901\"", "no closing ']'")]
    public void Address_Rejected(string text, string expected)
    {
        (AdminSettings settings, List<string> errors) = Read($"address: {text}");

        string error = Assert.Single(errors);
        Assert.StartsWith("admin.address: ", error, StringComparison.Ordinal);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.Contains("like 127.0.0.1:9901", error, StringComparison.Ordinal);
        Assert.Equal(new AdminSettings().Address, settings.Address);
    }

    [Theory]
    [InlineData("port: 9901", "unknown key 'port'")]
    [InlineData("enabled: yes", "'yes' is not true or false")]
    [InlineData("address: [ 127.0.0.1:9901 ]", "expected a non-empty value")]
    public void InvalidField_Reported(string yaml, string expected)
    {
        (_, List<string> errors) = Read(yaml);

        string error = Assert.Single(errors);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    private static (AdminSettings Settings, List<string> Errors) Read(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var errors = new List<string>();
        AdminSettings settings = AdminSettingsReader.Read((YamlMappingNode)stream.Documents[0].RootNode, errors);
        return (settings, errors);
    }
}
