using System.Net;
using FastContractorProxy.Http1;
using FastContractorProxy.Policy;

namespace FastContractorProxy.Tests.Policy;

/// <summary>
/// A linear reference for <see cref="CompiledPolicy.Decide(in AccessRequest)"/>: it checks every rule and every
/// pattern in turn and sorts the matches by specificity, as docs/policy.md describes the semantics.
/// </summary>
internal static class NaiveEvaluator
{
    public static AccessDecision Decide(PolicyDocument policy, string? contractorId, IReadOnlyList<string> tokenGroups, IReadOnlyList<string> scopes,
        IPAddress address, KnownMethod method, string canonicalPath, DateTimeOffset now)
    {
        IReadOnlyList<string> segments = PathPattern.SplitPath(canonicalPath);

        RouteDefinition? route = policy.Routes
            .SelectMany((r, index) => r.Paths.Where(p => p.Matches(segments)).Select(p => (Route: r, Pattern: p, Index: index)))
            .OrderBy(m => m, Comparer<(RouteDefinition Route, PathPattern Pattern, int Index)>.Create(CompareMatch))
            .Select(m => m.Route)
            .FirstOrDefault();
        if (route is null)
        {
            return new AccessDecision(false, PolicyReason.NoRoute, null, null, null);
        }

        ContractorDefinition? contractor = policy.Contractors.FirstOrDefault(c => c.Id == contractorId);
        var groups = new HashSet<string>(StringComparer.Ordinal);
        if (contractor is not null)
        {
            groups.UnionWith(contractor.Groups);
            groups.UnionWith(tokenGroups);
        }

        bool Applies(IReadOnlyList<string> subjects) =>
            subjects.Contains("*") || contractor is not null && (subjects.Contains(contractor.Id) || subjects.Any(groups.Contains));

        DenyDefinition? deny = policy.Denies
            .SelectMany((d, index) => d.Paths.Where(p => p.Matches(segments)).Select(p => (Rule: d, Pattern: p, Index: index)))
            .Where(m => m.Rule.Methods.Contains(method) && Applies(m.Rule.Subjects))
            .OrderBy(m => m, Comparer<(DenyDefinition Rule, PathPattern Pattern, int Index)>.Create(CompareMatch))
            .Select(m => m.Rule)
            .FirstOrDefault();
        if (deny is not null)
        {
            return new AccessDecision(false, PolicyReason.DeniedByRule, deny.Id, route.Id, route.Cluster);
        }

        if (route.Anonymous)
        {
            return new AccessDecision(true, PolicyReason.AnonymousRoute, null, route.Id, route.Cluster);
        }

        if (contractor is not null && now < (contractor.NotBefore ?? DateTimeOffset.MinValue))
        {
            return new AccessDecision(false, PolicyReason.ContractNotStarted, null, route.Id, route.Cluster);
        }

        if (contractor is not null && now > (contractor.NotAfter ?? DateTimeOffset.MaxValue))
        {
            return new AccessDecision(false, PolicyReason.ContractExpired, null, route.Id, route.Cluster);
        }

        var grants = policy.Grants
            .SelectMany((g, index) => g.Paths.Where(p => p.Matches(segments)).Select(p => (Rule: g, Pattern: p, Index: index)))
            .Where(m => m.Rule.Methods.Contains(method) && Applies(m.Rule.Subjects))
            .OrderBy(m => m, Comparer<(GrantDefinition Rule, PathPattern Pattern, int Index)>.Create(CompareMatch))
            .Select(m => (m.Rule, Outcome: Check(m.Rule.Conditions, scopes, address, now)))
            .ToList();

        foreach ((GrantDefinition grant, PolicyReason outcome) in grants)
        {
            if (outcome == PolicyReason.Allowed)
            {
                return new AccessDecision(true, PolicyReason.Allowed, grant.Id, route.Id, route.Cluster);
            }
        }

        return grants.Count > 0
            ? new AccessDecision(false, grants[0].Outcome, grants[0].Rule.Id, route.Id, route.Cluster)
            : new AccessDecision(false, PolicyReason.NoGrant, null, route.Id, route.Cluster);
    }

    private static int CompareMatch<T>((T Rule, PathPattern Pattern, int Index) a, (T Rule, PathPattern Pattern, int Index) b)
    {
        int order = PathPattern.CompareSpecificity(a.Pattern, b.Pattern);
        return order != 0 ? order : a.Index.CompareTo(b.Index);
    }

    private static PolicyReason Check(GrantConditions conditions, IReadOnlyList<string> scopes, IPAddress address, DateTimeOffset now)
    {
        if (now < (conditions.NotBefore ?? DateTimeOffset.MinValue) || now > (conditions.NotAfter ?? DateTimeOffset.MaxValue))
        {
            return PolicyReason.GrantExpired;
        }

        if (!conditions.Scopes.All(scopes.Contains))
        {
            return PolicyReason.ScopeMissing;
        }

        IPAddress plain = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        if (conditions.SourceRanges.Count > 0 && !conditions.SourceRanges.Any(range => range.Contains(plain)))
        {
            return PolicyReason.AddressNotAllowed;
        }

        if (conditions.Schedule is { } schedule)
        {
            DateTimeOffset local = TimeZoneInfo.ConvertTime(now, schedule.TimeZone);
            int minute = local.Hour * 60 + local.Minute;
            bool day = ((int)schedule.Days & (1 << (int)local.DayOfWeek)) != 0;
            if (!day || minute < schedule.FromMinute || minute >= schedule.ToMinute)
            {
                return PolicyReason.OutsideHours;
            }
        }

        return PolicyReason.Allowed;
    }
}
