using System.CommandLine;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using FastContractorProxy.Cli;

namespace FastContractorProxy.Tests.Demo;

/// <summary>The whole demo (issuer, sample upstream, proxy with the sample policy) on free loopback ports.</summary>
public sealed class DemoFixture : IAsyncLifetime
{
    private readonly string _parent = Directory.CreateTempSubdirectory("fcp-demo-test-").FullName;

    internal RunningDemo Demo { get; private set; } = null!;

    public HttpClient Client { get; } = new();

    public async Task InitializeAsync()
    {
        Demo = await DemoEnvironment.StartAsync(new DemoPorts(0, 0, 0), Path.Combine(_parent, "demo"), logging => { }, CancellationToken.None);
        Client.BaseAddress = new Uri($"http://127.0.0.1:{Demo.ProxyPort}");
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Demo.DisposeAsync();
        Directory.Delete(_parent, recursive: true);
    }

    /// <summary>Sends a GET through the proxy, with a bearer token when one is given.</summary>
    public Task<HttpResponseMessage> GetAsync(string path, string? token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return Client.SendAsync(request);
    }
}

public sealed partial class DemoTests(DemoFixture fixture) : IClassFixture<DemoFixture>
{
    private RunningDemo Demo => fixture.Demo;

    [Fact]
    public async Task AllowedRequest_ReachesSampleUpstream()
    {
        using HttpResponseMessage response = await fixture.GetAsync("/api/items/42", Demo.CreateToken("alice"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("42", body.RootElement.GetProperty("id").GetString());
        Assert.Equal("alice", body.RootElement.GetProperty("contractor").GetString());
        Assert.Equal("Acme Consulting", body.RootElement.GetProperty("organization").GetString());
        Assert.Equal("items.read items.write", body.RootElement.GetProperty("scopes").GetString());
    }

    [Fact]
    public async Task Requests_WrittenToAuditLog()
    {
        string path = Path.Combine(Demo.Folder, DemoEnvironment.AuditFileName);
        string marker = Guid.NewGuid().ToString("N");

        using HttpResponseMessage response = await fixture.GetAsync($"/api/items/{marker}", Demo.CreateToken("alice"));
        string? line = null;
        for (int i = 0; i < 50 && line is null; i++)
        {
            await Task.Delay(100);
            line = File.Exists(path) ? File.ReadLines(path).FirstOrDefault(l => l.Contains(marker, StringComparison.Ordinal)) : null;
        }

        Assert.NotNull(line);
        using JsonDocument record = JsonDocument.Parse(line);
        Assert.Equal("alice", record.RootElement.GetProperty("user.id").GetString());
        Assert.Equal("allow", record.RootElement.GetProperty("fcp.decision").GetString());
    }

    [Fact]
    public async Task AliceOnAdmin_ForbiddenNoGrant()
    {
        using HttpResponseMessage response = await fixture.GetAsync("/admin/users", Demo.CreateToken("alice"));

        await AssertProblemAsync(response, HttpStatusCode.Forbidden, "no_grant");
    }

    [Fact]
    public async Task Export_ForbiddenByDenyRule()
    {
        using HttpResponseMessage response = await fixture.GetAsync("/api/items/export/all.csv", Demo.CreateToken("alice"));

        await AssertProblemAsync(response, HttpStatusCode.Forbidden, "denied_by_rule");
    }

    [Fact]
    public async Task ExpiredGrant_ForbiddenGrantExpired()
    {
        using HttpResponseMessage response = await fixture.GetAsync("/api/reports/2025", Demo.CreateToken("alice"));

        await AssertProblemAsync(response, HttpStatusCode.Forbidden, "grant_expired");
    }

    [Fact]
    public async Task NoToken_UnauthorizedWithChallenge()
    {
        using HttpResponseMessage response = await fixture.GetAsync("/api/items/42", token: null);

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized, "missing_credential");
        AuthenticationHeaderValue challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.Equal("realm=\"fcp\"", challenge.Parameter);
    }

    [Fact]
    public async Task BobInOps_AllowedOnAdmin()
    {
        using HttpResponseMessage response = await fixture.GetAsync("/admin/users", Demo.CreateToken("bob"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("bob", body.RootElement.GetProperty("contractor").GetString());
        Assert.Equal("Globex Services", body.RootElement.GetProperty("organization").GetString());
    }

    [Fact]
    public async Task HealthCheck_AnonymousAllowed()
    {
        using HttpResponseMessage response = await fixture.GetAsync("/healthz", token: null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task TokenOfOtherKey_Unauthorized()
    {
        // Same issuer, kid and claims, but signed by a key the demo issuer does not publish.
        using var otherKey = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        string keyId = System.Text.Json.Nodes.JsonNode.Parse(DecodeSegment(Demo.CreateToken("alice"), 0))!["kid"]!.GetValue<string>();
        string forged = DemoIssuer.SignToken(otherKey, keyId, Demo.Issuer, "acme-alice", scope: null, DateTimeOffset.UtcNow);

        using HttpResponseMessage response = await fixture.GetAsync("/api/items/42", forged);

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized, "invalid_signature");
    }

    [Fact]
    public void CreateToken_HasDemoClaims()
    {
        DateTimeOffset before = DateTimeOffset.UtcNow;
        string token = Demo.CreateToken("alice");

        using JsonDocument header = JsonDocument.Parse(DecodeSegment(token, 0));
        using JsonDocument payload = JsonDocument.Parse(DecodeSegment(token, 1));
        Assert.Equal("ES256", header.RootElement.GetProperty("alg").GetString());
        Assert.Equal("at+jwt", header.RootElement.GetProperty("typ").GetString());
        Assert.Contains("\"typ\":\"at+jwt\"", System.Text.Encoding.UTF8.GetString(DecodeSegment(token, 0)), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(header.RootElement.GetProperty("kid").GetString()));
        Assert.Equal(Demo.Issuer, payload.RootElement.GetProperty("iss").GetString());
        Assert.Equal("acme-alice", payload.RootElement.GetProperty("sub").GetString());
        Assert.Equal("fcp-demo", payload.RootElement.GetProperty("aud").GetString());
        Assert.Equal("items.read items.write", payload.RootElement.GetProperty("scope").GetString());
        long issuedAt = payload.RootElement.GetProperty("iat").GetInt64();
        Assert.InRange(issuedAt, before.ToUnixTimeSeconds(), DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        Assert.Equal(issuedAt + 3600, payload.RootElement.GetProperty("exp").GetInt64());
        Assert.Equal(32, payload.RootElement.GetProperty("jti").GetString()!.Length);

        // ES256 signatures are R and S of 32 bytes each (IEEE P1363), not DER.
        Assert.Equal(64, DecodeSegment(token, 2).Length);
    }

    [Fact]
    public void CreateToken_UnknownContractor_Throws()
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() => Demo.CreateToken("mallory"));

        Assert.Contains("alice, bob", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Instructions_CurlCommandsGivePrintedStatus()
    {
        using var output = new StringWriter();
        Demo.WriteInstructions(output);
        string text = output.ToString();

        var tokens = new Dictionary<string, string>(StringComparer.Ordinal);
        var commands = new List<(int Status, string Reason, string? TokenVariable, string Url)>();
        string[] lines = text.Split('\n', StringSplitOptions.TrimEntries);
        for (int i = 0; i < lines.Length; i++)
        {
            Match assignment = TokenAssignment().Match(lines[i]);
            if (assignment.Success)
            {
                tokens[assignment.Groups["name"].Value] = assignment.Groups["token"].Value;
            }

            Match curl = CurlCommand().Match(lines[i]);
            if (curl.Success)
            {
                Match expectation = Expectation().Match(lines[i - 1]);
                Assert.True(expectation.Success, $"The line before '{lines[i]}' does not state the expected status: '{lines[i - 1]}'");
                string? variable = curl.Groups["variable"].Success ? curl.Groups["variable"].Value : null;
                commands.Add((int.Parse(expectation.Groups["status"].Value), expectation.Groups["reason"].Value, variable, curl.Groups["url"].Value));
            }
        }

        Assert.Contains(commands, c => c.Status == 200 && c.TokenVariable is not null);
        Assert.Contains(commands, c => c.Status == 403 && c.TokenVariable is not null);
        Assert.Contains(commands, c => c.Status == 401 && c.TokenVariable is null);
        Assert.Contains(commands, c => c.Reason == "grant_expired");
        Assert.Contains($"Demo folder: {Demo.Folder}", text, StringComparison.Ordinal);
        Assert.Contains($"Audit log: {Path.Combine(Demo.Folder, DemoEnvironment.AuditFileName)}", text, StringComparison.Ordinal);

        foreach ((int status, string reason, string? variable, string url) in commands)
        {
            Assert.StartsWith($"http://127.0.0.1:{Demo.ProxyPort}/", url, StringComparison.Ordinal);
            string? token = variable is null ? null : tokens[variable];
            using HttpResponseMessage response = await fixture.GetAsync(url, token);
            Assert.True(status == (int)response.StatusCode, $"{url} with {variable ?? "no token"}: expected {status}, got {(int)response.StatusCode}");
            if (status >= 400)
            {
                using JsonDocument problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                Assert.Equal(reason, problem.RootElement.GetProperty("reason").GetString());
            }
        }
    }

    [Fact]
    public void KeyFile_OnlyOwnerMayRead()
    {
        Assert.True(File.Exists(Demo.KeyPath));
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Demo.KeyPath));
    }

    [Fact]
    public async Task TokenCommand_TokenAccepted()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        int exitCode = TokenCommand.Run("bob", Demo.Folder, output, error);

        Assert.Equal(0, exitCode);
        Assert.Equal("", error.ToString());
        string token = output.ToString().Trim();
        using HttpResponseMessage response = await fixture.GetAsync("/admin/users", token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public void TokenCommand_UnknownContractor_NamesValidOnes()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        int exitCode = TokenCommand.Run("mallory", Demo.Folder, output, error);

        Assert.Equal(1, exitCode);
        Assert.Equal("", output.ToString());
        Assert.Contains("'mallory'", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("alice, bob", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void TokenCommand_NoDemoFolder_Fails()
    {
        string folder = Directory.CreateTempSubdirectory("fcp-no-demo-").FullName;
        try
        {
            using var output = new StringWriter();
            using var error = new StringWriter();

            int exitCode = TokenCommand.Run("alice", folder, output, error);

            Assert.Equal(1, exitCode);
            Assert.Equal("", output.ToString());
            Assert.Contains("No demo is running: start `fcp demo` first", error.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder);
        }
    }

    [Fact]
    public void TokenCommand_InvalidKeyFile_Fails()
    {
        string folder = Directory.CreateTempSubdirectory("fcp-bad-key-").FullName;
        try
        {
            File.Copy(Demo.PolicyPath, Path.Combine(folder, DemoEnvironment.PolicyFileName));
            File.WriteAllText(Path.Combine(folder, DemoEnvironment.KeyFileName), "not a key\n");
            using var output = new StringWriter();
            using var error = new StringWriter();

            int exitCode = TokenCommand.Run("alice", folder, output, error);

            Assert.Equal(1, exitCode);
            Assert.Equal("", output.ToString());
            Assert.Contains("Cannot read the demo signing key", error.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task TokenCommand_WithoutDemoOption_Fails()
    {
        var root = new RootCommand { TokenCommand.Build() };

        int exitCode = await root.Parse(["token"]).InvokeAsync();

        Assert.Equal(1, exitCode);
    }

    [Fact]
    public async Task StartAsync_ReplacesFolder_DeletesOnDispose()
    {
        string parent = Directory.CreateTempSubdirectory("fcp-demo-fresh-").FullName;
        string folder = Path.Combine(parent, "demo");
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, DemoEnvironment.KeyFileName), "stale key of an earlier run\n");
        try
        {
            RunningDemo demo = await DemoEnvironment.StartAsync(new DemoPorts(0, 0, 0), folder, logging => { }, CancellationToken.None);
            await using (demo)
            {
                Assert.DoesNotContain("stale", await File.ReadAllTextAsync(demo.KeyPath), StringComparison.Ordinal);
                Assert.True(File.Exists(demo.PolicyPath));
            }

            Assert.False(Directory.Exists(folder));
        }
        finally
        {
            Directory.Delete(parent, recursive: true);
        }
    }

    [Fact]
    public async Task StartAsync_SymbolicLinkFolder_Rejected()
    {
        string parent = Directory.CreateTempSubdirectory("fcp-demo-link-").FullName;
        string target = Directory.CreateDirectory(Path.Combine(parent, "target")).FullName;
        string keptFile = Path.Combine(target, "keep.txt");
        await File.WriteAllTextAsync(keptFile, "not the demo's\n");
        string link = Path.Combine(parent, "demo");
        Directory.CreateSymbolicLink(link, target);
        try
        {
            IOException error = await Assert.ThrowsAsync<IOException>(
                () => DemoEnvironment.StartAsync(new DemoPorts(0, 0, 0), link, logging => { }, CancellationToken.None));

            Assert.Contains("symbolic link", error.Message, StringComparison.Ordinal);
            Assert.True(File.Exists(keptFile));
            Assert.False(File.Exists(Path.Combine(target, DemoEnvironment.KeyFileName)));
        }
        finally
        {
            Directory.Delete(link);
            Directory.Delete(parent, recursive: true);
        }
    }

    [Fact]
    public void Policy_ContractPeriodFollowsStartDate()
    {
        string policy = DemoEnvironment.BuildPolicy("http://127.0.0.1:8082", new DateOnly(2031, 3, 15));

        Assert.Contains("not_before: 2031-02-15", policy, StringComparison.Ordinal);
        Assert.Contains("not_after: 2032-03-15", policy, StringComparison.Ordinal);
        Assert.Contains("not_after: 2025-06-30", policy, StringComparison.Ordinal);
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string reason)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using JsonDocument problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(reason, problem.RootElement.GetProperty("reason").GetString());
        Assert.Equal((int)status, problem.RootElement.GetProperty("status").GetInt32());
    }

    private static byte[] DecodeSegment(string token, int index) =>
        System.Buffers.Text.Base64Url.DecodeFromChars(token.Split('.')[index]);

    [GeneratedRegex(@"^(?<name>[A-Z]+_TOKEN)=(?<token>\S+)$")]
    private static partial Regex TokenAssignment();

    [GeneratedRegex(@"^curl -i(?: -H ""Authorization: Bearer \$(?<variable>[A-Z]+_TOKEN)"")? (?<url>http://\S+)$")]
    private static partial Regex CurlCommand();

    [GeneratedRegex(@"^# (?<status>\d{3}) (?<reason>[a-z_]+):")]
    private static partial Regex Expectation();
}
