using System.Buffers;

namespace FastContractorProxy.Benchmarks;

/// <summary>Builds multi-segment sequences, as a pipe returns them when bytes arrive in several reads.</summary>
internal static class SequenceBuilder
{
    /// <summary>Splits <paramref name="bytes"/> into one segment per range between the given ascending offsets.</summary>
    public static ReadOnlySequence<byte> Split(byte[] bytes, params int[] offsets)
    {
        if (offsets.Length == 0)
        {
            return new ReadOnlySequence<byte>(bytes);
        }

        Segment? first = null;
        Segment? last = null;
        for (int i = 0; i <= offsets.Length; i++)
        {
            int start = i == 0 ? 0 : offsets[i - 1];
            int end = i < offsets.Length ? offsets[i] : bytes.Length;
            if (end <= start)
            {
                throw new ArgumentException($"Offsets must be ascending and inside the buffer of {bytes.Length} bytes; got {start} then {end}.", nameof(offsets));
            }

            ReadOnlyMemory<byte> memory = bytes.AsMemory(start, end - start);
            if (last is null)
            {
                first = last = new Segment(memory, runningIndex: 0);
            }
            else
            {
                last = last.Append(memory);
            }
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
