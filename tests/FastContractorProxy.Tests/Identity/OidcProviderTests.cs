using System.Text;
using FastContractorProxy.Identity;

namespace FastContractorProxy.Tests.Identity;

/// <summary>Tokens from a real OpenID provider (oidc-provider 9.13.3 on loopback).</summary>
public sealed class OidcProviderTests
{
    [Fact]
    public async Task ProviderToken_YieldsIdentity()
    {
        await using IdpProcess idp = await IdpProcess.StartAsync();
        await using Authenticator authenticator = await StartAsync(idp);
        string token = await idp.GetTokenAsync("items:read items:write unknown:scope");
        DateTimeOffset requested = DateTimeOffset.UtcNow;

        AuthResult result = Bearer(authenticator, token);
        CallerIdentity identity = result.Identity!;

        Assert.Equal(AuthOutcome.Success, result.Outcome);
        Assert.Equal(IdpProcess.ClientId, identity.ContractorId);
        Assert.Equal(IdpProcess.ClientId, identity.ClientId);
        Assert.Equal(["items:read", "items:write"], identity.Scopes);
        Assert.Equal(idp.Issuer, identity.Issuer);
        Assert.False(string.IsNullOrEmpty(identity.TokenId));
        Assert.InRange(identity.ExpiresAt!.Value, requested.AddMinutes(9), requested.AddMinutes(11));
    }

    [Fact]
    public async Task ProviderToken_CacheHitSameIdentity()
    {
        await using IdpProcess idp = await IdpProcess.StartAsync();
        await using Authenticator authenticator = await StartAsync(idp);
        string token = await idp.GetTokenAsync();

        CallerIdentity? first = Bearer(authenticator, token).Identity;
        CallerIdentity? second = Bearer(authenticator, token).Identity;

        Assert.NotNull(first);
        Assert.Same(first, second);
    }

    [Fact]
    public async Task WrongAudience_Rejected()
    {
        await using IdpProcess idp = await IdpProcess.StartAsync();
        await using Authenticator authenticator = await StartAsync(idp, audience: "https://other.fcp.test");
        string token = await idp.GetTokenAsync();

        AuthResult result = Bearer(authenticator, token);

        Assert.Equal(AuthFailureReason.InvalidAudience, result.Reason);
    }

    [Fact]
    public async Task Rotation_NewKidAfterOneRefresh()
    {
        await using IdpProcess idp = await IdpProcess.StartAsync();
        await using Authenticator authenticator = await StartAsync(idp);
        string oldToken = await idp.GetTokenAsync();
        await idp.RotateKeyAsync();
        string newToken = await idp.GetTokenAsync();
        int before = await idp.GetJwksRequestsAsync();

        AuthResult accepted = await BearerAsync(authenticator, newToken);
        int after = await idp.GetJwksRequestsAsync();
        AuthResult retired = await BearerAsync(authenticator, oldToken);

        Assert.Equal(AuthOutcome.Success, accepted.Outcome);
        Assert.Equal(before + 1, after);
        Assert.Equal(AuthFailureReason.UnknownKey, retired.Reason);
        Assert.Equal(after, await idp.GetJwksRequestsAsync());
    }

    [Fact]
    public async Task UnknownKidStorm_OneProviderFetch()
    {
        await using IdpProcess idp = await IdpProcess.StartAsync();
        await using Authenticator authenticator = await StartAsync(idp);
        int before = await idp.GetJwksRequestsAsync();

        var attempts = new List<Task<AuthResult>>();
        for (int i = 0; i < 100; i++)
        {
            using TestKey stranger = TestKey.EC("forged-" + i);
            attempts.Add(BearerAsync(authenticator, TestTokens.Create(stranger, TestTokens.Claims(idp.Issuer))).AsTask());
        }

        AuthResult[] results = await Task.WhenAll(attempts).WaitAsync(TimeSpan.FromSeconds(30));
        int fetches = await idp.GetJwksRequestsAsync() - before;

        Assert.All(results, r => Assert.Equal(AuthFailureReason.UnknownKey, r.Reason));
        Assert.InRange(fetches, 0, 1);
    }

    [Fact]
    public async Task ProviderDown_CachedKeysWork()
    {
        IdpProcess idp = await IdpProcess.StartAsync();
        await using Authenticator authenticator = await StartAsync(idp);
        string token = await idp.GetTokenAsync();
        await idp.DisposeAsync();

        await authenticator.KeyStores[0].RefreshAsync();
        AuthResult result = Bearer(authenticator, token);
        KeySetHealth health = authenticator.GetKeySetHealth()[0];

        Assert.Equal(AuthOutcome.Success, result.Outcome);
        Assert.Equal(KeySetStatus.Degraded, health.Status);
        Assert.Equal(1, health.ConsecutiveFailures);
    }

    [Fact]
    public async Task ProviderDownAtStart_Unavailable()
    {
        IdpProcess idp = await IdpProcess.StartAsync();
        string token = await idp.GetTokenAsync();
        await idp.DisposeAsync();
        await using Authenticator authenticator = await StartAsync(idp);

        AuthResult result = await BearerAsync(authenticator, token);

        Assert.Equal(KeySetStatus.Unavailable, authenticator.GetKeySetHealth()[0].Status);
        Assert.Equal(AuthFailureReason.UnknownKey, result.Reason);
    }

    private static async Task<Authenticator> StartAsync(IdpProcess idp, string audience = IdpProcess.Resource)
    {
        var settings = new IdentitySettings
        {
            Issuers = [new IssuerSettings { Issuer = idp.Issuer, Audiences = [audience], KeySource = KeySourceKind.Discovery }],
        };
        var authenticator = new Authenticator(settings);
        await authenticator.StartAsync(CancellationToken.None);
        return authenticator;
    }

    private static AuthResult Bearer(Authenticator authenticator, string token) =>
        authenticator.Authenticate(Encoding.ASCII.GetBytes("Bearer " + token));

    private static ValueTask<AuthResult> BearerAsync(Authenticator authenticator, string token) =>
        authenticator.AuthenticateAsync(Encoding.ASCII.GetBytes("Bearer " + token), CancellationToken.None);
}
