using System.Diagnostics;
using System.Text;
using System.Text.Json;
using FastContractorProxy.Audit;

namespace FastContractorProxy.Tests.Audit;

public sealed class AuditRecordSerializerTests
{
    private const string PreviousHash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    [Fact]
    public void FullRecord_EveryFieldName()
    {
        var record = AuditTestData.Fill(new AuditRecord());
        record.Dropped = 3;

        using JsonDocument document = Serialize(record, includeQuery: true);
        List<string> names = [.. document.RootElement.EnumerateObject().Select(p => p.Name)];

        Assert.Equal(
            [
                "timestamp", "request.id", "trace_id", "client.address", "client.port", "server.address",
                "network.protocol.version", "http.request.method", "url.path", "fcp.raw_target", "url.query", "user.id",
                "fcp.org", "fcp.auth_method", "fcp.token_id", "fcp.route", "fcp.rule", "fcp.decision", "fcp.reason",
                "http.response.status_code", "http.request.body.size", "http.response.body.size", "fcp.duration_us.authn",
                "fcp.duration_us.authz", "fcp.duration_us.upstream", "fcp.duration_us.total", "server.upstream",
                "fcp.policy_version", "fcp.dropped", "fcp.prev_hash",
            ],
            names);
    }

    [Fact]
    public void FullRecord_EveryFieldValue()
    {
        var record = AuditTestData.Fill(new AuditRecord());
        record.Dropped = 3;

        using JsonDocument document = Serialize(record, includeQuery: true);
        JsonElement root = document.RootElement;

        Assert.Equal("2025-03-01T10:30:01.000000Z", root.GetProperty("timestamp").GetString());
        Assert.Equal("req-1", root.GetProperty("request.id").GetString());
        Assert.Equal("4bf92f3577b34da6a3ce929d0e0e4736", root.GetProperty("trace_id").GetString());
        Assert.Equal("192.0.2.10", root.GetProperty("client.address").GetString());
        Assert.Equal(51234, root.GetProperty("client.port").GetInt32());
        Assert.Equal("api.example.test", root.GetProperty("server.address").GetString());
        Assert.Equal("1.1", root.GetProperty("network.protocol.version").GetString());
        Assert.Equal("GET", root.GetProperty("http.request.method").GetString());
        Assert.Equal("/invoices/42", root.GetProperty("url.path").GetString());
        Assert.Equal("/invoices/./42?customer=acme&page=2", root.GetProperty("fcp.raw_target").GetString());
        Assert.Equal("customer=acme&page=2", root.GetProperty("url.query").GetString());
        Assert.Equal("contractor-7", root.GetProperty("user.id").GetString());
        Assert.Equal("acme-consulting", root.GetProperty("fcp.org").GetString());
        Assert.Equal("jwt", root.GetProperty("fcp.auth_method").GetString());
        Assert.Equal("jti-0001", root.GetProperty("fcp.token_id").GetString());
        Assert.Equal("billing", root.GetProperty("fcp.route").GetString());
        Assert.Equal("billing-read", root.GetProperty("fcp.rule").GetString());
        Assert.Equal("allow", root.GetProperty("fcp.decision").GetString());
        Assert.Equal("allowed", root.GetProperty("fcp.reason").GetString());
        Assert.Equal(200, root.GetProperty("http.response.status_code").GetInt32());
        Assert.Equal(0, root.GetProperty("http.request.body.size").GetInt64());
        Assert.Equal(1532, root.GetProperty("http.response.body.size").GetInt64());
        Assert.Equal(41, root.GetProperty("fcp.duration_us.authn").GetInt64());
        Assert.Equal(3, root.GetProperty("fcp.duration_us.authz").GetInt64());
        Assert.Equal(12850, root.GetProperty("fcp.duration_us.upstream").GetInt64());
        Assert.Equal(13010, root.GetProperty("fcp.duration_us.total").GetInt64());
        Assert.Equal("10.0.0.5:8080", root.GetProperty("server.upstream").GetString());
        Assert.Equal("2025-03-01.1", root.GetProperty("fcp.policy_version").GetString());
        Assert.Equal(3, root.GetProperty("fcp.dropped").GetInt64());
        Assert.Equal(PreviousHash, root.GetProperty("fcp.prev_hash").GetString());
    }

    [Fact]
    public void EmptyRecord_OmitsUnsetFields()
    {
        var record = new AuditRecord { Timestamp = AuditTestData.Start };

        using JsonDocument document = Serialize(record, includeQuery: false);
        List<string> names = [.. document.RootElement.EnumerateObject().Select(p => p.Name)];

        Assert.Equal(["timestamp", "fcp.prev_hash"], names);
    }

    [Theory]
    [InlineData(nameof(AuditDecision.Allow), "allow")]
    [InlineData(nameof(AuditDecision.Deny), "deny")]
    [InlineData(nameof(AuditDecision.Unauthenticated), "unauthenticated")]
    [InlineData(nameof(AuditDecision.Rejected), "rejected")]
    [InlineData(nameof(AuditDecision.UpstreamError), "upstream_error")]
    public void Decision_SnakeCaseValue(string decision, string expected)
    {
        var record = new AuditRecord { Decision = Enum.Parse<AuditDecision>(decision) };

        using JsonDocument document = Serialize(record, includeQuery: false);

        Assert.Equal(expected, document.RootElement.GetProperty("fcp.decision").GetString());
    }

    [Fact]
    public void Timestamp_UtcWithMicroseconds()
    {
        // 10:30:00 at +02:00 is 08:30:00 UTC; the seventh fractional digit (100 ns) is cut off.
        var local = new DateTimeOffset(2025, 3, 1, 10, 30, 0, TimeSpan.FromHours(2)).AddTicks(1_234_567);
        var record = new AuditRecord { Timestamp = local };

        using JsonDocument document = Serialize(record, includeQuery: false);

        Assert.Equal("2025-03-01T08:30:00.123456Z", document.RootElement.GetProperty("timestamp").GetString());
    }

    [Fact]
    public void Query_RedactedByDefault()
    {
        var record = new AuditRecord();
        record.SetRawTarget("/search?q=secret-customer-name"u8);
        record.SetQuery("q=secret-customer-name"u8);

        string line = SerializeText(record, includeQuery: false);
        using JsonDocument document = JsonDocument.Parse(line);

        Assert.Equal("[redacted 22 bytes]", document.RootElement.GetProperty("url.query").GetString());
        Assert.Equal("/search?[redacted 22 bytes]", document.RootElement.GetProperty("fcp.raw_target").GetString());
        Assert.DoesNotContain("secret", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Query_VerbatimWhenIncluded()
    {
        var record = new AuditRecord();
        record.SetRawTarget("/search?q=a%20b&x=1"u8);
        record.SetQuery("q=a%20b&x=1"u8);

        using JsonDocument document = Serialize(record, includeQuery: true);

        Assert.Equal("q=a%20b&x=1", document.RootElement.GetProperty("url.query").GetString());
        Assert.Equal("/search?q=a%20b&x=1", document.RootElement.GetProperty("fcp.raw_target").GetString());
    }

    [Fact]
    public void EmptyQuery_RedactedAsZeroBytes()
    {
        var record = new AuditRecord();
        record.SetRawTarget("/search?"u8);
        record.SetQuery([]);

        using JsonDocument document = Serialize(record, includeQuery: false);

        Assert.Equal("[redacted 0 bytes]", document.RootElement.GetProperty("url.query").GetString());
        Assert.Equal("/search?[redacted 0 bytes]", document.RootElement.GetProperty("fcp.raw_target").GetString());
    }

    [Fact]
    public void InvalidUtf8RawTarget_ValidJson()
    {
        byte[] target = [(byte)'/', (byte)'a', 0xFF, 0xC3, (byte)'b', 0xE2, 0x82, (byte)'/', 0xC0, 0xAF, 0xED, 0xA0, 0x80];
        var record = new AuditRecord();
        record.SetRawTarget(target);
        record.SetPath(target);

        string line = SerializeText(record, includeQuery: false);
        using JsonDocument document = JsonDocument.Parse(line);
        string? rawTarget = document.RootElement.GetProperty("fcp.raw_target").GetString();

        Assert.NotNull(rawTarget);
        Assert.StartsWith("/a\uFFFD", rawTarget, StringComparison.Ordinal);
        Assert.Contains('b', rawTarget);
        Assert.Equal(rawTarget, document.RootElement.GetProperty("url.path").GetString());
    }

    [Fact]
    public void ControlCharacters_EscapedOnOneLine()
    {
        byte[] target = [(byte)'/', 0x00, (byte)'\r', (byte)'\n', 0x1B, (byte)'[', (byte)'2', (byte)'J', 0x7F, (byte)'"', (byte)'\\', (byte)'x'];
        var record = new AuditRecord { UserId = "evil\n{\"user.id\":\"admin\"}\u202E" };
        record.SetRawTarget(target);

        byte[] line = SerializeBytes(record, includeQuery: false);
        using JsonDocument document = JsonDocument.Parse(line);

        Assert.Equal("/\0\r\n\u001B[2J\u007F\"\\x", document.RootElement.GetProperty("fcp.raw_target").GetString());
        Assert.Equal("evil\n{\"user.id\":\"admin\"}\u202E", document.RootElement.GetProperty("user.id").GetString());
        Assert.All(line, b => Assert.InRange(b, (byte)0x20, (byte)0x7E));
    }

    [Fact]
    public void LoneSurrogate_ValidJson()
    {
        var record = new AuditRecord { UserId = "a\uD800b", Organization = "\uDC00" };

        using JsonDocument document = Serialize(record, includeQuery: false);

        Assert.Equal("a\uFFFDb", document.RootElement.GetProperty("user.id").GetString());
        Assert.Equal("\uFFFD", document.RootElement.GetProperty("fcp.org").GetString());
    }

    [Fact]
    public void IPv6ClientAddress_Written()
    {
        var record = new AuditRecord { ClientAddress = System.Net.IPAddress.Parse("2001:db8::1"), ClientPort = 443 };

        using JsonDocument document = Serialize(record, includeQuery: false);

        Assert.Equal("2001:db8::1", document.RootElement.GetProperty("client.address").GetString());
    }

    [Fact]
    public void ActivityTraceId_LowercaseHex()
    {
        var record = new AuditRecord();
        record.SetTraceId(ActivityTraceId.CreateFromBytes(Convert.FromHexString("4BF92F3577B34DA6A3CE929D0E0E4736")));

        using JsonDocument document = Serialize(record, includeQuery: false);

        Assert.Equal("4bf92f3577b34da6a3ce929d0e0e4736", document.RootElement.GetProperty("trace_id").GetString());
    }

    [Fact]
    public void ResetRecord_ReusedWithoutStaleValues()
    {
        var record = AuditTestData.Fill(new AuditRecord());
        record.SetPath(Encoding.ASCII.GetBytes("/" + new string('a', 10_000)));

        record.Reset();
        record.SetPath("/b"u8);
        using JsonDocument document = Serialize(record, includeQuery: false);
        List<string> names = [.. document.RootElement.EnumerateObject().Select(p => p.Name)];

        Assert.Equal(["timestamp", "url.path", "fcp.prev_hash"], names);
        Assert.Equal("/b", document.RootElement.GetProperty("url.path").GetString());
        Assert.Equal("0001-01-01T00:00:00.000000Z", document.RootElement.GetProperty("timestamp").GetString());
    }

    [Fact]
    public void SerializeWarmedUp_AllocatesNothing()
    {
        var serializer = new AuditRecordSerializer(includeQuery: false);
        var record = AuditTestData.Fill(new AuditRecord());
        byte[] previousHash = Encoding.ASCII.GetBytes(PreviousHash);
        serializer.Serialize(record, previousHash);

        long before = GC.GetAllocatedBytesForCurrentThread();
        int length = serializer.Serialize(record, previousHash).Length;
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(length > 0);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void FillRecord_AllocatesNothingOnReuse()
    {
        var record = AuditTestData.Fill(new AuditRecord());
        record.Reset();
        ReadOnlySpan<byte> target = "/invoices/./42?customer=acme&page=2"u8;

        long before = GC.GetAllocatedBytesForCurrentThread();
        record.SetRawTarget(target);
        record.SetPath("/invoices/42"u8);
        record.SetRequestId("req-1"u8);
        record.StatusCode = 200;
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
    }

    private static JsonDocument Serialize(AuditRecord record, bool includeQuery) =>
        JsonDocument.Parse(SerializeBytes(record, includeQuery));

    private static string SerializeText(AuditRecord record, bool includeQuery) =>
        Encoding.UTF8.GetString(SerializeBytes(record, includeQuery));

    private static byte[] SerializeBytes(AuditRecord record, bool includeQuery) =>
        new AuditRecordSerializer(includeQuery).Serialize(record, Encoding.ASCII.GetBytes(PreviousHash)).ToArray();
}
