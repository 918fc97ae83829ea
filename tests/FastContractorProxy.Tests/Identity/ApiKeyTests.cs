using System.Security.Cryptography;
using System.Text;
using FastContractorProxy.Identity;

namespace FastContractorProxy.Tests.Identity;

public sealed class ApiKeyTests
{
    private const string Key = "k9YtCq3v0m7WcB5xR2nHfLp8ZsJ4dGaE1uTiOy6-_Qw";

    private static readonly ApiKeySettings BillingKey = new()
    {
        Id = "billing-sync",
        Sha256 = SHA256.HashData(Encoding.UTF8.GetBytes(Key)),
        ContractorId = "billing-vendor",
        Organization = "acme",
        Scopes = ["invoices:read"],
        Groups = ["service"],
    };

    [Fact]
    public async Task ConfiguredKey_Accepted()
    {
        await using IdentityHarness harness = await IdentityHarness.StartAsync(apiKeys: [BillingKey]);

        AuthResult result = harness.Authenticator.Authenticate(Encoding.ASCII.GetBytes("ApiKey " + Key));
        CallerIdentity identity = result.Identity!;

        Assert.Equal(AuthOutcome.Success, result.Outcome);
        Assert.Equal("billing-vendor", identity.ContractorId);
        Assert.Equal("billing-sync", identity.Subject);
        Assert.Equal("acme", identity.Organization);
        Assert.Equal(["invoices:read"], identity.Scopes);
        Assert.Equal(AuthMethod.ApiKey, identity.Method);
        Assert.Null(identity.ExpiresAt);
    }

    [Theory]
    [InlineData("k9YtCq3v0m7WcB5xR2nHfLp8ZsJ4dGaE1uTiOy6-_Qx")]
    [InlineData("k9YtCq3v0m7WcB5xR2nHfLp8ZsJ4dGaE1uTiOy6-_Q")]
    [InlineData("short")]
    [InlineData("")]
    public async Task OtherKey_Rejected(string key)
    {
        await using IdentityHarness harness = await IdentityHarness.StartAsync(apiKeys: [BillingKey]);

        AuthResult result = harness.Authenticator.Authenticate(Encoding.ASCII.GetBytes("ApiKey " + key));

        Assert.Equal(AuthFailureReason.InvalidApiKey, result.Reason);
    }

    [Fact]
    public async Task RawKeyField_Accepted()
    {
        await using IdentityHarness harness = await IdentityHarness.StartAsync(apiKeys: [BillingKey]);

        AuthResult result = harness.Authenticator.AuthenticateApiKey(Encoding.ASCII.GetBytes(Key));

        Assert.Equal(AuthOutcome.Success, result.Outcome);
    }

    [Fact]
    public async Task AcceptedKey_AllocatesNothing()
    {
        await using IdentityHarness harness = await IdentityHarness.StartAsync(apiKeys: [BillingKey]);
        byte[] value = Encoding.ASCII.GetBytes("ApiKey " + Key);
        harness.Authenticator.Authenticate(value);

        long before = GC.GetAllocatedBytesForCurrentThread();
        AuthResult result = harness.Authenticator.Authenticate(value);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(AuthOutcome.Success, result.Outcome);
        Assert.Equal(0, allocated);
    }
}
