using FastContractorProxy.Http1;

namespace FastContractorProxy.Http2;

/// <summary>
/// Checks a decoded request field section against the HTTP/2 message rules (RFC 9113 sections 8.2 and 8.3)
/// and extracts the pseudo-header fields, content-length and joined cookie. Pure: fields in, a reason out.
/// </summary>
internal static class RequestFieldValidator
{
    /// <summary>Most content-length digits accepted, so that the value fits a long.</summary>
    public const int MaxContentLengthDigits = 18;

    /// <summary>
    /// Validates the field section of a request's HEADERS and fills <paramref name="head"/>. Returns the first
    /// rule broken, in field order, then the rules on the section as a whole.
    /// </summary>
    public static Http2RequestRejectReason Validate(HeaderFieldList fields, Http2RequestHead head)
    {
        ArgumentNullException.ThrowIfNull(fields);
        ArgumentNullException.ThrowIfNull(head);
        head.Reset(fields);

        bool seenRegular = false;
        for (int i = 0; i < fields.Count; i++)
        {
            HeaderField field = fields[i];
            Http2RequestRejectReason reason;
            if (!field.Name.IsEmpty && field.Name[0] == ':')
            {
                if (seenRegular)
                {
                    return Http2RequestRejectReason.PseudoHeaderAfterRegularField;
                }

                reason = RecordPseudoHeader(field.Name, i, head);
                if (reason == Http2RequestRejectReason.None)
                {
                    reason = ValidateValue(field.Value);
                }
            }
            else
            {
                if (!seenRegular)
                {
                    seenRegular = true;
                    head.SetFirstRegularFieldIndex(i);
                }

                reason = ValidateRegularField(field.Name, field.Value);
                if (reason == Http2RequestRejectReason.None)
                {
                    reason = RecordRegularField(field.Name, field.Value, i, head);
                }
            }

            if (reason != Http2RequestRejectReason.None)
            {
                return reason;
            }
        }

        Http2RequestRejectReason sectionReason = ValidateRequestTarget(head);
        if (sectionReason != Http2RequestRejectReason.None)
        {
            return sectionReason;
        }

        JoinCookies(fields, head);
        return Http2RequestRejectReason.None;
    }

    /// <summary>
    /// Validates a request trailer section: the regular field rules apply, and pseudo-header fields are not
    /// allowed (RFC 9113 section 8.1).
    /// </summary>
    public static Http2RequestRejectReason ValidateTrailers(HeaderFieldList fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        for (int i = 0; i < fields.Count; i++)
        {
            HeaderField field = fields[i];
            if (!field.Name.IsEmpty && field.Name[0] == ':')
            {
                return Http2RequestRejectReason.PseudoHeaderInTrailers;
            }

            Http2RequestRejectReason reason = ValidateRegularField(field.Name, field.Value);
            if (reason != Http2RequestRejectReason.None)
            {
                return reason;
            }
        }

        return Http2RequestRejectReason.None;
    }

    /// <summary>Checks one regular field: its name, its value and the rules on connection-specific fields and te.</summary>
    public static Http2RequestRejectReason ValidateRegularField(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        Http2RequestRejectReason reason = ValidateName(name);
        if (reason != Http2RequestRejectReason.None)
        {
            return reason;
        }

        reason = ValidateValue(value);
        if (reason != Http2RequestRejectReason.None)
        {
            return reason;
        }

        // Connection-specific fields (RFC 9113 section 8.2.2). Names are lowercase at this point.
        if (name.SequenceEqual("connection"u8) || name.SequenceEqual("keep-alive"u8) ||
            name.SequenceEqual("proxy-connection"u8) || name.SequenceEqual("transfer-encoding"u8) ||
            name.SequenceEqual("upgrade"u8))
        {
            return Http2RequestRejectReason.ConnectionSpecificField;
        }

        if (name.SequenceEqual("te"u8) && !HttpChars.EqualsIgnoreCase(value, "trailers"u8))
        {
            return Http2RequestRejectReason.InvalidTeValue;
        }

        return Http2RequestRejectReason.None;
    }

    /// <summary>Checks a regular field name: a non-empty token without uppercase letters (RFC 9113 section 8.2.1).</summary>
    public static Http2RequestRejectReason ValidateName(ReadOnlySpan<byte> name)
    {
        if (name.IsEmpty)
        {
            return Http2RequestRejectReason.EmptyFieldName;
        }

        if (name.ContainsAnyInRange((byte)'A', (byte)'Z'))
        {
            return Http2RequestRejectReason.UppercaseFieldName;
        }

        return HttpChars.IsToken(name) ? Http2RequestRejectReason.None : Http2RequestRejectReason.InvalidFieldName;
    }

    /// <summary>
    /// Checks a field value: no NUL, CR, LF or other control character but HTAB, and no SP or HTAB at either end
    /// (RFC 9113 section 8.2.1). Bytes 0x80 to 0xFF are allowed as obs-text.
    /// </summary>
    public static Http2RequestRejectReason ValidateValue(ReadOnlySpan<byte> value)
    {
        if (value.ContainsAnyExcept(HttpChars.FieldValue))
        {
            return Http2RequestRejectReason.InvalidFieldValue;
        }

        if (!value.IsEmpty && (IsWhitespace(value[0]) || IsWhitespace(value[^1])))
        {
            return Http2RequestRejectReason.FieldValueSurroundingWhitespace;
        }

        return Http2RequestRejectReason.None;
    }

    private static Http2RequestRejectReason RecordPseudoHeader(ReadOnlySpan<byte> name, int index, Http2RequestHead head)
    {
        int previous;
        if (name.SequenceEqual(":method"u8))
        {
            previous = head.MethodIndex;
            head.MethodIndex = index;
        }
        else if (name.SequenceEqual(":scheme"u8))
        {
            previous = head.SchemeIndex;
            head.SchemeIndex = index;
        }
        else if (name.SequenceEqual(":path"u8))
        {
            previous = head.PathIndex;
            head.PathIndex = index;
        }
        else if (name.SequenceEqual(":authority"u8))
        {
            previous = head.AuthorityIndex;
            head.AuthorityIndex = index;
        }
        else
        {
            return Http2RequestRejectReason.UnknownPseudoHeader;
        }

        return previous >= 0 ? Http2RequestRejectReason.DuplicatePseudoHeader : Http2RequestRejectReason.None;
    }

    private static Http2RequestRejectReason RecordRegularField(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, int index, Http2RequestHead head)
    {
        if (name.SequenceEqual("content-length"u8))
        {
            if (head.ContentLengthIndex >= 0)
            {
                return Http2RequestRejectReason.DuplicateContentLength;
            }

            if (!TryParseContentLength(value, out long contentLength))
            {
                return Http2RequestRejectReason.InvalidContentLength;
            }

            head.ContentLengthIndex = index;
            head.ContentLength = contentLength;
        }
        else if (name.SequenceEqual("host"u8))
        {
            if (head.HostIndex >= 0)
            {
                return Http2RequestRejectReason.InvalidHost;
            }

            head.HostIndex = index;
        }
        else if (name.SequenceEqual("cookie"u8))
        {
            head.CookieFieldCount++;
        }

        return Http2RequestRejectReason.None;
    }

    private static Http2RequestRejectReason ValidateRequestTarget(Http2RequestHead head)
    {
        if (head.MethodIndex < 0)
        {
            return Http2RequestRejectReason.MissingMethod;
        }

        ReadOnlySpan<byte> method = head.Method;
        if (!HttpChars.IsToken(method))
        {
            return Http2RequestRejectReason.InvalidMethod;
        }

        // CONNECT has its own rules (no :scheme or :path, RFC 9113 section 8.5), which this proxy does not serve.
        if (method.SequenceEqual("CONNECT"u8))
        {
            return Http2RequestRejectReason.ConnectNotSupported;
        }

        if (head.SchemeIndex < 0)
        {
            return Http2RequestRejectReason.MissingScheme;
        }

        if (!IsScheme(head.Scheme))
        {
            return Http2RequestRejectReason.InvalidScheme;
        }

        if (head.PathIndex < 0)
        {
            return Http2RequestRejectReason.MissingPath;
        }

        Http2RequestRejectReason reason = ValidatePath(head.Path, method);
        if (reason != Http2RequestRejectReason.None)
        {
            return reason;
        }

        if (head.HasAuthority)
        {
            reason = ValidateAuthority(head.Authority);
            if (reason != Http2RequestRejectReason.None)
            {
                return reason;
            }
        }

        if (head.HasHost)
        {
            if (ValidateAuthority(head.Host) != Http2RequestRejectReason.None)
            {
                return Http2RequestRejectReason.InvalidHost;
            }

            // NOTE: the values are compared as text, so "a.example" and "a.example:443" differ even on https.
            if (head.HasAuthority && !EqualsIgnoreCase(head.Authority, head.Host))
            {
                return Http2RequestRejectReason.HostMismatch;
            }
        }
        else if (!head.HasAuthority)
        {
            return Http2RequestRejectReason.MissingAuthority;
        }

        return Http2RequestRejectReason.None;
    }

    private static Http2RequestRejectReason ValidatePath(ReadOnlySpan<byte> path, ReadOnlySpan<byte> method)
    {
        if (path.IsEmpty)
        {
            return Http2RequestRejectReason.EmptyPath;
        }

        // The asterisk form (RFC 9110 section 7.1) exists only for server-wide OPTIONS requests.
        if (path.SequenceEqual("*"u8))
        {
            return method.SequenceEqual("OPTIONS"u8) ? Http2RequestRejectReason.None : Http2RequestRejectReason.AsteriskPathNotOptions;
        }

        if (path[0] != '/' || path.ContainsAnyExcept(HttpChars.Target))
        {
            return Http2RequestRejectReason.InvalidPath;
        }

        return Http2RequestRejectReason.None;
    }

    /// <summary>
    /// Checks an :authority value: host[:port] where host is a reg-name without percent-encoding or a bracketed
    /// IPv6 literal, and port has 1 to 5 digits up to 65535. Userinfo is rejected on its own reason.
    /// </summary>
    public static Http2RequestRejectReason ValidateAuthority(ReadOnlySpan<byte> authority)
    {
        if (authority.Contains((byte)'@'))
        {
            return Http2RequestRejectReason.AuthorityWithUserinfo;
        }

        ReadOnlySpan<byte> rest;
        if (!authority.IsEmpty && authority[0] == '[')
        {
            int close = authority.IndexOf((byte)']');
            if (close < 2 || authority[1..close].ContainsAnyExcept(HttpChars.IPv6Literal))
            {
                return Http2RequestRejectReason.InvalidAuthority;
            }

            rest = authority[(close + 1)..];
        }
        else
        {
            int colon = authority.IndexOf((byte)':');
            ReadOnlySpan<byte> host = colon < 0 ? authority : authority[..colon];
            if (host.IsEmpty || host.ContainsAnyExcept(HttpChars.RegName))
            {
                return Http2RequestRejectReason.InvalidAuthority;
            }

            rest = authority[host.Length..];
        }

        if (rest.IsEmpty)
        {
            return Http2RequestRejectReason.None;
        }

        return rest[0] == ':' && IsPort(rest[1..]) ? Http2RequestRejectReason.None : Http2RequestRejectReason.InvalidAuthority;
    }

    private static void JoinCookies(HeaderFieldList fields, Http2RequestHead head)
    {
        if (head.CookieFieldCount == 0)
        {
            return;
        }

        for (int i = head.FirstRegularFieldIndex; i < fields.Count; i++)
        {
            if (fields.GetName(i).SequenceEqual("cookie"u8))
            {
                head.AppendCookie(fields.GetValue(i));
            }
        }
    }

    private static bool TryParseContentLength(ReadOnlySpan<byte> value, out long contentLength)
    {
        contentLength = 0;
        if (value.IsEmpty || value.Length > MaxContentLengthDigits || value.ContainsAnyExceptInRange((byte)'0', (byte)'9'))
        {
            return false;
        }

        foreach (byte digit in value)
        {
            contentLength = (contentLength * 10) + (digit - '0');
        }

        return true;
    }

    // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), RFC 3986 section 3.1.
    private static bool IsScheme(ReadOnlySpan<byte> scheme)
    {
        if (scheme.IsEmpty || !IsAsciiLetter(scheme[0]))
        {
            return false;
        }

        foreach (byte b in scheme[1..])
        {
            if (!IsAsciiLetter(b) && (uint)(b - '0') > 9 && b != '+' && b != '-' && b != '.')
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsPort(ReadOnlySpan<byte> port)
    {
        if (port.IsEmpty || port.Length > 5 || port.ContainsAnyExceptInRange((byte)'0', (byte)'9'))
        {
            return false;
        }

        int value = 0;
        foreach (byte digit in port)
        {
            value = (value * 10) + (digit - '0');
        }

        return value <= ushort.MaxValue;
    }

    private static bool EqualsIgnoreCase(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right) =>
        System.Text.Ascii.EqualsIgnoreCase(left, right);

    private static bool IsAsciiLetter(byte value) => (uint)((value | 0x20) - 'a') <= 'z' - 'a';

    private static bool IsWhitespace(byte value) => value == ' ' || value == '\t';
}
