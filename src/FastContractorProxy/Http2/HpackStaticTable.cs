using System.Text;

namespace FastContractorProxy.Http2;

/// <summary>The HPACK static table (RFC 7541 Appendix A): 61 entries with indexes 1 to 61.</summary>
internal static class HpackStaticTable
{
    public const int Count = 61;

    /// <summary>Index of the entry ":status: 200". Entries 8 to 14 are the status codes of <see cref="StatusCodes"/>.</summary>
    private const int FirstStatusIndex = 8;

    private static readonly byte[][] s_names;
    private static readonly byte[][] s_values;

    // Entry indexes grouped by name length, so a name lookup compares only names of the same length.
    private static readonly int[][] s_indexesByNameLength;

#pragma warning disable CA1810 // The lookup arrays are derived from the entry list, so one constructor builds them.
    static HpackStaticTable()
#pragma warning restore CA1810
    {
        (string Name, string Value)[] entries =
        [
            (":authority", ""),
            (":method", "GET"),
            (":method", "POST"),
            (":path", "/"),
            (":path", "/index.html"),
            (":scheme", "http"),
            (":scheme", "https"),
            (":status", "200"),
            (":status", "204"),
            (":status", "206"),
            (":status", "304"),
            (":status", "400"),
            (":status", "404"),
            (":status", "500"),
            ("accept-charset", ""),
            ("accept-encoding", "gzip, deflate"),
            ("accept-language", ""),
            ("accept-ranges", ""),
            ("accept", ""),
            ("access-control-allow-origin", ""),
            ("age", ""),
            ("allow", ""),
            ("authorization", ""),
            ("cache-control", ""),
            ("content-disposition", ""),
            ("content-encoding", ""),
            ("content-language", ""),
            ("content-length", ""),
            ("content-location", ""),
            ("content-range", ""),
            ("content-type", ""),
            ("cookie", ""),
            ("date", ""),
            ("etag", ""),
            ("expect", ""),
            ("expires", ""),
            ("from", ""),
            ("host", ""),
            ("if-match", ""),
            ("if-modified-since", ""),
            ("if-none-match", ""),
            ("if-range", ""),
            ("if-unmodified-since", ""),
            ("last-modified", ""),
            ("link", ""),
            ("location", ""),
            ("max-forwards", ""),
            ("proxy-authenticate", ""),
            ("proxy-authorization", ""),
            ("range", ""),
            ("referer", ""),
            ("refresh", ""),
            ("retry-after", ""),
            ("server", ""),
            ("set-cookie", ""),
            ("strict-transport-security", ""),
            ("transfer-encoding", ""),
            ("user-agent", ""),
            ("vary", ""),
            ("via", ""),
            ("www-authenticate", ""),
        ];

        s_names = new byte[Count][];
        s_values = new byte[Count][];
        int maxNameLength = 0;
        for (int i = 0; i < Count; i++)
        {
            s_names[i] = Encoding.ASCII.GetBytes(entries[i].Name);
            s_values[i] = Encoding.ASCII.GetBytes(entries[i].Value);
            maxNameLength = Math.Max(maxNameLength, s_names[i].Length);
        }

        var byLength = new List<int>[maxNameLength + 1];
        for (int i = 0; i < Count; i++)
        {
            int length = s_names[i].Length;
            (byLength[length] ??= []).Add(i + 1);
        }

        s_indexesByNameLength = new int[maxNameLength + 1][];
        for (int length = 0; length <= maxNameLength; length++)
        {
            s_indexesByNameLength[length] = byLength[length]?.ToArray() ?? [];
        }
    }

    /// <summary>Status codes with an entry of their own, in index order from 8.</summary>
    public static ReadOnlySpan<int> StatusCodes => [200, 204, 206, 304, 400, 404, 500];

    /// <summary>Returns the name of the entry at 1-based <paramref name="index"/>.</summary>
    public static ReadOnlySpan<byte> GetName(int index) => s_names[index - 1];

    /// <summary>Returns the value of the entry at 1-based <paramref name="index"/>; empty for entries with a name only.</summary>
    public static ReadOnlySpan<byte> GetValue(int index) => s_values[index - 1];

    /// <summary>Returns the lowest index whose name equals <paramref name="name"/> ignoring ASCII case, or 0.</summary>
    public static int FindName(ReadOnlySpan<byte> name)
    {
        if (name.Length >= s_indexesByNameLength.Length)
        {
            return 0;
        }

        foreach (int index in s_indexesByNameLength[name.Length])
        {
            if (Http1.HttpChars.EqualsIgnoreCase(name, s_names[index - 1]))
            {
                return index;
            }
        }

        return 0;
    }

    /// <summary>
    /// Returns the index of the entry whose name equals <paramref name="name"/> ignoring ASCII case and whose
    /// value equals <paramref name="value"/> exactly, or 0. Entries with an empty value only match an empty value.
    /// </summary>
    public static int FindField(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        if (name.Length >= s_indexesByNameLength.Length)
        {
            return 0;
        }

        foreach (int index in s_indexesByNameLength[name.Length])
        {
            if (value.SequenceEqual(s_values[index - 1]) && Http1.HttpChars.EqualsIgnoreCase(name, s_names[index - 1]))
            {
                return index;
            }
        }

        return 0;
    }

    /// <summary>Returns the index of ":status" with <paramref name="statusCode"/>, or 0 when the table has no such entry.</summary>
    public static int FindStatus(int statusCode)
    {
        int offset = StatusCodes.IndexOf(statusCode);
        return offset < 0 ? 0 : FirstStatusIndex + offset;
    }
}
