using FastContractorProxy.Http1;

namespace FastContractorProxy.Tests.Http1;

public class RequestLineTests
{
    private const string HostLine = "Host: example.com\r\n";

    private static ParsedRequest ParseLine(string requestLine, string fields = HostLine) =>
        RequestHeads.Parse(requestLine + "\r\n" + fields + "\r\n");

    [Theory]
    [InlineData("GET", nameof(KnownMethod.Get))]
    [InlineData("HEAD", nameof(KnownMethod.Head))]
    [InlineData("POST", nameof(KnownMethod.Post))]
    [InlineData("PUT", nameof(KnownMethod.Put))]
    [InlineData("DELETE", nameof(KnownMethod.Delete))]
    [InlineData("OPTIONS", nameof(KnownMethod.Options))]
    [InlineData("PATCH", nameof(KnownMethod.Patch))]
    [InlineData("TRACE", nameof(KnownMethod.Trace))]
    [InlineData("PROPFIND", nameof(KnownMethod.Other))]
    [InlineData("get", nameof(KnownMethod.Other))]
    [InlineData("M-SEARCH", nameof(KnownMethod.Other))]
    [InlineData("X!#$%&'*+-.^_`|~9", nameof(KnownMethod.Other))]
    public void Method_Token_Accepted(string method, string expectedName)
    {
        KnownMethod expected = Enum.Parse<KnownMethod>(expectedName);

        ParsedRequest request = ParseLine($"{method} / HTTP/1.1");

        Assert.Equal(RejectReason.None, request.Reason);
        Assert.Equal(expected, request.Head.Method);
        Assert.Equal(method, request.Method);
    }

    [Theory]
    [InlineData("GE(T / HTTP/1.1")]
    [InlineData("GE\"T / HTTP/1.1")]
    [InlineData("G\u00c9T / HTTP/1.1")]
    [InlineData("GET\t/ HTTP/1.1")]
    [InlineData("GE\u0000T / HTTP/1.1")]
    public void Method_NotToken_Rejected(string requestLine)
    {
        Assert.Equal(RejectReason.InvalidMethod, ParseLine(requestLine).Reason);
    }

    [Fact]
    public void OriginForm_PathAndQuery_Split()
    {
        ParsedRequest request = ParseLine("GET /a/b?x=1&y=/z? HTTP/1.1");

        Assert.Equal(RejectReason.None, request.Reason);
        Assert.Equal(TargetForm.Origin, request.Head.Form);
        Assert.Equal("/a/b", request.Path);
        Assert.Equal("x=1&y=/z?", request.Text(request.Head.Query));
        Assert.Equal("example.com", request.Authority);
    }

    [Fact]
    public void OriginForm_NoQuery_QueryIsNone()
    {
        ParsedRequest request = ParseLine("GET /a HTTP/1.1");

        Assert.True(request.Head.Query.IsNone);
    }

    [Fact]
    public void OriginForm_EmptyQuery_QueryIsEmpty()
    {
        ParsedRequest request = ParseLine("GET /a? HTTP/1.1");

        Assert.False(request.Head.Query.IsNone);
        Assert.Equal(0, request.Head.Query.Length);
    }

    [Fact]
    public void AbsoluteForm_HostFromTarget()
    {
        ParsedRequest request = ParseLine("GET http://example.com/a?q HTTP/1.1");

        Assert.Equal(RejectReason.None, request.Reason);
        Assert.Equal(TargetForm.Absolute, request.Head.Form);
        Assert.Equal("example.com", request.Authority);
        Assert.Equal("/a", request.Path);
        Assert.Equal("q", request.Text(request.Head.Query));
    }

    [Theory]
    [InlineData("GET HTTPS://example.com/ HTTP/1.1", "Host: example.com\r\n")]
    [InlineData("GET http://EXAMPLE.com/ HTTP/1.1", "Host: example.COM\r\n")]
    [InlineData("GET http://example.com:8080/ HTTP/1.1", "Host: example.com:8080\r\n")]
    public void AbsoluteForm_MatchingHost_Accepted(string requestLine, string fields)
    {
        Assert.Equal(RejectReason.None, ParseLine(requestLine, fields).Reason);
    }

    [Fact]
    public void AbsoluteForm_IPv6Literal_Accepted()
    {
        ParsedRequest request = ParseLine("GET http://[::1]:8080/a HTTP/1.1", "Host: [::1]:8080\r\n");

        Assert.Equal(RejectReason.None, request.Reason);
        Assert.Equal("[::1]:8080", request.Authority);
        Assert.Equal("/a", request.Path);
    }

    [Theory]
    [InlineData("GET /a[1] HTTP/1.1")]
    [InlineData("GET http://[::1]/a[1] HTTP/1.1")]
    [InlineData("GET http://[::1]/?a=] HTTP/1.1")]
    [InlineData("GET http://ex[ample.com/ HTTP/1.1")]
    public void Brackets_OutsideIPv6Literal_Rejected(string requestLine)
    {
        Assert.Equal(RejectReason.InvalidRequestTarget, ParseLine(requestLine, "Host: [::1]\r\n").Reason);
    }

    [Theory]
    [InlineData("Host: other.example\r\n")]
    [InlineData("Host: example.com:80\r\n")]
    [InlineData("Host: example.co\r\n")]
    public void AbsoluteForm_DifferentHost_HostMismatch(string fields)
    {
        Assert.Equal(RejectReason.HostMismatch, ParseLine("GET http://example.com/ HTTP/1.1", fields).Reason);
    }

    [Theory]
    [InlineData("GET http://u@example.com/ HTTP/1.1")]
    [InlineData("GET http://user:pass@example.com/ HTTP/1.1")]
    [InlineData("GET http://@example.com/ HTTP/1.1")]
    public void AbsoluteForm_UserInfo_Rejected(string requestLine)
    {
        Assert.Equal(RejectReason.UserInfoInTarget, ParseLine(requestLine).Reason);
    }

    [Theory]
    [InlineData("GET ftp://example.com/ HTTP/1.1")]
    [InlineData("GET ws://example.com/ HTTP/1.1")]
    public void AbsoluteForm_OtherScheme_Rejected(string requestLine)
    {
        Assert.Equal(RejectReason.UnsupportedScheme, ParseLine(requestLine).Reason);
    }

    [Theory]
    [InlineData("GET http://example.com HTTP/1.1")]
    [InlineData("GET http://example.com?a HTTP/1.1")]
    [InlineData("GET http:///a HTTP/1.1")]
    [InlineData("GET http://example.com:99999/ HTTP/1.1")]
    [InlineData("GET http:example.com/ HTTP/1.1")]
    [InlineData("GET ://example.com/ HTTP/1.1")]
    public void AbsoluteForm_Malformed_Rejected(string requestLine)
    {
        Assert.Equal(RejectReason.InvalidRequestTarget, ParseLine(requestLine).Reason);
    }

    [Fact]
    public void Asterisk_WithOptions_Accepted()
    {
        ParsedRequest request = ParseLine("OPTIONS * HTTP/1.1");

        Assert.Equal(RejectReason.None, request.Reason);
        Assert.Equal(TargetForm.Asterisk, request.Head.Form);
        Assert.Equal(0, request.Head.Path.Length);
    }

    [Theory]
    [InlineData("GET * HTTP/1.1")]
    [InlineData("POST * HTTP/1.1")]
    [InlineData("options * HTTP/1.1")]
    public void Asterisk_OtherMethod_Rejected(string requestLine)
    {
        Assert.Equal(RejectReason.AsteriskFormNotOptions, ParseLine(requestLine).Reason);
    }

    [Theory]
    [InlineData("CONNECT example.com:443 HTTP/1.1")]
    [InlineData("CONNECT / HTTP/1.1")]
    public void Connect_Rejected(string requestLine)
    {
        Assert.Equal(RejectReason.ConnectNotSupported, ParseLine(requestLine).Reason);
    }

    [Theory]
    [InlineData("GET admin/users HTTP/1.1")]
    [InlineData("GET ?a=1 HTTP/1.1")]
    [InlineData("GET example.com:80 HTTP/1.1")]
    public void Target_NoLeadingSlash_Rejected(string requestLine)
    {
        Assert.Equal(RejectReason.InvalidRequestTarget, ParseLine(requestLine).Reason);
    }

    [Theory]
    [InlineData("HTTP/1.1", nameof(HttpVersion.Http11))]
    [InlineData("HTTP/1.0", nameof(HttpVersion.Http10))]
    public void Version_1x_Accepted(string version, string expectedName)
    {
        HttpVersion expected = Enum.Parse<HttpVersion>(expectedName);

        ParsedRequest request = ParseLine($"GET / {version}");

        Assert.Equal(RejectReason.None, request.Reason);
        Assert.Equal(expected, request.Head.Version);
    }

    [Theory]
    [InlineData("HTTP/2.0")]
    [InlineData("HTTP/1.2")]
    [InlineData("HTTP/0.9")]
    [InlineData("HTTP/3.0")]
    public void Version_WellFormedOther_Unsupported(string version)
    {
        ParsedRequest request = ParseLine($"GET / {version}");

        Assert.Equal(RejectReason.UnsupportedHttpVersion, request.Reason);
        Assert.Equal(505, RejectReasons.GetStatusCode(request.Reason));
    }

    [Theory]
    [InlineData("HTTP/1")]
    [InlineData("http/1.1")]
    [InlineData("HTTP/1.1.1")]
    [InlineData("HTTP/11")]
    [InlineData("HTTP/a.b")]
    [InlineData("HTTPS/1.1")]
    [InlineData("HTTP/1.10")]
    [InlineData("")]
    public void Version_Garbage_InvalidRequestLine(string version)
    {
        ParsedRequest request = ParseLine($"GET / {version}");

        Assert.Equal(RejectReason.InvalidRequestLine, request.Reason);
        Assert.Equal(400, RejectReasons.GetStatusCode(request.Reason));
    }

    [Theory]
    [InlineData("GET  / HTTP/1.1")]
    [InlineData("GET /  HTTP/1.1")]
    [InlineData(" GET / HTTP/1.1")]
    [InlineData("GET / HTTP/1.1 ")]
    [InlineData("GET /")]
    [InlineData("GET")]
    [InlineData("GET /a b HTTP/1.1")]
    public void Spacing_NotSingleSpaces_Rejected(string requestLine)
    {
        Assert.Equal(RejectReason.InvalidRequestLine, ParseLine(requestLine).Reason);
    }

    [Fact]
    public void Target_RawBackslash_Rejected()
    {
        Assert.Equal(RejectReason.BackslashInPath, ParseLine("GET /admin\\users HTTP/1.1").Reason);
    }

    [Theory]
    [InlineData("GET /a#frag HTTP/1.1")]
    [InlineData("GET /caf\u00e9 HTTP/1.1")]
    [InlineData("GET /a\u0000b HTTP/1.1")]
    [InlineData("GET /a\u007fb HTTP/1.1")]
    [InlineData("GET /a\tb HTTP/1.1")]
    [InlineData("GET /a\"b HTTP/1.1")]
    [InlineData("GET /a<b> HTTP/1.1")]
    [InlineData("GET /a{b} HTTP/1.1")]
    [InlineData("GET /a|b HTTP/1.1")]
    [InlineData("GET /a^b HTTP/1.1")]
    [InlineData("GET /a`b HTTP/1.1")]
    public void Target_InvalidCharacter_Rejected(string requestLine)
    {
        Assert.Equal(RejectReason.InvalidRequestTarget, ParseLine(requestLine).Reason);
    }

    [Fact]
    public void Target_AllAllowedCharacters_Accepted()
    {
        ParsedRequest request = ParseLine("GET /AZaz09-._~!$&'()*+,;=:@%41/?q=/?%20 HTTP/1.1");

        Assert.Equal(RejectReason.None, request.Reason);
        Assert.Equal("/AZaz09-._~!$&'()*+,;=:@%41/", request.Path);
    }

    [Fact]
    public void RequestLine_BareLineFeed_Rejected()
    {
        ParsedRequest request = RequestHeads.Parse("GET / HTTP/1.1\nHost: example.com\r\n\r\n");

        Assert.Equal(RejectReason.BareLineFeed, request.Reason);
    }

    [Fact]
    public void RequestLine_BareCarriageReturn_Rejected()
    {
        ParsedRequest request = RequestHeads.Parse("GET /\r HTTP/1.1\r\nHost: example.com\r\n\r\n");

        Assert.Equal(RejectReason.InvalidRequestTarget, request.Reason);
    }

    [Fact]
    public void RequestLine_AtLimit_Accepted()
    {
        string line = "GET /" + new string('a', 100 - "GET / HTTP/1.1".Length) + " HTTP/1.1";
        Assert.Equal(100, line.Length);

        ParsedRequest request = RequestHeads.Parse(line + "\r\n" + HostLine + "\r\n", maxStartLineBytes: 100);

        Assert.Equal(ParseStatus.Done, request.Status);
        Assert.Equal(RejectReason.None, request.Reason);
    }

    [Fact]
    public void RequestLine_OverLimit_414()
    {
        string line = "GET /" + new string('a', 101 - "GET / HTTP/1.1".Length) + " HTTP/1.1";

        ParsedRequest request = RequestHeads.Parse(line + "\r\n" + HostLine + "\r\n", maxStartLineBytes: 100);

        Assert.Equal(ParseStatus.Invalid, request.Status);
        Assert.Equal(RejectReason.RequestLineTooLong, request.Reason);
        Assert.Equal(414, RejectReasons.GetStatusCode(request.Reason));
    }

    [Fact]
    public void RequestLine_OverLimitWithoutLineEnd_414()
    {
        ParsedRequest request = RequestHeads.Parse("GET /" + new string('a', 200), maxStartLineBytes: 100);

        Assert.Equal(ParseStatus.Invalid, request.Status);
        Assert.Equal(RejectReason.RequestLineTooLong, request.Reason);
    }

    [Fact]
    public void HeaderSection_OverLimit_431()
    {
        string head = "GET / HTTP/1.1\r\n" + HostLine + "X-Big: " + new string('b', 300) + "\r\n\r\n";

        ParsedRequest request = RequestHeads.Parse(head, maxSectionBytes: 256);

        Assert.Equal(ParseStatus.Invalid, request.Status);
        Assert.Equal(RejectReason.HeaderSectionTooLarge, request.Reason);
        Assert.Equal(431, RejectReasons.GetStatusCode(request.Reason));
    }

    [Fact]
    public void Fields_OverCount_431()
    {
        string fields = HostLine + string.Concat(Enumerable.Range(0, 10).Select(i => $"X-F{i}: v\r\n"));

        ParsedRequest request = RequestHeads.Parse("GET / HTTP/1.1\r\n" + fields + "\r\n", maxFields: 10);

        Assert.Equal(RejectReason.TooManyFields, request.Reason);
        Assert.Equal(431, RejectReasons.GetStatusCode(request.Reason));
    }

    [Fact]
    public void Fields_AtCount_Accepted()
    {
        string fields = HostLine + string.Concat(Enumerable.Range(0, 9).Select(i => $"X-F{i}: v\r\n"));

        ParsedRequest request = RequestHeads.Parse("GET / HTTP/1.1\r\n" + fields + "\r\n", maxFields: 10);

        Assert.Equal(RejectReason.None, request.Reason);
        Assert.Equal(10, request.Head.FieldCount);
    }
}
