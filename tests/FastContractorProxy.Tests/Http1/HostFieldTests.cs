using FastContractorProxy.Http1;

namespace FastContractorProxy.Tests.Http1;

public class HostFieldTests
{
    private static ParsedRequest Parse(string version, string fields) =>
        RequestHeads.Parse($"GET / {version}\r\n{fields}\r\n");

    [Fact]
    public void Host_TrailingSpace_Trimmed()
    {
        ParsedRequest request = Parse("HTTP/1.1", "Host: example.com  \t\r\n");

        Assert.Equal(RejectReason.None, request.Reason);
        Assert.Equal("example.com", request.Authority);
    }

    [Fact]
    public void Host_ClientField_Dropped()
    {
        ParsedRequest request = Parse("HTTP/1.1", "Host: example.com\r\n");

        Assert.True(request.IsDropped("Host"));
    }

    [Fact]
    public void Host_MissingInHttp11_Rejected()
    {
        ParsedRequest request = Parse("HTTP/1.1", "X-Other: a\r\n");

        Assert.Equal(RejectReason.MissingHost, request.Reason);
        Assert.Equal(400, RejectReasons.GetStatusCode(request.Reason));
    }

    [Fact]
    public void Host_MissingInHttp10_Accepted()
    {
        ParsedRequest request = Parse("HTTP/1.0", "X-Other: a\r\n");

        Assert.Equal(RejectReason.None, request.Reason);
        Assert.True(request.Head.Authority.IsNone);
    }

    [Theory]
    [InlineData("Host: example.com\r\nHost: example.com\r\n")]
    [InlineData("Host: example.com\r\nHost: other.example\r\n")]
    [InlineData("Host: example.com\r\nhost: example.com\r\n")]
    public void Host_Twice_Rejected(string fields)
    {
        ParsedRequest request = Parse("HTTP/1.1", fields);

        Assert.Equal(RejectReason.MultipleHost, request.Reason);
        Assert.Equal(400, RejectReasons.GetStatusCode(request.Reason));
    }

    [Theory]
    [InlineData("example.com")]
    [InlineData("example.com:8080")]
    [InlineData("EXAMPLE.com:1")]
    [InlineData("127.0.0.1:65535")]
    [InlineData("[::1]")]
    [InlineData("[::1]:443")]
    [InlineData("[2001:db8::1]:80")]
    [InlineData("my_host.internal")]
    [InlineData("a-b.c~d")]
    public void Host_ValidSyntax_Accepted(string host)
    {
        ParsedRequest request = Parse("HTTP/1.1", $"Host: {host}\r\n");

        Assert.Equal(RejectReason.None, request.Reason);
        Assert.Equal(host, request.Authority);
    }

    [Theory]
    [InlineData("")]
    [InlineData("exa mple.com")]
    [InlineData("example.com:")]
    [InlineData(":80")]
    [InlineData("example.com:65536")]
    [InlineData("example.com:123456")]
    [InlineData("example.com:8a")]
    [InlineData("example.com:+80")]
    [InlineData("example.com:80:81")]
    [InlineData("user@example.com")]
    [InlineData("example.com/path")]
    [InlineData("example.com?q")]
    [InlineData("example.com#f")]
    [InlineData("exam%70le.com")]
    [InlineData("ex\\ample.com")]
    [InlineData("[::1")]
    [InlineData("[]")]
    [InlineData("[::g]")]
    [InlineData("[::1]80")]
    [InlineData("[::1]:")]
    [InlineData("::1")]
    [InlineData("example.com, other.example")]
    [InlineData("caf\u00e9.example")]
    public void Host_InvalidSyntax_Rejected(string host)
    {
        ParsedRequest request = Parse("HTTP/1.1", $"Host: {host}\r\n");

        Assert.Equal(RejectReason.InvalidHost, request.Reason);
        Assert.Equal(400, RejectReasons.GetStatusCode(request.Reason));
    }

    [Fact]
    public void Host_InvalidInHttp10_Rejected()
    {
        Assert.Equal(RejectReason.InvalidHost, Parse("HTTP/1.0", "Host: a b\r\n").Reason);
    }

    [Fact]
    public void HostMismatch_Status400()
    {
        Assert.Equal(400, RejectReasons.GetStatusCode(RejectReason.HostMismatch));
    }

    [Fact]
    public void AbsoluteForm_Http10WithoutHost_AuthorityFromTarget()
    {
        ParsedRequest request = RequestHeads.Parse("GET http://example.com/a HTTP/1.0\r\n\r\n");

        Assert.Equal(RejectReason.None, request.Reason);
        Assert.Equal("example.com", request.Authority);
    }

    [Fact]
    public void AbsoluteForm_Http11WithoutHost_Rejected()
    {
        ParsedRequest request = RequestHeads.Parse("GET http://example.com/a HTTP/1.1\r\n\r\n");

        Assert.Equal(RejectReason.MissingHost, request.Reason);
    }
}
