using FastContractorProxy.Http1;
using FastContractorProxy.Policy;

namespace FastContractorProxy.Tests.Policy;

public class PathPatternTests
{
    [Theory]
    [InlineData("/api/items", "/api/items", true)]
    [InlineData("/api/items", "/api/Items", false)]
    [InlineData("/api/items", "/api/items/", false)]
    [InlineData("/api/items", "/api/itemsx", false)]
    [InlineData("/api/items/{id}", "/api/items/42", true)]
    [InlineData("/api/items/{id}", "/api/items/", false)]
    [InlineData("/api/items/{id}", "/api/items/42/x", false)]
    [InlineData("/api/*/list", "/api/users/list", true)]
    [InlineData("/api/*/list", "/api/list", false)]
    [InlineData("/api/**", "/api", true)]
    [InlineData("/api/**", "/api/", true)]
    [InlineData("/api/**", "/api/a/b/c", true)]
    [InlineData("/api/**", "/apix/a", false)]
    [InlineData("/**", "/", true)]
    [InlineData("/", "/", true)]
    [InlineData("/", "/a", false)]
    [InlineData("/caf%C3%A9", "/caf%C3%A9", true)]
    public void Matches_Table(string pattern, string path, bool expected)
    {
        PathPattern parsed = PathPattern.Parse(pattern);

        Assert.Equal(expected, parsed.Matches(PathPattern.SplitPath(path)));
    }

    [Theory]
    [InlineData("/api/items/{id}", "/api/items/42", true)]
    [InlineData("/api/items/{id}", "/api/items/", false)]
    [InlineData("/api/**", "/api", true)]
    [InlineData("/api/Items", "/api/items", false)]
    [InlineData("/**", "/", true)]
    public void Trie_MatchesLikePattern(string pattern, string path, bool expected)
    {
        string yaml = $"""
            contractors:
              - id: c
                organization: o
                sponsor: s
                reference: r
                authentication: [ {"{"} client_certificate_subject: "CN=c" {"}"} ]
            grants:
              - id: g
                subjects: [ c ]
                methods: [ GET ]
                paths: [ "{pattern}" ]
            routes:
              - id: all
                paths: [ "/**" ]
                cluster: x
            """;
        CompiledPolicy policy = PolicyFixture.Compile(yaml);

        AccessDecision decision = PolicyFixture.Decide(policy, "c", KnownMethod.Get, path);

        Assert.Equal(expected, decision.Allowed);
    }

    [Theory]
    [InlineData("api")]
    [InlineData("/api//items")]
    [InlineData("/api/")]
    [InlineData("/api/**/items")]
    [InlineData("/api/../admin")]
    [InlineData("/api/./x")]
    [InlineData("/api/%2e%2e")]
    [InlineData("/api/a;b")]
    [InlineData("/api/{}")]
    [InlineData("/api/{a b}")]
    [InlineData("/api/a*")]
    [InlineData("/api/%41")]
    [InlineData("/api/%2F")]
    public void Parse_RejectsInvalid(string pattern)
    {
        PathPattern? parsed = PathPattern.TryParse(pattern, out string? error);

        Assert.Null(parsed);
        Assert.NotNull(error);
    }

    [Theory]
    [InlineData("/api/**", "/api/items/{id}", true)]
    [InlineData("/api/**", "/api", true)]
    [InlineData("/api/{x}", "/api/items", true)]
    [InlineData("/api/items", "/api/{x}", false)]
    [InlineData("/api/{x}", "/api/**", false)]
    [InlineData("/api/items/**", "/api/**", false)]
    [InlineData("/**", "/", true)]
    [InlineData("/a/b", "/a/b", true)]
    [InlineData("/a/b", "/a/c", false)]
    public void Covers_Table(string outer, string inner, bool expected)
    {
        Assert.Equal(expected, PathPattern.Parse(outer).Covers(PathPattern.Parse(inner)));
    }

    [Theory]
    [InlineData("/api/**", "/other/**", false)]
    [InlineData("/api/items/{id}", "/api/*/42", true)]
    [InlineData("/a/b", "/a/b/c", false)]
    [InlineData("/a/**", "/a", true)]
    [InlineData("/a/{x}", "/a/b/**", true)]
    public void Overlaps_Table(string first, string second, bool expected)
    {
        Assert.Equal(expected, PathPattern.Parse(first).Overlaps(PathPattern.Parse(second)));
    }

    [Theory]
    [InlineData("/a/b", "/a/{x}")]
    [InlineData("/a/{x}", "/a/**")]
    [InlineData("/a/b/**", "/a/**")]
    [InlineData("/a", "/a/**")]
    public void CompareSpecificity_FirstIsMoreSpecific(string specific, string general)
    {
        int order = PathPattern.CompareSpecificity(PathPattern.Parse(specific), PathPattern.Parse(general));

        Assert.True(order < 0, $"'{specific}' should sort before '{general}', but the comparison returned {order}.");
    }
}
