namespace FastContractorProxy.Http1;

/// <summary>
/// Parses the field lines of a header or trailer section (RFC 9112 section 5) from a contiguous buffer that
/// ends with the empty line. Strict: CRLF line endings only, no obs-fold, no whitespace before the colon,
/// field names are tokens, and values contain no control characters other than HTAB.
/// </summary>
internal static class FieldSectionParser
{
    /// <summary>
    /// Parses field lines starting at <paramref name="offset"/> until the empty line. Returns
    /// <see cref="RejectReason.None"/> and the field count, or the reason and the offset where parsing failed.
    /// </summary>
    public static RejectReason Parse(ReadOnlySpan<byte> section, int offset, Span<FieldLine> fields, out int count, out int errorOffset)
    {
        count = 0;
        errorOffset = offset;

        while (true)
        {
            ReadOnlySpan<byte> rest = section[offset..];
            int lineFeed = rest.IndexOf((byte)'\n');
            if (lineFeed < 0)
            {
                // The caller passes a complete section, so a missing line end means it was cut.
                errorOffset = offset;
                return RejectReason.InvalidRequestLine;
            }

            if (lineFeed == 0 || rest[lineFeed - 1] != '\r')
            {
                errorOffset = offset + lineFeed;
                return RejectReason.BareLineFeed;
            }

            ReadOnlySpan<byte> line = rest[..(lineFeed - 1)];
            if (line.IsEmpty)
            {
                return RejectReason.None;
            }

            errorOffset = offset;
            if (line[0] == ' ' || line[0] == '\t')
            {
                return RejectReason.ObsoleteLineFolding;
            }

            int colon = line.IndexOf((byte)':');
            if (colon <= 0)
            {
                return RejectReason.InvalidFieldName;
            }

            ReadOnlySpan<byte> name = line[..colon];
            if (name[^1] == ' ' || name[^1] == '\t')
            {
                return RejectReason.WhitespaceBeforeColon;
            }

            if (name.ContainsAnyExcept(HttpChars.Token))
            {
                return name.Contains((byte)'\r') ? RejectReason.BareCarriageReturn : RejectReason.InvalidFieldName;
            }

            ReadOnlySpan<byte> rawValue = line[(colon + 1)..];
            int invalid = rawValue.IndexOfAnyExcept(HttpChars.FieldValue);
            if (invalid >= 0)
            {
                errorOffset = offset + colon + 1 + invalid;
                return rawValue[invalid] == '\r' ? RejectReason.BareCarriageReturn : RejectReason.InvalidFieldValue;
            }

            if (count == fields.Length)
            {
                return RejectReason.TooManyFields;
            }

            int valueStart = colon + 1;
            while (valueStart < line.Length && (line[valueStart] == ' ' || line[valueStart] == '\t'))
            {
                valueStart++;
            }

            int valueEnd = line.Length;
            while (valueEnd > valueStart && (line[valueEnd - 1] == ' ' || line[valueEnd - 1] == '\t'))
            {
                valueEnd--;
            }

            ref FieldLine field = ref fields[count++];
            field.NameStart = offset;
            field.NameLength = colon;
            field.ValueStart = offset + valueStart;
            field.ValueLength = valueEnd - valueStart;
            field.Kind = Classify(name);
            field.Dropped = false;

            offset += lineFeed + 1;
        }
    }

    /// <summary>Classifies a field name, ignoring ASCII case.</summary>
    public static FieldKind Classify(ReadOnlySpan<byte> name)
    {
        switch (name.Length)
        {
            case 2:
                return HttpChars.EqualsIgnoreCase(name, "te"u8) ? FieldKind.HopByHop : FieldKind.Other;
            case 4:
                return HttpChars.EqualsIgnoreCase(name, "host"u8) ? FieldKind.Host : FieldKind.Other;
            case 6:
                return HttpChars.EqualsIgnoreCase(name, "expect"u8) ? FieldKind.Expect : FieldKind.Other;
            case 7:
                if (HttpChars.EqualsIgnoreCase(name, "upgrade"u8))
                {
                    return FieldKind.Upgrade;
                }

                return HttpChars.EqualsIgnoreCase(name, "trailer"u8) ? FieldKind.HopByHop : FieldKind.Other;
            case 10:
                if (HttpChars.EqualsIgnoreCase(name, "connection"u8))
                {
                    return FieldKind.Connection;
                }

                return HttpChars.EqualsIgnoreCase(name, "keep-alive"u8) ? FieldKind.HopByHop : FieldKind.Other;
            case 12:
                return HttpChars.EqualsIgnoreCase(name, "x-request-id"u8) ? FieldKind.RequestId : FieldKind.Other;
            case 13:
                return HttpChars.EqualsIgnoreCase(name, "authorization"u8) ? FieldKind.Authorization : FieldKind.Other;
            case 14:
                if (HttpChars.EqualsIgnoreCase(name, "content-length"u8))
                {
                    return FieldKind.ContentLength;
                }

                return HttpChars.EqualsIgnoreCase(name, "http2-settings"u8) ? FieldKind.HopByHop : FieldKind.Other;
            case 16:
                return HttpChars.EqualsIgnoreCase(name, "proxy-connection"u8) ? FieldKind.HopByHop : FieldKind.Other;
            case 17:
                return HttpChars.EqualsIgnoreCase(name, "transfer-encoding"u8) ? FieldKind.TransferEncoding : FieldKind.Other;
            case 18:
                return HttpChars.EqualsIgnoreCase(name, "proxy-authenticate"u8) ? FieldKind.HopByHop : FieldKind.Other;
            case 19:
                return HttpChars.EqualsIgnoreCase(name, "proxy-authorization"u8) ? FieldKind.HopByHop : FieldKind.Other;
            default:
                return FieldKind.Other;
        }
    }

    /// <summary>
    /// Compares two field names ignoring ASCII case and treating '_' as '-', because CGI-style frameworks
    /// read <c>X_Auth_User</c> and <c>X-Auth-User</c> as the same field.
    /// </summary>
    public static bool NamesMatch(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        if (left.Length != right.Length)
        {
            return false;
        }

        for (int i = 0; i < left.Length; i++)
        {
            if (Fold(left[i]) != Fold(right[i]))
            {
                return false;
            }
        }

        return true;
    }

    internal static byte Fold(byte value)
    {
        if ((uint)(value - 'A') <= 'Z' - 'A')
        {
            return (byte)(value | 0x20);
        }

        return value == '_' ? (byte)'-' : value;
    }
}
