using FastContractorProxy.Identity;
using YamlDotNet.RepresentationModel;

namespace FastContractorProxy.Tests.Identity;

public sealed class IdentitySettingsReaderTests
{
    private const string Hash = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

    [Fact]
    public void FullSection_Read()
    {
        (IdentitySettings settings, List<string> errors) = Read($"""
            realm: contractors
            max_token_bytes: 4096
            token_cache_entries: 500
            token_cache_max_lifetime: 2m
            api_key_header: X-Api-Key
            issuers:
              - issuer: https://idp.example.test
                audiences: [ fcp ]
                algorithms: [ ES256 ]
                clock_skew: 10s
                discovery: true
                refresh_interval: 1h
                unknown_key_cooldown: 1m
                contractor_claim: client_id
                organization_claim: tenant
              - issuer: https://other.example.test
                audiences: [ a, b ]
                jwks_file: /etc/fcp/jwks.json
            api_keys:
              - id: billing
                sha256: {Hash}
                contractor_id: billing-vendor
                scopes: [ invoices:read ]
            """);
        IssuerSettings first = settings.Issuers[0];

        Assert.Empty(errors);
        Assert.Equal("contractors", settings.Realm);
        Assert.Equal(4096, settings.MaxTokenBytes);
        Assert.Equal(500, settings.TokenCacheEntries);
        Assert.Equal("X-Api-Key", settings.ApiKeyHeader);
        Assert.Equal(["ES256"], first.Algorithms);
        Assert.Equal(TimeSpan.FromSeconds(10), first.ClockSkew);
        Assert.Equal(KeySourceKind.Discovery, first.KeySource);
        Assert.Equal("client_id", first.ContractorClaim);
        Assert.Equal(KeySourceKind.JwksFile, settings.Issuers[1].KeySource);
        Assert.Equal(["RS256", "PS256", "ES256"], settings.Issuers[1].Algorithms);
        Assert.Equal(IssuerSettings.DefaultClockSkew, settings.Issuers[1].ClockSkew);
        Assert.Equal(Convert.FromHexString(Hash), settings.ApiKeys[0].Sha256);
    }

    [Theory]
    [InlineData("algorithms: [ none ]", "'none' is not allowed")]
    [InlineData("algorithms: [ HS256 ]", "'HS256' is not allowed")]
    [InlineData("clock_skew: 6m", "more than the maximum")]
    [InlineData("jwks_file: /a.json", "exactly one key source")]
    [InlineData("color: blue", "unknown key 'color'")]
    public void InvalidIssuer_Reported(string extra, string expected)
    {
        (_, List<string> errors) = Read($"""
            issuers:
              - issuer: https://idp.example.test
                audiences: [ fcp ]
                discovery: true
                {extra}
            """);

        Assert.Contains(errors, e => e.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void EveryError_Collected()
    {
        (_, List<string> errors) = Read("""
            max_token_bytes: 10
            issuers:
              - issuer: http://idp.example.test
                discovery: true
            api_keys:
              - id: k
                sha256: abc
                contractor_id: c
            """);

        Assert.Contains(errors, e => e.StartsWith("identity.max_token_bytes:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("missing 'audiences'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("is not an https URL", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("expected 64 hex digits", StringComparison.Ordinal));
    }

    [Fact]
    public void PlainHttpJwksUri_Reported()
    {
        (_, List<string> errors) = Read("""
            issuers:
              - issuer: https://idp.example.test
                audiences: [ fcp ]
                jwks_uri: http://jwks.example.test/keys
            """);

        Assert.Contains(errors, e => e.Contains("is not an https URL", StringComparison.Ordinal));
    }

    [Fact]
    public void LoopbackHttp_Allowed()
    {
        (_, List<string> errors) = Read("""
            issuers:
              - issuer: http://127.0.0.1:9000
                audiences: [ fcp ]
                discovery: true
            """);

        Assert.Empty(errors);
    }

    [Fact]
    public void SectionWithoutCredentials_Accepted()
    {
        // The policy may hold every API key, and the section then only sets the realm or the API-key field.
        (IdentitySettings settings, List<string> errors) = Read("realm: x\napi_key_header: X-Api-Key");

        Assert.Empty(errors);
        Assert.Equal("x", settings.Realm);
        Assert.Equal("X-Api-Key", settings.ApiKeyHeader);
    }

    private static (IdentitySettings Settings, List<string> Errors) Read(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var errors = new List<string>();
        IdentitySettings settings = IdentitySettingsReader.Read((YamlMappingNode)stream.Documents[0].RootNode, errors);
        return (settings, errors);
    }
}
