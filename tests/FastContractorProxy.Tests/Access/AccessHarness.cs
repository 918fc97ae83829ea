using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using FastContractorProxy.Configuration;
using FastContractorProxy.Hosting;
using FastContractorProxy.Tests.Identity;
using FastContractorProxy.Tests.Infrastructure;

namespace FastContractorProxy.Tests.Access;

/// <summary>
/// The proxy started from YAML text, as an operator would write it: two trusted issuers whose keys are JWKS files,
/// a policy file in the shape of the field cases (alice may GET /public/** and GET, POST /api/items/**; only the
/// ops group may use /admin/**), and a recorder upstream.
/// </summary>
internal sealed class AccessHarness : IAsyncDisposable
{
    public const string IssuerA = TestTokens.Issuer;
    public const string IssuerB = TestTokens.OtherIssuer;
    public const string Audience = TestTokens.Audience;

    /// <summary>The API key of bob, a member of ops. Only its SHA-256 is in the policy.</summary>
    public const string BobApiKey = "bob-service-account-key-0123456789abcdefghijkl";

    // RSA keys take up to a second to make, so the tests share them. Issuer B publishes the same kid as issuer A.
    private static readonly Lazy<TestKey> SharedKeyA = new(() => TestKey.Rsa("kid-1"));
    private static readonly Lazy<TestKey> SharedKeyB = new(() => TestKey.Rsa("kid-1"));

    private readonly string _folder;
    private readonly ProxyServer _server;

    private AccessHarness(string folder, ProxyServer server, RecorderUpstream upstream)
    {
        _folder = folder;
        _server = server;
        Upstream = upstream;
    }

    public static TestKey KeyA => SharedKeyA.Value;

    public static TestKey KeyB => SharedKeyB.Value;

    public RecorderUpstream Upstream { get; }

    public int Port => _server.EndPoints[0].Port;

    public string PolicyPath => Path.Combine(_folder, "policy.yaml");

    public string ConfigPath => Path.Combine(_folder, "config.yaml");

    internal ProxyServer Server => _server;

    public static string Sha256Hex(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    public static string DefaultPolicy => $"""
        groups:
          - id: ops
        contractors:
          - id: alice
            organization: Acme Consulting
            sponsor: maria@example.test
            reference: CTR-1
            authentication:
              - issuer: {IssuerA}
                subject: alice-sub
              - issuer: {IssuerB}
                subject: alice-sub
          - id: bob
            organization: Globex
            sponsor: jonas@example.test
            reference: CTR-2
            authentication:
              - api_key_sha256: {Sha256Hex(BobApiKey)}
            groups: [ ops ]
          - id: carol
            organization: Initech
            sponsor: maria@example.test
            reference: CTR-3
            not_after: 2025-01-31
            authentication:
              - issuer: {IssuerA}
                subject: carol-sub
        grants:
          - id: alice-public
            subjects: [ alice ]
            methods: [ GET ]
            paths: [ /public/** ]
          - id: alice-items
            subjects: [ alice ]
            methods: [ GET, POST ]
            paths: [ /api/items/** ]
          - id: alice-reports-old
            subjects: [ alice ]
            methods: [ GET ]
            paths: [ /api/reports/** ]
            conditions:
              not_after: 2025-06-30
          - id: carol-public
            subjects: [ carol ]
            methods: [ GET ]
            paths: [ /public/** ]
          - id: ops-admin
            subjects: [ ops ]
            methods: [ "*" ]
            paths: [ /admin/** ]
        denies:
          - id: no-export
            subjects: [ "*" ]
            methods: [ "*" ]
            paths: [ /api/items/export/** ]
        routes:
          - id: health
            paths: [ /healthz ]
            cluster: backend
            anonymous: true
          - id: public
            paths: [ /public/** ]
            cluster: backend
            issuers: [ {IssuerA} ]
          - id: api
            paths: [ /api/** ]
            cluster: backend
          - id: admin
            paths: [ /admin/** ]
            cluster: backend
          - id: passthrough
            paths: [ /passthrough/** ]
            cluster: backend
            anonymous: true
            forward_authorization: true
          - id: broken
            paths: [ /broken/** ]
            cluster: dead
            anonymous: true
        """;

    /// <param name="extraConfiguration">Top-level YAML sections appended to the configuration, such as <c>audit:</c> or <c>admin:</c>.</param>
    /// <param name="missingKeysForIssuerB">Leave issuer B's key file out, as if its provider were down at start.</param>
    public static async Task<AccessHarness> StartAsync(string? policy = null, Func<RecordedRequest, UpstreamReply>? reply = null, string? extraConfiguration = null,
        bool missingKeysForIssuerB = false)
    {
        string folder = Directory.CreateTempSubdirectory("fcp-access-").FullName;
        await File.WriteAllTextAsync(Path.Combine(folder, "keys-a.json"), TestKey.Jwks(KeyA));
        if (!missingKeysForIssuerB)
        {
            await File.WriteAllTextAsync(Path.Combine(folder, "keys-b.json"), TestKey.Jwks(KeyB));
        }

        await File.WriteAllTextAsync(Path.Combine(folder, "policy.yaml"), policy ?? DefaultPolicy);
        RecorderUpstream upstream = RecorderUpstream.Start(reply);
        string configuration = $"""
            listeners:
              - address: 127.0.0.1:0
            clusters:
              - id: backend
                destinations: [ 127.0.0.1:{upstream.Port} ]
              - id: dead
                destinations: [ 127.0.0.1:{ClosedPort()} ]
                connect_timeout: 2s
            routes:
              - id: api-host
                hosts: [ api.example.test, 127.0.0.1 ]
            identity:
              issuers:
                - issuer: {IssuerA}
                  audiences: [ {Audience} ]
                  jwks_file: {Path.Combine(folder, "keys-a.json")}
                  clock_skew: 60s
                - issuer: {IssuerB}
                  audiences: [ {Audience} ]
                  jwks_file: {Path.Combine(folder, "keys-b.json")}
            policy:
              file: policy.yaml

            """ + extraConfiguration;
        await File.WriteAllTextAsync(Path.Combine(folder, "config.yaml"), configuration);
        ProxySettings settings = SettingsLoader.LoadFile(Path.Combine(folder, "config.yaml"));
        ProxyServer server = await ProxyServer.StartAsync(settings, logging => { });
        return new AccessHarness(folder, server, upstream);
    }

    /// <summary>A valid token of issuer A for alice, expiring in an hour.</summary>
    public static string AliceToken(Action<JsonObject>? change = null, TestKey? key = null, string issuer = IssuerA)
    {
        JsonObject claims = TestTokens.Claims(issuer);
        claims["sub"] = "alice-sub";
        change?.Invoke(claims);
        return TestTokens.Create(key ?? KeyA, claims);
    }

    public RawHttpClient Connect() => RawHttpClient.Connect(Port);

    public string AuditPath => Path.Combine(_folder, "audit.log");

    /// <summary>Stops the proxy, which drains the audit queue, and keeps the folder for the test to read.</summary>
    public async Task StopAsync() => await _server.DisposeAsync();

    // A loopback port with nothing listening: bound once to get a free number, then released.
    private static int ClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Sends one request with optional extra field lines and returns the response.</summary>
    public async Task<RawResponse> SendAsync(string method, string target, string? token = null, string extraFields = "")
    {
        using RawHttpClient client = Connect();
        string authorization = token is null ? "" : $"Authorization: Bearer {token}\r\n";
        await client.SendAsync($"{method} {target} HTTP/1.1\r\nHost: api.example.test\r\n{authorization}{extraFields}Connection: close\r\n\r\n");
        return await client.ReadResponseAsync(headRequest: method == "HEAD");
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        await Upstream.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }
}
