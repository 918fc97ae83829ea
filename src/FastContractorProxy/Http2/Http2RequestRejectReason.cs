namespace FastContractorProxy.Http2;

/// <summary>
/// Why a decoded HTTP/2 request field section is malformed (RFC 9113 sections 8.2 and 8.3). A malformed
/// request is a stream error of type PROTOCOL_ERROR, and a server may send a 400 response before the reset.
/// </summary>
internal enum Http2RequestRejectReason : byte
{
    None,

    /// <summary>A field name is empty.</summary>
    EmptyFieldName,

    /// <summary>A field name contains an uppercase letter, which HTTP/2 forbids.</summary>
    UppercaseFieldName,

    /// <summary>A field name contains a byte outside tchar (RFC 9110 section 5.6.2), or a ':' past its start.</summary>
    InvalidFieldName,

    /// <summary>A field value contains NUL, CR, LF or another control character other than HTAB.</summary>
    InvalidFieldValue,

    /// <summary>A field value starts or ends with SP or HTAB.</summary>
    FieldValueSurroundingWhitespace,

    /// <summary>A connection-specific field: connection, keep-alive, proxy-connection, transfer-encoding or upgrade.</summary>
    ConnectionSpecificField,

    /// <summary>A te field with a value other than "trailers".</summary>
    InvalidTeValue,

    /// <summary>A pseudo-header field follows a regular field.</summary>
    PseudoHeaderAfterRegularField,

    /// <summary>A pseudo-header field appears twice.</summary>
    DuplicatePseudoHeader,

    /// <summary>A pseudo-header field other than :method, :scheme, :path and :authority, including the response-only :status.</summary>
    UnknownPseudoHeader,

    /// <summary>A pseudo-header field in a trailer section, where none is allowed.</summary>
    PseudoHeaderInTrailers,

    MissingMethod,

    /// <summary>:method is not a token.</summary>
    InvalidMethod,

    /// <summary>:method is CONNECT, which this proxy does not support.</summary>
    ConnectNotSupported,

    MissingScheme,

    /// <summary>:scheme does not match the URI scheme grammar (RFC 3986 section 3.1).</summary>
    InvalidScheme,

    MissingPath,

    /// <summary>:path is empty.</summary>
    EmptyPath,

    /// <summary>:path does not start with '/' or contains a byte not allowed in a path and query, such as '#' or a space.</summary>
    InvalidPath,

    /// <summary>:path is "*" with a method other than OPTIONS.</summary>
    AsteriskPathNotOptions,

    /// <summary>Neither :authority nor host is present.</summary>
    MissingAuthority,

    /// <summary>:authority is not host[:port].</summary>
    InvalidAuthority,

    /// <summary>:authority contains userinfo ('@'), which RFC 9113 forbids for http and https.</summary>
    AuthorityWithUserinfo,

    /// <summary>The host field is not host[:port], or host appears more than once.</summary>
    InvalidHost,

    /// <summary>:authority and host are both present and differ, ignoring ASCII case.</summary>
    HostMismatch,

    /// <summary>content-length is empty, has a byte other than a digit, or has more than 18 digits.</summary>
    InvalidContentLength,

    /// <summary>content-length appears more than once.</summary>
    DuplicateContentLength,
}
