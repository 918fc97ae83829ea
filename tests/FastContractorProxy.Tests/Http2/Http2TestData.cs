using System.Buffers;
using System.Text;
using FastContractorProxy.Http2;

namespace FastContractorProxy.Tests.Http2;

/// <summary>Conversions between test notation (hex dumps, strings) and the byte types of the HTTP/2 code.</summary>
internal static class Http2TestData
{
    /// <summary>Parses a hex dump such as "8286 8441", ignoring whitespace.</summary>
    public static byte[] Hex(string dump) =>
        Convert.FromHexString(string.Concat(dump.Where(c => !char.IsWhiteSpace(c))));

    /// <summary>Encodes each char as one byte (Latin-1), so "\0" or "\u00e9" in a test string is exactly that byte.</summary>
    public static byte[] Bytes(string text) => Encoding.Latin1.GetBytes(text);

    public static string Text(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);

    public static List<(string Name, string Value)> Fields(HeaderFieldList fields)
    {
        var result = new List<(string, string)>();
        for (int i = 0; i < fields.Count; i++)
        {
            result.Add((Text(fields.GetName(i)), Text(fields.GetValue(i))));
        }

        return result;
    }

    /// <summary>Returns the decoder's dynamic table, newest entry first.</summary>
    public static List<(string Name, string Value)> DynamicTable(HpackDecoder decoder)
    {
        var result = new List<(string, string)>();
        for (int i = 0; i < decoder.DynamicTableCount; i++)
        {
            result.Add((Text(decoder.GetDynamicTableName(i)), Text(decoder.GetDynamicTableValue(i))));
        }

        return result;
    }

    public static HeaderFieldList FieldList(params (string Name, string Value)[] fields)
    {
        var list = new HeaderFieldList();
        foreach ((string name, string value) in fields)
        {
            list.Add(Bytes(name), Bytes(value));
        }

        return list;
    }

    /// <summary>Builds a sequence with one segment per chunk, the way a pipe hands over received data.</summary>
    public static ReadOnlySequence<byte> Sequence(params byte[][] chunks)
    {
        if (chunks.Length == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        var first = new Segment(chunks[0], 0);
        Segment last = first;
        for (int i = 1; i < chunks.Length; i++)
        {
            var next = new Segment(chunks[i], last.RunningIndex + last.Memory.Length);
            last.SetNext(next);
            last = next;
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    /// <summary>Splits <paramref name="bytes"/> into one-byte segments, the worst case for code that reads across segments.</summary>
    public static ReadOnlySequence<byte> ByteBySegment(byte[] bytes) =>
        Sequence(bytes.Select(b => new[] { b }).ToArray());

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public void SetNext(Segment next) => Next = next;
    }
}
