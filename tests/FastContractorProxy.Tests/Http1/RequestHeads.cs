using System.Buffers;
using System.Text;
using FastContractorProxy.Http1;

namespace FastContractorProxy.Tests.Http1;

/// <summary>The outcome of reading one request head through <see cref="HeadBuffer"/> and <see cref="RequestHeadParser"/>.</summary>
internal sealed class ParsedRequest
{
    public ParsedRequest(ParseStatus status, RejectReason reason, RequestHead head, int consumed)
    {
        Status = status;
        Reason = reason;
        Head = head;
        Consumed = consumed;
    }

    /// <summary>The <see cref="HeadBuffer"/> status. The parser ran only when it is Done.</summary>
    public ParseStatus Status { get; }

    /// <summary>The rejection from the head buffer or the parser, or None.</summary>
    public RejectReason Reason { get; }

    public RequestHead Head { get; }

    public int Consumed { get; }

    public string Text(OffsetRange range) => TestSequences.Text(Head[range]);

    public string Method => Text(Head.MethodRange);

    public string Path => Text(Head.Path);

    public string Authority => Text(Head.Authority);

    /// <summary>Returns the first field named <paramref name="name"/>, ignoring ASCII case, and fails the test when there is none.</summary>
    public FieldLine Field(string name)
    {
        for (int i = 0; i < Head.FieldCount; i++)
        {
            if (string.Equals(FieldName(i), name, StringComparison.OrdinalIgnoreCase))
            {
                return Head.Fields[i];
            }
        }

        Assert.Fail($"No field named '{name}' in the parsed head.");
        return default;
    }

    public string FieldName(int index) => TestSequences.Text(Head.Fields[index].Name(Head.Section));

    public string FieldValue(int index) => TestSequences.Text(Head.Fields[index].Value(Head.Section));

    public bool IsDropped(string name) => Field(name).Dropped;
}

/// <summary>Runs request heads through the head buffer and the parser the way the connection loop does.</summary>
internal static class RequestHeads
{
    public const int MaxStartLineBytes = 8 * 1024;
    public const int MaxSectionBytes = 32 * 1024;

    /// <summary>Reads one head delivered in a single segment.</summary>
    public static ParsedRequest Parse(
        string text,
        int maxFields = RequestHead.DefaultMaxFields,
        int maxStartLineBytes = MaxStartLineBytes,
        int maxSectionBytes = MaxSectionBytes)
    {
        var buffer = new HeadBuffer();
        var head = new RequestHead(maxFields);
        var input = new ReadOnlySequence<byte>(TestSequences.Bytes(text));

        ParseStatus status = buffer.Accumulate(input, maxStartLineBytes, maxSectionBytes, out int consumed, out RejectReason reason);
        if (status != ParseStatus.Done)
        {
            return new ParsedRequest(status, reason, head, consumed);
        }

        // The buffer is not released: the head keeps pointing into it for the assertions.
        head.Attach(buffer.Buffer, buffer.LeadingBytes, buffer.SectionLength);
        return new ParsedRequest(status, RequestHeadParser.Parse(head), head, consumed);
    }

    /// <summary>
    /// Delivers <paramref name="chunks"/> one at a time as a pipe does. Each step offers every unconsumed byte
    /// received so far as a multi-segment sequence, and each head that completes is parsed, described and
    /// consumed. Returns one line per head, then a line with the count of bytes left unconsumed.
    /// </summary>
    public static List<string> Feed(IReadOnlyList<byte[]> chunks)
    {
        using var buffer = new HeadBuffer();
        var head = new RequestHead();
        var received = new List<byte[]>();
        var outcomes = new List<string>();
        long consumedTotal = 0;

        foreach (byte[] chunk in chunks)
        {
            received.Add(chunk);
            while (true)
            {
                ReadOnlySequence<byte> unconsumed = TestSequences.Create(received).Slice(consumedTotal);
                if (unconsumed.IsEmpty)
                {
                    break;
                }

                ParseStatus status = buffer.Accumulate(unconsumed, MaxStartLineBytes, MaxSectionBytes, out int consumed, out RejectReason reason);
                if (status == ParseStatus.NeedMoreData)
                {
                    Assert.Equal(0, consumed);
                    break;
                }

                if (status == ParseStatus.Invalid)
                {
                    outcomes.Add($"invalid {reason}");
                    return outcomes;
                }

                head.Attach(buffer.Buffer, buffer.LeadingBytes, buffer.SectionLength);
                RejectReason parseReason = RequestHeadParser.Parse(head);
                outcomes.Add(parseReason == RejectReason.None ? $"consumed={consumed} {Describe(head)}" : $"rejected {parseReason}");
                buffer.Reset();
                consumedTotal += consumed;
            }
        }

        long total = received.Sum(chunk => (long)chunk.Length);
        outcomes.Add($"unconsumed={total - consumedTotal}");
        return outcomes;
    }

    /// <summary>Renders every parsed property of a head as one line, so two parses compare as strings.</summary>
    public static string Describe(RequestHead head)
    {
        var text = new StringBuilder();
        text.Append($"{TestSequences.Text(head[head.MethodRange])} ({head.Method}) {TestSequences.Text(head[head.Target])} {head.Version} form={head.Form}");
        text.Append($" path={TestSequences.Text(head[head.Path])} query={(head.Query.IsNone ? "none" : TestSequences.Text(head[head.Query]))}");
        text.Append($" authority={TestSequences.Text(head[head.Authority])} length={head.ContentLength} chunked={head.Chunked}");
        text.Append($" keepAlive={head.KeepAlive} expect100={head.Expect100Continue} webSocket={head.WebSocketUpgrade} requestId={head.RequestIdField}");
        for (int i = 0; i < head.FieldCount; i++)
        {
            FieldLine field = head.Fields[i];
            text.Append($" [{TestSequences.Text(field.Name(head.Section))}: {TestSequences.Text(field.Value(head.Section))} {field.Kind}{(field.Dropped ? " dropped" : "")}]");
        }

        return text.ToString();
    }
}
