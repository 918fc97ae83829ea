using System.Text;
using FastContractorProxy.Identity;

namespace FastContractorProxy.Tests.Identity;

/// <summary>
/// An <see cref="Authenticator"/> whose issuers read their keys from JWKS files in a temporary folder: issuer A
/// with an RSA and an EC key, and issuer B with its own RSA key that shares issuer A's RSA kid.
/// </summary>
internal sealed class IdentityHarness : IAsyncDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("fcp-identity-").FullName;

    private IdentityHarness()
    {
    }

    // RSA key generation takes up to a second, so the keys are made once and shared by all tests.
    private static readonly Lazy<TestKey> SharedRsaA = new(() => TestKey.Rsa("shared-kid"));
    private static readonly Lazy<TestKey> SharedEcA = new(() => TestKey.EC("a-ec"));
    private static readonly Lazy<TestKey> SharedRsaB = new(() => TestKey.Rsa("shared-kid"));

    public TestKey RsaA => SharedRsaA.Value;

    public TestKey EcA => SharedEcA.Value;

    public TestKey RsaB => SharedRsaB.Value;

    public Authenticator Authenticator { get; private set; } = null!;

    /// <summary>Starts an authenticator that trusts issuer A, and issuer B too when <paramref name="trustIssuerB"/> is set.</summary>
    public static async Task<IdentityHarness> StartAsync(
        bool trustIssuerB = false,
        TimeSpan? clockSkew = null,
        IReadOnlyList<ApiKeySettings>? apiKeys = null,
        TimeProvider? time = null)
    {
        var harness = new IdentityHarness();
        string fileA = Path.Combine(harness._folder, "a.json");
        string fileB = Path.Combine(harness._folder, "b.json");
        await File.WriteAllTextAsync(fileA, TestKey.Jwks(harness.RsaA, harness.EcA));
        await File.WriteAllTextAsync(fileB, TestKey.Jwks(harness.RsaB));

        var issuers = new List<IssuerSettings>
        {
            new()
            {
                Issuer = TestTokens.Issuer,
                Audiences = [TestTokens.Audience],
                KeySource = KeySourceKind.JwksFile,
                JwksLocation = fileA,
                ClockSkew = clockSkew ?? IssuerSettings.DefaultClockSkew,
            },
        };
        if (trustIssuerB)
        {
            issuers.Add(new IssuerSettings
            {
                Issuer = TestTokens.OtherIssuer,
                Audiences = [TestTokens.Audience],
                KeySource = KeySourceKind.JwksFile,
                JwksLocation = fileB,
            });
        }

        var settings = new IdentitySettings { Issuers = issuers, ApiKeys = apiKeys ?? [] };
        harness.Authenticator = new Authenticator(settings, time: time);
        await harness.Authenticator.StartAsync(CancellationToken.None);
        return harness;
    }

    public AuthResult Bearer(string token) => Authenticator.Authenticate(Encoding.ASCII.GetBytes("Bearer " + token));

    public async ValueTask DisposeAsync()
    {
        await Authenticator.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }
}

/// <summary>A clock the test sets; timers still run on real time.</summary>
internal sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
{
    private long _ticks = start.UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}
