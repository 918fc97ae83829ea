using System.Buffers;
using System.Buffers.Text;

namespace FastContractorProxy.Forwarding;

/// <summary>Small helpers that write ASCII pieces of a message head into a buffer writer.</summary>
internal static class HeadWriter
{
    public static void WriteField(IBufferWriter<byte> output, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        int length = name.Length + value.Length + 4;
        Span<byte> span = output.GetSpan(length);
        name.CopyTo(span);
        span[name.Length] = (byte)':';
        span[name.Length + 1] = (byte)' ';
        value.CopyTo(span[(name.Length + 2)..]);
        span[length - 2] = (byte)'\r';
        span[length - 1] = (byte)'\n';
        output.Advance(length);
    }

    /// <summary>
    /// Writes a field whose value is text from a token or the policy, as UTF-8. Control characters become '?',
    /// so a claim can never end the field line or start another one.
    /// </summary>
    public static void WriteTextField(IBufferWriter<byte> output, ReadOnlySpan<byte> name, string value)
    {
        int length = name.Length + System.Text.Encoding.UTF8.GetMaxByteCount(value.Length) + 4;
        Span<byte> span = output.GetSpan(length);
        name.CopyTo(span);
        span[name.Length] = (byte)':';
        span[name.Length + 1] = (byte)' ';
        int start = name.Length + 2;
        int written = System.Text.Encoding.UTF8.GetBytes(value, span[start..]);
        foreach (ref byte b in span.Slice(start, written))
        {
            if (b is < 0x20 or 0x7F)
            {
                b = (byte)'?';
            }
        }

        int end = start + written;
        span[end] = (byte)'\r';
        span[end + 1] = (byte)'\n';
        output.Advance(end + 2);
    }

    public static void WriteNumberField(IBufferWriter<byte> output, ReadOnlySpan<byte> name, long value)
    {
        Span<byte> digits = stackalloc byte[20];
        Utf8Formatter.TryFormat(value, digits, out int written);
        WriteField(output, name, digits[..written]);
    }

    public static void Write(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes) => output.Write(bytes);

    public static void WriteNumber(IBufferWriter<byte> output, long value)
    {
        Span<byte> span = output.GetSpan(20);
        Utf8Formatter.TryFormat(value, span, out int written);
        output.Advance(written);
    }

    /// <summary>Writes a chunk header: the size in hexadecimal and CRLF.</summary>
    public static void WriteChunkHeader(IBufferWriter<byte> output, long size)
    {
        Span<byte> span = output.GetSpan(18);
        Utf8Formatter.TryFormat(size, span, out int written, new StandardFormat('x'));
        span[written] = (byte)'\r';
        span[written + 1] = (byte)'\n';
        output.Advance(written + 2);
    }

    public static void WriteCrlf(IBufferWriter<byte> output)
    {
        Span<byte> span = output.GetSpan(2);
        span[0] = (byte)'\r';
        span[1] = (byte)'\n';
        output.Advance(2);
    }
}
