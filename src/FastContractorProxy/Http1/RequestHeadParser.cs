namespace FastContractorProxy.Http1;

/// <summary>
/// Parses a complete request header section (RFC 9112 sections 2-7) into a <see cref="RequestHead"/>. Pure:
/// no I/O, clock or configuration. Anything ambiguous is rejected, because an upstream that reads a message
/// differently from the proxy would see a request the proxy never authorized.
/// </summary>
internal static class RequestHeadParser
{
    /// <summary>Parses the section already attached to <paramref name="head"/>. Returns None or the rejection reason.</summary>
    public static RejectReason Parse(RequestHead head)
    {
        head.Clear();
        ReadOnlySpan<byte> section = head.Section;

        RejectReason reason = ParseRequestLine(section, head, out int fieldsStart);
        if (reason != RejectReason.None)
        {
            return reason;
        }

        reason = FieldSectionParser.Parse(section, fieldsStart, head.Fields, out head.FieldCount, out head.ErrorOffset);
        if (reason != RejectReason.None)
        {
            return reason;
        }

        head.ErrorOffset = fieldsStart;
        return AnalyzeFields(section, head);
    }

    private static RejectReason ParseRequestLine(ReadOnlySpan<byte> section, RequestHead head, out int fieldsStart)
    {
        fieldsStart = 0;
        int lineFeed = section.IndexOf((byte)'\n');
        if (lineFeed <= 0)
        {
            return RejectReason.InvalidRequestLine;
        }

        if (section[lineFeed - 1] != '\r')
        {
            return RejectReason.BareLineFeed;
        }

        ReadOnlySpan<byte> line = section[..(lineFeed - 1)];
        fieldsStart = lineFeed + 1;

        // method SP request-target SP HTTP-version, with exactly one SP between parts.
        int firstSpace = line.IndexOf((byte)' ');
        if (firstSpace <= 0)
        {
            return RejectReason.InvalidRequestLine;
        }

        ReadOnlySpan<byte> method = line[..firstSpace];
        if (method.ContainsAnyExcept(HttpChars.Token))
        {
            return RejectReason.InvalidMethod;
        }

        int targetLength = line[(firstSpace + 1)..].IndexOf((byte)' ');
        if (targetLength <= 0)
        {
            return RejectReason.InvalidRequestLine;
        }

        int targetStart = firstSpace + 1;
        ReadOnlySpan<byte> version = line[(targetStart + targetLength + 1)..];

        head.MethodRange = new OffsetRange(0, firstSpace);
        head.Method = ClassifyMethod(method);
        head.Target = new OffsetRange(targetStart, targetLength);

        RejectReason reason = ParseVersion(version, out head.Version);
        if (reason != RejectReason.None)
        {
            return reason;
        }

        return ParseTarget(section, head, targetStart, targetLength);
    }

    private static RejectReason ParseVersion(ReadOnlySpan<byte> version, out HttpVersion result)
    {
        result = HttpVersion.Http11;
        if (version.SequenceEqual("HTTP/1.1"u8))
        {
            return RejectReason.None;
        }

        if (version.SequenceEqual("HTTP/1.0"u8))
        {
            result = HttpVersion.Http10;
            return RejectReason.None;
        }

        // HTTP-version = "HTTP/" DIGIT "." DIGIT (case-sensitive): well-formed but other versions get 505.
        bool wellFormed = version.Length == 8 && version.StartsWith("HTTP/"u8) &&
            char.IsAsciiDigit((char)version[5]) && version[6] == '.' && char.IsAsciiDigit((char)version[7]);
        return wellFormed ? RejectReason.UnsupportedHttpVersion : RejectReason.InvalidRequestLine;
    }

    private static RejectReason ParseTarget(ReadOnlySpan<byte> section, RequestHead head, int start, int length)
    {
        ReadOnlySpan<byte> target = section.Slice(start, length);

        if (head.Method == KnownMethod.Connect)
        {
            return RejectReason.ConnectNotSupported;
        }

        if (target.Length == 1 && target[0] == '*')
        {
            if (head.Method != KnownMethod.Options)
            {
                return RejectReason.AsteriskFormNotOptions;
            }

            head.Form = TargetForm.Asterisk;
            head.Path = new OffsetRange(start, 0);
            return RejectReason.None;
        }

        bool absoluteForm = target[0] != '/';
        System.Buffers.SearchValues<byte> allowed = absoluteForm ? HttpChars.AbsoluteTarget : HttpChars.Target;
        if (target.ContainsAnyExcept(allowed))
        {
            head.ErrorOffset = start + target.IndexOfAnyExcept(allowed);
            return target.Contains((byte)'\\') ? RejectReason.BackslashInPath : RejectReason.InvalidRequestTarget;
        }

        int pathStart = start;
        int end = start + length;
        if (absoluteForm)
        {
            RejectReason reason = ParseAbsoluteForm(section, head, start, length, out pathStart);
            if (reason != RejectReason.None)
            {
                return reason;
            }

            // ParseAbsoluteForm accepted brackets only around an IPv6 literal host.
            int bracket = section[pathStart..end].IndexOfAny((byte)'[', (byte)']');
            if (bracket >= 0)
            {
                head.ErrorOffset = pathStart + bracket;
                return RejectReason.InvalidRequestTarget;
            }
        }

        int question = section[pathStart..end].IndexOf((byte)'?');
        if (question < 0)
        {
            head.Path = new OffsetRange(pathStart, end - pathStart);
            head.Query = OffsetRange.None;
        }
        else
        {
            head.Path = new OffsetRange(pathStart, question);
            head.Query = new OffsetRange(pathStart + question + 1, end - pathStart - question - 1);
        }

        return RejectReason.None;
    }

    // absolute-form (RFC 9112 section 3.2.2): "http" or "https" "://" authority path-abempty [ "?" query ].
    private static RejectReason ParseAbsoluteForm(ReadOnlySpan<byte> section, RequestHead head, int start, int length, out int pathStart)
    {
        pathStart = start;
        ReadOnlySpan<byte> target = section.Slice(start, length);
        int schemeEnd = target.IndexOf("://"u8);
        if (schemeEnd <= 0)
        {
            return RejectReason.InvalidRequestTarget;
        }

        ReadOnlySpan<byte> scheme = target[..schemeEnd];
        if (!HttpChars.EqualsIgnoreCase(scheme, "http"u8) && !HttpChars.EqualsIgnoreCase(scheme, "https"u8))
        {
            return RejectReason.UnsupportedScheme;
        }

        int authorityStart = schemeEnd + 3;
        ReadOnlySpan<byte> rest = target[authorityStart..];
        int authorityLength = rest.IndexOfAny((byte)'/', (byte)'?');
        if (authorityLength < 0)
        {
            authorityLength = rest.Length;
        }

        ReadOnlySpan<byte> authority = rest[..authorityLength];
        if (authority.Contains((byte)'@'))
        {
            return RejectReason.UserInfoInTarget;
        }

        if (!IsValidAuthority(authority))
        {
            return RejectReason.InvalidRequestTarget;
        }

        head.Form = TargetForm.Absolute;
        head.Authority = new OffsetRange(start + authorityStart, authorityLength);
        pathStart = start + authorityStart + authorityLength;

        // An empty path in absolute-form means "/": reject a query without a path rather than guess.
        if (authorityLength == rest.Length || rest[authorityLength] != '/')
        {
            return RejectReason.InvalidRequestTarget;
        }

        return RejectReason.None;
    }

    private static RejectReason AnalyzeFields(ReadOnlySpan<byte> section, RequestHead head)
    {
        int hostField = -1;
        bool hasTransferEncoding = false;
        bool connectionClose = false;
        bool connectionKeepAlive = false;
        bool connectionUpgrade = false;
        int upgradeField = -1;
        Span<FieldLine> fields = head.Fields.AsSpan(0, head.FieldCount);

        for (int i = 0; i < fields.Length; i++)
        {
            ref FieldLine field = ref fields[i];
            ReadOnlySpan<byte> value = field.Value(section);
            head.ErrorOffset = field.NameStart;

            switch (field.Kind)
            {
                case FieldKind.Host:
                    if (hostField >= 0)
                    {
                        return RejectReason.MultipleHost;
                    }

                    hostField = i;
                    field.Dropped = true;
                    break;

                case FieldKind.ContentLength:
                    RejectReason lengthReason = FramingRules.ParseContentLength(value, ref head.ContentLength);
                    if (lengthReason != RejectReason.None)
                    {
                        return lengthReason;
                    }

                    field.Dropped = true;
                    break;

                case FieldKind.TransferEncoding:
                    hasTransferEncoding = true;
                    field.Dropped = true;
                    break;

                case FieldKind.Connection:
                    RejectReason connectionReason = ReadConnectionOptions(value, ref connectionClose, ref connectionKeepAlive, ref connectionUpgrade);
                    if (connectionReason != RejectReason.None)
                    {
                        return connectionReason;
                    }

                    field.Dropped = true;
                    break;

                case FieldKind.Expect:
                    if (!HttpChars.EqualsIgnoreCase(value, "100-continue"u8))
                    {
                        return RejectReason.UnsupportedExpectation;
                    }

                    // RFC 9110 section 10.1.1: a 100-continue expectation in an HTTP/1.0 request is ignored,
                    // because an HTTP/1.0 client must never receive a 1xx response (section 15.2).
                    head.Expect100Continue = head.Version == HttpVersion.Http11;
                    field.Dropped = true;
                    break;

                case FieldKind.Upgrade:
                    // -1: none yet, -2: more than one, which is never a WebSocket-only upgrade.
                    upgradeField = upgradeField == -1 ? i : -2;
                    field.Dropped = true;
                    break;

                case FieldKind.HopByHop:
                    field.Dropped = true;
                    break;

                case FieldKind.Authorization:
                    if (head.AuthorizationField >= 0)
                    {
                        return RejectReason.MultipleAuthorization;
                    }

                    head.AuthorizationField = i;
                    break;

                case FieldKind.RequestId:
                    // A valid, single client request id is passed through; otherwise the proxy makes one.
                    field.Dropped = true;
                    head.RequestIdField = head.RequestIdField == -1 && IsValidRequestId(value) ? i : -2;
                    break;
            }
        }

        if (head.RequestIdField < 0)
        {
            head.RequestIdField = -1;
        }

        RejectReason reason = CheckHost(section, head, hostField);
        if (reason != RejectReason.None)
        {
            return reason;
        }

        if (hasTransferEncoding)
        {
            reason = FramingRules.CheckTransferEncoding(section, head);
            if (reason != RejectReason.None)
            {
                return reason;
            }
        }

        head.KeepAlive = head.Version == HttpVersion.Http11 ? !connectionClose : connectionKeepAlive && !connectionClose;

        if (connectionUpgrade && upgradeField >= 0)
        {
            head.WebSocketUpgrade = head.Version == HttpVersion.Http11 && head.Method == KnownMethod.Get &&
                IsWebSocketOnly(head.Fields[upgradeField].Value(section));
        }

        // Fields named by Connection are hop-by-hop too (RFC 9110 section 7.6.1).
        for (int i = 0; i < fields.Length; i++)
        {
            if (fields[i].Kind == FieldKind.Connection && DropNamedFields(section, fields, fields[i].Value(section)))
            {
                // A request id the client marked as hop-by-hop is not its end-to-end id; the proxy makes a new one.
                head.RequestIdField = -1;
            }
        }

        return RejectReason.None;
    }

    private static RejectReason CheckHost(ReadOnlySpan<byte> section, RequestHead head, int hostField)
    {
        if (hostField < 0)
        {
            // RFC 9112 section 3.2: an HTTP/1.1 request without Host is a 400; HTTP/1.0 may omit it.
            if (head.Version == HttpVersion.Http11)
            {
                return RejectReason.MissingHost;
            }

            return RejectReason.None;
        }

        ReadOnlySpan<byte> host = head.Fields[hostField].Value(section);
        if (!IsValidAuthority(host))
        {
            return RejectReason.InvalidHost;
        }

        if (head.Form == TargetForm.Absolute)
        {
            // The absolute-form authority wins (RFC 9112 section 3.2.2); a different Host is ambiguous, so reject it.
            if (!head[head.Authority].SequenceEqual(host) && !EqualsAsciiIgnoreCase(head[head.Authority], host))
            {
                return RejectReason.HostMismatch;
            }

            return RejectReason.None;
        }

        FieldLine field = head.Fields[hostField];
        head.Authority = new OffsetRange(field.ValueStart, field.ValueLength);
        return RejectReason.None;
    }

    private static RejectReason ReadConnectionOptions(ReadOnlySpan<byte> value, ref bool close, ref bool keepAlive, ref bool upgrade)
    {
        foreach (Range memberRange in value.Split((byte)','))
        {
            ReadOnlySpan<byte> member = HttpChars.TrimWhitespace(value[memberRange]);
            if (member.IsEmpty)
            {
                continue;
            }

            if (!HttpChars.IsToken(member))
            {
                return RejectReason.InvalidFieldValue;
            }

            if (HttpChars.EqualsIgnoreCase(member, "close"u8))
            {
                close = true;
            }
            else if (HttpChars.EqualsIgnoreCase(member, "keep-alive"u8))
            {
                keepAlive = true;
            }
            else if (HttpChars.EqualsIgnoreCase(member, "upgrade"u8))
            {
                upgrade = true;
            }
        }

        return RejectReason.None;
    }

    /// <summary>Drops every field the Connection value names; returns true when it names X-Request-Id.</summary>
    private static bool DropNamedFields(ReadOnlySpan<byte> section, Span<FieldLine> fields, ReadOnlySpan<byte> connectionValue)
    {
        bool namesRequestId = false;
        foreach (Range memberRange in connectionValue.Split((byte)','))
        {
            ReadOnlySpan<byte> member = HttpChars.TrimWhitespace(connectionValue[memberRange]);
            if (member.IsEmpty)
            {
                continue;
            }

            namesRequestId |= FieldSectionParser.NamesMatch(member, "x-request-id"u8);

            for (int i = 0; i < fields.Length; i++)
            {
                if (FieldSectionParser.NamesMatch(fields[i].Name(section), member))
                {
                    fields[i].Dropped = true;
                }
            }
        }

        return namesRequestId;
    }

    private static bool IsWebSocketOnly(ReadOnlySpan<byte> upgradeValue)
    {
        ReadOnlySpan<byte> trimmed = HttpChars.TrimWhitespace(upgradeValue);
        return HttpChars.EqualsIgnoreCase(trimmed, "websocket"u8);
    }

    /// <summary>Checks host [ ":" port ] (RFC 3986 section 3.2.2 and 3.2.3) without percent-encoding.</summary>
    internal static bool IsValidAuthority(ReadOnlySpan<byte> authority)
    {
        if (authority.IsEmpty)
        {
            return false;
        }

        ReadOnlySpan<byte> host = authority;
        ReadOnlySpan<byte> port = default;
        bool hasPort = false;

        if (authority[0] == '[')
        {
            int close = authority.IndexOf((byte)']');
            if (close < 2 || authority[1..close].ContainsAnyExcept(HttpChars.IPv6Literal))
            {
                return false;
            }

            host = authority[..(close + 1)];
            if (close + 1 < authority.Length)
            {
                if (authority[close + 1] != ':')
                {
                    return false;
                }

                port = authority[(close + 2)..];
                hasPort = true;
            }
        }
        else
        {
            int colon = authority.IndexOf((byte)':');
            if (colon >= 0)
            {
                host = authority[..colon];
                port = authority[(colon + 1)..];
                hasPort = true;
            }

            if (host.IsEmpty || host.ContainsAnyExcept(HttpChars.RegName))
            {
                return false;
            }
        }

        if (hasPort)
        {
            if (port.IsEmpty || port.Length > 5 || port.ContainsAnyExceptInRange((byte)'0', (byte)'9'))
            {
                return false;
            }

            int number = 0;
            foreach (byte digit in port)
            {
                number = (number * 10) + (digit - '0');
            }

            if (number > 65535)
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsValidRequestId(ReadOnlySpan<byte> value) =>
        value.Length is > 0 and <= 128 && !value.ContainsAnyExcept(RequestIdChars);

    private static readonly System.Buffers.SearchValues<byte> RequestIdChars =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._:"u8);

    private static bool EqualsAsciiIgnoreCase(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        if (left.Length != right.Length)
        {
            return false;
        }

        for (int i = 0; i < left.Length; i++)
        {
            if ((left[i] | 0x20) != (right[i] | 0x20) || ((left[i] ^ right[i]) != 0 && !char.IsAsciiLetter((char)left[i])))
            {
                return false;
            }
        }

        return true;
    }

    private static KnownMethod ClassifyMethod(ReadOnlySpan<byte> method)
    {
        // Methods are case-sensitive (RFC 9110 section 9.1).
        return method.Length switch
        {
            3 when method.SequenceEqual("GET"u8) => KnownMethod.Get,
            3 when method.SequenceEqual("PUT"u8) => KnownMethod.Put,
            4 when method.SequenceEqual("HEAD"u8) => KnownMethod.Head,
            4 when method.SequenceEqual("POST"u8) => KnownMethod.Post,
            5 when method.SequenceEqual("PATCH"u8) => KnownMethod.Patch,
            5 when method.SequenceEqual("TRACE"u8) => KnownMethod.Trace,
            6 when method.SequenceEqual("DELETE"u8) => KnownMethod.Delete,
            7 when method.SequenceEqual("OPTIONS"u8) => KnownMethod.Options,
            7 when method.SequenceEqual("CONNECT"u8) => KnownMethod.Connect,
            _ => KnownMethod.Other,
        };
    }
}
