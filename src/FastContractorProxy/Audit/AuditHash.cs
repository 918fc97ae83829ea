using System.Security.Cryptography;

namespace FastContractorProxy.Audit;

/// <summary>
/// The hash chain of the audit log. Each line's <c>fcp.prev_hash</c> is the lowercase hex SHA-256 of the previous
/// line's bytes without its newline, and the first line of a new log links to <see cref="GenesisHash"/>.
/// </summary>
internal static class AuditHash
{
    /// <summary>Length of a hex SHA-256 digest in bytes.</summary>
    public const int HexLength = 64;

    private static ReadOnlySpan<byte> HexDigits => "0123456789abcdef"u8;

    /// <summary>64 zeros: the previous hash of the first line of a brand-new log.</summary>
    public static ReadOnlySpan<byte> GenesisHash => "0000000000000000000000000000000000000000000000000000000000000000"u8;

    /// <summary>Writes the lowercase hex SHA-256 of <paramref name="line"/> into the 64 bytes of <paramref name="destination"/>.</summary>
    public static void ComputeLineHash(ReadOnlySpan<byte> line, Span<byte> destination)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(line, digest);
        WriteLowerHex(digest, destination);
    }

    /// <summary>Returns the lowercase hex SHA-256 of <paramref name="line"/> as a string.</summary>
    public static string ComputeLineHash(ReadOnlySpan<byte> line) => Convert.ToHexStringLower(SHA256.HashData(line));

    /// <summary>Writes two lowercase hex digits per byte of <paramref name="source"/>. The destination must be twice as long.</summary>
    public static void WriteLowerHex(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        for (int i = 0; i < source.Length; i++)
        {
            destination[2 * i] = HexDigits[source[i] >> 4];
            destination[(2 * i) + 1] = HexDigits[source[i] & 0xF];
        }
    }
}
