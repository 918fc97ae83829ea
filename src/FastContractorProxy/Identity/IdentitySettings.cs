namespace FastContractorProxy.Identity;

/// <summary>The <c>identity:</c> section: trusted token issuers and service-account API keys.</summary>
internal sealed record IdentitySettings
{
    public const int DefaultMaxTokenBytes = 8 * 1024;

    /// <summary>Realm named in <c>WWW-Authenticate</c> challenges.</summary>
    public string Realm { get; init; } = "fcp";

    /// <summary>Longest accepted bearer token, checked before any decoding.</summary>
    public int MaxTokenBytes { get; init; } = DefaultMaxTokenBytes;

    /// <summary>Maximum number of validated tokens kept in the token cache; 0 turns the cache off.</summary>
    public int TokenCacheEntries { get; init; } = 10_000;

    /// <summary>Longest time a validated token stays cached; an entry never outlives the token's <c>exp</c>.</summary>
    public TimeSpan TokenCacheMaxLifetime { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Field that carries API keys. With the default <c>Authorization</c> the value is <c>ApiKey &lt;key&gt;</c>;
    /// with any other name the field value is the key itself.
    /// </summary>
    public string ApiKeyHeader { get; init; } = "Authorization";

    public IReadOnlyList<IssuerSettings> Issuers { get; init; } = [];

    public IReadOnlyList<ApiKeySettings> ApiKeys { get; init; } = [];
}

/// <summary>Where an issuer's signing keys come from.</summary>
internal enum KeySourceKind
{
    /// <summary>OpenID discovery: <c>{issuer}/.well-known/openid-configuration</c>, then its <c>jwks_uri</c>.</summary>
    Discovery,
    JwksUri,
    JwksFile,
}

/// <summary>One trusted token issuer and the checks applied to its tokens.</summary>
internal sealed record IssuerSettings
{
    public static readonly IReadOnlyList<string> DefaultAlgorithms = ["RS256", "PS256", "ES256"];

    public static readonly TimeSpan DefaultClockSkew = TimeSpan.FromSeconds(30);

    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>Exact value of the <c>iss</c> claim; compared ordinally.</summary>
    public required string Issuer { get; init; }

    /// <summary>Accepted <c>aud</c> values; a token passes when any of its audiences is in this list.</summary>
    public required IReadOnlyList<string> Audiences { get; init; }

    /// <summary>Accepted <c>alg</c> header values, all asymmetric; the token's header never widens this list.</summary>
    public IReadOnlyList<string> Algorithms { get; init; } = DefaultAlgorithms;

    public TimeSpan ClockSkew { get; init; } = DefaultClockSkew;

    public KeySourceKind KeySource { get; init; } = KeySourceKind.Discovery;

    /// <summary>JWKS URL for <see cref="KeySourceKind.JwksUri"/>, or file path for <see cref="KeySourceKind.JwksFile"/>.</summary>
    public string? JwksLocation { get; init; }

    /// <summary>Time between background refreshes of the key set.</summary>
    public TimeSpan RefreshInterval { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Shortest time between two refreshes caused by tokens with an unknown <c>kid</c>, and how long a kid that
    /// was still unknown after a refresh is remembered as unknown.
    /// </summary>
    public TimeSpan UnknownKeyCooldown { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Claim that contains the contractor id.</summary>
    public string ContractorClaim { get; init; } = "sub";

    /// <summary>Claim that contains the organization; a token without it has no organization.</summary>
    public string OrganizationClaim { get; init; } = "org";
}

/// <summary>A service-account API key, stored only as the SHA-256 hash of the key.</summary>
internal sealed record ApiKeySettings
{
    /// <summary>Name of the key in logs and audit records; never the key.</summary>
    public required string Id { get; init; }

    /// <summary>SHA-256 of the key's UTF-8 bytes, 32 bytes.</summary>
    public required byte[] Sha256 { get; init; }

    public required string ContractorId { get; init; }

    public string? Organization { get; init; }

    public IReadOnlyList<string> Scopes { get; init; } = [];

    public IReadOnlyList<string> Groups { get; init; } = [];
}
