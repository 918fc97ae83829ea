using FastContractorProxy.Configuration;
using FastContractorProxy.Hosting;
using FastContractorProxy.Tests.Identity;
using FastContractorProxy.Tests.Infrastructure;

namespace FastContractorProxy.Tests.Access;

/// <summary>A token from the real OpenID provider (oidc-provider on loopback), sent through the proxy to the upstream.</summary>
public sealed class ProviderEndToEndTests
{
    private static async Task<ProxyServer> StartProxyAsync(IdpProcess idp, RecorderUpstream upstream, string folder)
    {
        await File.WriteAllTextAsync(Path.Combine(folder, "policy.yaml"), $"""
            contractors:
              - id: contractor-a
                organization: Acme Consulting
                sponsor: maria@example.test
                reference: CTR-9
                authentication:
                  - issuer: {idp.Issuer}
                    client_id: {IdpProcess.ClientId}
            grants:
              - id: items-read
                subjects: [ contractor-a ]
                methods: [ GET ]
                paths: [ /api/items/** ]
                conditions:
                  scopes: [ items:read ]
            routes:
              - id: items
                paths: [ /api/** ]
                cluster: backend
            """);
        ProxySettings settings = SettingsLoader.Parse($"""
            listeners:
              - address: 127.0.0.1:0
            clusters:
              - id: backend
                destinations: [ 127.0.0.1:{upstream.Port} ]
            identity:
              issuers:
                - issuer: {idp.Issuer}
                  audiences: [ {IdpProcess.Resource} ]
                  algorithms: [ ES256 ]
                  discovery: true
            policy:
              file: policy.yaml
            """, "test configuration", folder);
        return await ProxyServer.StartAsync(settings, logging => { });
    }

    /// <summary>Gets a token with <paramref name="scope"/>, sends each request head with it, and returns the responses and what the upstream received.</summary>
    private static async Task<(RawResponse[] Responses, IReadOnlyList<RecordedRequest> Upstream)> SendAsync(string scope, params string[] requestLines)
    {
        string folder = Directory.CreateTempSubdirectory("fcp-idp-e2e-").FullName;
        try
        {
            await using IdpProcess idp = await IdpProcess.StartAsync();
            await using RecorderUpstream upstream = RecorderUpstream.Start();
            await using ProxyServer proxy = await StartProxyAsync(idp, upstream, folder);
            string token = await idp.GetTokenAsync(scope);

            using RawHttpClient client = RawHttpClient.Connect(proxy.EndPoints[0].Port);
            var responses = new List<RawResponse>();
            foreach (string requestLine in requestLines)
            {
                await client.SendAsync($"{requestLine}\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\nContent-Length: 0\r\n\r\n");
                responses.Add(await client.ReadResponseAsync());
            }

            return ([.. responses], upstream.Requests);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task ProviderToken_ReachesUpstreamWithIdentity()
    {
        (RawResponse[] responses, IReadOnlyList<RecordedRequest> upstream) =
            await SendAsync("items:read", "GET /api/items/7 HTTP/1.1", "POST /api/items/7 HTTP/1.1");

        Assert.Equal(200, responses[0].StatusCode);
        Assert.Equal(403, responses[1].StatusCode);
        RecordedRequest request = Assert.Single(upstream);
        Assert.Equal("contractor-a", request.Value("X-Contractor-Id"));
        Assert.Equal("Acme Consulting", request.Value("X-Contractor-Org"));
        Assert.Equal("items:read", request.Value("X-Contractor-Scopes"));
        Assert.Null(request.Value("Authorization"));
    }

    [Fact]
    public async Task ProviderTokenWithoutRequiredScope_403ScopeMissing()
    {
        (RawResponse[] responses, IReadOnlyList<RecordedRequest> upstream) = await SendAsync("items:write", "GET /api/items/7 HTTP/1.1");

        Assert.Equal(403, responses[0].StatusCode);
        Assert.Contains("\"reason\":\"scope_missing\"", responses[0].BodyText, StringComparison.Ordinal);
        Assert.Empty(upstream);
    }
}
