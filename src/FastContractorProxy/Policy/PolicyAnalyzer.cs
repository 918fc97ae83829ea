namespace FastContractorProxy.Policy;

internal enum FindingSeverity : byte
{
    Info,
    Warning,
    Error,
}

/// <summary>One result of <c>fcp check</c>: the entity it is about (like <c>grants 'items-read'</c>) and what to do.</summary>
internal sealed record PolicyFinding(FindingSeverity Severity, string Entity, string Message)
{
    public override string ToString() => $"{Severity.ToString().ToLowerInvariant()}: {Entity}: {Message}";
}

/// <summary>
/// Finds policy problems that are not errors in the file's structure: references to clusters the proxy does not
/// define, grants that can never allow anything, rules no route reaches, over-broad grants and contracts that
/// have ended or end soon.
/// </summary>
internal static class PolicyAnalyzer
{
    public static readonly TimeSpan ExpiryWarning = TimeSpan.FromDays(14);

    /// <summary>
    /// Reads and analyzes a policy file's bytes. Structural errors (invalid YAML, unknown keys and references,
    /// duplicate ids) come back as <see cref="FindingSeverity.Error"/> findings, and analysis then stops.
    /// </summary>
    public static IReadOnlyList<PolicyFinding> Check(ReadOnlySpan<byte> utf8, IReadOnlyCollection<string>? clusterIds, DateTimeOffset now)
    {
        PolicyDocument document;
        try
        {
            document = PolicyReader.Parse(utf8);
        }
        catch (PolicyException ex)
        {
            return [.. ex.Errors.Select(error => new PolicyFinding(FindingSeverity.Error, "policy", error))];
        }

        return Analyze(document, clusterIds, now);
    }

    /// <summary>Analyzes a valid document; <paramref name="clusterIds"/> (the proxy's clusters) is optional.</summary>
    public static IReadOnlyList<PolicyFinding> Analyze(PolicyDocument document, IReadOnlyCollection<string>? clusterIds, DateTimeOffset now)
    {
        var findings = new List<PolicyFinding>();
        CheckClusters(document, clusterIds, findings);
        CheckContracts(document, now, findings);
        CheckCredentials(document, findings);

        for (int i = 0; i < document.Grants.Count; i++)
        {
            GrantDefinition grant = document.Grants[i];
            string entity = $"grants '{grant.Id}'";
            CheckGrantPeriod(grant, entity, now, findings);
            CheckReachable(document, grant.Paths, entity, findings);
            CheckWholeRoute(document, grant, entity, findings);
            CheckShadowedByDeny(document, grant, entity, findings);
            CheckShadowedByGrant(document, i, entity, findings);
        }

        foreach (DenyDefinition deny in document.Denies)
        {
            CheckReachable(document, deny.Paths, $"denies '{deny.Id}'", findings);
        }

        return findings;
    }

    private static void CheckClusters(PolicyDocument document, IReadOnlyCollection<string>? clusterIds, List<PolicyFinding> findings)
    {
        if (clusterIds is null)
        {
            return;
        }

        foreach (RouteDefinition route in document.Routes)
        {
            if (!clusterIds.Contains(route.Cluster))
            {
                findings.Add(new PolicyFinding(FindingSeverity.Error, $"routes '{route.Id}'",
                    $"unknown cluster '{route.Cluster}'; define it under 'clusters' in the proxy configuration or fix the id."));
            }
        }
    }

    private static void CheckContracts(PolicyDocument document, DateTimeOffset now, List<PolicyFinding> findings)
    {
        foreach (ContractorDefinition contractor in document.Contractors)
        {
            string entity = $"contractors '{contractor.Id}'";
            if (contractor.NotAfter is not { } end)
            {
                findings.Add(new PolicyFinding(FindingSeverity.Info, entity, "the contract has no not_after; set the end of the contract period."));
            }
            else if (end < now)
            {
                findings.Add(new PolicyFinding(FindingSeverity.Warning, entity,
                    $"the contract ended on {end:yyyy-MM-dd}; every request is denied, so remove the contractor or extend the period with its sponsor {contractor.Sponsor}."));
            }
            else if (end - now <= ExpiryWarning)
            {
                findings.Add(new PolicyFinding(FindingSeverity.Warning, entity,
                    $"the contract ends on {end:yyyy-MM-dd}, within {ExpiryWarning.TotalDays} days; ask the sponsor {contractor.Sponsor} whether to extend it."));
            }
        }
    }

    private static void CheckCredentials(PolicyDocument document, List<PolicyFinding> findings)
    {
        var owners = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (ContractorDefinition contractor in document.Contractors)
        {
            foreach (CredentialDefinition credential in contractor.Credentials)
            {
                string key = credential.ApiKeySha256 is { } hash ? "api key " + hash
                    : credential.ClientCertificateSubject is { } subject ? "certificate subject " + subject
                    : $"token {credential.Issuer} {credential.Subject ?? credential.ClientId}";
                if (owners.TryGetValue(key, out string? owner) && owner != contractor.Id)
                {
                    findings.Add(new PolicyFinding(FindingSeverity.Error, $"contractors '{contractor.Id}'",
                        $"the {key} also identifies contractor '{owner}'; give each contractor its own credential."));
                }

                owners.TryAdd(key, contractor.Id);
            }
        }
    }

    private static void CheckGrantPeriod(GrantDefinition grant, string entity, DateTimeOffset now, List<PolicyFinding> findings)
    {
        if (grant.Conditions.NotAfter is { } end && end < now)
        {
            findings.Add(new PolicyFinding(FindingSeverity.Warning, entity, $"the grant expired on {end:yyyy-MM-dd}; remove it or extend not_after."));
        }
    }

    private static void CheckReachable(PolicyDocument document, IReadOnlyList<PathPattern> patterns, string entity, List<PolicyFinding> findings)
    {
        foreach (PathPattern pattern in patterns)
        {
            if (!document.Routes.Any(route => route.Paths.Any(pattern.Overlaps)))
            {
                findings.Add(new PolicyFinding(FindingSeverity.Warning, entity,
                    $"no route matches any path of '{pattern}', so the rule never applies; add a route or fix the pattern."));
            }
        }
    }

    private static void CheckWholeRoute(PolicyDocument document, GrantDefinition grant, string entity, List<PolicyFinding> findings)
    {
        foreach (PathPattern pattern in grant.Paths)
        {
            if (!pattern.EndsWithRest)
            {
                continue;
            }

            foreach (RouteDefinition route in document.Routes)
            {
                if (!route.Anonymous && route.Paths.Any(pattern.Covers))
                {
                    findings.Add(new PolicyFinding(FindingSeverity.Warning, entity,
                        $"'{pattern}' grants {grant.Methods} on every path of route '{route.Id}'; list the resources the contractor needs."));
                }
            }
        }
    }

    private static void CheckShadowedByDeny(PolicyDocument document, GrantDefinition grant, string entity, List<PolicyFinding> findings)
    {
        foreach (DenyDefinition deny in document.Denies)
        {
            if (deny.Methods.IsSupersetOf(grant.Methods) && SubjectsCover(document, deny.Subjects, grant.Subjects) &&
                grant.Paths.All(path => deny.Paths.Any(denyPath => denyPath.Covers(path))))
            {
                findings.Add(new PolicyFinding(FindingSeverity.Warning, entity,
                    $"deny rule '{deny.Id}' covers every subject, method and path of this grant, so it never allows anything; remove one of them."));
            }
        }
    }

    private static void CheckShadowedByGrant(PolicyDocument document, int index, string entity, List<PolicyFinding> findings)
    {
        GrantDefinition grant = document.Grants[index];
        for (int i = 0; i < document.Grants.Count; i++)
        {
            GrantDefinition other = document.Grants[i];
            if (i == index || !other.Conditions.IsEmpty || !other.Methods.IsSupersetOf(grant.Methods) ||
                !SubjectsCover(document, other.Subjects, grant.Subjects) ||
                !grant.Paths.All(path => other.Paths.Any(otherPath => otherPath.Covers(path))))
            {
                continue;
            }

            // Of two identical unconditional grants, only the later one is reported.
            bool identical = grant.Conditions.IsEmpty && grant.Methods == other.Methods && SubjectsCover(document, grant.Subjects, other.Subjects) &&
                             other.Paths.All(path => grant.Paths.Any(grantPath => grantPath.Covers(path)));
            if (identical && index < i)
            {
                continue;
            }

            findings.Add(new PolicyFinding(FindingSeverity.Info, entity,
                $"grant '{other.Id}' has no conditions and covers every subject, method and path of this grant, so this grant is redundant; remove it or narrow '{other.Id}'."));
        }
    }

    // True when every caller matched by 'inner' is matched by 'outer': '*', the same id, or a group of each contractor.
    private static bool SubjectsCover(PolicyDocument document, IReadOnlyList<string> outer, IReadOnlyList<string> inner)
    {
        if (outer.Contains("*"))
        {
            return true;
        }

        foreach (string subject in inner)
        {
            if (outer.Contains(subject))
            {
                continue;
            }

            ContractorDefinition? contractor = document.Contractors.FirstOrDefault(c => c.Id == subject);
            if (contractor is null || !contractor.Groups.Any(outer.Contains))
            {
                return false;
            }
        }

        return true;
    }
}
