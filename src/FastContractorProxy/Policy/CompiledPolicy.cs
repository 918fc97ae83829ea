using System.Net;
using FastContractorProxy.Http1;

namespace FastContractorProxy.Policy;

/// <summary>
/// An immutable, compiled policy. <see cref="Decide(in AccessRequest)"/> walks two tries (routes, then rules) once
/// over the path's segments, so its cost depends on the path and the trie's shape, not on the number of rules,
/// and it allocates nothing unless the policy has more than 2,048 groups.
/// </summary>
internal sealed partial class CompiledPolicy
{
    private const int StackGroupWords = 32;

    private readonly TrieNode _routeRoot;
    private readonly TrieNode _ruleRoot;
    private readonly Dictionary<string, int> _contractorIndexes;
    private readonly Dictionary<string, int> _groupIndexes;
    private readonly ContractorEntry[] _contractors;
    private readonly SubjectSet[] _grantSubjects;
    private readonly SubjectSet[] _denySubjects;
    private readonly CompiledConditions?[] _grantConditions;

    public PolicyDocument Document { get; }

    /// <summary>Lowercase SHA-256 hex of the policy file's bytes.</summary>
    public string Version => Document.Version;

    private readonly record struct ContractorEntry(DateTimeOffset NotBefore, DateTimeOffset NotAfter, int[] Groups);

    /// <summary>Contractor and group indexes named by a rule, each sorted; <see cref="Everyone"/> for <c>*</c>.</summary>
    private readonly record struct SubjectSet(bool Everyone, int[] Contractors, int[] Groups);

    // Per-lookup state, kept on the stack.
    private ref struct Evaluation
    {
        public int Contractor;
        public Span<ulong> GroupBits;
        public KnownMethod Method;
        public IReadOnlyList<string> Scopes;
        public IPAddress? Address;
        public DateTimeOffset Now;
        public int DenyRule;
        public int AllowGrant;
        public int FailedGrant;
        public PolicyReason Failure;
        public Span<RuleCandidate> Candidates;
        public int CandidateCount;
    }

    private CompiledPolicy(PolicyDocument document)
    {
        Document = document;
        _groupIndexes = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < document.Groups.Count; i++)
        {
            _groupIndexes[document.Groups[i].Id] = i;
        }

        _contractorIndexes = new Dictionary<string, int>(StringComparer.Ordinal);
        _contractors = new ContractorEntry[document.Contractors.Count];
        for (int i = 0; i < document.Contractors.Count; i++)
        {
            ContractorDefinition contractor = document.Contractors[i];
            _contractorIndexes[contractor.Id] = i;
            int[] groups = [.. contractor.Groups.Select(g => _groupIndexes[g])];
            _contractors[i] = new ContractorEntry(contractor.NotBefore ?? DateTimeOffset.MinValue, contractor.NotAfter ?? DateTimeOffset.MaxValue, groups);
        }

        var rules = new TrieBuilder();
        _grantSubjects = new SubjectSet[document.Grants.Count];
        _grantConditions = new CompiledConditions?[document.Grants.Count];
        for (int i = 0; i < document.Grants.Count; i++)
        {
            GrantDefinition grant = document.Grants[i];
            _grantSubjects[i] = ResolveSubjects(grant.Subjects);
            _grantConditions[i] = grant.Conditions.IsEmpty ? null : new CompiledConditions(grant.Conditions);
            foreach (PathPattern pattern in grant.Paths)
            {
                rules.AddGrant(pattern, grant.Methods, i);
            }
        }

        _denySubjects = new SubjectSet[document.Denies.Count];
        for (int i = 0; i < document.Denies.Count; i++)
        {
            DenyDefinition deny = document.Denies[i];
            _denySubjects[i] = ResolveSubjects(deny.Subjects);
            foreach (PathPattern pattern in deny.Paths)
            {
                rules.AddDeny(pattern, deny.Methods, i);
            }
        }

        var routes = new TrieBuilder();
        for (int i = 0; i < document.Routes.Count; i++)
        {
            foreach (PathPattern pattern in document.Routes[i].Paths)
            {
                routes.AddRoute(pattern, i);
            }
        }

        _ruleRoot = rules.Build();
        _routeRoot = routes.Build();
        IndexCredentials();
    }

    /// <summary>Compiles a validated document; references must resolve, as <see cref="PolicyReader"/> ensures.</summary>
    public static CompiledPolicy Compile(PolicyDocument document) => new(document);

    public string RuleId(RuleKind kind, int index) => kind == RuleKind.Grant ? Document.Grants[index].Id : Document.Denies[index].Id;

    public AccessDecision Decide(in AccessRequest request) => Decide(request, [], out _);

    /// <summary>
    /// Decides a request and writes the rules that applied to it into <paramref name="candidates"/>, most specific
    /// first; rules beyond the span's length are counted in <paramref name="candidateCount"/> but not written.
    /// </summary>
    public AccessDecision Decide(in AccessRequest request, Span<RuleCandidate> candidates, out int candidateCount)
    {
        candidateCount = 0;
        ReadOnlySpan<byte> path = request.CanonicalPath;
        int firstSegment = path.Length > 1 ? 1 : -1;

        int route = FindRoute(_routeRoot, path, firstSegment);
        if (route < 0)
        {
            return new AccessDecision(false, PolicyReason.NoRoute, null, null, null);
        }

        RouteDefinition routeDefinition = Document.Routes[route];
        int contractor = -1;
        if (request.ContractorId is not null && _contractorIndexes.TryGetValue(request.ContractorId, out int found))
        {
            contractor = found;
        }

        int words = (Document.Groups.Count + 63) / 64;
        Span<ulong> groupBits = words <= StackGroupWords ? stackalloc ulong[StackGroupWords] : new ulong[words];
        groupBits = groupBits[..words];
        groupBits.Clear();
        if (contractor >= 0)
        {
            foreach (int group in _contractors[contractor].Groups)
            {
                groupBits[group >> 6] |= 1UL << group;
            }

            IReadOnlyList<string> tokenGroups = request.Groups ?? [];
            for (int i = 0; i < tokenGroups.Count; i++)
            {
                if (_groupIndexes.TryGetValue(tokenGroups[i], out int group))
                {
                    groupBits[group >> 6] |= 1UL << group;
                }
            }
        }

        var evaluation = new Evaluation
        {
            Contractor = contractor,
            GroupBits = groupBits,
            Method = request.Method,
            Scopes = request.Scopes ?? [],
            Address = request.ClientAddress,
            Now = request.Now,
            DenyRule = -1,
            AllowGrant = -1,
            FailedGrant = -1,
            Candidates = candidates,
        };

        VisitRules(_ruleRoot, path, firstSegment, ref evaluation);
        candidateCount = evaluation.CandidateCount;
        return Conclude(ref evaluation, routeDefinition);
    }

    private AccessDecision Conclude(ref Evaluation evaluation, RouteDefinition route)
    {
        if (evaluation.DenyRule >= 0)
        {
            return new AccessDecision(false, PolicyReason.DeniedByRule, Document.Denies[evaluation.DenyRule].Id, route.Id, route.Cluster);
        }

        if (route.Anonymous)
        {
            return new AccessDecision(true, PolicyReason.AnonymousRoute, null, route.Id, route.Cluster);
        }

        if (evaluation.Contractor >= 0)
        {
            ContractorEntry contractor = _contractors[evaluation.Contractor];
            if (evaluation.Now < contractor.NotBefore)
            {
                return new AccessDecision(false, PolicyReason.ContractNotStarted, null, route.Id, route.Cluster);
            }

            if (evaluation.Now > contractor.NotAfter)
            {
                return new AccessDecision(false, PolicyReason.ContractExpired, null, route.Id, route.Cluster);
            }
        }

        if (evaluation.AllowGrant >= 0)
        {
            return new AccessDecision(true, PolicyReason.Allowed, Document.Grants[evaluation.AllowGrant].Id, route.Id, route.Cluster);
        }

        if (evaluation.FailedGrant >= 0)
        {
            return new AccessDecision(false, evaluation.Failure, Document.Grants[evaluation.FailedGrant].Id, route.Id, route.Cluster);
        }

        return new AccessDecision(false, PolicyReason.NoGrant, null, route.Id, route.Cluster);
    }

    // Returns the first route in specificity order whose pattern matches, or -1.
    private static int FindRoute(TrieNode node, ReadOnlySpan<byte> path, int position)
    {
        if (position < 0)
        {
            if (node.Routes.Length > 0)
            {
                return node.Routes[0];
            }

            return node.Rest is { Routes.Length: > 0 } rest ? rest.Routes[0] : -1;
        }

        ReadOnlySpan<byte> segment = NextSegment(path, position, out int next);
        if (node.Literals?.Find(segment) is { } literal)
        {
            int route = FindRoute(literal, path, next);
            if (route >= 0)
            {
                return route;
            }
        }

        if (node.Single is not null && !segment.IsEmpty)
        {
            int route = FindRoute(node.Single, path, next);
            if (route >= 0)
            {
                return route;
            }
        }

        return node.Rest is { Routes.Length: > 0 } restNode ? restNode.Routes[0] : -1;
    }

    // Visits every node whose pattern matches, most specific first, applying its rules; stops at the first
    // deny that applies, because a deny always wins.
    private void VisitRules(TrieNode node, ReadOnlySpan<byte> path, int position, ref Evaluation evaluation)
    {
        if (position < 0)
        {
            ApplyRules(node, ref evaluation);
        }
        else
        {
            ReadOnlySpan<byte> segment = NextSegment(path, position, out int next);
            if (node.Literals?.Find(segment) is { } literal)
            {
                VisitRules(literal, path, next, ref evaluation);
            }

            if (node.Single is not null && !segment.IsEmpty && evaluation.DenyRule < 0)
            {
                VisitRules(node.Single, path, next, ref evaluation);
            }
        }

        if (node.Rest is not null && evaluation.DenyRule < 0)
        {
            ApplyRules(node.Rest, ref evaluation);
        }
    }

    private void ApplyRules(TrieNode node, ref Evaluation evaluation)
    {
        int method = (int)evaluation.Method;
        foreach (int deny in node.Denies[method])
        {
            if (Applies(_denySubjects[deny], ref evaluation))
            {
                Record(ref evaluation, new RuleCandidate(RuleKind.Deny, deny, PolicyReason.DeniedByRule, true));
                evaluation.DenyRule = deny;
                return;
            }
        }

        foreach (int grant in node.Grants[method])
        {
            if (!Applies(_grantSubjects[grant], ref evaluation))
            {
                continue;
            }

            if (evaluation.AllowGrant >= 0)
            {
                Record(ref evaluation, new RuleCandidate(RuleKind.Grant, grant, PolicyReason.Allowed, false));
                continue;
            }

            PolicyReason outcome = _grantConditions[grant]?.Check(evaluation.Scopes, evaluation.Address, evaluation.Now) ?? PolicyReason.Allowed;
            Record(ref evaluation, new RuleCandidate(RuleKind.Grant, grant, outcome, true));
            if (outcome == PolicyReason.Allowed)
            {
                evaluation.AllowGrant = grant;
            }
            else if (evaluation.FailedGrant < 0)
            {
                evaluation.FailedGrant = grant;
                evaluation.Failure = outcome;
            }
        }
    }

    private static bool Applies(in SubjectSet subjects, ref Evaluation evaluation)
    {
        if (subjects.Everyone)
        {
            return true;
        }

        if (evaluation.Contractor < 0)
        {
            return false;
        }

        if (subjects.Contractors.AsSpan().BinarySearch(evaluation.Contractor) >= 0)
        {
            return true;
        }

        foreach (int group in subjects.Groups)
        {
            if ((evaluation.GroupBits[group >> 6] & (1UL << group)) != 0)
            {
                return true;
            }
        }

        return false;
    }

    private static void Record(ref Evaluation evaluation, RuleCandidate candidate)
    {
        if (evaluation.CandidateCount < evaluation.Candidates.Length)
        {
            evaluation.Candidates[evaluation.CandidateCount] = candidate;
        }

        evaluation.CandidateCount++;
    }

    private static ReadOnlySpan<byte> NextSegment(ReadOnlySpan<byte> path, int position, out int next)
    {
        int slash = path[position..].IndexOf((byte)'/');
        if (slash < 0)
        {
            next = -1;
            return path[position..];
        }

        next = position + slash + 1;
        return path.Slice(position, slash);
    }

    private SubjectSet ResolveSubjects(IReadOnlyList<string> subjects)
    {
        bool everyone = false;
        var contractors = new List<int>();
        var groups = new List<int>();
        foreach (string subject in subjects)
        {
            if (subject == "*")
            {
                everyone = true;
            }
            else if (_contractorIndexes.TryGetValue(subject, out int contractor))
            {
                contractors.Add(contractor);
            }
            else if (_groupIndexes.TryGetValue(subject, out int group))
            {
                groups.Add(group);
            }
        }

        contractors.Sort();
        groups.Sort();
        return new SubjectSet(everyone, [.. contractors], [.. groups]);
    }
}
