using System.Collections.Frozen;
using Microsoft.IdentityModel.Tokens;

namespace FastContractorProxy.Identity;

/// <summary>
/// Immutable snapshot of one issuer's signing keys, looked up by <c>kid</c>. A refresh builds a new snapshot
/// and swaps the reference, so readers never see a half-updated set.
/// </summary>
internal sealed class KeySet
{
    private readonly FrozenDictionary<string, SecurityKey[]> _byKeyId;
    private readonly FrozenDictionary<SecurityKey, string> _declaredAlgorithms;

    private KeySet(string source, FrozenDictionary<string, SecurityKey[]> byKeyId, SecurityKey[] all, FrozenDictionary<SecurityKey, string> declaredAlgorithms)
    {
        Source = source;
        _byKeyId = byKeyId;
        All = all;
        _declaredAlgorithms = declaredAlgorithms;
    }

    /// <summary>The JWKS document the keys were read from, used to tell whether a refresh changed anything.</summary>
    public string Source { get; }

    public SecurityKey[] All { get; }

    public int Count => All.Length;

    public IEnumerable<string> KeyIds => _byKeyId.Keys;

    public bool Contains(string keyId) => _byKeyId.ContainsKey(keyId);

    /// <summary>Returns the keys with this kid, or every key when the token names no kid (null or empty).</summary>
    public SecurityKey[] Find(string? keyId) =>
        string.IsNullOrEmpty(keyId) ? All : _byKeyId.TryGetValue(keyId, out SecurityKey[]? keys) ? keys : [];

    /// <summary>
    /// Returns false when every key the token could be verified with declares a JWK <c>alg</c> other than
    /// <paramref name="algorithm"/> (RFC 8725 section 3.1: a key is used with one algorithm only).
    /// </summary>
    public bool AllowsAlgorithm(string? keyId, string algorithm)
    {
        foreach (SecurityKey key in Find(keyId))
        {
            if (!_declaredAlgorithms.TryGetValue(key, out string? declared) || string.Equals(declared, algorithm, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Parses a JWKS document. Only RSA and EC keys meant for signatures are kept; symmetric (<c>oct</c>) keys
    /// are dropped, so an HMAC algorithm can never be verified with a key from a key set.
    /// </summary>
    /// <exception cref="FormatException">The document is not a JWKS or contains no usable signing key.</exception>
    public static KeySet Parse(string json)
    {
        JsonWebKeySet document;
        try
        {
            document = new JsonWebKeySet(json);
        }
        catch (ArgumentException ex)
        {
            throw new FormatException("the document is not a JSON Web Key Set: " + ex.Message, ex);
        }

        var all = new List<SecurityKey>();
        var declared = new Dictionary<SecurityKey, string>(ReferenceEqualityComparer.Instance);
        var byKeyId = new Dictionary<string, List<SecurityKey>>(StringComparer.Ordinal);
        foreach (JsonWebKey webKey in document.Keys)
        {
            bool signingUse = string.IsNullOrEmpty(webKey.Use) || webKey.Use == JsonWebKeyUseNames.Sig;
            bool asymmetric = webKey.Kty is JsonWebAlgorithmsKeyTypes.RSA or JsonWebAlgorithmsKeyTypes.EllipticCurve;
            if (!signingUse || !asymmetric || !JsonWebKeyConverter.TryConvertToSecurityKey(webKey, out SecurityKey key))
            {
                continue;
            }

            key.KeyId = webKey.Kid;
            all.Add(key);
            if (!string.IsNullOrEmpty(webKey.Alg))
            {
                declared.Add(key, webKey.Alg);
            }

            if (!string.IsNullOrEmpty(webKey.Kid))
            {
                if (!byKeyId.TryGetValue(webKey.Kid, out List<SecurityKey>? sameId))
                {
                    sameId = [];
                    byKeyId.Add(webKey.Kid, sameId);
                }

                sameId.Add(key);
            }
        }

        if (all.Count == 0)
        {
            throw new FormatException("the key set contains no RSA or EC signing key");
        }

        return new KeySet(json, byKeyId.ToFrozenDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal), [.. all],
            declared.ToFrozenDictionary(ReferenceEqualityComparer.Instance));
    }
}

/// <summary>State of an issuer's key set, for metrics and readiness checks.</summary>
internal enum KeySetStatus
{
    /// <summary>Keys are loaded and the last fetch succeeded.</summary>
    Healthy,

    /// <summary>Keys are loaded but the last fetch failed; tokens are validated with the cached keys.</summary>
    Degraded,

    /// <summary>No key was ever loaded; every token of this issuer is rejected.</summary>
    Unavailable,
}

internal sealed record KeySetHealth(
    string Issuer,
    KeySetStatus Status,
    DateTimeOffset? LastSuccess,
    int ConsecutiveFailures,
    int KeyCount,
    string? LastError);
