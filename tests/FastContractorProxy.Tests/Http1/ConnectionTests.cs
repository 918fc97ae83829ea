using FastContractorProxy.Http1;

namespace FastContractorProxy.Tests.Http1;

/// <summary>Connection options, hop-by-hop fields, persistence, Expect and WebSocket upgrades in request heads.</summary>
public class ConnectionTests
{
    private static ParsedRequest Parse(string fields, string method = "GET", string version = "HTTP/1.1") =>
        RequestHeads.Parse($"{method} / {version}\r\nHost: example.com\r\n{fields}\r\n");

    [Fact]
    public void ConnectionOptions_NamedFields_Dropped()
    {
        ParsedRequest request = Parse(
            "Connection: keep-alive, X-Auth-User, X-Forwarded-For\r\n" +
            "X-Auth-User: admin\r\n" +
            "X-Forwarded-For: 10.0.0.1\r\n" +
            "X-Kept: yes\r\n");

        Assert.Equal(RejectReason.None, request.Reason);
        Assert.True(request.IsDropped("X-Auth-User"));
        Assert.True(request.IsDropped("X-Forwarded-For"));
        Assert.True(request.IsDropped("Connection"));
        Assert.False(request.IsDropped("X-Kept"));
    }

    [Fact]
    public void ConnectionOptions_FieldsBeforeConnection_Dropped()
    {
        ParsedRequest request = Parse("X-Auth-User: admin\r\nConnection: x-auth-user\r\n");

        Assert.True(request.IsDropped("X-Auth-User"));
    }

    [Theory]
    [InlineData("Connection: X-AUTH-USER\r\nX-Auth-User: admin\r\n")]
    [InlineData("Connection: x_auth_user\r\nX-Auth-User: admin\r\n")]
    [InlineData("Connection: X-Auth-User\r\nX_Auth_User: admin\r\n")]
    [InlineData("Connection: close\r\nConnection: X-Auth-User\r\nX-Auth-User: admin\r\n")]
    [InlineData("Connection: ,\t X-Auth-User ,\r\nX-Auth-User: admin\r\n")]
    public void ConnectionOptions_NameVariants_Dropped(string fields)
    {
        ParsedRequest request = Parse(fields);

        Assert.Equal(RejectReason.None, request.Reason);
        Assert.True(request.Head.Fields[request.Head.FieldCount - 1].Dropped);
    }

    [Fact]
    public void ConnectionOptions_EveryFieldOfThatName_Dropped()
    {
        ParsedRequest request = Parse("Connection: X-Auth-User\r\nX-Auth-User: a\r\nX_Auth_User: b\r\n");

        Assert.True(request.Head.Fields[2].Dropped);
        Assert.True(request.Head.Fields[3].Dropped);
    }

    [Fact]
    public void ConnectionOptions_NotToken_Rejected()
    {
        ParsedRequest request = Parse("Connection: close, \"x\"\r\n");

        Assert.Equal(RejectReason.InvalidFieldValue, request.Reason);
    }

    [Theory]
    [InlineData("Keep-Alive: timeout=5\r\n", "Keep-Alive")]
    [InlineData("TE: trailers\r\n", "TE")]
    [InlineData("Trailer: X-Checksum\r\n", "Trailer")]
    [InlineData("Proxy-Connection: keep-alive\r\n", "Proxy-Connection")]
    [InlineData("HTTP2-Settings: AAMAAABkAAQAAP__\r\n", "HTTP2-Settings")]
    [InlineData("Proxy-Authorization: Basic eDp5\r\n", "Proxy-Authorization")]
    [InlineData("Upgrade: h2c\r\n", "Upgrade")]
    [InlineData("Connection: close\r\n", "Connection")]
    public void HopByHop_Dropped(string fields, string name)
    {
        ParsedRequest request = Parse(fields);

        Assert.Equal(RejectReason.None, request.Reason);
        Assert.True(request.IsDropped(name));
    }

    [Fact]
    public void EndToEndField_Kept()
    {
        ParsedRequest request = Parse("Accept: */*\r\nAuthorization: Bearer t\r\n");

        Assert.False(request.IsDropped("Accept"));
        Assert.False(request.IsDropped("Authorization"));
    }

    [Theory]
    [InlineData("HTTP/1.1", "", true)]
    [InlineData("HTTP/1.1", "Connection: keep-alive\r\n", true)]
    [InlineData("HTTP/1.1", "Connection: close\r\n", false)]
    [InlineData("HTTP/1.1", "Connection: CLOSE\r\n", false)]
    [InlineData("HTTP/1.1", "Connection: keep-alive, close\r\n", false)]
    [InlineData("HTTP/1.1", "Connection: close\r\nConnection: keep-alive\r\n", false)]
    [InlineData("HTTP/1.0", "", false)]
    [InlineData("HTTP/1.0", "Connection: keep-alive\r\n", true)]
    [InlineData("HTTP/1.0", "Connection: Keep-Alive\r\n", true)]
    [InlineData("HTTP/1.0", "Connection: close, keep-alive\r\n", false)]
    [InlineData("HTTP/1.0", "Connection: keep-alive\r\nConnection: close\r\n", false)]
    [InlineData("HTTP/1.0", "Keep-Alive: timeout=5\r\n", false)]
    public void KeepAlive_Defaults(string version, string fields, bool expected)
    {
        ParsedRequest request = Parse(fields, version: version);

        Assert.Equal(RejectReason.None, request.Reason);
        Assert.Equal(expected, request.Head.KeepAlive);
    }

    [Theory]
    [InlineData("Expect: 100-continue\r\n")]
    [InlineData("Expect: 100-Continue\r\n")]
    [InlineData("Expect:  100-continue \r\n")]
    public void Expect_100Continue_SetsFlag(string fields)
    {
        ParsedRequest request = Parse(fields, "POST");

        Assert.Equal(RejectReason.None, request.Reason);
        Assert.True(request.Head.Expect100Continue);
        Assert.True(request.IsDropped("Expect"));
    }

    [Fact]
    public void Expect_Absent_FlagClear()
    {
        Assert.False(Parse("", "POST").Head.Expect100Continue);
    }

    // RFC 9110 section 10.1.1: a server that receives 100-continue in an HTTP/1.0 request ignores it, and
    // section 15.2: a server never sends a 1xx response to an HTTP/1.0 client.
    [Fact]
    public void Expect_100ContinueInHttp10_Ignored()
    {
        ParsedRequest request = Parse("Expect: 100-continue\r\n", "POST", "HTTP/1.0");

        Assert.Equal(RejectReason.None, request.Reason);
        Assert.False(request.Head.Expect100Continue);
    }

    [Theory]
    [InlineData("Expect: 200-ok\r\n")]
    [InlineData("Expect: 100-continue, foo\r\n")]
    [InlineData("Expect: 100-continuex\r\n")]
    [InlineData("Expect:\r\n")]
    public void Expect_Other_417(string fields)
    {
        ParsedRequest request = Parse(fields, "POST");

        Assert.Equal(RejectReason.UnsupportedExpectation, request.Reason);
        Assert.Equal(417, RejectReasons.GetStatusCode(request.Reason));
    }

    [Theory]
    [InlineData("Connection: Upgrade\r\nUpgrade: websocket\r\n")]
    [InlineData("Connection: keep-alive, upgrade\r\nUpgrade: WebSocket\r\n")]
    [InlineData("Upgrade: websocket\r\nConnection: upgrade\r\n")]
    public void WebSocket_WithConnectionUpgrade_Detected(string fields)
    {
        ParsedRequest request = Parse(fields);

        Assert.Equal(RejectReason.None, request.Reason);
        Assert.True(request.Head.WebSocketUpgrade);

        // The client's fields are never forwarded, because the request writer emits its own Connection and Upgrade.
        Assert.True(request.IsDropped("Upgrade"));
        Assert.True(request.IsDropped("Connection"));
    }

    [Theory]
    [InlineData("GET", "HTTP/1.1", "Upgrade: websocket\r\n")]
    [InlineData("GET", "HTTP/1.1", "Connection: keep-alive\r\nUpgrade: websocket\r\n")]
    [InlineData("GET", "HTTP/1.1", "Connection: upgrade\r\n")]
    [InlineData("GET", "HTTP/1.1", "Connection: upgrade\r\nUpgrade: h2c\r\n")]
    [InlineData("GET", "HTTP/1.1", "Connection: upgrade\r\nUpgrade: websocket, h2c\r\n")]
    [InlineData("GET", "HTTP/1.1", "Connection: upgrade\r\nUpgrade: websocket\r\nUpgrade: websocket\r\n")]
    [InlineData("GET", "HTTP/1.1", "Connection: upgrade\r\nUpgrade: h2c\r\nUpgrade: foo\r\nUpgrade: websocket\r\n")]
    [InlineData("GET", "HTTP/1.0", "Connection: upgrade\r\nUpgrade: websocket\r\n")]
    [InlineData("POST", "HTTP/1.1", "Connection: upgrade\r\nUpgrade: websocket\r\n")]
    [InlineData("get", "HTTP/1.1", "Connection: upgrade\r\nUpgrade: websocket\r\n")]
    public void WebSocket_NotAllConditions_NotDetected(string method, string version, string fields)
    {
        ParsedRequest request = Parse(fields, method, version);

        Assert.Equal(RejectReason.None, request.Reason);
        Assert.False(request.Head.WebSocketUpgrade);
    }

    [Fact]
    public void RequestId_Valid_Indexed()
    {
        ParsedRequest request = Parse("X-Request-Id: abc-123.x:y_z\r\n");

        Assert.Equal(1, request.Head.RequestIdField);
        Assert.True(request.IsDropped("X-Request-Id"));
    }

    [Theory]
    [InlineData("X-Request-Id: a b\r\n")]
    [InlineData("X-Request-Id:\r\n")]
    [InlineData("X-Request-Id: a\r\nX-Request-Id: b\r\n")]
    [InlineData("X-Request-Id: a/b\r\nX-Request-Id: b\r\n")]
    [InlineData("X-Request-Id: a\r\nX-Request-Id: b\r\nX-Request-Id: c\r\n")]
    public void RequestId_InvalidOrRepeated_NotUsed(string fields)
    {
        ParsedRequest request = Parse(fields);

        Assert.Equal(RejectReason.None, request.Reason);
        Assert.Equal(-1, request.Head.RequestIdField);
    }

    [Fact]
    public void RequestId_OverLength_NotUsed()
    {
        ParsedRequest request = Parse($"X-Request-Id: {new string('a', 129)}\r\n");

        Assert.Equal(-1, request.Head.RequestIdField);
    }
}
