using System.Buffers;
using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace FastContractorProxy.Cli;

/// <summary>
/// The token issuer of <c>fcp demo</c>: an ES256 key pair made at start, a loopback HTTP server that publishes
/// the public key through an OpenID discovery document and a JWKS, and a signer for access tokens.
/// </summary>
internal sealed class DemoIssuer : IAsyncDisposable
{
    public const string Audience = "fcp-demo";
    public const string Algorithm = "ES256";

    // The object identifier of NIST P-256 (secp256r1).
    private const string P256Oid = "1.2.840.10045.3.1.7";

    public static readonly TimeSpan TokenLifetime = TimeSpan.FromHours(1);

    private readonly WebApplication _app;
    private readonly ECDsa _key;

    private DemoIssuer(WebApplication app, ECDsa key, string keyId)
    {
        _app = app;
        _key = key;
        KeyId = keyId;
    }

    /// <summary>The <c>iss</c> value, <c>http://127.0.0.1:port</c>, set once the server has bound its port.</summary>
    public string Issuer { get; private set; } = "";

    public int Port { get; private set; }

    /// <summary>The RFC 7638 thumbprint of the public key, sent as <c>kid</c>.</summary>
    public string KeyId { get; }

    /// <summary>Generates a P-256 key pair and starts serving discovery and JWKS on 127.0.0.1. Port 0 picks a free port.</summary>
    public static async Task<DemoIssuer> StartAsync(int port, CancellationToken cancellationToken)
    {
        ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        try
        {
            string keyId = ComputeKeyId(key);
            string jwks = WriteJwks(key, keyId);

            WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
            WebApplication app = builder.Build();
            var issuer = new DemoIssuer(app, key, keyId);

            // The discovery document names the issuer URL, which contains the port bound at start.
            app.MapGet("/.well-known/openid-configuration", () => Results.Text(issuer.WriteDiscoveryDocument(), "application/json"));
            app.MapGet("/jwks", () => Results.Text(jwks, "application/jwk-set+json"));

            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            var bound = new Uri(app.Urls.Single());
            issuer.Port = bound.Port;
            issuer.Issuer = $"http://127.0.0.1:{bound.Port}";
            return issuer;
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>Signs an access token for <paramref name="subject"/>, valid for <see cref="TokenLifetime"/> from now.</summary>
    public string CreateToken(string subject, string? scope) =>
        SignToken(_key, KeyId, Issuer, subject, scope, DateTimeOffset.UtcNow);

    /// <summary>Writes the private key as PKCS#8 PEM to a new file that only the current user can read (mode 0600).</summary>
    /// <exception cref="IOException">The file already exists or cannot be written.</exception>
    public void WriteKeyFile(string path)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            // Set at creation, so no other user can open the file between creating it and restricting it.
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var writer = new StreamWriter(path, Encoding.ASCII, options);
        writer.Write(_key.ExportPkcs8PrivateKeyPem());
    }

    /// <summary>Reads a key file written by <see cref="WriteKeyFile"/>.</summary>
    /// <exception cref="CryptographicException">The file is not a PEM P-256 private key.</exception>
    public static ECDsa ReadKeyFile(string path)
    {
        string pem = File.ReadAllText(path);
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);

            // Exporting the private parameters also fails for a file that contains only a public key.
            ECParameters parameters = key.ExportParameters(includePrivateParameters: true);
            if (parameters.Curve.Oid?.Value != P256Oid)
            {
                throw new CryptographicException($"{path} contains an EC key that is not on curve P-256, which ES256 requires.");
            }

            return key;
        }
        catch (ArgumentException ex)
        {
            key.Dispose();
            throw new CryptographicException($"{path} contains no PEM private key: {ex.Message}", ex);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Builds a compact JWS (RFC 7515) with an ES256 signature: header alg, typ <c>at+jwt</c> and kid; claims iss,
    /// sub, aud, iat, exp, jti and, when given, scope.
    /// </summary>
    public static string SignToken(ECDsa key, string keyId, string issuer, string subject, string? scope, DateTimeOffset now)
    {
        byte[] header = WriteJson(writer =>
        {
            writer.WriteString("alg", Algorithm);
            writer.WriteString("typ", "at+jwt");
            writer.WriteString("kid", keyId);
        });
        byte[] payload = WriteJson(writer =>
        {
            writer.WriteString("iss", issuer);
            writer.WriteString("sub", subject);
            writer.WriteString("aud", Audience);
            writer.WriteNumber("iat", now.ToUnixTimeSeconds());
            writer.WriteNumber("exp", now.Add(TokenLifetime).ToUnixTimeSeconds());
            writer.WriteString("jti", Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)));
            if (!string.IsNullOrEmpty(scope))
            {
                writer.WriteString("scope", scope);
            }
        });

        string signingInput = Base64Url.EncodeToString(header) + "." + Base64Url.EncodeToString(payload);

        // JWS ES256 (RFC 7518 section 3.4) is R and S as two 32-byte big-endian integers, which is the IEEE P1363 format.
        byte[] signature = key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return signingInput + "." + Base64Url.EncodeToString(signature);
    }

    /// <summary>Computes the RFC 7638 JWK thumbprint of the public key: SHA-256 over crv, kty, x and y in that order.</summary>
    public static string ComputeKeyId(ECDsa key)
    {
        ECParameters parameters = key.ExportParameters(includePrivateParameters: false);
        string canonical = $$"""{"crv":"P-256","kty":"EC","x":"{{Base64Url.EncodeToString(parameters.Q.X)}}","y":"{{Base64Url.EncodeToString(parameters.Q.Y)}}"}""";
        return Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(canonical)));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _key.Dispose();
    }

    private string WriteDiscoveryDocument() => Encoding.UTF8.GetString(WriteJson(writer =>
    {
        writer.WriteString("issuer", Issuer);
        writer.WriteString("jwks_uri", Issuer + "/jwks");
        writer.WriteStartArray("id_token_signing_alg_values_supported");
        writer.WriteStringValue(Algorithm);
        writer.WriteEndArray();
    }));

    private static string WriteJwks(ECDsa key, string keyId)
    {
        ECParameters parameters = key.ExportParameters(includePrivateParameters: false);
        return Encoding.UTF8.GetString(WriteJson(writer =>
        {
            writer.WriteStartArray("keys");
            writer.WriteStartObject();
            writer.WriteString("kty", "EC");
            writer.WriteString("crv", "P-256");
            writer.WriteString("x", Base64Url.EncodeToString(parameters.Q.X));
            writer.WriteString("y", Base64Url.EncodeToString(parameters.Q.Y));
            writer.WriteString("kid", keyId);
            writer.WriteString("use", "sig");
            writer.WriteString("alg", Algorithm);
            writer.WriteEndObject();
            writer.WriteEndArray();
        }));
    }

    // Writes one JSON object whose members the callback writes. The relaxed encoder writes the '+' of at+jwt
    // as is instead of as \u002B, which is safe because these documents are never embedded in HTML.
    private static byte[] WriteJson(Action<Utf8JsonWriter> writeMembers)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writeMembers(writer);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
