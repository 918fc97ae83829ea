using System.Text;
using FastContractorProxy.Http1;
using FastContractorProxy.Paths;

namespace FastContractorProxy.Policy;

/// <summary>A rule that applied to an explained request, with its id and the result of its check.</summary>
internal sealed record ExplainedRule(RuleKind Kind, string Id, string Methods, string Paths, string Outcome, bool Evaluated);

/// <summary>The structured result of <see cref="PolicyExplainer.Explain"/>.</summary>
internal sealed record PolicyExplanation
{
    public required string RawPath { get; init; }

    /// <summary>The canonical path, or null when the canonicalizer rejected the raw path.</summary>
    public string? CanonicalPath { get; init; }

    /// <summary>The canonicalizer's rejection; <see cref="RejectReason.None"/> when the path was accepted.</summary>
    public RejectReason PathRejection { get; init; }

    public AccessDecision? Decision { get; init; }
    public IReadOnlyList<ExplainedRule> Candidates { get; init; } = [];
    public required string PolicyVersion { get; init; }

    /// <summary>Renders the explanation as lines of text for a terminal.</summary>
    public string ToText()
    {
        var text = new StringBuilder();
        text.AppendLine($"path:      {RawPath}");
        if (CanonicalPath is null)
        {
            text.AppendLine($"rejected:  the canonicalizer rejected the path ({PathRejection}); the proxy answers 400 before the policy runs");
            return text.ToString();
        }

        text.AppendLine($"canonical: {CanonicalPath}");
        if (Decision is { } decision)
        {
            text.AppendLine($"decision:  {(decision.Allowed ? "allow" : "deny")} ({decision.Reason.Code()})");
            text.AppendLine($"rule:      {decision.RuleId ?? "-"}");
            text.AppendLine($"route:     {decision.RouteId ?? "-"} -> cluster {decision.ClusterId ?? "-"}");
        }

        text.AppendLine($"policy:    {PolicyVersion}");
        text.AppendLine(Candidates.Count == 0 ? "candidates: none" : "candidates (most specific first):");
        foreach (ExplainedRule rule in Candidates)
        {
            string kind = rule.Kind == RuleKind.Grant ? "grant" : "deny ";
            string outcome = rule.Evaluated ? rule.Outcome : "not checked, an earlier grant allowed";
            text.AppendLine($"  {kind} {rule.Id}  {rule.Methods} {rule.Paths}  -> {outcome}");
        }

        return text.ToString();
    }
}

/// <summary>Explains one decision for operators; it allocates freely and is not meant for the request path.</summary>
internal static class PolicyExplainer
{
    private const int MaxCandidates = 256;

    /// <summary>
    /// Canonicalizes <see cref="ExplainRequest.RawPath"/> with <paramref name="pathOptions"/> as the proxy does, then
    /// decides the request and lists every rule that applied.
    /// </summary>
    public static PolicyExplanation Explain(CompiledPolicy policy, ExplainRequest request, PathOptions pathOptions)
    {
        byte[] raw = Encoding.UTF8.GetBytes(request.RawPath);
        byte[] canonical = new byte[Math.Max(raw.Length, 1)];
        RejectReason rejection = PathCanonicalizer.Canonicalize(raw, canonical, pathOptions, out int written);
        if (rejection != RejectReason.None)
        {
            return new PolicyExplanation { RawPath = request.RawPath, PathRejection = rejection, PolicyVersion = policy.Version };
        }

        var access = new AccessRequest
        {
            ContractorId = request.ContractorId,
            Groups = request.Groups,
            Scopes = request.Scopes,
            ClientAddress = request.ClientAddress,
            Method = request.Method,
            CanonicalPath = canonical.AsSpan(0, written),
            Now = request.Now,
        };

        var candidates = new RuleCandidate[MaxCandidates];
        AccessDecision decision = policy.Decide(access, candidates, out int count);

        var rules = new List<ExplainedRule>();
        for (int i = 0; i < Math.Min(count, MaxCandidates); i++)
        {
            RuleCandidate candidate = candidates[i];
            (MethodSet methods, IReadOnlyList<PathPattern> paths) = candidate.Kind == RuleKind.Grant
                ? (policy.Document.Grants[candidate.Index].Methods, policy.Document.Grants[candidate.Index].Paths)
                : (policy.Document.Denies[candidate.Index].Methods, policy.Document.Denies[candidate.Index].Paths);
            rules.Add(new ExplainedRule(candidate.Kind, policy.RuleId(candidate.Kind, candidate.Index), methods.ToString(),
                string.Join(" ", paths), candidate.Outcome.Code(), candidate.Evaluated));
        }

        return new PolicyExplanation
        {
            RawPath = request.RawPath,
            CanonicalPath = Encoding.ASCII.GetString(canonical, 0, written),
            Decision = decision,
            Candidates = rules,
            PolicyVersion = policy.Version,
        };
    }
}

/// <summary>The input of <see cref="PolicyExplainer.Explain"/>: an <see cref="AccessRequest"/> with a raw path.</summary>
internal sealed record ExplainRequest
{
    public string? ContractorId { get; init; }
    public IReadOnlyList<string> Groups { get; init; } = [];
    public IReadOnlyList<string> Scopes { get; init; } = [];
    public System.Net.IPAddress? ClientAddress { get; init; }
    public KnownMethod Method { get; init; } = KnownMethod.Get;
    public required string RawPath { get; init; }
    public DateTimeOffset Now { get; init; } = DateTimeOffset.UtcNow;
}
