using System.Buffers;
using FastContractorProxy.Http1;
using static FastContractorProxy.Tests.Http1.TestSequences;

namespace FastContractorProxy.Tests.Http1;

public class HeadBufferTests
{
    private const string Head = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";

    private static ParseStatus Accumulate(HeadBuffer buffer, string input, int maxStartLine, int maxSection, out int consumed, out RejectReason reason) =>
        buffer.Accumulate(new ReadOnlySequence<byte>(Bytes(input)), maxStartLine, maxSection, out consumed, out reason);

    [Fact]
    public void CompleteHead_Done()
    {
        using var buffer = new HeadBuffer();

        ParseStatus status = Accumulate(buffer, Head + "extra", 100, 100, out int consumed, out RejectReason reason);

        Assert.Equal(ParseStatus.Done, status);
        Assert.Equal(RejectReason.None, reason);
        Assert.Equal(Head.Length, consumed);
        Assert.Equal(Head.Length, buffer.SectionLength);
        Assert.Equal(Head, Text(buffer.Section));
    }

    [Fact]
    public void PartialHead_NeedsMoreDataAndConsumesNothing()
    {
        using var buffer = new HeadBuffer();

        ParseStatus status = Accumulate(buffer, Head[..^1], 100, 100, out int consumed, out RejectReason reason);

        Assert.Equal(ParseStatus.NeedMoreData, status);
        Assert.Equal(0, consumed);
        Assert.Equal(RejectReason.None, reason);
        Assert.False(buffer.IsEmpty);
    }

    [Fact]
    public void LeadingEmptyLines_Skipped()
    {
        using var buffer = new HeadBuffer();

        ParseStatus status = Accumulate(buffer, "\r\n\r\n" + Head, 100, 100, out int consumed, out _);

        Assert.Equal(ParseStatus.Done, status);
        Assert.Equal(4, buffer.LeadingBytes);
        Assert.Equal(Head.Length + 4, consumed);
        Assert.Equal(Head, Text(buffer.Section));
    }

    [Fact]
    public void LeadingBareLineFeed_BecomesStartLine()
    {
        using var buffer = new HeadBuffer();
        var head = new RequestHead();

        Assert.Equal(ParseStatus.Done, Accumulate(buffer, "\n" + Head, 100, 100, out _, out _));
        head.Attach(buffer.Buffer, buffer.LeadingBytes, buffer.SectionLength);

        Assert.Equal(0, buffer.LeadingBytes);
        Assert.Equal(RejectReason.InvalidRequestLine, RequestHeadParser.Parse(head));
    }

    [Fact]
    public void StartLine_AtLimit_Done()
    {
        using var buffer = new HeadBuffer();

        Assert.Equal(ParseStatus.Done, Accumulate(buffer, Head, "GET / HTTP/1.1".Length, 100, out _, out _));
    }

    [Fact]
    public void StartLine_OverLimit_414()
    {
        using var buffer = new HeadBuffer();

        ParseStatus status = Accumulate(buffer, Head, "GET / HTTP/1.1".Length - 1, 100, out _, out RejectReason reason);

        Assert.Equal(ParseStatus.Invalid, status);
        Assert.Equal(RejectReason.RequestLineTooLong, reason);
    }

    [Fact]
    public void StartLine_AtLimitUnended_NeedsMoreData()
    {
        using var buffer = new HeadBuffer();

        Assert.Equal(ParseStatus.NeedMoreData, Accumulate(buffer, "GET / HTTP/1.1\r", "GET / HTTP/1.1".Length, 100, out _, out _));
    }

    [Fact]
    public void StartLine_OverLimitWithoutLineFeed_414()
    {
        using var buffer = new HeadBuffer();

        ParseStatus status = Accumulate(buffer, "GET / HTTP/1.1x\r", "GET / HTTP/1.1".Length, 100, out _, out RejectReason reason);

        Assert.Equal(ParseStatus.Invalid, status);
        Assert.Equal(RejectReason.RequestLineTooLong, reason);
    }

    [Fact]
    public void StartLineLimit_ExcludesLeadingEmptyLines()
    {
        using var buffer = new HeadBuffer();

        Assert.Equal(ParseStatus.Done, Accumulate(buffer, "\r\n\r\n" + Head, "GET / HTTP/1.1".Length, 100, out _, out _));
    }

    [Fact]
    public void Section_AtLimit_Done()
    {
        using var buffer = new HeadBuffer();

        Assert.Equal(ParseStatus.Done, Accumulate(buffer, Head, 100, Head.Length, out _, out _));
    }

    [Fact]
    public void Section_OneOverLimit_431()
    {
        using var buffer = new HeadBuffer();

        ParseStatus status = Accumulate(buffer, Head, 100, Head.Length - 1, out _, out RejectReason reason);

        Assert.Equal(ParseStatus.Invalid, status);
        Assert.Equal(RejectReason.HeaderSectionTooLarge, reason);
    }

    [Fact]
    public void Section_OverLimitWithoutEnd_431()
    {
        using var buffer = new HeadBuffer();

        ParseStatus status = Accumulate(buffer, "GET / HTTP/1.1\r\nX: " + new string('a', 200), 100, 100, out _, out RejectReason reason);

        Assert.Equal(ParseStatus.Invalid, status);
        Assert.Equal(RejectReason.HeaderSectionTooLarge, reason);
    }

    // The buffer copies at most the section limit plus two bytes, leading empty lines included, so a section
    // that has not ended within them never will. It must be rejected rather than wait for bytes never copied.
    [Fact]
    public void LeadingEmptyLines_OverSectionLimit_431()
    {
        using var buffer = new HeadBuffer();
        string input = "\r\n\r\n\r\n" + Head + "GET /next HTTP/1.1\r\n";

        ParseStatus status = Accumulate(buffer, input, 100, Head.Length, out _, out RejectReason reason);

        Assert.Equal(ParseStatus.Invalid, status);
        Assert.Equal(RejectReason.HeaderSectionTooLarge, reason);
    }

    [Fact]
    public void EndlessEmptyLines_431()
    {
        using var buffer = new HeadBuffer();
        string input = string.Concat(Enumerable.Repeat("\r\n", 100));

        ParseStatus status = Accumulate(buffer, input, 100, 100, out _, out RejectReason reason);

        Assert.Equal(ParseStatus.Invalid, status);
        Assert.Equal(RejectReason.HeaderSectionTooLarge, reason);
    }

    [Fact]
    public void EndlessEmptyLines_Incremental_431()
    {
        using var buffer = new HeadBuffer();
        var input = new List<byte[]>();
        ParseStatus status = ParseStatus.NeedMoreData;
        RejectReason reason = RejectReason.None;

        for (int i = 0; i < 100 && status == ParseStatus.NeedMoreData; i++)
        {
            input.Add(Bytes("\r\n"));
            status = buffer.Accumulate(Create(input), 100, 100, out _, out reason);
        }

        Assert.Equal(ParseStatus.Invalid, status);
        Assert.Equal(RejectReason.HeaderSectionTooLarge, reason);
    }

    [Fact]
    public void Reset_ReadsNextSection()
    {
        using var buffer = new HeadBuffer();
        string second = "GET /b HTTP/1.1\r\nHost: b\r\n\r\n";
        Assert.Equal(ParseStatus.Done, Accumulate(buffer, Head + second, 100, 100, out int consumed, out _));

        buffer.Reset();
        Assert.True(buffer.IsEmpty);
        ParseStatus status = Accumulate(buffer, (Head + second)[consumed..], 100, 100, out int secondConsumed, out _);

        Assert.Equal(ParseStatus.Done, status);
        Assert.Equal(second.Length, secondConsumed);
        Assert.Equal(second, Text(buffer.Section));
    }

    [Fact]
    public void LargeSection_GrowsBuffer()
    {
        using var buffer = new HeadBuffer();
        string head = "GET / HTTP/1.1\r\nX: " + new string('a', 20_000) + "\r\n\r\n";

        ParseStatus status = Accumulate(buffer, head, 100, 32 * 1024, out int consumed, out _);

        Assert.Equal(ParseStatus.Done, status);
        Assert.Equal(head.Length, consumed);
        Assert.Equal(head, Text(buffer.Section));
    }

    [Fact]
    public void Release_ThenReuse_Done()
    {
        using var buffer = new HeadBuffer();
        Assert.Equal(ParseStatus.Done, Accumulate(buffer, Head, 100, 100, out _, out _));

        buffer.Release();

        Assert.Equal(ParseStatus.Done, Accumulate(buffer, Head, 100, 100, out _, out _));
        Assert.Equal(Head, Text(buffer.Section));
    }
}
