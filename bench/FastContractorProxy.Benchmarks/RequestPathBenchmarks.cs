using System.Buffers;
using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using FastContractorProxy.Configuration;
using FastContractorProxy.Forwarding;
using FastContractorProxy.Hosting;
using FastContractorProxy.Http1;
using FastContractorProxy.Identity;
using FastContractorProxy.Paths;
using FastContractorProxy.Routing;
using Microsoft.Extensions.Logging.Abstractions;

namespace FastContractorProxy.Benchmarks;

/// <summary>
/// The whole per-request work of the HTTP/1.1 data path in memory, without sockets: parse the head, canonicalize
/// the path, pick the route, authenticate the bearer token from the token cache, decide with the compiled
/// policy, and write the upstream request head with the identity fields. The proxy runtime is built from YAML
/// files as <c>fcp run</c> builds it.
/// </summary>
[MemoryDiagnoser]
public class RequestPathBenchmarks
{
    private readonly RSA _rsa = RSA.Create(2048);
    private readonly HeadBuffer _buffer = new();
    private readonly RequestHead _head = new();
    private readonly byte[] _path = new byte[256];
    private readonly ArrayBufferWriter<byte> _output = new(4096);
    private readonly byte[] _peer = "127.0.0.1"u8.ToArray();
    private readonly byte[] _requestId = "4f1c9a0e5b7d2c83000000000000002a"u8.ToArray();
    private string _folder = "";
    private ProxyRuntime _runtime = null!;
    private ReadOnlySequence<byte> _request;

    [GlobalSetup]
    public void Setup()
    {
        _folder = Directory.CreateTempSubdirectory("fcp-bench-path-").FullName;
        RSAParameters key = _rsa.ExportParameters(false);
        var jwks = new JsonObject
        {
            ["keys"] = new JsonArray(new JsonObject { ["kty"] = "RSA", ["kid"] = "k1", ["use"] = "sig", ["n"] = B64(key.Modulus!), ["e"] = B64(key.Exponent!) }),
        };
        File.WriteAllText(Path.Combine(_folder, "jwks.json"), jwks.ToJsonString());
        File.WriteAllText(Path.Combine(_folder, "policy.yaml"), """
            contractors:
              - id: alice
                organization: Acme Consulting
                sponsor: maria@example.test
                reference: CTR-1
                authentication:
                  - issuer: https://idp.bench.test
                    subject: alice-sub
            grants:
              - id: alice-items
                subjects: [ alice ]
                methods: [ GET, POST ]
                paths: [ /api/items/** ]
            denies:
              - id: no-export
                subjects: [ "*" ]
                methods: [ "*" ]
                paths: [ /api/items/export/** ]
            routes:
              - id: items
                paths: [ /api/items/** ]
                cluster: items
            """);
        File.WriteAllText(Path.Combine(_folder, "config.yaml"), """
            listeners:
              - address: 127.0.0.1:0
            clusters:
              - id: items
                destinations: [ 127.0.0.1:9 ]
            identity:
              issuers:
                - issuer: https://idp.bench.test
                  audiences: [ fcp-api ]
                  jwks_file: jwks.json
              token_cache_max_lifetime: 1h
            policy:
              file: policy.yaml
              watch: false
            """);

        // The JWKS file path in the configuration is read relative to the working directory.
        string previous = Directory.GetCurrentDirectory();
        Directory.SetCurrentDirectory(_folder);
        try
        {
            ProxySettings settings = SettingsLoader.LoadFile(Path.Combine(_folder, "config.yaml"));
            _runtime = new ProxyRuntime(settings, NullLoggerFactory.Instance);
            _runtime.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
        }
        finally
        {
            Directory.SetCurrentDirectory(previous);
        }

        _request = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(
            "GET /api/items/42?fields=name,price HTTP/1.1\r\n" +
            "Host: api.example.test\r\n" +
            "Authorization: Bearer " + CreateToken() + "\r\n" +
            "Accept: application/json\r\n" +
            "User-Agent: contractor-sync/2.4\r\n" +
            "X-Auth-User: admin\r\n" +
            "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\n\r\n"));

        // The first call fills the token cache; the check fails the run unless the request is allowed and written.
        for (int i = 0; i < 2; i++)
        {
            int written = Forward();
            string head = Encoding.ASCII.GetString(_output.WrittenSpan[..written]);
            if (!head.StartsWith("GET /api/items/42?fields=name,price HTTP/1.1\r\n", StringComparison.Ordinal) ||
                !head.Contains("X-Contractor-Id: alice\r\n", StringComparison.Ordinal) || head.Contains("X-Auth-User", StringComparison.Ordinal) ||
                head.Contains("Authorization", StringComparison.Ordinal))
            {
                throw new InvalidOperationException("The request path did not produce the expected upstream head:\n" + head);
            }
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _runtime.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _buffer.Dispose();
        _rsa.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>Returns the length of the upstream head written.</summary>
    [Benchmark]
    public int Forward()
    {
        _buffer.Reset();
        if (_buffer.Accumulate(_request, 8 * 1024, 32 * 1024, out _, out _) != ParseStatus.Done)
        {
            throw new InvalidOperationException("The request head did not parse.");
        }

        _head.Attach(_buffer.Buffer, _buffer.LeadingBytes, _buffer.SectionLength);
        if (RequestHeadParser.Parse(_head) != RejectReason.None ||
            PathCanonicalizer.Canonicalize(_head[_head.Path], _path, PathOptions.Strict, out int pathLength) != RejectReason.None)
        {
            throw new InvalidOperationException("The request was rejected.");
        }

        ReadOnlySpan<byte> path = _path.AsSpan(0, pathLength);
        Route route = _runtime.Routes.Match(_head[_head.Authority], path)!;
        FieldLine authorization = _head.Fields[_head.AuthorizationField];
        AuthResult auth = AccessGate.AuthenticateAsync(_runtime.Authenticator!, _head.ValueMemory(authorization), true, default, false, CancellationToken.None)
            .GetAwaiter().GetResult();
        AccessResult access = AccessGate.Decide(_runtime, route, auth, _head.Method, path, IPAddress.Loopback, 0);
        if (access.Status != 0)
        {
            throw new InvalidOperationException($"The request was denied: {access.Status} {access.Reason}.");
        }

        var values = new ForwardedValues
        {
            CanonicalPath = path,
            PeerAddress = _peer,
            Scheme = "http"u8,
            RequestId = _requestId,
            StripAuthorization = access.StripAuthorization,
            ContractorId = access.ContractorId(hasPolicy: true),
            Organization = access.Organization(hasPolicy: true),
            Scopes = access.Caller!.ScopeText,
        };
        _output.ResetWrittenCount();
        RequestWriter.WriteHead(_output, _head, _runtime.FieldFilter, values);
        return _output.WrittenCount;
    }

    private string CreateToken()
    {
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        string header = B64(Encoding.UTF8.GetBytes("""{"alg":"RS256","typ":"JWT","kid":"k1"}"""));
        string claims = B64(Encoding.UTF8.GetBytes(
            $$"""{"iss":"https://idp.bench.test","sub":"alice-sub","aud":"fcp-api","exp":{{now + 86400}},"iat":{{now}},"jti":"bench-1","scope":"items:read"}"""));
        byte[] signature = _rsa.SignData(Encoding.ASCII.GetBytes(header + "." + claims), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return header + "." + claims + "." + B64(signature);
    }

    private static string B64(byte[] bytes) => Base64Url.EncodeToString(bytes);
}
