using System.Security.Cryptography;

namespace FastContractorProxy.Identity;

/// <summary>
/// Service-account API keys, held only as SHA-256 hashes. A presented key is hashed and compared with every
/// configured hash in constant time, so neither the match nor its position shows in the timing.
/// </summary>
internal sealed class ApiKeyStore
{
    /// <summary>
    /// Shortest key accepted. A configured key should be at least 256 random bits, for example 32 random bytes in
    /// base64url (43 characters). A shorter presented key cannot be such a key, so it is rejected without hashing.
    /// </summary>
    public const int MinKeyLength = 32;

    public const int MaxKeyLength = 512;

    private readonly (byte[] Hash, CallerIdentity Identity)[] _keys;

    public ApiKeyStore(IEnumerable<ApiKeySettings> keys)
    {
        _keys = keys.Select(k => (k.Sha256, new CallerIdentity(
            ContractorId: k.ContractorId,
            Organization: k.Organization,
            Subject: k.Id,
            ClientId: null,
            Scopes: k.Scopes,
            Groups: k.Groups,
            Method: AuthMethod.ApiKey,
            Issuer: null,
            TokenId: null,
            ExpiresAt: null))).ToArray();
    }

    public int Count => _keys.Length;

    public AuthResult Authenticate(ReadOnlySpan<byte> key)
    {
        if (key.Length is < MinKeyLength or > MaxKeyLength)
        {
            return AuthResult.Failed(AuthFailureReason.InvalidApiKey, $"the API key is not {MinKeyLength} to {MaxKeyLength} bytes long");
        }

        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(key, hash);
        CallerIdentity? match = null;
        foreach ((byte[] configured, CallerIdentity identity) in _keys)
        {
            // No early exit: every configured hash is compared.
            if (CryptographicOperations.FixedTimeEquals(configured, hash))
            {
                match = identity;
            }
        }

        return match is not null
            ? AuthResult.Succeeded(match)
            : AuthResult.Failed(AuthFailureReason.InvalidApiKey, "the API key is not valid");
    }
}
