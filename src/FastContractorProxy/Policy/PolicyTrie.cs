using System.Text;
using FastContractorProxy.Http1;

namespace FastContractorProxy.Policy;

/// <summary>
/// An immutable trie node over path segments. A node at depth d is reached by the first d segments of a path,
/// so one lookup visits each node at most once. The rule lists are sorted arrays of rule indexes, one per
/// <see cref="KnownMethod"/>; <see cref="Rest"/> holds the rules of patterns that end in <c>**</c> here.
/// </summary>
internal sealed class TrieNode
{
    public static readonly int[][] NoRules = CreateEmptyRuleLists();

    public SegmentTable? Literals { get; init; }
    public TrieNode? Single { get; init; }
    public TrieNode? Rest { get; init; }

    /// <summary>Grant indexes by method ordinal, for patterns that end at this node.</summary>
    public int[][] Grants { get; init; } = NoRules;

    public int[][] Denies { get; init; } = NoRules;

    /// <summary>Route indexes, in declaration order, for route patterns that end at this node.</summary>
    public int[] Routes { get; init; } = [];

    private static int[][] CreateEmptyRuleLists()
    {
        var lists = new int[MethodSet.MethodCount][];
        Array.Fill(lists, Array.Empty<int>());
        return lists;
    }
}

/// <summary>A hash table from literal segment bytes to child nodes, looked up with a span and without allocating.</summary>
internal sealed class SegmentTable
{
    private readonly int[] _buckets;
    private readonly Entry[] _entries;

    private struct Entry
    {
        public byte[] Key;
        public int Hash;
        public int Next;
        public TrieNode Node;
    }

    public SegmentTable(IReadOnlyCollection<KeyValuePair<string, TrieNode>> children)
    {
        int size = 1;
        while (size < children.Count * 2)
        {
            size <<= 1;
        }

        _buckets = new int[size];
        Array.Fill(_buckets, -1);
        _entries = new Entry[children.Count];

        int index = 0;
        foreach ((string key, TrieNode node) in children)
        {
            byte[] bytes = Encoding.ASCII.GetBytes(key);
            int hash = Hash(bytes);
            int bucket = hash & (size - 1);
            _entries[index] = new Entry { Key = bytes, Hash = hash, Next = _buckets[bucket], Node = node };
            _buckets[bucket] = index;
            index++;
        }
    }

    public int Count => _entries.Length;

    public TrieNode? Find(ReadOnlySpan<byte> segment)
    {
        int hash = Hash(segment);
        for (int i = _buckets[hash & (_buckets.Length - 1)]; i >= 0; i = _entries[i].Next)
        {
            ref Entry entry = ref _entries[i];
            if (entry.Hash == hash && segment.SequenceEqual(entry.Key))
            {
                return entry.Node;
            }
        }

        return null;
    }

    private static int Hash(ReadOnlySpan<byte> bytes)
    {
        var hash = new HashCode();
        hash.AddBytes(bytes);
        return hash.ToHashCode();
    }
}

/// <summary>Collects patterns into mutable nodes and freezes them into <see cref="TrieNode"/>s.</summary>
internal sealed class TrieBuilder
{
    private readonly Node _root = new();

    private sealed class Node
    {
        public Dictionary<string, Node>? Literals;
        public Node? Single;
        public Node? Rest;
        public List<int>[]? Grants;
        public List<int>[]? Denies;
        public List<int>? Routes;
    }

    public void AddGrant(PathPattern pattern, MethodSet methods, int index) => AddRule(ref Walk(pattern).Grants, methods, index);

    public void AddDeny(PathPattern pattern, MethodSet methods, int index) => AddRule(ref Walk(pattern).Denies, methods, index);

    public void AddRoute(PathPattern pattern, int index) => (Walk(pattern).Routes ??= []).Add(index);

    public TrieNode Build() => Freeze(_root);

    private Node Walk(PathPattern pattern)
    {
        Node node = _root;
        foreach (PatternSegment segment in pattern.Segments)
        {
            switch (segment.Kind)
            {
                case SegmentKind.Literal:
                    node.Literals ??= new Dictionary<string, Node>(StringComparer.Ordinal);
                    if (!node.Literals.TryGetValue(segment.Text, out Node? child))
                    {
                        child = new Node();
                        node.Literals.Add(segment.Text, child);
                    }

                    node = child;
                    break;
                case SegmentKind.Single:
                    node = node.Single ??= new Node();
                    break;
                default:
                    node = node.Rest ??= new Node();
                    break;
            }
        }

        return node;
    }

    private static void AddRule(ref List<int>[]? lists, MethodSet methods, int index)
    {
        lists ??= new List<int>[MethodSet.MethodCount];
        for (int method = 0; method < MethodSet.MethodCount; method++)
        {
            if (methods.Contains((KnownMethod)method))
            {
                List<int> list = lists[method] ??= [];

                // A rule with several patterns that reach the same node is listed once.
                if (list.Count == 0 || list[^1] != index)
                {
                    list.Add(index);
                }
            }
        }
    }

    private static TrieNode Freeze(Node node)
    {
        SegmentTable? literals = null;
        if (node.Literals is not null)
        {
            var children = new List<KeyValuePair<string, TrieNode>>(node.Literals.Count);
            foreach ((string key, Node child) in node.Literals)
            {
                children.Add(new KeyValuePair<string, TrieNode>(key, Freeze(child)));
            }

            literals = new SegmentTable(children);
        }

        return new TrieNode
        {
            Literals = literals,
            Single = node.Single is null ? null : Freeze(node.Single),
            Rest = node.Rest is null ? null : Freeze(node.Rest),
            Grants = FreezeRules(node.Grants),
            Denies = FreezeRules(node.Denies),
            Routes = node.Routes?.ToArray() ?? [],
        };
    }

    private static int[][] FreezeRules(List<int>[]? lists)
    {
        if (lists is null)
        {
            return TrieNode.NoRules;
        }

        var frozen = new int[MethodSet.MethodCount][];
        for (int i = 0; i < frozen.Length; i++)
        {
            // Rules are added in declaration order, so each list is already sorted.
            frozen[i] = lists[i]?.ToArray() ?? [];
        }

        return frozen;
    }
}
