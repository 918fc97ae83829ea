using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace FastContractorProxy.Identity;

/// <summary>
/// Validates compact JWS bearer tokens against the configured issuers. The checks that the token library
/// leaves to its caller (size, structure, <c>crit</c>, <c>typ</c>, the issuer's algorithm list, numeric
/// <c>exp</c>) run first on the raw bytes; then <see cref="JsonWebTokenHandler"/> checks the signature with a
/// key from that issuer's key set only, and the issuer, audience and lifetime.
/// </summary>
internal sealed class JwtValidator
{
    private readonly Dictionary<string, IssuerEntry> _issuers;
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly int _maxTokenBytes;

    public JwtValidator(IEnumerable<IssuerKeyStore> stores, int maxTokenBytes)
    {
        _maxTokenBytes = maxTokenBytes;
        _issuers = new Dictionary<string, IssuerEntry>(StringComparer.Ordinal);
        foreach (IssuerKeyStore store in stores)
        {
            _issuers.Add(store.Settings.Issuer, new IssuerEntry(store, CreateParameters(store)));
        }
    }

    /// <summary>A token that needs a key refresh before it can be validated.</summary>
    public readonly record struct RefreshRequest(IssuerKeyStore Store, string? KeyId);

    /// <summary>
    /// Validates one token. Returns <see cref="AuthOutcome.KeysRequired"/> with <paramref name="refresh"/> set when
    /// the token names a key that is not loaded and <paramref name="allowRefresh"/> is true and the issuer's
    /// cooldown allows a refresh.
    /// </summary>
    public AuthResult Validate(ReadOnlySpan<byte> token, bool allowRefresh, out RefreshRequest refresh)
    {
        refresh = default;
        if (token.Length > _maxTokenBytes)
        {
            return AuthResult.Failed(AuthFailureReason.TooLarge, $"the token is longer than {_maxTokenBytes} bytes");
        }

        string? structureError = CheckStructure(token, out int firstDot, out int secondDot);
        if (structureError is not null)
        {
            return AuthResult.Failed(AuthFailureReason.Malformed, structureError);
        }

        string? headerError = JwtHeader.TryRead(token[..firstDot], out JwtHeader header);
        if (headerError is not null)
        {
            return AuthResult.Failed(AuthFailureReason.Malformed, headerError);
        }

        if (header.HasCritical)
        {
            return AuthResult.Failed(AuthFailureReason.UnsupportedCritical, "the token has a crit header, and no JWS extension is supported");
        }

        if (header.Algorithm is null)
        {
            return AuthResult.Failed(AuthFailureReason.Malformed, "the token has no alg header");
        }

        if (!IsAcceptedType(header.Type))
        {
            return AuthResult.Failed(AuthFailureReason.InvalidType, "the typ header is not JWT or at+jwt");
        }

        JsonWebToken jwt;
        try
        {
            jwt = new JsonWebToken(Encoding.ASCII.GetString(token));
        }
        catch (Exception ex) when (ex is ArgumentException or SecurityTokenMalformedException or FormatException or OverflowException)
        {
            return AuthResult.Failed(AuthFailureReason.Malformed, "the token payload is not a JSON object with valid registered claims");
        }

        if (!jwt.TryGetPayloadValue("iss", out string? issuer) || string.IsNullOrEmpty(issuer) || !_issuers.TryGetValue(issuer, out IssuerEntry? entry))
        {
            return AuthResult.Failed(AuthFailureReason.InvalidIssuer, "the iss claim is missing or names an issuer that is not trusted");
        }

        IssuerSettings settings = entry.Store.Settings;
        if (!Contains(settings.Algorithms, header.Algorithm))
        {
            return AuthResult.Failed(AuthFailureReason.AlgorithmNotAllowed, "the alg header names an algorithm the issuer is not allowed to use");
        }

        AuthResult? timeError = JwtPayloadCheck.CheckTimeClaims(token[(firstDot + 1)..secondDot]);
        if (timeError is not null)
        {
            return timeError.Value;
        }

        KeySet? keys = entry.Store.Current;
        if (keys is null || (header.KeyId is not null && !keys.Contains(header.KeyId)))
        {
            if (allowRefresh && entry.Store.CanRefreshFor(header.KeyId))
            {
                refresh = new RefreshRequest(entry.Store, header.KeyId);
                return AuthResult.KeysRequired;
            }

            return keys is null
                ? AuthResult.Failed(AuthFailureReason.UnknownKey, "no signing keys of the issuer are loaded")
                : AuthResult.Failed(AuthFailureReason.UnknownKey, "the kid header names no key of the issuer");
        }

        if (!keys.AllowsAlgorithm(header.KeyId, header.Algorithm))
        {
            return AuthResult.Failed(AuthFailureReason.AlgorithmNotAllowed, "the signing key declares another alg than the token header");
        }

        TokenValidationResult result = ValidateWithLibrary(jwt, entry.Parameters);
        if (!result.IsValid)
        {
            return MapFailure(result.Exception);
        }

        // RFC 7519 does not forbid a future iat, but a token issued later than now (beyond the clock skew) comes
        // from a broken clock or a broken issuer, so it is not trusted.
        if (jwt.IssuedAt > DateTime.UtcNow + settings.ClockSkew)
        {
            return AuthResult.Failed(AuthFailureReason.NotYetValid, "the iat claim is in the future");
        }

        return IdentityClaims.Read(jwt, settings);
    }

    private TokenValidationResult ValidateWithLibrary(JsonWebToken jwt, TokenValidationParameters parameters)
    {
        // Without a configuration manager the handler completes synchronously, so this does not block a thread.
        Task<TokenValidationResult> validation = _handler.ValidateTokenAsync(jwt, parameters);
        return validation.IsCompleted ? validation.Result : validation.GetAwaiter().GetResult();
    }

    private static TokenValidationParameters CreateParameters(IssuerKeyStore store)
    {
        IssuerSettings settings = store.Settings;
        return new TokenValidationParameters
        {
            ValidIssuer = settings.Issuer,
            ValidateIssuer = true,
            ValidAudiences = settings.Audiences,
            ValidateAudience = true,
            ValidAlgorithms = settings.Algorithms,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ClockSkew = settings.ClockSkew,
            ValidateIssuerSigningKey = false,
            TryAllIssuerSigningKeys = false,
            // The kid is only a lookup key in this issuer's current key set. jku, x5u, jwk and x5c never find a key.
            IssuerSigningKeyResolver = (_, _, keyId, _) => store.Current?.Find(keyId) ?? [],
        };
    }

    // A compact JWS: three base64url segments separated by two dots. The signature may be empty, which the
    // algorithm check then rejects, so that 'alg: none' tokens are reported as such.
    private static string? CheckStructure(ReadOnlySpan<byte> token, out int firstDot, out int secondDot)
    {
        firstDot = -1;
        secondDot = -1;
        for (int i = 0; i < token.Length; i++)
        {
            byte b = token[i];
            if (b == '.')
            {
                if (firstDot < 0)
                {
                    firstDot = i;
                }
                else if (secondDot < 0)
                {
                    secondDot = i;
                }
                else
                {
                    return "the token has more than three segments";
                }
            }
            else if (!IsBase64UrlChar(b))
            {
                return "the token contains a character outside base64url";
            }
        }

        if (secondDot < 0)
        {
            return "the token does not have three segments";
        }

        if (firstDot == 0 || secondDot == firstDot + 1)
        {
            return "the token has an empty header or payload";
        }

        return null;
    }

    private static bool IsBase64UrlChar(byte b) =>
        b is (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'a' and <= (byte)'z') or (>= (byte)'0' and <= (byte)'9') or (byte)'-' or (byte)'_';

    // RFC 9068 access tokens use at+jwt (or application/at+jwt); other JWTs use JWT. Media types compare
    // without case (RFC 7515 section 4.1.9). A token without typ is rejected.
    private static bool IsAcceptedType(string? type) =>
        type is not null && (type.Equals("JWT", StringComparison.OrdinalIgnoreCase) ||
            type.Equals("at+jwt", StringComparison.OrdinalIgnoreCase) ||
            type.Equals("application/at+jwt", StringComparison.OrdinalIgnoreCase));

    private static bool Contains(IReadOnlyList<string> values, string value)
    {
        foreach (string candidate in values)
        {
            if (string.Equals(candidate, value, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static AuthResult MapFailure(Exception? exception) => exception switch
    {
        SecurityTokenExpiredException => AuthResult.Failed(AuthFailureReason.Expired, "the token has expired"),
        SecurityTokenNotYetValidException => AuthResult.Failed(AuthFailureReason.NotYetValid, "the token is not valid yet (nbf)"),
        SecurityTokenNoExpirationException => AuthResult.Failed(AuthFailureReason.MissingExpiration, "the token has no exp claim"),
        SecurityTokenInvalidLifetimeException => AuthResult.Failed(AuthFailureReason.Expired, "the token's nbf is after its exp"),
        SecurityTokenInvalidAudienceException => AuthResult.Failed(AuthFailureReason.InvalidAudience, "the aud claim names no accepted audience"),
        SecurityTokenInvalidIssuerException => AuthResult.Failed(AuthFailureReason.InvalidIssuer, "the iss claim is not the expected issuer"),
        SecurityTokenInvalidAlgorithmException => AuthResult.Failed(AuthFailureReason.AlgorithmNotAllowed, "the alg header names an algorithm the issuer is not allowed to use"),
        SecurityTokenSignatureKeyNotFoundException => AuthResult.Failed(AuthFailureReason.InvalidSignature, "no key of the issuer verifies the signature"),
        SecurityTokenInvalidSignatureException => AuthResult.Failed(AuthFailureReason.InvalidSignature, "the signature does not verify"),
        SecurityTokenInvalidTypeException => AuthResult.Failed(AuthFailureReason.InvalidType, "the typ header is not JWT or at+jwt"),
        _ => AuthResult.Failed(AuthFailureReason.Malformed, "the token failed validation"),
    };

    private sealed record IssuerEntry(IssuerKeyStore Store, TokenValidationParameters Parameters);
}
