using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;

namespace FastContractorProxy.Identity;

/// <summary>
/// Checks the raw JSON types of the time claims. The token library converts a string such as
/// <c>"9999999999"</c> into a number, so the type must be read from the payload bytes themselves.
/// </summary>
internal static class JwtPayloadCheck
{
    // 9999-12-31T23:59:59Z. A larger exp or nbf cannot be a DateTime.
    private const long MaxUnixSeconds = 253_402_300_799;

    /// <summary>
    /// Returns null when the payload is one JSON object whose <c>exp</c> is present and a number of seconds in
    /// range, whose <c>nbf</c>, when present, is one too, and no member appears twice at the top level. A
    /// NumericDate may have a fraction (RFC 7519 section 2).
    /// </summary>
    public static AuthResult? CheckTimeClaims(ReadOnlySpan<byte> encodedPayload)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Base64Url.GetMaxDecodedLength(encodedPayload.Length));
        try
        {
            if (Base64Url.DecodeFromUtf8(encodedPayload, buffer, out _, out int written) != OperationStatus.Done)
            {
                return AuthResult.Failed(AuthFailureReason.Malformed, "the payload is not base64url");
            }

            return CheckJson(buffer.AsSpan(0, written));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static AuthResult? CheckJson(ReadOnlySpan<byte> json)
    {
        bool hasExpiration = false;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return AuthResult.Failed(AuthFailureReason.Malformed, "the payload is not a JSON object");
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                string name = reader.GetString()!;
                if (!seen.Add(name))
                {
                    return AuthResult.Failed(AuthFailureReason.Malformed, "the payload repeats a claim");
                }

                reader.Read();
                if (name is "exp" or "nbf")
                {
                    if (reader.TokenType != JsonTokenType.Number || !reader.TryGetDouble(out double seconds) || !(seconds > 0 && seconds <= MaxUnixSeconds))
                    {
                        return AuthResult.Failed(AuthFailureReason.Malformed, $"the {name} claim is not a number of seconds in range");
                    }

                    hasExpiration |= name == "exp";
                }
                else
                {
                    reader.Skip();
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                return AuthResult.Failed(AuthFailureReason.Malformed, "the payload is not a single JSON object");
            }
        }
        catch (JsonException)
        {
            return AuthResult.Failed(AuthFailureReason.Malformed, "the payload is not valid JSON");
        }

        return hasExpiration ? null : AuthResult.Failed(AuthFailureReason.MissingExpiration, "the token has no exp claim");
    }
}
