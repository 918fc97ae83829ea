namespace FastContractorProxy.Http1;

/// <summary>Content-Length and Transfer-Encoding rules shared by requests and responses (RFC 9112 section 6).</summary>
internal static class FramingRules
{
    // 18 decimal digits always fit in a long, so no overflow check is needed below that.
    private const int MaxContentLengthDigits = 18;

    /// <summary>
    /// Parses one Content-Length field value into <paramref name="contentLength"/> (-1 when none was seen yet).
    /// A list of identical values collapses to one (RFC 9110 section 8.6); differing values, signs, hex,
    /// empty members and numbers over 18 digits are rejected.
    /// </summary>
    public static RejectReason ParseContentLength(ReadOnlySpan<byte> value, ref long contentLength)
    {
        if (value.IsEmpty)
        {
            return RejectReason.InvalidContentLength;
        }

        foreach (Range memberRange in value.Split((byte)','))
        {
            ReadOnlySpan<byte> member = HttpChars.TrimWhitespace(value[memberRange]);
            if (member.IsEmpty || member.Length > MaxContentLengthDigits || member.ContainsAnyExceptInRange((byte)'0', (byte)'9'))
            {
                return RejectReason.InvalidContentLength;
            }

            long parsed = 0;
            foreach (byte digit in member)
            {
                parsed = (parsed * 10) + (digit - '0');
            }

            if (contentLength >= 0 && contentLength != parsed)
            {
                return RejectReason.ConflictingContentLength;
            }

            contentLength = parsed;
        }

        return RejectReason.None;
    }

    /// <summary>
    /// Applies the Transfer-Encoding rules to a request whose fields were parsed: not with Content-Length, not in
    /// HTTP/1.0, chunked exactly once and last. Another coding before chunked is 501 because the proxy does not
    /// implement it; a list without chunked last cannot be framed, so it is 400.
    /// </summary>
    public static RejectReason CheckTransferEncoding(ReadOnlySpan<byte> section, RequestHead head)
    {
        if (head.ContentLength >= 0)
        {
            return RejectReason.ContentLengthWithTransferEncoding;
        }

        if (head.Version == HttpVersion.Http10)
        {
            return RejectReason.TransferEncodingInHttp10;
        }

        RejectReason reason = ReadCodings(section, head.Fields.AsSpan(0, head.FieldCount), out bool chunkedLast);
        if (reason != RejectReason.None)
        {
            return reason;
        }

        head.Chunked = chunkedLast;
        return RejectReason.None;
    }

    /// <summary>
    /// Reads every Transfer-Encoding member across all such fields, in order. Sets <paramref name="chunkedLast"/>
    /// when the list is exactly "[other codings,] chunked".
    /// </summary>
    public static RejectReason ReadCodings(ReadOnlySpan<byte> section, ReadOnlySpan<FieldLine> fields, out bool chunkedLast)
    {
        chunkedLast = false;
        int members = 0;
        bool chunkedSeen = false;
        bool otherSeen = false;

        foreach (FieldLine field in fields)
        {
            if (field.Kind != FieldKind.TransferEncoding)
            {
                continue;
            }

            ReadOnlySpan<byte> value = field.Value(section);
            foreach (Range memberRange in value.Split((byte)','))
            {
                ReadOnlySpan<byte> member = HttpChars.TrimWhitespace(value[memberRange]);
                if (member.IsEmpty)
                {
                    continue;
                }

                if (!HttpChars.IsToken(member))
                {
                    return RejectReason.InvalidTransferCoding;
                }

                if (chunkedSeen)
                {
                    // Anything after chunked, including a second chunked, leaves the length undeterminable.
                    return RejectReason.ChunkedNotFinal;
                }

                members++;
                if (HttpChars.EqualsIgnoreCase(member, "chunked"u8))
                {
                    chunkedSeen = true;
                }
                else
                {
                    otherSeen = true;
                }
            }
        }

        if (members == 0)
        {
            return RejectReason.InvalidTransferCoding;
        }

        if (!chunkedSeen)
        {
            return RejectReason.ChunkedNotFinal;
        }

        if (otherSeen)
        {
            return RejectReason.UnsupportedTransferCoding;
        }

        chunkedLast = true;
        return RejectReason.None;
    }
}
