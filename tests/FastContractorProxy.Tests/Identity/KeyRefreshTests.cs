using System.Text;
using FastContractorProxy.Identity;

namespace FastContractorProxy.Tests.Identity;

/// <summary>Key fetching through discovery: rotation, outages and unknown-kid storms, against a loopback JWKS server.</summary>
public sealed class KeyRefreshTests
{
    private static readonly Lazy<TestKey> SharedOld = new(() => TestKey.Rsa("old"));

    private static TestKey OldKey => SharedOld.Value;

    [Fact]
    public async Task Discovery_LoadsKeys()
    {
        await using JwksServer server = await JwksServer.StartAsync(TestKey.Jwks(OldKey));
        await using Authenticator authenticator = await StartAsync(server);

        AuthResult result = Bearer(authenticator, Token(OldKey, server));

        Assert.Equal(AuthOutcome.Success, result.Outcome);
        Assert.Equal(KeySetStatus.Healthy, authenticator.GetKeySetHealth()[0].Status);
    }

    [Fact]
    public async Task NewKid_AcceptedAfterOneRefresh()
    {
        await using JwksServer server = await JwksServer.StartAsync(TestKey.Jwks(OldKey));
        await using Authenticator authenticator = await StartAsync(server, cooldown: TimeSpan.Zero);
        using TestKey next = TestKey.EC("next");
        server.Jwks = TestKey.Jwks(next);
        int before = server.JwksRequests;

        AuthResult sync = Bearer(authenticator, Token(next, server));
        AuthResult result = await BearerAsync(authenticator, Token(next, server));

        Assert.Equal(AuthOutcome.KeysRequired, sync.Outcome);
        Assert.Equal(AuthOutcome.Success, result.Outcome);
        Assert.Equal(before + 1, server.JwksRequests);
    }

    [Fact]
    public async Task RetiredKid_RejectedAfterRefresh()
    {
        await using JwksServer server = await JwksServer.StartAsync(TestKey.Jwks(OldKey));
        await using Authenticator authenticator = await StartAsync(server);
        using TestKey next = TestKey.EC("next");
        string oldToken = Token(OldKey, server);
        server.Jwks = TestKey.Jwks(next);

        await authenticator.KeyStores[0].RefreshAsync();
        AuthResult result = await BearerAsync(authenticator, oldToken);

        Assert.Equal(AuthFailureReason.UnknownKey, result.Reason);
    }

    [Fact]
    public async Task RetiredKid_CachedTokenRejected()
    {
        await using JwksServer server = await JwksServer.StartAsync(TestKey.Jwks(OldKey));
        await using Authenticator authenticator = await StartAsync(server);
        using TestKey next = TestKey.EC("next");
        string oldToken = Token(OldKey, server);
        AuthResult first = Bearer(authenticator, oldToken);
        server.Jwks = TestKey.Jwks(next);

        await authenticator.KeyStores[0].RefreshAsync();
        AuthResult afterRotation = await BearerAsync(authenticator, oldToken);

        Assert.Equal(AuthOutcome.Success, first.Outcome);
        Assert.Equal(0, authenticator.Cache.Count);
        Assert.Equal(AuthFailureReason.UnknownKey, afterRotation.Reason);
    }

    [Theory]
    [InlineData("PS256", false)]
    [InlineData("RS256", true)]
    public async Task JwkAlg_BindsKeyToAlgorithm(string declared, bool accepted)
    {
        System.Text.Json.Nodes.JsonObject jwk = OldKey.PublicJwk();
        jwk["alg"] = declared;
        string jwks = new System.Text.Json.Nodes.JsonObject { ["keys"] = new System.Text.Json.Nodes.JsonArray(jwk) }.ToJsonString();
        await using JwksServer server = await JwksServer.StartAsync(jwks);
        await using Authenticator authenticator = await StartAsync(server);

        AuthResult result = Bearer(authenticator, Token(OldKey, server));

        Assert.Equal(accepted ? AuthOutcome.Success : AuthOutcome.Failed, result.Outcome);
        Assert.Equal(accepted ? AuthFailureReason.None : AuthFailureReason.AlgorithmNotAllowed, result.Reason);
    }

    [Fact]
    public async Task UnknownKidStorm_FetchesOncePerCooldown()
    {
        await using JwksServer server = await JwksServer.StartAsync(TestKey.Jwks(OldKey));
        await using Authenticator authenticator = await StartAsync(server, cooldown: TimeSpan.FromMinutes(5));
        int before = server.JwksRequests;

        var attempts = new List<Task<AuthResult>>();
        for (int i = 0; i < 200; i++)
        {
            using TestKey stranger = TestKey.EC("stranger-" + i);
            attempts.Add(BearerAsync(authenticator, Token(stranger, server)).AsTask());
        }

        AuthResult[] results = await Task.WhenAll(attempts).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.All(results, r => Assert.Equal(AuthFailureReason.UnknownKey, r.Reason));
        Assert.True(server.JwksRequests - before <= 1, $"{server.JwksRequests - before} JWKS requests");
    }

    [Fact]
    public async Task RepeatedUnknownKid_NegativelyCached()
    {
        await using JwksServer server = await JwksServer.StartAsync(TestKey.Jwks(OldKey));
        await using Authenticator authenticator = await StartAsync(server, cooldown: TimeSpan.FromMinutes(5));
        using TestKey stranger = TestKey.EC("stranger");
        string token = Token(stranger, server);

        AuthResult first = await BearerAsync(authenticator, token);
        AuthResult second = Bearer(authenticator, token);

        Assert.Equal(AuthFailureReason.UnknownKey, first.Reason);
        Assert.Equal(AuthFailureReason.UnknownKey, second.Reason);
    }

    [Fact]
    public async Task OutageMidRun_KeepsKeys()
    {
        await using JwksServer server = await JwksServer.StartAsync(TestKey.Jwks(OldKey));
        await using Authenticator authenticator = await StartAsync(server);

        server.Available = false;
        await authenticator.KeyStores[0].RefreshAsync();
        AuthResult result = Bearer(authenticator, Token(OldKey, server));
        KeySetHealth health = authenticator.GetKeySetHealth()[0];

        Assert.Equal(AuthOutcome.Success, result.Outcome);
        Assert.Equal(KeySetStatus.Degraded, health.Status);
        Assert.Equal(1, health.ConsecutiveFailures);
        Assert.Equal(1, health.KeyCount);
        Assert.NotNull(health.LastSuccess);
    }

    [Fact]
    public async Task EmptyKeySet_KeepsKeys()
    {
        await using JwksServer server = await JwksServer.StartAsync(TestKey.Jwks(OldKey));
        await using Authenticator authenticator = await StartAsync(server);

        server.Jwks = """{"keys":[]}""";
        await authenticator.KeyStores[0].RefreshAsync();
        AuthResult result = Bearer(authenticator, Token(OldKey, server));

        Assert.Equal(AuthOutcome.Success, result.Outcome);
        Assert.Equal(KeySetStatus.Degraded, authenticator.GetKeySetHealth()[0].Status);
    }

    [Fact]
    public async Task OutageAtStart_RecoversLater()
    {
        await using JwksServer server = await JwksServer.StartAsync(TestKey.Jwks(OldKey));
        server.Available = false;
        await using Authenticator authenticator = await StartAsync(server, cooldown: TimeSpan.Zero);
        KeySetHealth down = authenticator.GetKeySetHealth()[0];
        AuthResult rejected = await BearerAsync(authenticator, Token(OldKey, server));

        server.Available = true;
        AuthResult accepted = await BearerAsync(authenticator, Token(OldKey, server));

        Assert.Equal(KeySetStatus.Unavailable, down.Status);
        Assert.True(down.ConsecutiveFailures >= 1);
        Assert.Equal(AuthFailureReason.UnknownKey, rejected.Reason);
        Assert.Equal(AuthOutcome.Success, accepted.Outcome);
        Assert.Equal(KeySetStatus.Healthy, authenticator.GetKeySetHealth()[0].Status);
    }

    [Fact]
    public async Task BackgroundRefresh_PicksUpRotation()
    {
        await using JwksServer server = await JwksServer.StartAsync(TestKey.Jwks(OldKey));
        await using Authenticator authenticator = await StartAsync(server, refreshInterval: TimeSpan.FromMilliseconds(200));
        using TestKey next = TestKey.EC("next");

        server.Jwks = TestKey.Jwks(next);
        bool loaded = false;
        for (int i = 0; i < 100 && !loaded; i++)
        {
            await Task.Delay(50);
            loaded = authenticator.KeyStores[0].Current?.Contains("next") == true;
        }

        Assert.True(loaded);
    }

    [Fact]
    public async Task DiscoveryIssuerMismatch_Unavailable()
    {
        await using JwksServer server = await JwksServer.StartAsync(TestKey.Jwks(OldKey));
        var settings = new IdentitySettings
        {
            Issuers = [new IssuerSettings { Issuer = server.Issuer + "/other", Audiences = [TestTokens.Audience] }],
        };
        await using var authenticator = new Authenticator(settings);

        await authenticator.StartAsync(CancellationToken.None);

        Assert.Equal(KeySetStatus.Unavailable, authenticator.GetKeySetHealth()[0].Status);
    }

    private static async Task<Authenticator> StartAsync(JwksServer server, TimeSpan? cooldown = null, TimeSpan? refreshInterval = null)
    {
        var settings = new IdentitySettings
        {
            Issuers =
            [
                new IssuerSettings
                {
                    Issuer = server.Issuer,
                    Audiences = [TestTokens.Audience],
                    KeySource = KeySourceKind.Discovery,
                    UnknownKeyCooldown = cooldown ?? TimeSpan.FromSeconds(30),
                    RefreshInterval = refreshInterval ?? TimeSpan.FromMinutes(10),
                },
            ],
        };
        var authenticator = new Authenticator(settings);
        await authenticator.StartAsync(CancellationToken.None);
        return authenticator;
    }

    private static string Token(TestKey key, JwksServer server) => TestTokens.Create(key, TestTokens.Claims(server.Issuer));

    private static AuthResult Bearer(Authenticator authenticator, string token) =>
        authenticator.Authenticate(Encoding.ASCII.GetBytes("Bearer " + token));

    private static ValueTask<AuthResult> BearerAsync(Authenticator authenticator, string token) =>
        authenticator.AuthenticateAsync(Encoding.ASCII.GetBytes("Bearer " + token), CancellationToken.None);
}
