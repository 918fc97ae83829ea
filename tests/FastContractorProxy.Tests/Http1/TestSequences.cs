using System.Buffers;
using System.Text;

namespace FastContractorProxy.Tests.Http1;

/// <summary>One buffer of a test <see cref="ReadOnlySequence{T}"/>, chained the way a pipe chains its segments.</summary>
internal sealed class TestSegment : ReadOnlySequenceSegment<byte>
{
    public TestSegment(ReadOnlyMemory<byte> memory)
    {
        Memory = memory;
    }

    public TestSegment Append(ReadOnlyMemory<byte> memory)
    {
        var next = new TestSegment(memory) { RunningIndex = RunningIndex + Memory.Length };
        Next = next;
        return next;
    }
}

/// <summary>Builds byte sequences for parser tests: one segment per chunk, and the usual ways to split a message.</summary>
internal static class TestSequences
{
    /// <summary>Encodes each char as one byte (Latin-1), so "\u000b" or "\u00e9" in a test string is exactly that byte.</summary>
    public static byte[] Bytes(string text) => Encoding.Latin1.GetBytes(text);

    public static string Text(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);

    public static ReadOnlySequence<byte> Create(IReadOnlyList<byte[]> chunks)
    {
        if (chunks.Count == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        var first = new TestSegment(chunks[0]);
        TestSegment last = first;
        for (int i = 1; i < chunks.Count; i++)
        {
            last = last.Append(chunks[i]);
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    /// <summary>Cuts <paramref name="bytes"/> at the given ascending offsets.</summary>
    public static byte[][] SplitAt(byte[] bytes, params int[] offsets)
    {
        var chunks = new List<byte[]>();
        int start = 0;
        foreach (int offset in offsets)
        {
            chunks.Add(bytes[start..offset]);
            start = offset;
        }

        chunks.Add(bytes[start..]);
        return chunks.ToArray();
    }

    public static byte[][] OneBytePerSegment(byte[] bytes) => bytes.Select(b => new[] { b }).ToArray();
}
