using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;

namespace FastContractorProxy.Identity;

/// <summary>
/// The JOSE header members the validator checks before any signature work, read with a strict JSON reader
/// that rejects duplicate members, so the validator and the token library cannot read different values.
/// </summary>
internal readonly record struct JwtHeader(string? Algorithm, string? Type, string? KeyId, bool HasCritical)
{
    // A header is a few hundred bytes; anything far larger is not a header this proxy accepts.
    private const int MaxHeaderBytes = 2048;

    /// <summary>Decodes and reads the first segment of a compact JWS. Returns an error text, or null on success.</summary>
    public static string? TryRead(ReadOnlySpan<byte> encodedHeader, out JwtHeader header)
    {
        header = default;
        if (encodedHeader.Length == 0 || Base64Url.GetMaxDecodedLength(encodedHeader.Length) > MaxHeaderBytes)
        {
            return "the header segment is empty or too long";
        }

        Span<byte> json = stackalloc byte[MaxHeaderBytes];
        if (Base64Url.DecodeFromUtf8(encodedHeader, json, out _, out int written) != OperationStatus.Done)
        {
            return "the header is not base64url";
        }

        string? algorithm = null;
        string? type = null;
        string? keyId = null;
        bool critical = false;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            var reader = new Utf8JsonReader(json[..written]);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return "the header is not a JSON object";
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                string name = reader.GetString()!;
                if (!seen.Add(name))
                {
                    return "the header repeats a member";
                }

                reader.Read();
                switch (name)
                {
                    case "alg":
                        algorithm = StringValue(ref reader);
                        if (algorithm is null)
                        {
                            return "the alg header is not a string";
                        }

                        break;
                    case "typ":
                        type = StringValue(ref reader);
                        if (type is null)
                        {
                            return "the typ header is not a string";
                        }

                        break;
                    case "kid":
                        keyId = StringValue(ref reader);
                        if (keyId is null)
                        {
                            return "the kid header is not a string";
                        }

                        break;
                    case "crit":
                        critical = true;
                        reader.Skip();
                        break;
                    default:
                        // jku, x5u, jwk, x5c and every other member are ignored: keys come only from the issuer's key set.
                        reader.Skip();
                        break;
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                return "the header is not a single JSON object";
            }
        }
        catch (JsonException)
        {
            return "the header is not valid JSON";
        }

        header = new JwtHeader(algorithm, type, keyId, critical);
        return null;
    }

    private static string? StringValue(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
}
