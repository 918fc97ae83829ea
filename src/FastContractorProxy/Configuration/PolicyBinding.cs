using FastContractorProxy.Identity;
using FastContractorProxy.Policy;

namespace FastContractorProxy.Configuration;

/// <summary>
/// Checks that a policy can run under a configuration: no error-level analysis finding (unknown clusters,
/// shared credentials), and every issuer a route or a credential names is configured. Used at load and before
/// a reloaded policy is swapped in.
/// </summary>
internal static class PolicyBinding
{
    public static List<string> Check(PolicyDocument policy, IReadOnlyList<ClusterSettings> clusters, IdentitySettings? identity)
    {
        var errors = PolicyAnalyzer.Analyze(policy, clusters.Select(c => c.Id).ToArray(), DateTimeOffset.UtcNow)
            .Where(finding => finding.Severity == FindingSeverity.Error)
            .Select(finding => $"policy {finding.Entity}: {finding.Message}")
            .ToList();
        var issuers = new HashSet<string>(identity?.Issuers.Select(i => i.Issuer) ?? [], StringComparer.Ordinal);
        foreach (RouteDefinition route in policy.Routes)
        {
            foreach (string issuer in route.Issuers.Where(i => !issuers.Contains(i)))
            {
                errors.Add($"policy routes '{route.Id}'.issuers: '{issuer}' is not configured under identity.issuers; add it there or fix the URL.");
            }
        }

        foreach (ContractorDefinition contractor in policy.Contractors)
        {
            foreach (CredentialDefinition credential in contractor.Credentials)
            {
                if (credential.Issuer is { } issuer && !issuers.Contains(issuer))
                {
                    errors.Add($"policy contractors '{contractor.Id}'.authentication: issuer '{issuer}' is not configured under identity.issuers, so no token can match it.");
                }
            }
        }

        return errors;
    }
}
