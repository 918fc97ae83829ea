using System.Buffers;

namespace FastContractorProxy.Http1;

/// <summary>The three outcomes of every incremental parse step.</summary>
internal enum ParseStatus : byte
{
    Done,
    NeedMoreData,
    Invalid,
}

/// <summary>
/// Collects the bytes of one header section (start line, field lines and the empty line) from a pipe into a
/// contiguous, pooled buffer, so that the parser gets one span however the bytes were split. Bytes already
/// scanned are not scanned again, so a client that sends one byte at a time costs linear work.
/// </summary>
internal sealed class HeadBuffer : IDisposable
{
    private const int InitialSize = 4096;

    // Bytes copied from the pipe between scans: a typical request head fits in one step.
    private const int CopyStep = 1024;

    private byte[] _bytes = [];
    private int _count;
    private int _scanOffset;
    private int _lineStart;
    private bool _startLineSeen;

    /// <summary>Number of empty lines (CRLF) skipped before the start line, as RFC 9112 section 2.2 allows.</summary>
    public int LeadingBytes { get; private set; }

    /// <summary>The complete section once <see cref="Accumulate"/> returned Done, from the start line to the empty line.</summary>
    public ReadOnlySpan<byte> Section => _bytes.AsSpan(LeadingBytes, SectionLength);

    public int SectionLength { get; private set; }

    /// <summary>The pooled buffer that <see cref="Section"/> is a slice of; valid until <see cref="Reset"/>.</summary>
    internal byte[] Buffer => _bytes;

    /// <summary>Offset of the last line examined, for error reports.</summary>
    public int ErrorOffset => _lineStart;

    /// <summary>
    /// Copies new bytes from <paramref name="input"/> (which starts at the section's first byte) and looks for
    /// the empty line that ends the section. Done: <paramref name="consumed"/> bytes of input belong to the
    /// section. NeedMoreData: nothing is consumed and all input was examined. Invalid: a limit was exceeded.
    /// </summary>
    public ParseStatus Accumulate(in ReadOnlySequence<byte> input, int maxStartLineBytes, int maxSectionBytes, out int consumed, out RejectReason reason)
    {
        consumed = 0;
        reason = RejectReason.None;

        int limit = maxSectionBytes + 2;
        long available = Math.Min(input.Length, limit);

        // Copy in steps and scan after each one, so that bytes after the section (pipelined requests, body
        // data) are copied at most one step's worth instead of up to the whole limit.
        while (true)
        {
            ParseStatus status = ScanCopiedBytes(maxStartLineBytes, maxSectionBytes, out consumed, out reason);
            if (status != ParseStatus.NeedMoreData || _count >= available)
            {
                if (status != ParseStatus.NeedMoreData)
                {
                    return status;
                }

                break;
            }

            int step = (int)Math.Min(available - _count, CopyStep);
            EnsureCapacity(_count + step, limit);
            input.Slice(_count, step).CopyTo(_bytes.AsSpan(_count));
            _count += step;
        }

        if (!_startLineSeen && _count - _lineStart > maxStartLineBytes + 1)
        {
            reason = RejectReason.RequestLineTooLong;
            return ParseStatus.Invalid;
        }

        // Only the first limit bytes are ever copied, leading empty lines included, so a section that has not
        // ended within them never will. Leading empty lines therefore count toward the section limit.
        if (_count - LeadingBytes > maxSectionBytes || _count == limit)
        {
            reason = RejectReason.HeaderSectionTooLarge;
            return ParseStatus.Invalid;
        }

        return ParseStatus.NeedMoreData;
    }

    // Scans the copied bytes not scanned yet for line ends. NeedMoreData means the copied bytes end mid-section.
    private ParseStatus ScanCopiedBytes(int maxStartLineBytes, int maxSectionBytes, out int consumed, out RejectReason reason)
    {
        consumed = 0;
        reason = RejectReason.None;
        while (_scanOffset < _count)
        {
            int lineFeed = _bytes.AsSpan(_scanOffset, _count - _scanOffset).IndexOf((byte)'\n');
            if (lineFeed < 0)
            {
                _scanOffset = _count;
                break;
            }

            int lineEnd = _scanOffset + lineFeed;
            int lineLength = lineEnd - _lineStart;
            bool emptyLine = lineLength == 0 || (lineLength == 1 && _bytes[_lineStart] == '\r');
            _scanOffset = lineEnd + 1;

            if (!_startLineSeen)
            {
                if (emptyLine && lineLength == 1)
                {
                    LeadingBytes = _scanOffset;
                    _lineStart = _scanOffset;
                    continue;
                }

                if (lineLength > maxStartLineBytes + 1)
                {
                    reason = RejectReason.RequestLineTooLong;
                    return ParseStatus.Invalid;
                }

                _startLineSeen = true;
                _lineStart = _scanOffset;
                continue;
            }

            if (emptyLine)
            {
                SectionLength = _scanOffset - LeadingBytes;
                if (SectionLength > maxSectionBytes)
                {
                    reason = RejectReason.HeaderSectionTooLarge;
                    return ParseStatus.Invalid;
                }

                consumed = _scanOffset;
                return ParseStatus.Done;
            }

            _lineStart = _scanOffset;
        }

        return ParseStatus.NeedMoreData;
    }

    /// <summary>True when no byte of a new section has arrived yet.</summary>
    public bool IsEmpty => _count == 0;

    /// <summary>Forgets the current section and returns a large buffer to the pool; a small one is kept for the next section.</summary>
    public void Reset()
    {
        _count = 0;
        _scanOffset = 0;
        _lineStart = 0;
        _startLineSeen = false;
        LeadingBytes = 0;
        SectionLength = 0;
        if (_bytes.Length > InitialSize)
        {
            ArrayPool<byte>.Shared.Return(_bytes);
            _bytes = [];
        }
    }

    /// <summary>Returns the buffer to the pool, so an idle keep-alive connection keeps no section buffer.</summary>
    public void Release()
    {
        Reset();
        if (_bytes.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_bytes);
            _bytes = [];
        }
    }

    public void Dispose() => Release();

    private void EnsureCapacity(int needed, int limit)
    {
        if (_bytes.Length >= needed)
        {
            return;
        }

        int size = Math.Max(InitialSize, _bytes.Length * 2);
        while (size < needed)
        {
            size *= 2;
        }

        size = Math.Min(size, Math.Max(limit, needed));
        byte[] larger = ArrayPool<byte>.Shared.Rent(size);
        _bytes.AsSpan(0, _count).CopyTo(larger);
        if (_bytes.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_bytes);
        }

        _bytes = larger;
    }
}
