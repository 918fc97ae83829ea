using System.Text;

namespace FastContractorProxy.Policy;

internal enum SegmentKind : byte
{
    /// <summary>Matches one segment equal to the literal, byte for byte.</summary>
    Literal = 0,

    /// <summary><c>{name}</c> or <c>*</c>: matches one non-empty segment.</summary>
    Single = 1,

    /// <summary><c>**</c>: matches zero or more remaining segments; only allowed last.</summary>
    Rest = 2,
}

internal readonly record struct PatternSegment(SegmentKind Kind, string Text)
{
    public byte[] Bytes => Encoding.ASCII.GetBytes(Text);
}

/// <summary>
/// A path pattern such as <c>/api/items/{id}/**</c>, matched against the segments of a canonical path. A path's
/// segments are the parts between '/' characters; <c>/</c> has none and a trailing '/' adds one empty segment.
/// </summary>
internal sealed class PathPattern
{
    private PathPattern(string text, PatternSegment[] segments)
    {
        Text = text;
        Segments = segments;
    }

    public string Text { get; }
    public IReadOnlyList<PatternSegment> Segments { get; }

    public bool EndsWithRest => Segments.Count > 0 && Segments[^1].Kind == SegmentKind.Rest;

    public override string ToString() => Text;

    /// <summary>Parses a pattern, returning null and an error text when it is invalid.</summary>
    public static PathPattern? TryParse(string text, out string? error)
    {
        error = null;
        if (!text.StartsWith('/'))
        {
            error = $"'{text}' does not start with '/'";
            return null;
        }

        if (text == "/")
        {
            return new PathPattern(text, []);
        }

        string[] parts = text[1..].Split('/');
        var segments = new PatternSegment[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            string part = parts[i];
            if (part == "**")
            {
                if (i != parts.Length - 1)
                {
                    error = $"'{text}' has '**' before the last segment; '**' may only end a pattern";
                    return null;
                }

                segments[i] = new PatternSegment(SegmentKind.Rest, part);
            }
            else if (part == "*" || part.Length > 2 && part[0] == '{' && part[^1] == '}' && IsName(part.AsSpan(1, part.Length - 2)))
            {
                segments[i] = new PatternSegment(SegmentKind.Single, part);
            }
            else if (part.Length == 0)
            {
                error = $"'{text}' has an empty segment; remove the repeated or trailing '/'";
                return null;
            }
            else if (part is "." or ".." || !IsCanonicalLiteral(part))
            {
                error = $"'{text}' has segment '{part}', which no canonical path contains; use printable ASCII with escapes as the canonicalizer writes them (uppercase hex, unreserved characters unescaped) and without '?', '#', ';', '\\', '*', '{{' or '}}' and no dot segments";
                return null;
            }
            else
            {
                segments[i] = new PatternSegment(SegmentKind.Literal, part);
            }
        }

        return new PathPattern(text, segments);
    }

    public static PathPattern Parse(string text) =>
        TryParse(text, out string? error) ?? throw new ArgumentException($"Invalid path pattern: {error}.", nameof(text));

    private static bool IsName(ReadOnlySpan<char> name)
    {
        foreach (char c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_' && c != '-')
            {
                return false;
            }
        }

        return true;
    }

    // A literal must be written as the canonicalizer outputs it: printable ASCII, and escapes only for bytes
    // that are not unreserved, with uppercase hex digits.
    private static bool IsCanonicalLiteral(string part)
    {
        for (int i = 0; i < part.Length; i++)
        {
            char c = part[i];
            if (c == '%')
            {
                if (i + 2 >= part.Length || !IsUpperHex(part[i + 1]) || !IsUpperHex(part[i + 2]))
                {
                    return false;
                }

                int decoded = Convert.ToInt32(part.Substring(i + 1, 2), 16);
                if (decoded < 0x20 || decoded == 0x7F || decoded == '/' || decoded == '\\' || char.IsAsciiLetterOrDigit((char)decoded) || decoded is '-' or '.' or '_' or '~')
                {
                    return false;
                }

                i += 2;
            }
            else if (c < 0x21 || c > 0x7E || c is '?' or '#' or ';' or '\\' or '*' or '{' or '}')
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsUpperHex(char c) => char.IsAsciiDigit(c) || c is >= 'A' and <= 'F';

    /// <summary>Matches a list of path segments one by one. Tests use it as the reference for the compiled trie.</summary>
    public bool Matches(IReadOnlyList<string> pathSegments)
    {
        for (int i = 0; i < Segments.Count; i++)
        {
            PatternSegment segment = Segments[i];
            if (segment.Kind == SegmentKind.Rest)
            {
                return true;
            }

            if (i >= pathSegments.Count)
            {
                return false;
            }

            bool ok = segment.Kind == SegmentKind.Literal
                ? string.Equals(segment.Text, pathSegments[i], StringComparison.Ordinal)
                : pathSegments[i].Length > 0;
            if (!ok)
            {
                return false;
            }
        }

        return Segments.Count == pathSegments.Count;
    }

    /// <summary>Splits a canonical path into the segments patterns match.</summary>
    public static IReadOnlyList<string> SplitPath(string canonicalPath) =>
        canonicalPath.Length <= 1 ? [] : canonicalPath[1..].Split('/');

    /// <summary>Returns true when this pattern matches every path that <paramref name="other"/> matches.</summary>
    public bool Covers(PathPattern other)
    {
        for (int i = 0; i < Segments.Count; i++)
        {
            PatternSegment mine = Segments[i];
            if (mine.Kind == SegmentKind.Rest)
            {
                return true;
            }

            if (i >= other.Segments.Count)
            {
                return false;
            }

            PatternSegment theirs = other.Segments[i];
            bool ok = mine.Kind == SegmentKind.Literal
                ? theirs.Kind == SegmentKind.Literal && theirs.Text == mine.Text
                : theirs.Kind != SegmentKind.Rest;
            if (!ok)
            {
                return false;
            }
        }

        return Segments.Count == other.Segments.Count;
    }

    /// <summary>Returns true when at least one path matches both patterns.</summary>
    public bool Overlaps(PathPattern other)
    {
        int count = Math.Max(Segments.Count, other.Segments.Count);
        for (int i = 0; i < count; i++)
        {
            if (i < Segments.Count && Segments[i].Kind == SegmentKind.Rest ||
                i < other.Segments.Count && other.Segments[i].Kind == SegmentKind.Rest)
            {
                return true;
            }

            if (i >= Segments.Count || i >= other.Segments.Count)
            {
                return false;
            }

            PatternSegment a = Segments[i];
            PatternSegment b = other.Segments[i];
            if (a.Kind == SegmentKind.Literal && b.Kind == SegmentKind.Literal && a.Text != b.Text)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Orders patterns from most to least specific: segment by segment, a literal before <c>{name}</c> or
    /// <c>*</c> before <c>**</c>, and a pattern that ends before one that continues with <c>**</c>.
    /// </summary>
    public static int CompareSpecificity(PathPattern a, PathPattern b)
    {
        int count = Math.Min(a.Segments.Count, b.Segments.Count);
        for (int i = 0; i < count; i++)
        {
            int order = a.Segments[i].Kind.CompareTo(b.Segments[i].Kind);
            if (order != 0)
            {
                return order;
            }
        }

        return a.Segments.Count.CompareTo(b.Segments.Count);
    }
}
