using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using FastContractorProxy.Identity;

namespace FastContractorProxy.Benchmarks;

/// <summary>
/// One Authorization value from bytes to a <see cref="CallerIdentity"/>: a token-cache hit, and full validation
/// (structure, header and payload checks, signature, claims) of RS256 and ES256 tokens with the cache turned off.
/// Keys come from a JWKS file written at setup.
/// </summary>
[MemoryDiagnoser]
public class JwtValidationBenchmarks
{
    private const string Issuer = "https://idp.bench.test";

    private readonly RSA _rsa = RSA.Create(2048);
    private readonly ECDsa _ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private string _folder = "";
    private Authenticator _cached = null!;
    private Authenticator _uncached = null!;
    private byte[] _rs256Value = [];
    private byte[] _es256Value = [];

    [GlobalSetup]
    public void Setup()
    {
        _folder = Directory.CreateTempSubdirectory("fcp-bench-jwt-").FullName;
        string jwksPath = Path.Combine(_folder, "jwks.json");
        RSAParameters rsa = _rsa.ExportParameters(false);
        ECParameters ec = _ec.ExportParameters(false);
        var jwks = new JsonObject
        {
            ["keys"] = new JsonArray(
                new JsonObject { ["kty"] = "RSA", ["kid"] = "rsa-1", ["use"] = "sig", ["n"] = B64(rsa.Modulus!), ["e"] = B64(rsa.Exponent!) },
                new JsonObject { ["kty"] = "EC", ["kid"] = "ec-1", ["use"] = "sig", ["crv"] = "P-256", ["x"] = B64(ec.Q.X!), ["y"] = B64(ec.Q.Y!) }),
        };
        File.WriteAllText(jwksPath, jwks.ToJsonString());

        IssuerSettings issuer = new() { Issuer = Issuer, Audiences = ["fcp-api"], KeySource = KeySourceKind.JwksFile, JwksLocation = jwksPath };
        _cached = Start(new IdentitySettings { Issuers = [issuer] });
        _uncached = Start(new IdentitySettings { Issuers = [issuer], TokenCacheEntries = 0 });

        _rs256Value = Encoding.ASCII.GetBytes("Bearer " + CreateToken("RS256", "rsa-1", data => _rsa.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)));
        _es256Value = Encoding.ASCII.GetBytes("Bearer " + CreateToken("ES256", "ec-1", data => _ec.SignData(data, HashAlgorithmName.SHA256)));

        // Fill the cache, and fail the run if any case does not authenticate.
        Check(_cached.Authenticate(_rs256Value));
        Check(_cached.Authenticate(_rs256Value));
        Check(_uncached.Authenticate(_rs256Value));
        Check(_uncached.Authenticate(_es256Value));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _cached.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _uncached.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _rsa.Dispose();
        _ec.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    // The benchmarks return whether the caller was authenticated, because the result types are internal.
    [Benchmark(Baseline = true)]
    public bool CacheHit() => _cached.Authenticate(_rs256Value).Outcome == AuthOutcome.Success;

    [Benchmark]
    public bool UncachedRs256() => _uncached.Authenticate(_rs256Value).Outcome == AuthOutcome.Success;

    [Benchmark]
    public bool UncachedEs256() => _uncached.Authenticate(_es256Value).Outcome == AuthOutcome.Success;

    private static Authenticator Start(IdentitySettings settings)
    {
        var authenticator = new Authenticator(settings);
        authenticator.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
        return authenticator;
    }

    // Claims shaped like an access token of a typical OpenID provider: about 700 bytes with an RS256 signature.
    private static string CreateToken(string algorithm, string keyId, Func<byte[], byte[]> sign)
    {
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var header = new JsonObject { ["alg"] = algorithm, ["typ"] = "at+jwt", ["kid"] = keyId };
        var claims = new JsonObject
        {
            ["iss"] = Issuer,
            ["sub"] = "contractor-12345",
            ["aud"] = "fcp-api",
            ["exp"] = now + 24 * 3600,
            ["iat"] = now,
            ["jti"] = "a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4",
            ["client_id"] = "contractor-12345",
            ["scope"] = "items:read items:write orders:read",
            ["org"] = "acme-contracting",
        };
        string signingInput = B64(Encoding.UTF8.GetBytes(header.ToJsonString())) + "." + B64(Encoding.UTF8.GetBytes(claims.ToJsonString()));
        return signingInput + "." + B64(sign(Encoding.ASCII.GetBytes(signingInput)));
    }

    private static void Check(AuthResult result)
    {
        if (result.Outcome != AuthOutcome.Success)
        {
            throw new InvalidOperationException($"benchmark token was not accepted: {result}");
        }
    }

    private static string B64(byte[] bytes) => Base64Url.EncodeToString(bytes);
}
