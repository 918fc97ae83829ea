using System.Net;
using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using FastContractorProxy.Audit;

namespace FastContractorProxy.Benchmarks;

/// <summary>
/// The per-record work of the audit writer's background task: serializing one record with every field set into the
/// serializer's reusable buffer, and the same plus the SHA-256 of the line for the hash chain. Filling a pooled
/// record from request bytes, which the data path does, is measured separately.
/// </summary>
public class AuditBenchmarks
{
    private static readonly byte[] PreviousHash = Encoding.ASCII.GetBytes("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
    private static readonly byte[] RawTarget = Encoding.ASCII.GetBytes("/api/invoices/./12345/lines?customer=acme&page=2");
    private static readonly byte[] CanonicalPath = Encoding.ASCII.GetBytes("/api/invoices/12345/lines");
    private static readonly byte[] Query = Encoding.ASCII.GetBytes("customer=acme&page=2");
    private static readonly byte[] RequestId = Encoding.ASCII.GetBytes("01JNQ4ZK8W3YH6T2V9XBDM5RCE");
    private static readonly byte[] TraceId = Encoding.ASCII.GetBytes("4bf92f3577b34da6a3ce929d0e0e4736");
    private static readonly IPAddress Client = IPAddress.Parse("192.0.2.10");

    private readonly AuditRecordSerializer _serializer = new(includeQuery: false);
    private readonly AuditRecord _record = new();
    private readonly byte[] _lineHash = new byte[AuditHash.HexLength];

    [GlobalSetup]
    public void Setup()
    {
        Fill(_record);
        ReadOnlySpan<byte> line = _serializer.Serialize(_record, PreviousHash);
        using JsonDocument document = JsonDocument.Parse(line.ToArray());
        JsonElement root = document.RootElement;
        int fieldCount = root.EnumerateObject().Count();
        if (fieldCount != 29)
        {
            throw new InvalidOperationException($"The serialized record has {fieldCount} fields, expected 29 (every field except fcp.dropped).");
        }

        string? query = root.GetProperty("url.query").GetString();
        if (query != "[redacted 20 bytes]")
        {
            throw new InvalidOperationException($"url.query is '{query}', expected '[redacted 20 bytes]'.");
        }

        string? timestamp = root.GetProperty("timestamp").GetString();
        if (timestamp != "2025-03-01T10:30:00.123456Z")
        {
            throw new InvalidOperationException($"timestamp is '{timestamp}', expected '2025-03-01T10:30:00.123456Z'.");
        }
    }

    /// <summary>A record with all 29 fields set except fcp.dropped, 1,003 bytes of JSON.</summary>
    [Benchmark(Baseline = true)]
    public int SerializeRecord() => _serializer.Serialize(_record, PreviousHash).Length;

    [Benchmark]
    public int SerializeAndHashRecord()
    {
        ReadOnlySpan<byte> line = _serializer.Serialize(_record, PreviousHash);
        AuditHash.ComputeLineHash(line, _lineHash);
        return line.Length;
    }

    [Benchmark]
    public long FillPooledRecord()
    {
        _record.Reset();
        Fill(_record);
        return _record.TotalMicroseconds ?? 0;
    }

    private static void Fill(AuditRecord record)
    {
        record.Timestamp = new DateTimeOffset(2025, 3, 1, 10, 30, 0, TimeSpan.Zero).AddTicks(1_234_560);
        record.SetRequestId(RequestId);
        record.SetTraceId(TraceId);
        record.ClientAddress = Client;
        record.ClientPort = 51234;
        record.SetServerAddress("api.example.test"u8);
        record.ProtocolVersion = "1.1";
        record.SetMethod("GET"u8);
        record.SetPath(CanonicalPath);
        record.SetRawTarget(RawTarget);
        record.SetQuery(Query);
        record.UserId = "contractor-7";
        record.Organization = "acme-consulting";
        record.AuthMethod = "jwt";
        record.TokenId = "6f1c2a9e-8d3b-4f7a-9c21-0b5e4d3a2f10";
        record.Route = "billing";
        record.Rule = "billing-read";
        record.Decision = AuditDecision.Allow;
        record.Reason = "allowed";
        record.StatusCode = 200;
        record.RequestBodyBytes = 0;
        record.ResponseBodyBytes = 15_320;
        record.AuthenticationMicroseconds = 41;
        record.AuthorizationMicroseconds = 3;
        record.UpstreamMicroseconds = 12_850;
        record.TotalMicroseconds = 13_010;
        record.Upstream = "10.0.0.5:8080";
        record.PolicyVersion = "2025-03-01.1";
    }
}
