using FastContractorProxy.Http1;

namespace FastContractorProxy.Admin;

/// <summary>How the proxy finished a request, the value of the <c>fcp.decision</c> tag.</summary>
internal enum RequestDecision : byte
{
    /// <summary>The policy allowed the request and the upstream response was forwarded.</summary>
    Allow,

    /// <summary>The caller was authenticated but the policy denied the request (403).</summary>
    Deny,

    /// <summary>The request carried no valid credential (401).</summary>
    Unauthenticated,

    /// <summary>The request was malformed or exceeded a limit and was rejected before the policy ran.</summary>
    Rejected,

    /// <summary>The policy allowed the request but the upstream failed (502 or 504).</summary>
    UpstreamError,
}

/// <summary>Why an upstream exchange failed, the value of the <c>error.type</c> tag.</summary>
internal enum UpstreamErrorType : byte
{
    ConnectRefused,
    ConnectTimeout,
    ResponseTimeout,
    InvalidResponse,

    /// <summary>The upstream closed the connection before the response was complete.</summary>
    Closed,
}

/// <summary>The protocol of a client connection, the value of the <c>network.protocol.version</c> tag.</summary>
internal enum ConnectionProtocol : byte
{
    Http1,
    Http2,
}

/// <summary>
/// Tag names and the fixed tag values of the proxy's instruments. Every value is a constant or a cached object,
/// so recording a measurement allocates nothing.
/// </summary>
internal static class MetricValues
{
    public const string RouteTag = "http.route";
    public const string MethodTag = "http.request.method";
    public const string StatusCodeTag = "http.response.status_code";
    public const string DecisionTag = "fcp.decision";
    public const string UserTag = "user.id";
    public const string ProtocolVersionTag = "network.protocol.version";
    public const string ServerAddressTag = "server.address";
    public const string ErrorTypeTag = "error.type";
    public const string IssuerTag = "fcp.issuer";
    public const string PolicyVersionTag = "fcp.policy_version";

    /// <summary>The value of <c>user.id</c> and <c>http.route</c> when the request has no contractor or no route.</summary>
    public const string None = "none";

    // Status codes are int tags, and boxing one per call would allocate. The codes from 0 ("no response sent")
    // to 599 are therefore boxed once.
    private const int MaxCachedStatusCode = 599;
    private static readonly object[] BoxedStatusCodes = CreateBoxedStatusCodes();

    public static string Decision(RequestDecision decision) => decision switch
    {
        RequestDecision.Allow => "allow",
        RequestDecision.Deny => "deny",
        RequestDecision.Unauthenticated => "unauthenticated",
        RequestDecision.Rejected => "rejected",
        RequestDecision.UpstreamError => "upstream_error",
        _ => throw new ArgumentOutOfRangeException(nameof(decision), decision, "unknown request decision"),
    };

    public static string ErrorType(UpstreamErrorType error) => error switch
    {
        UpstreamErrorType.ConnectRefused => "connect_refused",
        UpstreamErrorType.ConnectTimeout => "connect_timeout",
        UpstreamErrorType.ResponseTimeout => "response_timeout",
        UpstreamErrorType.InvalidResponse => "invalid_response",
        UpstreamErrorType.Closed => "closed",
        _ => throw new ArgumentOutOfRangeException(nameof(error), error, "unknown upstream error type"),
    };

    /// <summary>Returns the OpenTelemetry semantic-convention value: "1.1" for HTTP/1.x, "2" for HTTP/2.</summary>
    public static string ProtocolVersion(ConnectionProtocol protocol) => protocol switch
    {
        ConnectionProtocol.Http1 => "1.1",
        ConnectionProtocol.Http2 => "2",
        _ => throw new ArgumentOutOfRangeException(nameof(protocol), protocol, "unknown connection protocol"),
    };

    /// <summary>Returns the method name; methods outside <see cref="KnownMethod"/> share "_OTHER", as the semantic conventions ask, so the tag stays bounded.</summary>
    public static string Method(KnownMethod method) => method switch
    {
        KnownMethod.Get => "GET",
        KnownMethod.Head => "HEAD",
        KnownMethod.Post => "POST",
        KnownMethod.Put => "PUT",
        KnownMethod.Delete => "DELETE",
        KnownMethod.Options => "OPTIONS",
        KnownMethod.Patch => "PATCH",
        KnownMethod.Trace => "TRACE",
        KnownMethod.Connect => "CONNECT",
        _ => "_OTHER",
    };

    public static object StatusCode(int statusCode) =>
        (uint)statusCode <= MaxCachedStatusCode ? BoxedStatusCodes[statusCode] : statusCode;

    private static object[] CreateBoxedStatusCodes()
    {
        var boxed = new object[MaxCachedStatusCode + 1];
        for (int i = 0; i < boxed.Length; i++)
        {
            boxed[i] = i;
        }

        return boxed;
    }
}
