namespace FastContractorProxy.Identity;

/// <summary>How the caller proved its identity.</summary>
internal enum AuthMethod
{
    Jwt,
    ApiKey,
}

/// <summary>The authenticated caller of one request.</summary>
/// <param name="ContractorId">Value of the issuer's contractor claim (default <c>sub</c>), or the API key's contractor.</param>
/// <param name="Organization">Organization claim, or the API key's organization; null when absent.</param>
/// <param name="Subject">The <c>sub</c> claim; for an API key, its configured id.</param>
/// <param name="ClientId">The <c>client_id</c> claim, else <c>azp</c>; null for API keys and tokens with neither.</param>
/// <param name="Scopes">From the space-separated <c>scope</c> claim or the <c>scp</c> array.</param>
/// <param name="Groups">From the <c>groups</c> and <c>roles</c> claims.</param>
/// <param name="Issuer">The <c>iss</c> claim; null for API keys.</param>
/// <param name="TokenId">The <c>jti</c> claim; null when absent and for API keys.</param>
/// <param name="ExpiresAt">The token's <c>exp</c>; null for API keys.</param>
internal sealed record CallerIdentity(
    string ContractorId,
    string? Organization,
    string Subject,
    string? ClientId,
    IReadOnlyList<string> Scopes,
    IReadOnlyList<string> Groups,
    AuthMethod Method,
    string? Issuer,
    string? TokenId,
    DateTimeOffset? ExpiresAt)
{
    private string? _scopeText;

    /// <summary>The scopes joined with spaces, as the upstream receives them; built once per identity, which the token cache keeps.</summary>
    public string ScopeText => _scopeText ??= string.Join(' ', Scopes);

    public bool HasScope(string scope)
    {
        foreach (string granted in Scopes)
        {
            if (string.Equals(granted, scope, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
