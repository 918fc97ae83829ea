using System.Net;
using System.Text;
using CsCheck;
using FastContractorProxy.Http1;
using FastContractorProxy.Policy;

namespace FastContractorProxy.Tests.Policy;

/// <summary>Compares the compiled trie with <see cref="NaiveEvaluator"/> on random small policies and requests.</summary>
public class PolicyPropertyTests
{
    private static readonly string[] ContractorIds = ["c0", "c1", "c2"];
    private static readonly string[] GroupIds = ["g0", "g1"];
    private static readonly string[] SegmentNames = ["a", "b", "c"];
    private static readonly DateTimeOffset Base = new(2026, 7, 6, 12, 0, 0, TimeSpan.Zero);

    private static readonly Gen<PathPattern> GenPattern =
        Gen.Int[0, 2].Array[0, 3].Select(Gen.Bool, (kinds, rest) =>
        {
            var text = new StringBuilder();
            foreach (int kind in kinds)
            {
                string segment = kind switch
                {
                    0 => "a",
                    1 => "b",
                    _ => "{x}",
                };
                text.Append('/').Append(segment);
            }

            if (rest)
            {
                text.Append("/**");
            }

            return PathPattern.Parse(text.Length == 0 ? "/" : text.ToString());
        });

    private static readonly Gen<MethodSet> GenMethods =
        Gen.OneOf(MethodSet.All, MethodSet.Of(KnownMethod.Get), MethodSet.Of(KnownMethod.Get, KnownMethod.Post), MethodSet.Of(KnownMethod.Delete));

    private static readonly Gen<DateTimeOffset?> GenInstant =
        Gen.Int[-3, 3].Select(days => days == 0 ? (DateTimeOffset?)null : Base.AddDays(days));

    private static readonly Gen<GrantConditions> GenConditions =
        Gen.Select(Gen.Int[0, 3], Gen.Bool, Gen.Bool, GenInstant, GenInstant, (scopes, range, schedule, notBefore, notAfter) => new GrantConditions
        {
            Scopes = scopes switch { 1 => ["s1"], 2 => ["s1", "s2"], _ => [] },
            SourceRanges = range ? [IPNetwork.Parse("10.0.0.0/8")] : [],
            Schedule = schedule ? new ScheduleDefinition(TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin"), (DayMask)0b0111110, 9 * 60, 17 * 60) : null,
            NotBefore = notBefore is { } start && start < Base ? start : null,
            NotAfter = notAfter is { } end && end > Base.AddDays(-2) ? end : null,
        });

    private static Gen<string[]> GenSubjects(bool allowEveryone) =>
        Gen.OneOf(allowEveryone ? ["c0", "c1", "c2", "g0", "g1", "*"] : new[] { "c0", "c1", "c2", "g0", "g1" })
            .Array[1, 2]
            .Select(subjects => subjects.Distinct().ToArray());

    private static readonly Gen<PolicyDocument> GenPolicy =
        Gen.Select(
            Gen.OneOf(GroupIds).Array[0, 2].Array[3],
            GenInstant.Array[3],
            Gen.Select(GenSubjects(false), GenMethods, GenPattern.Array[1, 2], GenConditions).Array[0, 6],
            Gen.Select(GenSubjects(true), GenMethods, GenPattern.Array[1, 2]).Array[0, 3],
            Gen.Select(GenPattern.Array[1, 2], Gen.Bool).Array[1, 3],
            (memberships, ends, grants, denies, routes) => new PolicyDocument
            {
                Groups = [.. GroupIds.Select(id => new GroupDefinition(id, null))],
                Contractors = [.. ContractorIds.Select((id, i) => new ContractorDefinition
                {
                    Id = id,
                    Organization = "o",
                    Sponsor = "s",
                    Reference = "r",
                    NotBefore = ends[i] is { } end && end < Base ? end : null,
                    NotAfter = ends[i] is { } last && last > Base ? last : null,
                    Credentials = [],
                    Groups = [.. memberships[i].Distinct()],
                })],
                Grants = [.. grants.Select((g, i) => new GrantDefinition { Id = $"grant{i}", Subjects = g.Item1, Methods = g.Item2, Paths = g.Item3, Conditions = g.Item4 })],
                Denies = [.. denies.Select((d, i) => new DenyDefinition { Id = $"deny{i}", Subjects = d.Item1, Methods = d.Item2, Paths = d.Item3 })],
                Routes = [.. routes.Select((r, i) => new RouteDefinition { Id = $"route{i}", Paths = r.Item1, Cluster = $"cluster{i}", Anonymous = r.Item2 })],
            });

    private sealed record Probe(string? Contractor, string[] TokenGroups, string[] Scopes, IPAddress Address, KnownMethod Method, string Path, DateTimeOffset Now);

    private static readonly Gen<Probe> GenProbe =
        Gen.Select(
            Gen.OneOf<string?>("c0", "c1", "c2", "nobody", null),
            Gen.OneOf(GroupIds).Array[0, 1],
            Gen.OneOf("s1", "s2").Array[0, 2],
            Gen.OneOf(IPAddress.Parse("10.1.2.3"), IPAddress.Parse("192.0.2.1"), IPAddress.Parse("::ffff:10.1.2.3")),
            Gen.OneOf(KnownMethod.Get, KnownMethod.Post, KnownMethod.Delete, KnownMethod.Other),
            Gen.Select(Gen.OneOf(SegmentNames).Array[0, 4], Gen.Bool, (segments, trailingSlash) =>
                "/" + string.Join("/", segments) + (trailingSlash && segments.Length > 0 ? "/" : "")),
            Gen.Int[-4, 4].Select(Gen.Int[0, 23], (days, hour) => Base.AddDays(days).AddHours(hour - 12)),
            (contractor, groups, scopes, address, method, path, now) => new Probe(contractor, groups, scopes, address, method, path, now));

    [Fact]
    public void Trie_AgreesWithNaive()
    {
        Gen.Select(GenPolicy, GenProbe.Array[20]).Sample((policy, probes) =>
        {
            CompiledPolicy compiled = CompiledPolicy.Compile(policy);
            foreach (Probe probe in probes)
            {
                AccessDecision expected = NaiveEvaluator.Decide(policy, probe.Contractor, probe.TokenGroups, probe.Scopes, probe.Address,
                    probe.Method, probe.Path, probe.Now);
                AccessDecision actual = PolicyFixture.Decide(compiled, probe.Contractor, probe.Method, probe.Path, probe.Now, probe.Scopes,
                    probe.Address, probe.TokenGroups);
                if (expected != actual)
                {
                    return false;
                }
            }

            return true;
        }, iter: 3000, print: Describe);
    }

    private static string Describe((PolicyDocument Policy, Probe[] Probes) sample)
    {
        CompiledPolicy compiled = CompiledPolicy.Compile(sample.Policy);
        var text = new StringBuilder();
        foreach (GrantDefinition grant in sample.Policy.Grants)
        {
            text.AppendLine($"grant {grant.Id} [{string.Join(",", grant.Subjects)}] {grant.Methods} {string.Join(" ", grant.Paths)} " +
                            $"scopes={string.Join(",", grant.Conditions.Scopes)} ranges={grant.Conditions.SourceRanges.Count} " +
                            $"schedule={grant.Conditions.Schedule is not null} period={grant.Conditions.NotBefore}..{grant.Conditions.NotAfter}");
        }

        foreach (DenyDefinition deny in sample.Policy.Denies)
        {
            text.AppendLine($"deny {deny.Id} [{string.Join(",", deny.Subjects)}] {deny.Methods} {string.Join(" ", deny.Paths)}");
        }

        foreach (RouteDefinition route in sample.Policy.Routes)
        {
            text.AppendLine($"route {route.Id} {string.Join(" ", route.Paths)} anonymous={route.Anonymous}");
        }

        foreach (ContractorDefinition contractor in sample.Policy.Contractors)
        {
            text.AppendLine($"contractor {contractor.Id} groups={string.Join(",", contractor.Groups)} period={contractor.NotBefore}..{contractor.NotAfter}");
        }

        foreach (Probe probe in sample.Probes)
        {
            AccessDecision expected = NaiveEvaluator.Decide(sample.Policy, probe.Contractor, probe.TokenGroups, probe.Scopes, probe.Address,
                probe.Method, probe.Path, probe.Now);
            AccessDecision actual = PolicyFixture.Decide(compiled, probe.Contractor, probe.Method, probe.Path, probe.Now, probe.Scopes,
                probe.Address, probe.TokenGroups);
            if (expected != actual)
            {
                text.AppendLine($"{probe}: naive {expected}, trie {actual}");
            }
        }

        return text.ToString();
    }
}
