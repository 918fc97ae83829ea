namespace FastContractorProxy.Http1;

/// <summary>
/// Why a request was rejected before it reached the upstream. Each value maps to one status code and one
/// short message in <see cref="RejectReasons"/>; the connection loop sends them in its response and closes.
/// </summary>
internal enum RejectReason : byte
{
    None = 0,

    // Request line (RFC 9112 section 3).
    InvalidRequestLine,
    InvalidMethod,
    InvalidRequestTarget,
    RequestLineTooLong,
    UnsupportedHttpVersion,
    ConnectNotSupported,
    AsteriskFormNotOptions,
    UserInfoInTarget,
    UnsupportedScheme,

    // Field lines (RFC 9112 section 5, RFC 9110 section 5).
    InvalidFieldName,
    WhitespaceBeforeColon,
    InvalidFieldValue,
    ObsoleteLineFolding,
    BareLineFeed,
    BareCarriageReturn,
    HeaderSectionTooLarge,
    TooManyFields,

    // Host (RFC 9112 section 3.2).
    MissingHost,
    MultipleHost,
    InvalidHost,

    /// <summary>More than one Authorization field: the proxy and the upstream could pick different credentials.</summary>
    MultipleAuthorization,

    /// <summary>The audit log cannot be written, and the configuration sets <c>fail_closed</c>.</summary>
    AuditUnavailable,
    HostMismatch,

    // Message framing (RFC 9112 sections 6 and 7).
    InvalidContentLength,
    ConflictingContentLength,
    ContentLengthWithTransferEncoding,
    TransferEncodingInHttp10,
    ChunkedNotFinal,
    InvalidTransferCoding,
    UnsupportedTransferCoding,
    InvalidChunkSize,
    ChunkSizeTooLarge,
    InvalidChunkExtension,
    MissingChunkTerminator,
    InvalidTrailer,
    TrailerSectionTooLarge,
    RequestBodyTooLarge,
    UnexpectedEndOfBody,

    // Other semantics.
    UnsupportedExpectation,
    InvalidUpgrade,
    InvalidPath,
    EncodedSlashInPath,
    BackslashInPath,
    PathParameterInPath,
    NoRoute,

    // Timeouts.
    RequestHeadersTimeout,
    RequestBodyTimeout,

    // Upstream failures, reported to the client as 502 or 504 (RFC 9110 sections 15.6.3 and 15.6.5).
    UpstreamConnectFailed,
    UpstreamConnectTimeout,
    UpstreamResponseTimeout,
    UpstreamInvalidResponse,
    UpstreamClosed,
}

/// <summary>Maps each <see cref="RejectReason"/> to its status code and message.</summary>
internal static class RejectReasons
{
    private static readonly (int Status, string Message)[] Table = BuildTable();

    public static int GetStatusCode(RejectReason reason) => Table[(int)reason].Status;

    public static string GetMessage(RejectReason reason) => Table[(int)reason].Message;

    private static (int, string)[] BuildTable()
    {
        var table = new (int, string)[Enum.GetValues<RejectReason>().Length];
        void Set(RejectReason reason, int status, string message) => table[(int)reason] = (status, message);

        Set(RejectReason.None, 200, "");
        Set(RejectReason.InvalidRequestLine, 400, "Invalid request line.");
        Set(RejectReason.InvalidMethod, 400, "Invalid method: a method is a token.");
        Set(RejectReason.InvalidRequestTarget, 400, "Invalid request target.");
        Set(RejectReason.RequestLineTooLong, 414, "Request line too long.");
        Set(RejectReason.UnsupportedHttpVersion, 505, "HTTP version not supported: use HTTP/1.1 or HTTP/1.0.");
        Set(RejectReason.ConnectNotSupported, 405, "CONNECT is not supported by this proxy.");
        Set(RejectReason.AsteriskFormNotOptions, 400, "Invalid request target: '*' is only valid with OPTIONS.");
        Set(RejectReason.UserInfoInTarget, 400, "Invalid request target: user information is not allowed in the authority.");
        Set(RejectReason.UnsupportedScheme, 400, "Invalid request target: the absolute-form scheme must be http or https.");
        Set(RejectReason.InvalidFieldName, 400, "Invalid field name: a field name is a non-empty token.");
        Set(RejectReason.WhitespaceBeforeColon, 400, "Invalid field line: whitespace between the field name and the colon.");
        Set(RejectReason.InvalidFieldValue, 400, "Invalid field value: control characters are not allowed.");
        Set(RejectReason.ObsoleteLineFolding, 400, "Invalid field line: obsolete line folding is not allowed.");
        Set(RejectReason.BareLineFeed, 400, "Invalid line ending: lines end with CRLF.");
        Set(RejectReason.BareCarriageReturn, 400, "Invalid line: a CR not followed by LF.");
        Set(RejectReason.HeaderSectionTooLarge, 431, "Request header section too large.");
        Set(RejectReason.TooManyFields, 431, "Too many request header fields.");
        Set(RejectReason.MissingHost, 400, "Missing Host header field: HTTP/1.1 requests need exactly one.");
        Set(RejectReason.MultipleHost, 400, "More than one Host header field.");
        Set(RejectReason.InvalidHost, 400, "Invalid Host header field.");
        Set(RejectReason.MultipleAuthorization, 400, "More than one Authorization header field.");
        Set(RejectReason.AuditUnavailable, 503, "The audit log cannot be written, so the request was not forwarded.");
        Set(RejectReason.HostMismatch, 400, "The Host header field does not match the authority of the request target.");
        Set(RejectReason.InvalidContentLength, 400, "Invalid Content-Length: it must be one non-negative decimal number.");
        Set(RejectReason.ConflictingContentLength, 400, "Conflicting Content-Length values.");
        Set(RejectReason.ContentLengthWithTransferEncoding, 400, "Content-Length and Transfer-Encoding must not both be present.");
        Set(RejectReason.TransferEncodingInHttp10, 400, "Transfer-Encoding is not allowed in an HTTP/1.0 request.");
        Set(RejectReason.ChunkedNotFinal, 400, "Invalid Transfer-Encoding: chunked must be the final coding, applied once.");
        Set(RejectReason.InvalidTransferCoding, 400, "Invalid Transfer-Encoding: each coding is a token.");
        Set(RejectReason.UnsupportedTransferCoding, 501, "Transfer coding not implemented: only chunked is supported.");
        Set(RejectReason.InvalidChunkSize, 400, "Invalid chunk size: it must be hexadecimal digits followed by CRLF.");
        Set(RejectReason.ChunkSizeTooLarge, 400, "Chunk size too large.");
        Set(RejectReason.InvalidChunkExtension, 400, "Invalid chunk extension.");
        Set(RejectReason.MissingChunkTerminator, 400, "Invalid chunk: the chunk data is not followed by CRLF.");
        Set(RejectReason.InvalidTrailer, 400, "Invalid trailer field.");
        Set(RejectReason.TrailerSectionTooLarge, 431, "Trailer section too large.");
        Set(RejectReason.RequestBodyTooLarge, 413, "Request body too large for this route.");
        Set(RejectReason.UnexpectedEndOfBody, 400, "The connection ended before the request body was complete.");
        Set(RejectReason.UnsupportedExpectation, 417, "Expectation not supported: only 100-continue is.");
        Set(RejectReason.InvalidUpgrade, 400, "Invalid Upgrade request.");
        Set(RejectReason.InvalidPath, 400, "Invalid request path: malformed percent-encoding, a control character or invalid UTF-8.");
        Set(RejectReason.EncodedSlashInPath, 400, "Invalid request path: an encoded '/' or '\\' is not allowed.");
        Set(RejectReason.BackslashInPath, 400, "Invalid request path: '\\' is not allowed.");
        Set(RejectReason.PathParameterInPath, 400, "Invalid request path: ';' path parameters are not allowed.");
        Set(RejectReason.NoRoute, 404, "No route matches this host and path.");
        Set(RejectReason.RequestHeadersTimeout, 408, "Timed out receiving the request header section.");
        Set(RejectReason.RequestBodyTimeout, 408, "Timed out receiving the request body: data arrived below the minimum rate.");
        Set(RejectReason.UpstreamConnectFailed, 502, "Bad gateway: no upstream destination accepted the connection.");
        Set(RejectReason.UpstreamConnectTimeout, 504, "Gateway timeout: connecting to the upstream timed out.");
        Set(RejectReason.UpstreamResponseTimeout, 504, "Gateway timeout: the upstream did not send a response head in time.");
        Set(RejectReason.UpstreamInvalidResponse, 502, "Bad gateway: the upstream sent an invalid response.");
        Set(RejectReason.UpstreamClosed, 502, "Bad gateway: the upstream closed the connection before responding.");
        return table;
    }
}
