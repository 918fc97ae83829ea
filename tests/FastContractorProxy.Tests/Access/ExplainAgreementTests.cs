using System.CommandLine;
using FastContractorProxy.Cli;
using FastContractorProxy.Tests.Infrastructure;

namespace FastContractorProxy.Tests.Access;

/// <summary><c>fcp explain</c> and <c>fcp check</c> on the configuration the running proxy uses: explain reports the status the proxy really sends.</summary>
public sealed class ExplainAgreementTests
{
    private static async Task<(int Exit, string Output)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exit = await Commands.Build().Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output + error.ToString());
    }

    [Theory]
    [InlineData("GET", "/public/ok", 200)]
    [InlineData("GET", "/public/a/../ok?x=1", 200)]
    [InlineData("GET", "/public/%2e%2e/admin/users", 403)]
    [InlineData("POST", "/api/items/1", 200)]
    [InlineData("DELETE", "/api/items/1", 403)]
    [InlineData("GET", "/api/items/export/all.csv", 403)]
    [InlineData("GET", "/api/reports/2025", 403)]
    [InlineData("GET", "/admin/users", 403)]
    [InlineData("GET", "/metrics", 403)]
    [InlineData("GET", "/admin%2Fusers", 400)]
    public async Task Explain_AgreesWithProxy(string method, string target, int expected)
    {
        await using AccessHarness proxy = await AccessHarness.StartAsync();
        string token = AccessHarness.AliceToken();

        RawResponse response = await proxy.SendAsync(method, target, token);
        (int exit, string text) = await RunAsync("explain", "--config", proxy.ConfigPath, "--token", token, "--method", method, "--path", target);

        Assert.Equal(expected, response.StatusCode);
        string status = text.Split('\n').Single(l => l.StartsWith("status:", StringComparison.Ordinal));
        Assert.Equal(expected == 200 ? "status:    forwarded to the upstream" : $"status:    {expected}", expected == 200 ? status : status[..14]);
        Assert.Equal(expected == 200 ? 0 : ExplainCommand.ExitDenied, exit);
        if (expected == 403)
        {
            Assert.Contains($"status:    403 ({ReasonOf(response)})", text, StringComparison.Ordinal);
        }
    }

    private static string ReasonOf(RawResponse response)
    {
        using var body = System.Text.Json.JsonDocument.Parse(response.BodyText);
        return body.RootElement.GetProperty("reason").GetString()!;
    }

    [Fact]
    public async Task Explain_ByContractor_ListsCandidates()
    {
        await using AccessHarness proxy = await AccessHarness.StartAsync();

        (int exit, string text) = await RunAsync("explain", "-c", proxy.ConfigPath, "--contractor", "alice", "--path", "/api/items/export/x");

        Assert.Equal(ExplainCommand.ExitDenied, exit);
        Assert.Contains("canonical: /api/items/export/x", text, StringComparison.Ordinal);
        Assert.Contains("decision:  deny (denied_by_rule)", text, StringComparison.Ordinal);
        Assert.Contains("rule:      no-export", text, StringComparison.Ordinal);
        Assert.Contains("deny  no-export", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Explain_ApiKey_AgreesWithProxy()
    {
        await using AccessHarness proxy = await AccessHarness.StartAsync();

        (int allowedExit, string allowed) = await RunAsync("explain", "-c", proxy.ConfigPath, "--api-key", AccessHarness.BobApiKey, "-X", "DELETE", "--path", "/admin/users/7");
        (int wrongExit, string wrong) = await RunAsync("explain", "-c", proxy.ConfigPath, "--api-key", AccessHarness.BobApiKey + "x", "--path", "/admin/users/7");

        Assert.Equal(0, allowedExit);
        Assert.Contains("rule:      ops-admin", allowed, StringComparison.Ordinal);
        Assert.Equal(ExplainCommand.ExitDenied, wrongExit);
        Assert.Contains("status:    401 (invalid_api_key", wrong, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Explain_Anonymous_401()
    {
        await using AccessHarness proxy = await AccessHarness.StartAsync();

        (int exit, string text) = await RunAsync("explain", "-c", proxy.ConfigPath, "--path", "/api/items/1");

        Assert.Equal(ExplainCommand.ExitDenied, exit);
        Assert.Contains("status:    401 (missing_credential)", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Explain_InvalidToken_401()
    {
        await using AccessHarness proxy = await AccessHarness.StartAsync();

        (int exit, string text) = await RunAsync("explain", "-c", proxy.ConfigPath, "--token", "a.b.c", "--path", "/public/ok");

        Assert.Equal(ExplainCommand.ExitDenied, exit);
        Assert.Contains("status:    401 (malformed_credential", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Explain_UnknownContractor_Exit1()
    {
        await using AccessHarness proxy = await AccessHarness.StartAsync();

        (int exit, string text) = await RunAsync("explain", "-c", proxy.ConfigPath, "--contractor", "zed", "--path", "/public/ok");

        Assert.Equal(1, exit);
        Assert.Contains("'zed' is not a contractor", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_PrintsPolicyAnalysis()
    {
        await using AccessHarness proxy = await AccessHarness.StartAsync();

        (int exit, string text) = await RunAsync("check", proxy.ConfigPath);

        Assert.Equal(0, exit);
        Assert.Contains("config.yaml: valid", text, StringComparison.Ordinal);
        Assert.Contains("6 routes", text, StringComparison.Ordinal);
        Assert.Contains("warning: contractors 'carol': the contract ended on 2025-01-31", text, StringComparison.Ordinal);
    }
}
