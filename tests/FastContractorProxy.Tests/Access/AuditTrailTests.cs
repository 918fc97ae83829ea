using System.CommandLine;
using System.Text;
using System.Text.Json;
using FastContractorProxy.Audit;
using FastContractorProxy.Cli;
using FastContractorProxy.Tests.Infrastructure;

namespace FastContractorProxy.Tests.Access;

/// <summary>The audit log the running proxy writes: one record per exchange, field by field, chained and free of secrets.</summary>
public sealed class AuditTrailTests
{
    private const string AuditSection = "audit:\n  path: audit.log\n  flush_interval: 50ms\n";

    private static List<JsonElement> ReadRecords(string path) =>
        [.. File.ReadAllLines(path).Select(line => JsonDocument.Parse(line).RootElement.Clone())];

    private static string? Text(JsonElement record, string name) =>
        record.TryGetProperty(name, out JsonElement value) ? value.ToString() : null;

    [Fact]
    public async Task EveryOutcome_OneRecordEach()
    {
        await using AccessHarness proxy = await AccessHarness.StartAsync(extraConfiguration: AuditSection);
        string token = AccessHarness.AliceToken(c => c["jti"] = "token-42");

        RawResponse allowed = await proxy.SendAsync("GET", "/public/a/../ok?secret=1", token);
        RawResponse denied = await proxy.SendAsync("GET", "/admin/users", token);
        RawResponse unauthenticated = await proxy.SendAsync("GET", "/api/items/1", "a.b.c");
        RawResponse badGateway = await proxy.SendAsync("GET", "/broken/x");
        using (RawHttpClient client = proxy.Connect())
        {
            await client.SendAsync("POST /api/items/1 HTTP/1.1\r\nHost: api.example.test\r\nContent-Length: 58\r\nTransfer-Encoding: chunked\r\n\r\n" +
                "0\r\n\r\nGET /admin/users HTTP/1.1\r\nHost: api.example.test\r\n\r\n");
            Assert.Equal(400, (await client.ReadResponseAsync()).StatusCode);
        }

        await proxy.StopAsync();
        List<JsonElement> records = ReadRecords(proxy.AuditPath);

        Assert.Equal([200, 403, 401, 502], new[] { allowed, denied, unauthenticated, badGateway }.Select(r => r.StatusCode));
        Assert.Equal(5, records.Count);

        JsonElement allow = records[0];
        Assert.Equal("allow", Text(allow, "fcp.decision"));
        Assert.Equal("allowed", Text(allow, "fcp.reason"));
        Assert.Equal("alice", Text(allow, "user.id"));
        Assert.Equal("Acme Consulting", Text(allow, "fcp.org"));
        Assert.Equal("jwt", Text(allow, "fcp.auth_method"));
        Assert.Equal("token-42", Text(allow, "fcp.token_id"));
        Assert.Equal("public", Text(allow, "fcp.route"));
        Assert.Equal("alice-public", Text(allow, "fcp.rule"));
        Assert.Equal("/public/ok", Text(allow, "url.path"));
        Assert.Equal("GET", Text(allow, "http.request.method"));
        Assert.Equal("200", Text(allow, "http.response.status_code"));
        Assert.Equal("127.0.0.1", Text(allow, "client.address"));
        Assert.Equal("api.example.test", Text(allow, "server.address"));
        Assert.Equal("1.1", Text(allow, "network.protocol.version"));
        Assert.Equal(proxy.Upstream.Requests[0].Value("X-Request-Id"), Text(allow, "request.id"));
        Assert.Equal(proxy.Server.Runtime.Access!.Version, Text(allow, "fcp.policy_version"));
        Assert.StartsWith("127.0.0.1:", Text(allow, "server.upstream"), StringComparison.Ordinal);
        Assert.DoesNotContain("secret=1", Text(allow, "fcp.raw_target"), StringComparison.Ordinal);
        Assert.True(allow.GetProperty("fcp.duration_us.total").GetInt64() >= allow.GetProperty("fcp.duration_us.upstream").GetInt64());

        JsonElement deny = records[1];
        Assert.Equal("deny", Text(deny, "fcp.decision"));
        Assert.Equal("no_grant", Text(deny, "fcp.reason"));
        Assert.Equal("admin", Text(deny, "fcp.route"));
        Assert.Equal("403", Text(deny, "http.response.status_code"));
        Assert.Equal(denied.Body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), Text(deny, "http.response.body.size"));
        Assert.Null(Text(deny, "server.upstream"));

        JsonElement unauthenticatedRecord = records[2];
        Assert.Equal("unauthenticated", Text(unauthenticatedRecord, "fcp.decision"));
        Assert.Equal("malformed_credential", Text(unauthenticatedRecord, "fcp.reason"));
        Assert.Null(Text(unauthenticatedRecord, "user.id"));

        JsonElement upstreamError = records[3];
        Assert.Equal("upstream_error", Text(upstreamError, "fcp.decision"));
        Assert.Equal("upstream_connect_failed", Text(upstreamError, "fcp.reason"));
        Assert.Equal("502", Text(upstreamError, "http.response.status_code"));

        JsonElement rejected = records[4];
        Assert.Equal("rejected", Text(rejected, "fcp.decision"));
        Assert.Equal("400", Text(rejected, "http.response.status_code"));
        Assert.Equal("POST", Text(rejected, "http.request.method"));

        string all = await File.ReadAllTextAsync(proxy.AuditPath);
        Assert.DoesNotContain(token, all, StringComparison.Ordinal);
        Assert.DoesNotContain("Bearer", all, StringComparison.Ordinal);
        Assert.Equal(AuditVerifyStatus.Valid, AuditVerifier.Verify([proxy.AuditPath]).Status);
    }

    [Fact]
    public async Task VerifyCommand_FindsChangedByte()
    {
        await using AccessHarness proxy = await AccessHarness.StartAsync(extraConfiguration: AuditSection);
        for (int i = 0; i < 5; i++)
        {
            await proxy.SendAsync("GET", $"/api/items/{i}", AccessHarness.AliceToken());
        }

        await proxy.StopAsync();
        (int intactExit, _) = await VerifyAsync(proxy.AuditPath);
        byte[] bytes = await File.ReadAllBytesAsync(proxy.AuditPath);
        int third = IndexOfLine(bytes, 2);
        bytes[third + 20] ^= 0x01;
        await File.WriteAllBytesAsync(proxy.AuditPath, bytes);
        (int brokenExit, string output) = await VerifyAsync(proxy.AuditPath);

        Assert.Equal(0, intactExit);
        Assert.Equal(1, brokenExit);
        Assert.Contains("line 4 ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RecordCount_MatchesRequestsAfterStop()
    {
        await using AccessHarness proxy = await AccessHarness.StartAsync(extraConfiguration: "audit:\n  path: audit.log\n  queue_capacity: 16\n");
        string token = AccessHarness.AliceToken();
        const int Clients = 4;
        const int PerClient = 100;

        await Task.WhenAll(Enumerable.Range(0, Clients).Select(_ => Task.Run(async () =>
        {
            using RawHttpClient client = proxy.Connect();
            for (int i = 0; i < PerClient; i++)
            {
                await client.SendAsync($"GET /api/items/{i} HTTP/1.1\r\nHost: api.example.test\r\nAuthorization: Bearer {token}\r\n\r\n");
                Assert.Equal(200, (await client.ReadResponseAsync()).StatusCode);
            }
        })));
        await proxy.StopAsync();

        Assert.Equal(Clients * PerClient, File.ReadAllLines(proxy.AuditPath).Length);
        Assert.Equal(AuditVerifyStatus.Valid, AuditVerifier.Verify([proxy.AuditPath]).Status);
    }

    private static int IndexOfLine(byte[] bytes, int line)
    {
        int index = 0;
        for (int i = 0; i < line; i++)
        {
            index = Array.IndexOf(bytes, (byte)'\n', index) + 1;
        }

        return index;
    }

    private static async Task<(int Exit, string Output)> VerifyAsync(string path)
    {
        using var output = new StringWriter();
        int exit = await Commands.Build().Parse(["audit", "verify", path]).InvokeAsync(new InvocationConfiguration { Output = output, Error = output });
        return (exit, output.ToString());
    }
}
