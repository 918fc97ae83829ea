using FastContractorProxy.Http2;
using static FastContractorProxy.Tests.Http2.Http2TestData;

namespace FastContractorProxy.Tests.Http2;

public class RequestFieldValidatorTests
{
    private static readonly (string, string)[] s_pseudo =
    [
        (":method", "GET"),
        (":scheme", "https"),
        (":path", "/api/items?page=2"),
        (":authority", "api.example.com"),
    ];

    /// <summary>Each case: the fields after the four valid pseudo-header fields, and the expected reason.</summary>
    public static TheoryData<string, string[], string> RegularFieldCases => new()
    {
        { "valid fields", ["accept", "*/*", "user-agent", "test/1.0", "x-empty", ""], nameof(Http2RequestRejectReason.None) },
        { "obs-text value", ["x-latin", "caf\u00e9"], nameof(Http2RequestRejectReason.None) },
        { "inner whitespace", ["x-a", "a \t b"], nameof(Http2RequestRejectReason.None) },
        { "te trailers", ["te", "trailers"], nameof(Http2RequestRejectReason.None) },
        { "te trailers uppercase", ["te", "Trailers"], nameof(Http2RequestRejectReason.None) },
        { "empty name", ["", "x"], nameof(Http2RequestRejectReason.EmptyFieldName) },
        { "uppercase name", ["Accept", "*/*"], nameof(Http2RequestRejectReason.UppercaseFieldName) },
        { "uppercase inside name", ["x-Request-id", "1"], nameof(Http2RequestRejectReason.UppercaseFieldName) },
        { "space in name", ["x a", "1"], nameof(Http2RequestRejectReason.InvalidFieldName) },
        { "colon in name", ["x:a", "1"], nameof(Http2RequestRejectReason.InvalidFieldName) },
        { "non-ASCII name", ["x-\u00e9", "1"], nameof(Http2RequestRejectReason.InvalidFieldName) },
        { "NUL in value", ["x-a", "a\0b"], nameof(Http2RequestRejectReason.InvalidFieldValue) },
        { "CR in value", ["x-a", "a\rb"], nameof(Http2RequestRejectReason.InvalidFieldValue) },
        { "LF in value", ["x-a", "a\nb"], nameof(Http2RequestRejectReason.InvalidFieldValue) },
        { "CRLF injection", ["x-a", "a\r\nx-b: c"], nameof(Http2RequestRejectReason.InvalidFieldValue) },
        { "other control byte", ["x-a", "a\u0001b"], nameof(Http2RequestRejectReason.InvalidFieldValue) },
        { "DEL in value", ["x-a", "a\u007fb"], nameof(Http2RequestRejectReason.InvalidFieldValue) },
        { "leading space", ["x-a", " a"], nameof(Http2RequestRejectReason.FieldValueSurroundingWhitespace) },
        { "trailing space", ["x-a", "a "], nameof(Http2RequestRejectReason.FieldValueSurroundingWhitespace) },
        { "leading tab", ["x-a", "\ta"], nameof(Http2RequestRejectReason.FieldValueSurroundingWhitespace) },
        { "trailing tab", ["x-a", "a\t"], nameof(Http2RequestRejectReason.FieldValueSurroundingWhitespace) },
        { "space only", ["x-a", " "], nameof(Http2RequestRejectReason.FieldValueSurroundingWhitespace) },
        { "connection", ["connection", "close"], nameof(Http2RequestRejectReason.ConnectionSpecificField) },
        { "keep-alive", ["keep-alive", "timeout=5"], nameof(Http2RequestRejectReason.ConnectionSpecificField) },
        { "proxy-connection", ["proxy-connection", "keep-alive"], nameof(Http2RequestRejectReason.ConnectionSpecificField) },
        { "transfer-encoding", ["transfer-encoding", "chunked"], nameof(Http2RequestRejectReason.ConnectionSpecificField) },
        { "upgrade", ["upgrade", "websocket"], nameof(Http2RequestRejectReason.ConnectionSpecificField) },
        { "te gzip", ["te", "gzip"], nameof(Http2RequestRejectReason.InvalidTeValue) },
        { "te trailers and more", ["te", "trailers, deflate"], nameof(Http2RequestRejectReason.InvalidTeValue) },
        { "te empty", ["te", ""], nameof(Http2RequestRejectReason.InvalidTeValue) },
        { "pseudo after regular", ["accept", "*/*", ":method", "GET"], nameof(Http2RequestRejectReason.PseudoHeaderAfterRegularField) },
        { "content-length", ["content-length", "42"], nameof(Http2RequestRejectReason.None) },
        { "content-length zero", ["content-length", "0"], nameof(Http2RequestRejectReason.None) },
        { "content-length 18 digits", ["content-length", "999999999999999999"], nameof(Http2RequestRejectReason.None) },
        { "content-length 19 digits", ["content-length", "1000000000000000000"], nameof(Http2RequestRejectReason.InvalidContentLength) },
        { "content-length empty", ["content-length", ""], nameof(Http2RequestRejectReason.InvalidContentLength) },
        { "content-length sign", ["content-length", "+1"], nameof(Http2RequestRejectReason.InvalidContentLength) },
        { "content-length negative", ["content-length", "-1"], nameof(Http2RequestRejectReason.InvalidContentLength) },
        { "content-length list", ["content-length", "1,1"], nameof(Http2RequestRejectReason.InvalidContentLength) },
        { "content-length hex", ["content-length", "0x10"], nameof(Http2RequestRejectReason.InvalidContentLength) },
        { "content-length twice", ["content-length", "1", "content-length", "1"], nameof(Http2RequestRejectReason.DuplicateContentLength) },
        { "host matches", ["host", "API.example.com"], nameof(Http2RequestRejectReason.None) },
        { "host differs", ["host", "other.example.com"], nameof(Http2RequestRejectReason.HostMismatch) },
        { "host invalid", ["host", "a b"], nameof(Http2RequestRejectReason.InvalidHost) },
        { "host twice", ["host", "api.example.com", "host", "api.example.com"], nameof(Http2RequestRejectReason.InvalidHost) },
    };

    [Theory]
    [MemberData(nameof(RegularFieldCases))]
    public void RegularFields_Checked(string description, string[] namesAndValues, string expected)
    {
        HeaderFieldList fields = FieldList([.. s_pseudo, .. Pairs(namesAndValues)]);

        Http2RequestRejectReason reason = RequestFieldValidator.Validate(fields, new Http2RequestHead());

        Assert.Equal($"{description}: {expected}", $"{description}: {reason}");
    }

    /// <summary>Each case: the whole field list as name, value pairs, and the expected reason.</summary>
    public static TheoryData<string, string[], string> PseudoHeaderCases => new()
    {
        { "minimal", [":method", "GET", ":scheme", "https", ":path", "/", ":authority", "a.example"], nameof(Http2RequestRejectReason.None) },
        { "any order", [":path", "/", ":authority", "a.example", ":scheme", "http", ":method", "POST"], nameof(Http2RequestRejectReason.None) },
        { "host instead of authority", [":method", "GET", ":scheme", "https", ":path", "/", "host", "a.example"], nameof(Http2RequestRejectReason.None) },
        { "OPTIONS asterisk", [":method", "OPTIONS", ":scheme", "https", ":path", "*", ":authority", "a.example"], nameof(Http2RequestRejectReason.None) },
        { "missing method", [":scheme", "https", ":path", "/", ":authority", "a.example"], nameof(Http2RequestRejectReason.MissingMethod) },
        { "missing scheme", [":method", "GET", ":path", "/", ":authority", "a.example"], nameof(Http2RequestRejectReason.MissingScheme) },
        { "missing path", [":method", "GET", ":scheme", "https", ":authority", "a.example"], nameof(Http2RequestRejectReason.MissingPath) },
        { "missing authority and host", [":method", "GET", ":scheme", "https", ":path", "/"], nameof(Http2RequestRejectReason.MissingAuthority) },
        { "duplicate method", [":method", "GET", ":method", "GET", ":scheme", "https", ":path", "/", ":authority", "a.example"], nameof(Http2RequestRejectReason.DuplicatePseudoHeader) },
        { "duplicate scheme", [":method", "GET", ":scheme", "https", ":scheme", "https", ":path", "/", ":authority", "a.example"], nameof(Http2RequestRejectReason.DuplicatePseudoHeader) },
        { "duplicate path", [":method", "GET", ":scheme", "https", ":path", "/", ":path", "/", ":authority", "a.example"], nameof(Http2RequestRejectReason.DuplicatePseudoHeader) },
        { "duplicate authority", [":method", "GET", ":scheme", "https", ":path", "/", ":authority", "a.example", ":authority", "a.example"], nameof(Http2RequestRejectReason.DuplicatePseudoHeader) },
        { "status in request", [":method", "GET", ":scheme", "https", ":path", "/", ":authority", "a.example", ":status", "200"], nameof(Http2RequestRejectReason.UnknownPseudoHeader) },
        { "protocol", [":method", "GET", ":scheme", "https", ":path", "/", ":authority", "a.example", ":protocol", "websocket"], nameof(Http2RequestRejectReason.UnknownPseudoHeader) },
        { "uppercase pseudo", [":Method", "GET", ":scheme", "https", ":path", "/", ":authority", "a.example"], nameof(Http2RequestRejectReason.UnknownPseudoHeader) },
        { "bare colon", [":", "x", ":method", "GET", ":scheme", "https", ":path", "/", ":authority", "a.example"], nameof(Http2RequestRejectReason.UnknownPseudoHeader) },
        { "CONNECT", [":method", "CONNECT", ":authority", "a.example:443"], nameof(Http2RequestRejectReason.ConnectNotSupported) },
        { "method with space", [":method", "GE T", ":scheme", "https", ":path", "/", ":authority", "a.example"], nameof(Http2RequestRejectReason.InvalidMethod) },
        { "empty method", [":method", "", ":scheme", "https", ":path", "/", ":authority", "a.example"], nameof(Http2RequestRejectReason.InvalidMethod) },
        { "method with LF", [":method", "GET\n", ":scheme", "https", ":path", "/", ":authority", "a.example"], nameof(Http2RequestRejectReason.InvalidFieldValue) },
        { "empty scheme", [":method", "GET", ":scheme", "", ":path", "/", ":authority", "a.example"], nameof(Http2RequestRejectReason.InvalidScheme) },
        { "scheme starting with digit", [":method", "GET", ":scheme", "1http", ":path", "/", ":authority", "a.example"], nameof(Http2RequestRejectReason.InvalidScheme) },
        { "scheme with colon", [":method", "GET", ":scheme", "https:", ":path", "/", ":authority", "a.example"], nameof(Http2RequestRejectReason.InvalidScheme) },
        { "empty path", [":method", "GET", ":scheme", "https", ":path", "", ":authority", "a.example"], nameof(Http2RequestRejectReason.EmptyPath) },
        { "relative path", [":method", "GET", ":scheme", "https", ":path", "api", ":authority", "a.example"], nameof(Http2RequestRejectReason.InvalidPath) },
        { "absolute URI path", [":method", "GET", ":scheme", "https", ":path", "https://a.example/", ":authority", "a.example"], nameof(Http2RequestRejectReason.InvalidPath) },
        { "path with fragment", [":method", "GET", ":scheme", "https", ":path", "/a#b", ":authority", "a.example"], nameof(Http2RequestRejectReason.InvalidPath) },
        { "path with space", [":method", "GET", ":scheme", "https", ":path", "/a b", ":authority", "a.example"], nameof(Http2RequestRejectReason.InvalidPath) },
        { "path with backslash", [":method", "GET", ":scheme", "https", ":path", "/a\\b", ":authority", "a.example"], nameof(Http2RequestRejectReason.InvalidPath) },
        { "asterisk with GET", [":method", "GET", ":scheme", "https", ":path", "*", ":authority", "a.example"], nameof(Http2RequestRejectReason.AsteriskPathNotOptions) },
        { "asterisk prefix", [":method", "OPTIONS", ":scheme", "https", ":path", "*x", ":authority", "a.example"], nameof(Http2RequestRejectReason.InvalidPath) },
    };

    [Theory]
    [MemberData(nameof(PseudoHeaderCases))]
    public void PseudoHeaders_Checked(string description, string[] namesAndValues, string expected)
    {
        HeaderFieldList fields = FieldList(Pairs(namesAndValues));

        Http2RequestRejectReason reason = RequestFieldValidator.Validate(fields, new Http2RequestHead());

        Assert.Equal($"{description}: {expected}", $"{description}: {reason}");
    }

    [Theory]
    [InlineData("a.example", nameof(Http2RequestRejectReason.None))]
    [InlineData("a.example:8443", nameof(Http2RequestRejectReason.None))]
    [InlineData("a.example:65535", nameof(Http2RequestRejectReason.None))]
    [InlineData("127.0.0.1:80", nameof(Http2RequestRejectReason.None))]
    [InlineData("[::1]", nameof(Http2RequestRejectReason.None))]
    [InlineData("[2001:db8::1]:443", nameof(Http2RequestRejectReason.None))]
    [InlineData("user@a.example", nameof(Http2RequestRejectReason.AuthorityWithUserinfo))]
    [InlineData("user:pass@a.example:443", nameof(Http2RequestRejectReason.AuthorityWithUserinfo))]
    [InlineData("@a.example", nameof(Http2RequestRejectReason.AuthorityWithUserinfo))]
    [InlineData("", nameof(Http2RequestRejectReason.InvalidAuthority))]
    [InlineData(":443", nameof(Http2RequestRejectReason.InvalidAuthority))]
    [InlineData("a.example:", nameof(Http2RequestRejectReason.InvalidAuthority))]
    [InlineData("a.example:65536", nameof(Http2RequestRejectReason.InvalidAuthority))]
    [InlineData("a.example:123456", nameof(Http2RequestRejectReason.InvalidAuthority))]
    [InlineData("a.example:8x", nameof(Http2RequestRejectReason.InvalidAuthority))]
    [InlineData("a.example:80:81", nameof(Http2RequestRejectReason.InvalidAuthority))]
    [InlineData("a.example/path", nameof(Http2RequestRejectReason.InvalidAuthority))]
    [InlineData("a%2eexample", nameof(Http2RequestRejectReason.InvalidAuthority))]
    [InlineData("a example", nameof(Http2RequestRejectReason.InvalidAuthority))]
    [InlineData("[]", nameof(Http2RequestRejectReason.InvalidAuthority))]
    [InlineData("[::1", nameof(Http2RequestRejectReason.InvalidAuthority))]
    [InlineData("[::g]", nameof(Http2RequestRejectReason.InvalidAuthority))]
    [InlineData("[::1]x", nameof(Http2RequestRejectReason.InvalidAuthority))]
    public void Authority_Checked(string authority, string expected)
    {
        HeaderFieldList fields = FieldList((":method", "GET"), (":scheme", "https"), (":path", "/"), (":authority", authority));

        Http2RequestRejectReason reason = RequestFieldValidator.Validate(fields, new Http2RequestHead());

        Assert.Equal(expected, reason.ToString());
    }

    [Fact]
    public void ValidRequest_HeadFilled()
    {
        HeaderFieldList fields = FieldList([.. s_pseudo, ("content-length", "42"), ("accept", "*/*"), ("host", "api.example.com")]);
        var head = new Http2RequestHead();

        Http2RequestRejectReason reason = RequestFieldValidator.Validate(fields, head);

        Assert.Equal(Http2RequestRejectReason.None, reason);
        Assert.Equal("GET", Text(head.Method));
        Assert.Equal("https", Text(head.Scheme));
        Assert.Equal("/api/items?page=2", Text(head.Path));
        Assert.Equal("api.example.com", Text(head.Authority));
        Assert.True(head.HasHost);
        Assert.Equal(42, head.ContentLength);
        Assert.Equal(4, head.FirstRegularFieldIndex);
        Assert.Same(fields, head.Fields);
        Assert.Equal(0, head.CookieFieldCount);
        Assert.True(head.Cookie.IsEmpty);
    }

    [Fact]
    public void NoContentLength_MinusOne()
    {
        var head = new Http2RequestHead();

        RequestFieldValidator.Validate(FieldList(s_pseudo), head);

        Assert.Equal(-1, head.ContentLength);
        Assert.Equal(4, head.FirstRegularFieldIndex);
        Assert.False(head.HasHost);
    }

    [Fact]
    public void Cookies_Split_JoinedWithSemicolon()
    {
        HeaderFieldList fields = FieldList([.. s_pseudo, ("cookie", "a=b"), ("accept", "*/*"), ("cookie", "c=d"), ("cookie", "e=f")]);
        var head = new Http2RequestHead();

        Http2RequestRejectReason reason = RequestFieldValidator.Validate(fields, head);

        Assert.Equal(Http2RequestRejectReason.None, reason);
        Assert.Equal(3, head.CookieFieldCount);
        Assert.Equal("a=b; c=d; e=f", Text(head.Cookie));
    }

    [Fact]
    public void Cookies_Single_Unchanged()
    {
        HeaderFieldList fields = FieldList([.. s_pseudo, ("cookie", "a=b; c=d")]);
        var head = new Http2RequestHead();

        RequestFieldValidator.Validate(fields, head);

        Assert.Equal("a=b; c=d", Text(head.Cookie));
    }

    [Fact]
    public void Head_Reused_StateReset()
    {
        var head = new Http2RequestHead();
        RequestFieldValidator.Validate(FieldList([.. s_pseudo, ("cookie", new string('c', 1000)), ("content-length", "5")]), head);

        Http2RequestRejectReason reason = RequestFieldValidator.Validate(FieldList((":method", "POST"), (":scheme", "http"), (":path", "/x"), ("host", "h")), head);

        Assert.Equal(Http2RequestRejectReason.None, reason);
        Assert.Equal("POST", Text(head.Method));
        Assert.False(head.HasAuthority);
        Assert.True(head.Authority.IsEmpty);
        Assert.Equal("h", Text(head.Host));
        Assert.Equal(-1, head.ContentLength);
        Assert.True(head.Cookie.IsEmpty);
    }

    [Theory]
    [InlineData("x-checksum", "abc", nameof(Http2RequestRejectReason.None))]
    [InlineData(":path", "/", nameof(Http2RequestRejectReason.PseudoHeaderInTrailers))]
    [InlineData("X-Checksum", "abc", nameof(Http2RequestRejectReason.UppercaseFieldName))]
    [InlineData("x-checksum", "a\r\nb", nameof(Http2RequestRejectReason.InvalidFieldValue))]
    [InlineData("transfer-encoding", "chunked", nameof(Http2RequestRejectReason.ConnectionSpecificField))]
    public void Trailers_Checked(string name, string value, string expected)
    {
        Http2RequestRejectReason reason = RequestFieldValidator.ValidateTrailers(FieldList((name, value)));

        Assert.Equal(expected, reason.ToString());
    }

    [Fact]
    public void DecodedRequest_Validated()
    {
        // RFC 7541 Appendix C.4.3 decoded, then validated.
        var decoder = new HpackDecoder(maxHeaderListSize: 16384);
        var fields = new HeaderFieldList();
        decoder.Decode(Hex("8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff"), fields);

        var head = new Http2RequestHead();
        Http2RequestRejectReason reason = RequestFieldValidator.Validate(fields, head);

        Assert.Equal(Http2RequestRejectReason.None, reason);
        Assert.Equal("www.example.com", Text(head.Authority));
    }

    private static (string, string)[] Pairs(string[] namesAndValues)
    {
        var pairs = new (string, string)[namesAndValues.Length / 2];
        for (int i = 0; i < pairs.Length; i++)
        {
            pairs[i] = (namesAndValues[2 * i], namesAndValues[(2 * i) + 1]);
        }

        return pairs;
    }
}
