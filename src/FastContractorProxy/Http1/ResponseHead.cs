namespace FastContractorProxy.Http1;

/// <summary>How the body of an upstream response is delimited (RFC 9112 section 6.3).</summary>
internal enum ResponseFraming : byte
{
    NoBody,
    ContentLength,
    Chunked,

    /// <summary>The body ends when the upstream closes the connection.</summary>
    CloseDelimited,
}

/// <summary>A parsed upstream response head; reused per upstream connection like <see cref="RequestHead"/>.</summary>
internal sealed class ResponseHead
{
    private byte[] _section = [];
    private int _sectionStart;

    public ResponseHead(int maxFields = RequestHead.DefaultMaxFields)
    {
        Fields = new FieldLine[maxFields];
    }

    public ReadOnlySpan<byte> Section => _section.AsSpan(_sectionStart, SectionLength);

    public int SectionLength { get; private set; }

    public int StatusCode;
    public OffsetRange ReasonPhrase;
    public HttpVersion Version;
    public FieldLine[] Fields;
    public int FieldCount;
    public long ContentLength;
    public ResponseFraming Framing;

    /// <summary>False when the upstream asked to close or framing leaves the connection unusable.</summary>
    public bool KeepAlive;

    internal void Attach(byte[] buffer, int start, int length)
    {
        _section = buffer;
        _sectionStart = start;
        SectionLength = length;
    }
}

/// <summary>
/// Parses an upstream response head. Anything that leaves the body length in doubt is rejected, because the
/// upstream connection could then be desynchronized: the exchange fails with 502 and the connection is closed.
/// </summary>
internal static class ResponseHeadParser
{
    /// <summary>Parses the attached section. <paramref name="requestMethod"/> decides whether a body can follow.</summary>
    public static bool TryParse(ResponseHead head, KnownMethod requestMethod, out int errorOffset)
    {
        ReadOnlySpan<byte> section = head.Section;
        errorOffset = 0;
        head.FieldCount = 0;
        head.ContentLength = -1;
        head.KeepAlive = true;

        // status-line = HTTP-version SP status-code SP [ reason-phrase ] CRLF
        int lineFeed = section.IndexOf((byte)'\n');
        if (lineFeed < 13 || section[lineFeed - 1] != '\r' || section[8] != ' ' || section[12] != ' ')
        {
            return false;
        }

        ReadOnlySpan<byte> version = section[..8];
        if (version.SequenceEqual("HTTP/1.1"u8))
        {
            head.Version = HttpVersion.Http11;
        }
        else if (version.SequenceEqual("HTTP/1.0"u8))
        {
            head.Version = HttpVersion.Http10;
        }
        else
        {
            return false;
        }

        // RFC 9110 section 15: status codes outside 100..599 are invalid.
        ReadOnlySpan<byte> status = section.Slice(9, 3);
        if (status.ContainsAnyExceptInRange((byte)'0', (byte)'9') || status[0] < '1' || status[0] > '5')
        {
            return false;
        }

        head.StatusCode = ((status[0] - '0') * 100) + ((status[1] - '0') * 10) + (status[2] - '0');
        ReadOnlySpan<byte> reason = section[13..(lineFeed - 1)];
        if (reason.ContainsAnyExcept(HttpChars.FieldValue))
        {
            errorOffset = 13;
            return false;
        }

        head.ReasonPhrase = new OffsetRange(13, reason.Length);

        if (FieldSectionParser.Parse(section, lineFeed + 1, head.Fields, out head.FieldCount, out errorOffset) != RejectReason.None)
        {
            return false;
        }

        return AnalyzeFraming(section, head, requestMethod, out errorOffset);
    }

    private static bool AnalyzeFraming(ReadOnlySpan<byte> section, ResponseHead head, KnownMethod requestMethod, out int errorOffset)
    {
        errorOffset = 0;
        bool hasTransferEncoding = false;
        bool closeOption = false;
        bool keepAliveOption = false;
        Span<FieldLine> fields = head.Fields.AsSpan(0, head.FieldCount);

        for (int i = 0; i < fields.Length; i++)
        {
            ref FieldLine field = ref fields[i];
            ReadOnlySpan<byte> value = field.Value(section);
            switch (field.Kind)
            {
                case FieldKind.ContentLength:
                    if (FramingRules.ParseContentLength(value, ref head.ContentLength) != RejectReason.None)
                    {
                        errorOffset = field.NameStart;
                        return false;
                    }

                    break;

                case FieldKind.TransferEncoding:
                    hasTransferEncoding = true;
                    field.Dropped = true;
                    break;

                case FieldKind.Connection:
                    field.Dropped = true;
                    foreach (Range memberRange in value.Split((byte)','))
                    {
                        ReadOnlySpan<byte> member = HttpChars.TrimWhitespace(value[memberRange]);
                        if (HttpChars.EqualsIgnoreCase(member, "close"u8))
                        {
                            closeOption = true;
                        }
                        else if (HttpChars.EqualsIgnoreCase(member, "keep-alive"u8) && head.Version == HttpVersion.Http10)
                        {
                            keepAliveOption = true;
                        }
                        else if (!member.IsEmpty)
                        {
                            for (int j = 0; j < fields.Length; j++)
                            {
                                if (FieldSectionParser.NamesMatch(fields[j].Name(section), member))
                                {
                                    fields[j].Dropped = true;
                                }
                            }
                        }
                    }

                    break;

                case FieldKind.HopByHop:
                case FieldKind.Upgrade:
                    field.Dropped = true;
                    break;
            }
        }

        // "close" wins wherever it appears; HTTP/1.0 persists only with "keep-alive".
        head.KeepAlive = !closeOption && (head.Version == HttpVersion.Http11 || keepAliveOption);

        // RFC 9112 section 6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing, even with Content-Length.
        if (hasTransferEncoding && head.Version == HttpVersion.Http10)
        {
            return false;
        }

        bool noBody = requestMethod == KnownMethod.Head || head.StatusCode < 200 || head.StatusCode == 204 || head.StatusCode == 304;
        if (noBody)
        {
            head.Framing = ResponseFraming.NoBody;
            return true;
        }

        if (hasTransferEncoding)
        {
            // Transfer-Encoding with Content-Length may be a smuggling attempt (RFC 9112 section 6.3), and a
            // coding other than exactly chunked cannot be re-framed: both are treated as invalid responses.
            if (head.ContentLength >= 0 || FramingRules.ReadCodings(section, fields, out bool chunked) != RejectReason.None || !chunked)
            {
                return false;
            }

            head.Framing = ResponseFraming.Chunked;
            return true;
        }

        if (head.ContentLength >= 0)
        {
            head.Framing = ResponseFraming.ContentLength;
            return true;
        }

        head.Framing = ResponseFraming.CloseDelimited;
        head.KeepAlive = false;
        return true;
    }
}
