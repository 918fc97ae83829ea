using System.Buffers;

namespace FastContractorProxy.Http1;

/// <summary>Byte classes from RFC 9110 and RFC 3986, as vectorized search sets.</summary>
internal static class HttpChars
{
    /// <summary>tchar (RFC 9110 section 5.6.2): the characters of methods, field names and coding names.</summary>
    public static readonly SearchValues<byte> Token = SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);

    /// <summary>field-vchar, SP and HTAB (RFC 9110 section 5.5): everything a field value may contain.</summary>
    public static readonly SearchValues<byte> FieldValue = SearchValues.Create(BuildFieldValueBytes());

    /// <summary>
    /// The characters RFC 3986 allows in a path and query: unreserved, sub-delims, ':', '@', '/', '?' and '%'
    /// (escapes are checked separately). Everything else, including '\', '#', space and non-ASCII, is rejected.
    /// </summary>
    public static readonly SearchValues<byte> Target = SearchValues.Create(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/?%"u8);

    /// <summary>
    /// <see cref="Target"/> plus '[' and ']', which an absolute-form target needs around an IPv6 literal host. The
    /// parser checks that the brackets enclose the host and appear nowhere in the path or query.
    /// </summary>
    public static readonly SearchValues<byte> AbsoluteTarget = SearchValues.Create(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/?%[]"u8);

    /// <summary>reg-name characters of a host (RFC 3986 section 3.2.2), without percent-encoding.</summary>
    public static readonly SearchValues<byte> RegName = SearchValues.Create(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;="u8);

    /// <summary>Characters of an IPv6 literal inside brackets.</summary>
    public static readonly SearchValues<byte> IPv6Literal = SearchValues.Create("0123456789abcdefABCDEF:."u8);

    /// <summary>unreserved (RFC 3986 section 2.3): percent-encodings of these are decoded in paths.</summary>
    public static bool IsUnreserved(byte value) =>
        (uint)(value - 'a') <= 'z' - 'a' || (uint)(value - 'A') <= 'Z' - 'A' || (uint)(value - '0') <= 9 ||
        value == '-' || value == '.' || value == '_' || value == '~';

    public static bool IsToken(ReadOnlySpan<byte> value) => !value.IsEmpty && !value.ContainsAnyExcept(Token);

    public static int HexValue(byte value)
    {
        if ((uint)(value - '0') <= 9)
        {
            return value - '0';
        }

        int lower = value | 0x20;
        if ((uint)(lower - 'a') <= 'f' - 'a')
        {
            return lower - 'a' + 10;
        }

        return -1;
    }

    /// <summary>Compares ASCII bytes with a lowercase ASCII literal, ignoring case.</summary>
    public static bool EqualsIgnoreCase(ReadOnlySpan<byte> value, ReadOnlySpan<byte> lowercaseLiteral)
    {
        if (value.Length != lowercaseLiteral.Length)
        {
            return false;
        }

        for (int i = 0; i < value.Length; i++)
        {
            int b = value[i];
            if ((uint)(b - 'A') <= 'Z' - 'A')
            {
                b |= 0x20;
            }

            if (b != lowercaseLiteral[i])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Trims SP and HTAB (OWS, RFC 9110 section 5.6.3) from both ends.</summary>
    public static ReadOnlySpan<byte> TrimWhitespace(ReadOnlySpan<byte> value)
    {
        int start = 0;
        while (start < value.Length && (value[start] == ' ' || value[start] == '\t'))
        {
            start++;
        }

        int end = value.Length;
        while (end > start && (value[end - 1] == ' ' || value[end - 1] == '\t'))
        {
            end--;
        }

        return value[start..end];
    }

    private static byte[] BuildFieldValueBytes()
    {
        var bytes = new List<byte> { (byte)' ', (byte)'\t' };
        for (int b = 0x21; b <= 0x7E; b++)
        {
            bytes.Add((byte)b);
        }

        // obs-text: RFC 9110 keeps 0x80-0xFF valid in field values for compatibility.
        for (int b = 0x80; b <= 0xFF; b++)
        {
            bytes.Add((byte)b);
        }

        return bytes.ToArray();
    }
}
