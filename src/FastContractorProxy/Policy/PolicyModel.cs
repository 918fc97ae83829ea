using System.Net;
using FastContractorProxy.Http1;

namespace FastContractorProxy.Policy;

/// <summary>A policy file as read, before compilation: contractors, groups, grants, deny rules and routes.</summary>
internal sealed class PolicyDocument
{
    public required IReadOnlyList<GroupDefinition> Groups { get; init; }
    public required IReadOnlyList<ContractorDefinition> Contractors { get; init; }
    public required IReadOnlyList<GrantDefinition> Grants { get; init; }
    public required IReadOnlyList<DenyDefinition> Denies { get; init; }
    public required IReadOnlyList<RouteDefinition> Routes { get; init; }

    /// <summary>Lowercase SHA-256 hex of the file bytes; empty for a document built in code.</summary>
    public string Version { get; init; } = "";
}

internal sealed record GroupDefinition(string Id, string? Description);

/// <summary>One way a contractor proves its identity; exactly one of the kinds is set.</summary>
internal sealed record CredentialDefinition
{
    public string? Issuer { get; init; }
    public string? Subject { get; init; }
    public string? ClientId { get; init; }

    /// <summary>Lowercase SHA-256 hex of the API key.</summary>
    public string? ApiKeySha256 { get; init; }

    public string? ClientCertificateSubject { get; init; }
}

internal sealed class ContractorDefinition
{
    public required string Id { get; init; }
    public required string Organization { get; init; }

    /// <summary>The employee responsible for the contractor.</summary>
    public required string Sponsor { get; init; }

    /// <summary>Ticket or contract reference.</summary>
    public required string Reference { get; init; }

    public DateTimeOffset? NotBefore { get; init; }

    /// <summary>Last instant of the contract period (inclusive).</summary>
    public DateTimeOffset? NotAfter { get; init; }

    public required IReadOnlyList<CredentialDefinition> Credentials { get; init; }
    public required IReadOnlyList<string> Groups { get; init; }
}

/// <summary>Days and hours of the week, in one time zone, when a grant applies.</summary>
internal sealed record ScheduleDefinition(TimeZoneInfo TimeZone, DayMask Days, int FromMinute, int ToMinute);

/// <summary>Bits of the days of the week, bit 0 for Sunday as in <see cref="DayOfWeek"/>.</summary>
[Flags]
internal enum DayMask : byte
{
    None = 0,
    All = 0x7F,
}

internal sealed class GrantConditions
{
    public static readonly GrantConditions None = new();

    public IReadOnlyList<string> Scopes { get; init; } = [];
    public IReadOnlyList<IPNetwork> SourceRanges { get; init; } = [];
    public ScheduleDefinition? Schedule { get; init; }
    public DateTimeOffset? NotBefore { get; init; }

    /// <summary>Last instant of the grant's validity (inclusive).</summary>
    public DateTimeOffset? NotAfter { get; init; }

    public bool IsEmpty => Scopes.Count == 0 && SourceRanges.Count == 0 && Schedule is null && NotBefore is null && NotAfter is null;
}

internal sealed class GrantDefinition
{
    public required string Id { get; init; }

    /// <summary>Contractor and group ids; the two share one namespace.</summary>
    public required IReadOnlyList<string> Subjects { get; init; }

    public required MethodSet Methods { get; init; }
    public required IReadOnlyList<PathPattern> Paths { get; init; }
    public GrantConditions Conditions { get; init; } = GrantConditions.None;
}

internal sealed class DenyDefinition
{
    public required string Id { get; init; }

    /// <summary>Contractor and group ids, or <c>*</c> for every caller including anonymous ones.</summary>
    public required IReadOnlyList<string> Subjects { get; init; }

    public required MethodSet Methods { get; init; }
    public required IReadOnlyList<PathPattern> Paths { get; init; }
}

internal sealed class RouteDefinition
{
    public required string Id { get; init; }
    public required IReadOnlyList<PathPattern> Paths { get; init; }
    public required string Cluster { get; init; }

    /// <summary>True when the route serves callers without credentials (health checks, public docs).</summary>
    public bool Anonymous { get; init; }

    /// <summary>Token issuers accepted on this route; empty accepts every configured issuer.</summary>
    public IReadOnlyList<string> Issuers { get; init; } = [];

    /// <summary>Forward the client's Authorization field to the upstream; off by default, so the credential stays at the proxy.</summary>
    public bool ForwardAuthorization { get; init; }
}

/// <summary>A set of <see cref="KnownMethod"/> values as bits; <see cref="All"/> also covers methods outside the list.</summary>
internal readonly record struct MethodSet(ushort Bits)
{
    public static readonly MethodSet All = new((ushort)((1 << MethodCount) - 1));

    public const int MethodCount = (int)KnownMethod.Connect + 1;

    public bool Contains(KnownMethod method) => (Bits & (1 << (int)method)) != 0;

    public bool IsSupersetOf(MethodSet other) => (Bits & other.Bits) == other.Bits;

    public bool Overlaps(MethodSet other) => (Bits & other.Bits) != 0;

    public static MethodSet Of(params KnownMethod[] methods)
    {
        int bits = 0;
        foreach (KnownMethod method in methods)
        {
            bits |= 1 << (int)method;
        }

        return new MethodSet((ushort)bits);
    }

    /// <summary>Parses an upper-case method token; <c>*</c> is handled by the caller.</summary>
    public static bool TryParseMethod(string text, out KnownMethod method)
    {
        method = text switch
        {
            "GET" => KnownMethod.Get,
            "HEAD" => KnownMethod.Head,
            "POST" => KnownMethod.Post,
            "PUT" => KnownMethod.Put,
            "DELETE" => KnownMethod.Delete,
            "OPTIONS" => KnownMethod.Options,
            "PATCH" => KnownMethod.Patch,
            "TRACE" => KnownMethod.Trace,
            "CONNECT" => KnownMethod.Connect,
            _ => KnownMethod.Other,
        };
        return method != KnownMethod.Other;
    }

    public override string ToString()
    {
        if (this == All)
        {
            return "*";
        }

        var names = new List<string>();
        for (int i = 1; i < MethodCount; i++)
        {
            if ((Bits & (1 << i)) != 0)
            {
                names.Add(((KnownMethod)i).ToString().ToUpperInvariant());
            }
        }

        return string.Join(",", names);
    }
}
