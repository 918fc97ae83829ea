using FastContractorProxy.Http1;

namespace FastContractorProxy.Tests.Http1;

public class FieldLineTests
{
    private static ParsedRequest ParseFields(string fields) =>
        RequestHeads.Parse("GET / HTTP/1.1\r\nHost: example.com\r\n" + fields + "\r\n");

    [Fact]
    public void Value_SurroundingWhitespace_Trimmed()
    {
        ParsedRequest request = ParseFields("X-Note: \t a  b \t \r\n");

        Assert.Equal(RejectReason.None, request.Reason);
        Assert.Equal("a  b", request.FieldValue(1));
    }

    [Fact]
    public void Value_Empty_Accepted()
    {
        ParsedRequest request = ParseFields("X-Empty:\r\nX-Blank:   \r\n");

        Assert.Equal(RejectReason.None, request.Reason);
        Assert.Equal("", request.FieldValue(1));
        Assert.Equal("", request.FieldValue(2));
    }

    [Fact]
    public void Value_ObsText_Accepted()
    {
        ParsedRequest request = ParseFields("X-Name: caf\u00e9\r\n");

        Assert.Equal(RejectReason.None, request.Reason);
        Assert.Equal("caf\u00e9", request.FieldValue(1));
    }

    [Fact]
    public void Name_CaseAndOrder_Preserved()
    {
        ParsedRequest request = ParseFields("x-LOWER: 1\r\nX-Upper: 2\r\n");

        Assert.Equal("x-LOWER", request.FieldName(1));
        Assert.Equal("X-Upper", request.FieldName(2));
        Assert.Equal(3, request.Head.FieldCount);
    }

    [Fact]
    public void Name_SpaceBeforeColon_Rejected()
    {
        ParsedRequest request = ParseFields("Transfer-Encoding : chunked\r\n");

        Assert.Equal(RejectReason.WhitespaceBeforeColon, request.Reason);
        Assert.Equal(400, RejectReasons.GetStatusCode(request.Reason));
    }

    [Fact]
    public void Name_TabBeforeColon_Rejected()
    {
        Assert.Equal(RejectReason.WhitespaceBeforeColon, ParseFields("Content-Length\t: 5\r\n").Reason);
    }

    [Fact]
    public void ObsFold_Rejected()
    {
        ParsedRequest request = ParseFields("X-Note: a\r\n b\r\n");

        Assert.Equal(RejectReason.ObsoleteLineFolding, request.Reason);
        Assert.Equal(400, RejectReasons.GetStatusCode(request.Reason));
    }

    [Fact]
    public void ObsFoldWithTab_Rejected()
    {
        Assert.Equal(RejectReason.ObsoleteLineFolding, ParseFields("X-Note: a\r\n\tb\r\n").Reason);
    }

    [Fact]
    public void WhitespaceAfterRequestLine_Rejected()
    {
        ParsedRequest request = RequestHeads.Parse("GET / HTTP/1.1\r\n Host: example.com\r\n\r\n");

        Assert.Equal(RejectReason.ObsoleteLineFolding, request.Reason);
    }

    [Fact]
    public void ValueOnNextLine_Rejected()
    {
        ParsedRequest request = ParseFields("Content-Length:\r\n58\r\n");

        Assert.Equal(RejectReason.InvalidFieldName, request.Reason);
        Assert.Equal(400, RejectReasons.GetStatusCode(request.Reason));
    }

    [Theory]
    [InlineData("X-Note: a\u0000b\r\n")]
    [InlineData("X-Note: \u0000\r\n")]
    [InlineData("X-Note: a\u0001b\r\n")]
    [InlineData("X-Note: a\u001fb\r\n")]
    [InlineData("X-Note: a\u007fb\r\n")]
    [InlineData("X-Note: a\u000bb\r\n")]
    [InlineData("X-Note: a\u000cb\r\n")]
    public void Value_ControlCharacter_Rejected(string fields)
    {
        ParsedRequest request = ParseFields(fields);

        Assert.Equal(RejectReason.InvalidFieldValue, request.Reason);
        Assert.Equal(400, RejectReasons.GetStatusCode(request.Reason));
    }

    [Theory]
    [InlineData("X-Note: a\rb\r\n")]
    [InlineData("X-Note: a\r\r\n")]
    [InlineData("X-No\rte: a\r\n")]
    public void BareCarriageReturn_Rejected(string fields)
    {
        ParsedRequest request = ParseFields(fields);

        Assert.Equal(RejectReason.BareCarriageReturn, request.Reason);
        Assert.Equal(400, RejectReasons.GetStatusCode(request.Reason));
    }

    [Fact]
    public void BareLineFeed_InFieldLine_Rejected()
    {
        ParsedRequest request = ParseFields("X-Note: a\nX-Other: b\r\n");

        Assert.Equal(RejectReason.BareLineFeed, request.Reason);
        Assert.Equal(400, RejectReasons.GetStatusCode(request.Reason));
    }

    [Fact]
    public void BareLineFeed_EveryLine_Rejected()
    {
        ParsedRequest request = RequestHeads.Parse("GET / HTTP/1.1\nHost: example.com\n\n");

        Assert.Equal(ParseStatus.Done, request.Status);
        Assert.Equal(RejectReason.BareLineFeed, request.Reason);
    }

    [Fact]
    public void BareLineFeed_AsEmptyLine_Rejected()
    {
        ParsedRequest request = RequestHeads.Parse("GET / HTTP/1.1\r\nHost: example.com\r\n\n");

        Assert.Equal(ParseStatus.Done, request.Status);
        Assert.Equal(RejectReason.BareLineFeed, request.Reason);
    }

    [Theory]
    [InlineData(": value\r\n")]
    [InlineData(":\r\n")]
    [InlineData("NoColon\r\n")]
    public void Name_Empty_Rejected(string fields)
    {
        Assert.Equal(RejectReason.InvalidFieldName, ParseFields(fields).Reason);
    }

    [Theory]
    [InlineData("X Note: a\r\n")]
    [InlineData("X(Note): a\r\n")]
    [InlineData("X\"Note\": a\r\n")]
    [InlineData("X/Note: a\r\n")]
    [InlineData("X\u00e9: a\r\n")]
    [InlineData("X\u0000: a\r\n")]
    public void Name_NotToken_Rejected(string fields)
    {
        Assert.Equal(RejectReason.InvalidFieldName, ParseFields(fields).Reason);
    }

    [Fact]
    public void Value_ContainsColon_Accepted()
    {
        ParsedRequest request = ParseFields("X-Time: 12:30:00\r\n");

        Assert.Equal(RejectReason.None, request.Reason);
        Assert.Equal("12:30:00", request.FieldValue(1));
    }

    [Theory]
    [InlineData("host", nameof(FieldKind.Host))]
    [InlineData("CONTENT-LENGTH", nameof(FieldKind.ContentLength))]
    [InlineData("transfer-encoding", nameof(FieldKind.TransferEncoding))]
    [InlineData("Connection", nameof(FieldKind.Connection))]
    [InlineData("Expect", nameof(FieldKind.Expect))]
    [InlineData("Upgrade", nameof(FieldKind.Upgrade))]
    [InlineData("Keep-Alive", nameof(FieldKind.HopByHop))]
    [InlineData("TE", nameof(FieldKind.HopByHop))]
    [InlineData("Trailer", nameof(FieldKind.HopByHop))]
    [InlineData("Proxy-Connection", nameof(FieldKind.HopByHop))]
    [InlineData("HTTP2-Settings", nameof(FieldKind.HopByHop))]
    [InlineData("Proxy-Authorization", nameof(FieldKind.HopByHop))]
    [InlineData("Proxy-Authenticate", nameof(FieldKind.HopByHop))]
    [InlineData("X-Request-Id", nameof(FieldKind.RequestId))]
    [InlineData("Content_Length", nameof(FieldKind.Other))]
    [InlineData("Hosts", nameof(FieldKind.Other))]
    [InlineData("Trailers", nameof(FieldKind.Other))]
    public void Classify_KnownNames(string name, string expectedName)
    {
        FieldKind expected = Enum.Parse<FieldKind>(expectedName);

        Assert.Equal(expected, FieldSectionParser.Classify(TestSequences.Bytes(name)));
    }

    [Theory]
    [InlineData("X-Auth-User", "x_auth_user", true)]
    [InlineData("X_AUTH_USER", "x-auth-user", true)]
    [InlineData("X-Auth-User", "X-Auth-Use", false)]
    [InlineData("X-Auth-User", "X.Auth.User", false)]
    public void NamesMatch_FoldsCaseAndUnderscore(string left, string right, bool expected)
    {
        Assert.Equal(expected, FieldSectionParser.NamesMatch(TestSequences.Bytes(left), TestSequences.Bytes(right)));
    }
}
