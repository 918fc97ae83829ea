using System.Buffers;

namespace FastContractorProxy.Http1;

internal enum ChunkedStatus : byte
{
    /// <summary>Chunk data is available in the output sequence.</summary>
    Data,
    NeedMoreData,

    /// <summary>The last chunk and the trailer section were read; the body is complete.</summary>
    Completed,
    Invalid,
}

/// <summary>
/// Decodes the chunked transfer coding (RFC 9112 section 7.1) incrementally. Pure: bytes in, chunk data and
/// framing decisions out. Chunk extensions are validated and dropped. Trailer fields are validated, bounded
/// and dropped, because the proxy re-frames the body and forwards only what it parsed.
/// </summary>
internal struct ChunkedDecoder
{
    /// <summary>
    /// Largest accepted chunk size. Sizes above 32 bits are rejected because a peer that parses sizes into 32
    /// bits would read a different chunk boundary than the proxy.
    /// </summary>
    public const long MaxChunkSize = uint.MaxValue;

    /// <summary>Longest chunk-size line accepted, extensions included. Trailer lines are bounded by the trailer budget instead.</summary>
    private const int MaxSizeLineBytes = 4096;

    private State _state;
    private long _remaining;
    private int _trailerBytes;

    private enum State : byte
    {
        Size,
        Data,
        DataEnd,
        Trailer,
        Completed,
    }

    public readonly bool IsCompleted => _state == State.Completed;

    /// <summary>
    /// Reads from <paramref name="reader"/>. Data: <paramref name="data"/> is the next piece of chunk data and the
    /// reader has advanced past it. NeedMoreData: the unread input ends inside a line, and the reader was not advanced past that line's start.
    /// Completed: the body ended and the reader stands after it. Invalid: <paramref name="reason"/> says why.
    /// </summary>
    public ChunkedStatus Read(ref SequenceReader<byte> reader, int maxTrailerBytes, out ReadOnlySequence<byte> data, out RejectReason reason)
    {
        data = default;
        reason = RejectReason.None;

        while (true)
        {
            switch (_state)
            {
                case State.Size:
                {
                    if (!TryReadLine(ref reader, MaxSizeLineBytes, RejectReason.InvalidChunkSize, out ReadOnlySpan<byte> line, out reason))
                    {
                        return reason == RejectReason.None ? ChunkedStatus.NeedMoreData : ChunkedStatus.Invalid;
                    }

                    reason = ParseSizeLine(line, out _remaining);
                    if (reason != RejectReason.None)
                    {
                        return ChunkedStatus.Invalid;
                    }

                    _state = _remaining == 0 ? State.Trailer : State.Data;
                    break;
                }

                case State.Data:
                {
                    if (reader.End)
                    {
                        return ChunkedStatus.NeedMoreData;
                    }

                    long take = Math.Min(_remaining, reader.Remaining);
                    data = reader.UnreadSequence.Slice(0, take);
                    reader.Advance(take);
                    _remaining -= take;
                    if (_remaining == 0)
                    {
                        _state = State.DataEnd;
                    }

                    return ChunkedStatus.Data;
                }

                case State.DataEnd:
                {
                    if (reader.Remaining < 2)
                    {
                        if (!reader.End && reader.UnreadSpan[0] != '\r')
                        {
                            reason = RejectReason.MissingChunkTerminator;
                            return ChunkedStatus.Invalid;
                        }

                        return ChunkedStatus.NeedMoreData;
                    }

                    if (!reader.IsNext("\r\n"u8, advancePast: true))
                    {
                        reason = RejectReason.MissingChunkTerminator;
                        return ChunkedStatus.Invalid;
                    }

                    _state = State.Size;
                    break;
                }

                case State.Trailer:
                {
                    // maxTrailerBytes bounds the field lines with their CRLFs but not the final CRLF, which is not
                    // part of the trailer section (RFC 9112 section 7.1.2). A field line of n bytes uses n + 2 bytes
                    // of the budget, so at most budget - 1 bytes (n and the CR) may precede its LF.
                    int maxLineBytes = Math.Max(maxTrailerBytes - _trailerBytes - 1, 1);
                    if (!TryReadLine(ref reader, maxLineBytes, RejectReason.TrailerSectionTooLarge, out ReadOnlySpan<byte> line, out reason))
                    {
                        return reason == RejectReason.None ? ChunkedStatus.NeedMoreData : ChunkedStatus.Invalid;
                    }

                    if (line.IsEmpty)
                    {
                        _state = State.Completed;
                        return ChunkedStatus.Completed;
                    }

                    _trailerBytes += line.Length + 2;
                    if (!IsValidTrailerLine(line))
                    {
                        reason = RejectReason.InvalidTrailer;
                        return ChunkedStatus.Invalid;
                    }

                    break;
                }

                case State.Completed:
                    return ChunkedStatus.Completed;
            }
        }
    }

    /// <summary>Parses chunk-size [ chunk-ext ] without its CRLF.</summary>
    internal static RejectReason ParseSizeLine(ReadOnlySpan<byte> line, out long size)
    {
        size = 0;
        int i = 0;
        int significantDigits = 0;
        while (i < line.Length)
        {
            int digit = HttpChars.HexValue(line[i]);
            if (digit < 0)
            {
                break;
            }

            if (significantDigits > 0 || digit != 0)
            {
                significantDigits++;
            }

            if (significantDigits > 8)
            {
                return RejectReason.ChunkSizeTooLarge;
            }

            size = (size << 4) | (uint)digit;
            i++;
        }

        if (i == 0)
        {
            return RejectReason.InvalidChunkSize;
        }

        if (size > MaxChunkSize)
        {
            return RejectReason.ChunkSizeTooLarge;
        }

        if (i == line.Length)
        {
            return RejectReason.None;
        }

        // Only whitespace (BWS) or ';' may follow the size.
        if (line[i] != ';' && line[i] != ' ' && line[i] != '\t')
        {
            return RejectReason.InvalidChunkSize;
        }

        return IsValidExtensionList(line[i..]) ? RejectReason.None : RejectReason.InvalidChunkExtension;
    }

    // chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] ), value = token / quoted-string.
    private static bool IsValidExtensionList(ReadOnlySpan<byte> text)
    {
        int i = 0;
        while (true)
        {
            i = SkipWhitespace(text, i);
            if (i == text.Length)
            {
                return true;
            }

            if (text[i] != ';')
            {
                return false;
            }

            i = SkipWhitespace(text, i + 1);
            int nameStart = i;
            while (i < text.Length && HttpChars.Token.Contains(text[i]))
            {
                i++;
            }

            if (i == nameStart)
            {
                return false;
            }

            i = SkipWhitespace(text, i);
            if (i == text.Length || text[i] != '=')
            {
                continue;
            }

            i = SkipWhitespace(text, i + 1);
            if (i == text.Length)
            {
                return false;
            }

            if (text[i] == '"')
            {
                i = SkipQuotedString(text, i);
                if (i < 0)
                {
                    return false;
                }
            }
            else
            {
                int valueStart = i;
                while (i < text.Length && HttpChars.Token.Contains(text[i]))
                {
                    i++;
                }

                if (i == valueStart)
                {
                    return false;
                }
            }
        }
    }

    private static int SkipWhitespace(ReadOnlySpan<byte> text, int i)
    {
        while (i < text.Length && (text[i] == ' ' || text[i] == '\t'))
        {
            i++;
        }

        return i;
    }

    // Returns the index after the closing quote, or -1 when the quoted-string is malformed.
    private static int SkipQuotedString(ReadOnlySpan<byte> text, int i)
    {
        for (i++; i < text.Length; i++)
        {
            byte b = text[i];
            if (b == '"')
            {
                return i + 1;
            }

            if (b == '\\')
            {
                i++;
                if (i == text.Length || (text[i] < 0x20 && text[i] != '\t') || text[i] == 0x7F)
                {
                    return -1;
                }

                continue;
            }

            if ((b < 0x20 && b != '\t') || b == 0x7F)
            {
                return -1;
            }
        }

        return -1;
    }

    private static bool IsValidTrailerLine(ReadOnlySpan<byte> line)
    {
        if (line[0] == ' ' || line[0] == '\t')
        {
            return false;
        }

        int colon = line.IndexOf((byte)':');
        if (colon <= 0 || line[..colon].ContainsAnyExcept(HttpChars.Token))
        {
            return false;
        }

        return !line[(colon + 1)..].ContainsAnyExcept(HttpChars.FieldValue);
    }

    /// <summary>
    /// Reads one CRLF-terminated line without its CRLF. False with no reason when the line is incomplete (the
    /// reader is left where it was); false with a reason when the line is malformed, or
    /// <paramref name="tooLongReason"/> when more than <paramref name="maxLineBytes"/> bytes precede its LF.
    /// </summary>
    private static bool TryReadLine(ref SequenceReader<byte> reader, int maxLineBytes, RejectReason tooLongReason, out ReadOnlySpan<byte> line, out RejectReason reason)
    {
        line = default;
        reason = RejectReason.None;
        SequenceReader<byte> probe = reader;
        if (!probe.TryReadTo(out ReadOnlySequence<byte> lineWithCr, (byte)'\n', advancePastDelimiter: true))
        {
            if (reader.Remaining > maxLineBytes)
            {
                reason = tooLongReason;
            }

            return false;
        }

        if (lineWithCr.Length > maxLineBytes)
        {
            reason = tooLongReason;
            return false;
        }

        // NOTE: a line split across pipe segments is copied to a new array (about 100 B), the only allocation here.
        ReadOnlySpan<byte> bytes = lineWithCr.IsSingleSegment ? lineWithCr.FirstSpan : lineWithCr.ToArray();
        if (bytes.IsEmpty || bytes[^1] != '\r')
        {
            reason = RejectReason.BareLineFeed;
            return false;
        }

        line = bytes[..^1];
        if (line.Contains((byte)'\r'))
        {
            reason = RejectReason.BareCarriageReturn;
            return false;
        }

        reader = probe;
        return true;
    }
}
