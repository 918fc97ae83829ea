using System.Net;
using FastContractorProxy.Http1;

namespace FastContractorProxy.Policy;

/// <summary>Why a request was allowed or denied. <see cref="PolicyReasons.Code"/> gives the snake_case code for logs.</summary>
internal enum PolicyReason : byte
{
    NoRoute,
    NoGrant,
    DeniedByRule,
    GrantExpired,
    ContractExpired,
    ContractNotStarted,
    ScopeMissing,
    AddressNotAllowed,
    OutsideHours,
    AnonymousRoute,
    Allowed,

    /// <summary>The credential is valid but names no contractor of the policy.</summary>
    UnknownContractor,
}

internal static class PolicyReasons
{
    private static readonly string[] Codes =
    [
        "no_route", "no_grant", "denied_by_rule", "grant_expired", "contract_expired", "contract_not_started",
        "scope_missing", "address_not_allowed", "outside_hours", "anonymous_route", "allowed", "unknown_contractor",
    ];

    public static string Code(this PolicyReason reason) => Codes[(int)reason];
}

/// <summary>
/// The facts about one request that the policy decides on. <see cref="CanonicalPath"/> must be the output of
/// <c>PathCanonicalizer.Canonicalize</c>, because patterns are matched against canonical paths only.
/// </summary>
internal readonly ref struct AccessRequest
{
    /// <summary>The authenticated contractor, or null for an anonymous caller.</summary>
    public string? ContractorId { get; init; }

    /// <summary>Groups asserted by the credential (for example a token's groups claim), added to the policy's own.</summary>
    public IReadOnlyList<string> Groups { get; init; }

    public IReadOnlyList<string> Scopes { get; init; }

    public IPAddress? ClientAddress { get; init; }
    public KnownMethod Method { get; init; }
    public ReadOnlySpan<byte> CanonicalPath { get; init; }
    public DateTimeOffset Now { get; init; }
}

/// <summary>The outcome of a policy lookup. The id strings are the policy's own instances, so a decision allocates nothing.</summary>
internal readonly record struct AccessDecision(bool Allowed, PolicyReason Reason, string? RuleId, string? RouteId, string? ClusterId);

internal enum RuleKind : byte
{
    Grant,
    Deny,
}

/// <summary>A rule whose subject, method and pattern applied to a request, with the result of its check.</summary>
/// <param name="Outcome">For a deny, <see cref="PolicyReason.DeniedByRule"/>; for a grant, <see cref="PolicyReason.Allowed"/>
/// or the first condition that failed.</param>
/// <param name="Evaluated">False for a grant whose conditions were skipped because an earlier grant already allowed.</param>
internal readonly record struct RuleCandidate(RuleKind Kind, int Index, PolicyReason Outcome, bool Evaluated);
