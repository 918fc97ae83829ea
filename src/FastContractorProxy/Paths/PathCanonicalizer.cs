using System.Buffers;
using System.Text.Unicode;
using FastContractorProxy.Http1;

namespace FastContractorProxy.Paths;

/// <summary>Per-route choices for path handling that RFC 3986 leaves to the application.</summary>
internal readonly record struct PathOptions(bool AllowEncodedSlash, bool AllowPathParameters)
{
    public static readonly PathOptions Strict = new(false, false);
}

/// <summary>
/// Computes the one canonical path that routing, authorization and the upstream request all use, so the proxy
/// and the upstream cannot disagree about which resource is addressed. The steps follow RFC 3986 sections 2,
/// 5.2.4 and 6.2.2, in this order:
/// 1. Reject malformed escapes, encoded control bytes, and percent-decoded bytes that are not UTF-8.
/// 2. Decode escapes of unreserved characters exactly once, and uppercase the hex digits of the others.
/// 3. Reject an encoded '\', an encoded '/' (unless the route keeps '%2F' opaque) and ';' (unless allowed).
/// 4. Merge repeated '/', then resolve '.' and '..' without climbing above the root.
/// </summary>
internal static class PathCanonicalizer
{
    /// <summary>
    /// Lowercases the ASCII letters of a canonical path in place, except the hex digits of percent-escapes, which
    /// stay uppercase as the canonical form writes them.
    /// </summary>
    public static void LowercaseInPlace(Span<byte> canonicalPath)
    {
        for (int i = 0; i < canonicalPath.Length; i++)
        {
            byte b = canonicalPath[i];
            if (b == (byte)'%')
            {
                i += 2;
            }
            else if (b is >= (byte)'A' and <= (byte)'Z')
            {
                canonicalPath[i] = (byte)(b | 0x20);
            }
        }
    }

    /// <summary>
    /// Writes the canonical form of <paramref name="rawPath"/> (which starts with '/') into
    /// <paramref name="destination"/>, which must be at least as long as the raw path.
    /// </summary>
    public static RejectReason Canonicalize(ReadOnlySpan<byte> rawPath, Span<byte> destination, PathOptions options, out int written)
    {
        written = 0;
        if (rawPath.IsEmpty || rawPath[0] != '/')
        {
            return RejectReason.InvalidRequestTarget;
        }

        RejectReason reason = Normalize(rawPath, destination, options, out int normalizedLength);
        if (reason != RejectReason.None)
        {
            return reason;
        }

        written = RemoveDotSegments(destination[..normalizedLength]);
        return RejectReason.None;
    }

    // Decodes unreserved escapes, uppercases the others and validates every byte and the decoded UTF-8.
    private static RejectReason Normalize(ReadOnlySpan<byte> raw, Span<byte> output, PathOptions options, out int length)
    {
        length = 0;
        bool hasHighBytes = false;

        for (int i = 0; i < raw.Length; i++)
        {
            byte b = raw[i];
            if (b == '%')
            {
                if (i + 2 >= raw.Length)
                {
                    return RejectReason.InvalidPath;
                }

                int high = HttpChars.HexValue(raw[i + 1]);
                int low = HttpChars.HexValue(raw[i + 2]);
                if (high < 0 || low < 0)
                {
                    return RejectReason.InvalidPath;
                }

                byte decoded = (byte)((high << 4) | low);
                i += 2;

                if (decoded < 0x20 || decoded == 0x7F)
                {
                    return RejectReason.InvalidPath;
                }

                if (decoded == '\\')
                {
                    return RejectReason.EncodedSlashInPath;
                }

                if (decoded == '/' && !options.AllowEncodedSlash)
                {
                    return RejectReason.EncodedSlashInPath;
                }

                if (HttpChars.IsUnreserved(decoded))
                {
                    output[length++] = decoded;
                    continue;
                }

                hasHighBytes |= decoded >= 0x80;
                output[length++] = (byte)'%';
                output[length++] = UpperHex(high);
                output[length++] = UpperHex(low);
                continue;
            }

            if (b == '\\')
            {
                return RejectReason.BackslashInPath;
            }

            if (b == ';' && !options.AllowPathParameters)
            {
                return RejectReason.PathParameterInPath;
            }

            if (b < 0x21 || b > 0x7E)
            {
                return RejectReason.InvalidPath;
            }

            output[length++] = b;
        }

        if (hasHighBytes && !IsDecodedUtf8(output[..length]))
        {
            return RejectReason.InvalidPath;
        }

        return RejectReason.None;
    }

    private static bool IsDecodedUtf8(ReadOnlySpan<byte> normalized)
    {
        byte[]? rented = null;
        Span<byte> decoded = normalized.Length <= 512
            ? stackalloc byte[512]
            : (rented = ArrayPool<byte>.Shared.Rent(normalized.Length));

        int count = 0;
        for (int i = 0; i < normalized.Length; i++)
        {
            if (normalized[i] == '%')
            {
                decoded[count++] = (byte)((HttpChars.HexValue(normalized[i + 1]) << 4) | HttpChars.HexValue(normalized[i + 2]));
                i += 2;
            }
            else
            {
                decoded[count++] = normalized[i];
            }
        }

        bool valid = Utf8.IsValid(decoded[..count]);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        return valid;
    }

    /// <summary>
    /// Merges empty segments and resolves '.' and '..' in place. A path that ends in '/', '.' or '..' keeps a
    /// trailing '/', as remove_dot_segments in RFC 3986 section 5.2.4 produces.
    /// </summary>
    private static int RemoveDotSegments(Span<byte> path)
    {
        int write = 0;
        int read = 0;
        bool trailingSlash = false;

        while (read < path.Length)
        {
            // Skip the '/' (and any repeats) that start the next segment.
            while (read < path.Length && path[read] == '/')
            {
                read++;
            }

            if (read == path.Length)
            {
                trailingSlash = true;
                break;
            }

            int end = path[read..].IndexOf((byte)'/');
            end = end < 0 ? path.Length : read + end;
            int segmentLength = end - read;

            if (segmentLength == 1 && path[read] == '.')
            {
                trailingSlash = end == path.Length;
            }
            else if (segmentLength == 2 && path[read] == '.' && path[read + 1] == '.')
            {
                int lastSlash = path[..write].LastIndexOf((byte)'/');
                write = lastSlash < 0 ? 0 : lastSlash;
                trailingSlash = end == path.Length;
            }
            else
            {
                path[write++] = (byte)'/';
                path.Slice(read, segmentLength).CopyTo(path[write..]);
                write += segmentLength;
                trailingSlash = false;
            }

            read = end;
        }

        if (write == 0 || trailingSlash)
        {
            path[write++] = (byte)'/';
        }

        return write;
    }

    private static byte UpperHex(int value) => (byte)(value < 10 ? '0' + value : 'A' + value - 10);
}
