using System.Text;

namespace FastContractorProxy.Identity;

internal enum AuthOutcome
{
    /// <summary>The request carries no credential this module handles.</summary>
    Missing,
    Success,
    Failed,

    /// <summary>
    /// The token names a key that is not loaded yet and a refresh is allowed; call
    /// <see cref="Authenticator.AuthenticateAsync"/>, which fetches the keys and validates again.
    /// </summary>
    KeysRequired,
}

/// <summary>Why a credential was rejected. Each value names one check.</summary>
internal enum AuthFailureReason
{
    None,
    Malformed,
    TooLarge,
    UnsupportedScheme,
    AlgorithmNotAllowed,
    InvalidType,
    UnsupportedCritical,
    InvalidIssuer,
    InvalidAudience,
    UnknownKey,
    InvalidSignature,
    MissingExpiration,
    Expired,
    NotYetValid,
    InvalidApiKey,
}

internal static class AuthFailureReasons
{
    private static readonly string[] Codes =
    [
        "missing_credential", "malformed_credential", "token_too_large", "unsupported_scheme", "algorithm_not_allowed",
        "invalid_token_type", "unsupported_critical_header", "invalid_issuer", "invalid_audience", "unknown_key",
        "invalid_signature", "missing_expiration", "token_expired", "token_not_yet_valid", "invalid_api_key",
    ];

    /// <summary>The snake_case code for problem responses and audit records; <c>missing_credential</c> for <see cref="AuthFailureReason.None"/>.</summary>
    public static string Code(this AuthFailureReason reason) => Codes[(int)reason];
}

/// <summary>
/// Outcome of one authentication. A struct with preallocated members, so returning a cached identity or a
/// failure allocates nothing.
/// </summary>
internal readonly struct AuthResult
{
    private AuthResult(AuthOutcome outcome, CallerIdentity? identity, AuthFailureReason reason, string? description)
    {
        Outcome = outcome;
        Identity = identity;
        Reason = reason;
        Description = description;
    }

    public AuthOutcome Outcome { get; }

    /// <summary>The caller; set only when <see cref="Outcome"/> is <see cref="AuthOutcome.Success"/>.</summary>
    public CallerIdentity? Identity { get; }

    public AuthFailureReason Reason { get; }

    /// <summary>Short text naming the failed check; it never contains the credential.</summary>
    public string? Description { get; }

    public static AuthResult Missing => new(AuthOutcome.Missing, null, AuthFailureReason.None, null);

    public static AuthResult KeysRequired => new(AuthOutcome.KeysRequired, null, AuthFailureReason.None, null);

    public static AuthResult Succeeded(CallerIdentity identity) => new(AuthOutcome.Success, identity, AuthFailureReason.None, null);

    public static AuthResult Failed(AuthFailureReason reason, string description) => new(AuthOutcome.Failed, null, reason, description);

    public override string ToString() =>
        Outcome == AuthOutcome.Failed ? $"Failed {Reason}: {Description}" : Outcome.ToString();
}

/// <summary>Formats RFC 6750 <c>WWW-Authenticate</c> values for bearer-token challenges.</summary>
internal static class BearerChallenge
{
    /// <summary>
    /// Formats the challenge for a result: without an error code for a missing credential (RFC 6750 section 3.1),
    /// <c>invalid_request</c> for an unsupported scheme, otherwise <c>invalid_token</c>.
    /// </summary>
    public static string Format(string realm, in AuthResult result) =>
        result.Outcome == AuthOutcome.Failed
            ? Format(realm, result.Reason, result.Description ?? result.Reason.ToString())
            : Format(realm, AuthFailureReason.None, null);

    public static string Format(string realm, AuthFailureReason reason, string? description)
    {
        var text = new StringBuilder("Bearer realm=\"");
        AppendRealm(text, realm);
        text.Append('"');
        if (reason == AuthFailureReason.None)
        {
            return text.ToString();
        }

        string error = reason == AuthFailureReason.UnsupportedScheme ? "invalid_request" : "invalid_token";
        text.Append(", error=\"").Append(error).Append('"');
        if (!string.IsNullOrEmpty(description))
        {
            text.Append(", error_description=\"");
            AppendDescription(text, description);
            text.Append('"');
        }

        return text.ToString();
    }

    // The realm is a quoted-string, so '"' and '\' are escaped, and control or non-ASCII characters become '?'.
    private static void AppendRealm(StringBuilder text, string value)
    {
        foreach (char c in value)
        {
            if (c is < ' ' or > '~')
            {
                text.Append('?');
            }
            else
            {
                text.Append(c is '"' or '\\' ? "\\" + c : c.ToString());
            }
        }
    }

    // RFC 6750 section 3 allows only %x20-21 / %x23-5B / %x5D-7E in error_description, so every other
    // character, including '"' and '\', becomes '?'.
    private static void AppendDescription(StringBuilder text, string value)
    {
        foreach (char c in value)
        {
            text.Append(c is < ' ' or > '~' or '"' or '\\' ? '?' : c);
        }
    }
}
