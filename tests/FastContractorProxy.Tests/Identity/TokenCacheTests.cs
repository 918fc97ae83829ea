using System.Text;
using System.Text.Json.Nodes;
using FastContractorProxy.Identity;

namespace FastContractorProxy.Tests.Identity;

public sealed class TokenCacheTests
{
    private static readonly DateTimeOffset Start = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task CacheHit_ReturnsSameIdentity()
    {
        await using IdentityHarness harness = await IdentityHarness.StartAsync();
        string token = TestTokens.Create(harness.RsaA);

        CallerIdentity? first = harness.Bearer(token).Identity;
        CallerIdentity? second = harness.Bearer(token).Identity;

        Assert.NotNull(first);
        Assert.Same(first, second);
        Assert.Equal(1, harness.Authenticator.Cache.Count);
    }

    [Fact]
    public async Task CacheHit_AllocatesNothing()
    {
        await using IdentityHarness harness = await IdentityHarness.StartAsync();
        byte[] value = Encoding.ASCII.GetBytes("Bearer " + TestTokens.Create(harness.RsaA));
        harness.Authenticator.Authenticate(value);
        harness.Authenticator.Authenticate(value);

        long before = GC.GetAllocatedBytesForCurrentThread();
        AuthResult result = harness.Authenticator.Authenticate(value);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(AuthOutcome.Success, result.Outcome);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Entry_ExpiresAtExp()
    {
        var time = new ManualTimeProvider(Start);
        var cache = new TokenCache(100, TimeSpan.FromHours(1), time);
        byte[] token = Encoding.ASCII.GetBytes("header.payload.signature-a");
        CallerIdentity identity = Identity(Start.AddSeconds(90));
        cache.Add(token, identity);

        time.Advance(TimeSpan.FromSeconds(89));
        bool beforeExp = cache.TryGet(token, out _);
        time.Advance(TimeSpan.FromSeconds(1));
        bool atExp = cache.TryGet(token, out _);

        Assert.True(beforeExp);
        Assert.False(atExp);
    }

    [Fact]
    public void Entry_ExpiresAtMaxLifetime()
    {
        var time = new ManualTimeProvider(Start);
        var cache = new TokenCache(100, TimeSpan.FromMinutes(5), time);
        byte[] token = Encoding.ASCII.GetBytes("header.payload.signature-a");
        cache.Add(token, Identity(Start.AddHours(1)));

        time.Advance(TimeSpan.FromMinutes(5));

        Assert.False(cache.TryGet(token, out _));
    }

    [Fact]
    public void ExpiredToken_NotStored()
    {
        var time = new ManualTimeProvider(Start);
        var cache = new TokenCache(100, TimeSpan.FromMinutes(5), time);

        cache.Add("a.b.c"u8, Identity(Start.AddSeconds(-1)));

        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void DifferentTokenSameSuffix_Misses()
    {
        var time = new ManualTimeProvider(Start);
        var cache = new TokenCache(100, TimeSpan.FromMinutes(5), time);
        string suffix = new('s', 100);
        cache.Add(Encoding.ASCII.GetBytes("header.payload-a." + suffix), Identity(Start.AddHours(1)));

        bool hit = cache.TryGet(Encoding.ASCII.GetBytes("header.payload-b." + suffix), out _);

        Assert.False(hit);
    }

    [Fact]
    public void Capacity_Bounded()
    {
        var time = new ManualTimeProvider(Start);
        var cache = new TokenCache(100, TimeSpan.FromMinutes(5), time);

        for (int i = 0; i < 1000; i++)
        {
            cache.Add(Encoding.ASCII.GetBytes($"header.payload.signature-{i}"), Identity(Start.AddHours(1)));
        }

        Assert.InRange(cache.Count, 1, 100);
    }

    [Fact]
    public async Task ValidatedToken_RevalidatedAfterExpiry()
    {
        var time = new ManualTimeProvider(DateTimeOffset.UtcNow);
        await using IdentityHarness harness = await IdentityHarness.StartAsync(time: time);
        JsonObject claims = TestTokens.Claims();
        claims["exp"] = TestTokens.Now + 60;
        string token = TestTokens.Create(harness.RsaA, claims);
        CallerIdentity? first = harness.Bearer(token).Identity;

        time.Advance(TimeSpan.FromSeconds(61));
        CallerIdentity? second = harness.Bearer(token).Identity;

        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.NotSame(first, second);
    }

    private static CallerIdentity Identity(DateTimeOffset expiresAt) =>
        new("c", null, "c", null, [], [], AuthMethod.Jwt, TestTokens.Issuer, "jti", expiresAt);
}
