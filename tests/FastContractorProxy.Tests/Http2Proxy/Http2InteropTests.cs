using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using FastContractorProxy.Tests.Access;
using Xunit.Abstractions;

namespace FastContractorProxy.Tests.Http2Proxy;

/// <summary>Real HTTP/2 clients against the proxy with prior knowledge: .NET HttpClient, curl and h2load (the last two when installed).</summary>
/// <remarks>xunit 2 cannot skip at run time, so a missing tool passes with a message in the test output.</remarks>
public sealed class Http2InteropTests(ITestOutputHelper output)
{
    [Fact]
    public async Task HttpClient_PriorKnowledge_GetAndPost()
    {
        await using Http2Harness proxy = await Http2Harness.StartAsync();
        using var http = new HttpClient
        {
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AccessHarness.AliceToken());

        using HttpResponseMessage get = await http.GetAsync(new Uri($"http://127.0.0.1:{proxy.Port}/api/items/1"));
        using HttpResponseMessage post = await http.PostAsync(new Uri($"http://127.0.0.1:{proxy.Port}/api/items/2"), new StringContent("from HttpClient"));
        using HttpResponseMessage denied = await http.GetAsync(new Uri($"http://127.0.0.1:{proxy.Port}/admin/users"));

        Assert.Equal(HttpVersion.Version20, get.Version);
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal("ok", await get.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, post.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        Assert.Contains(proxy.Upstream.Requests, r => r.Target == "/api/items/2" && r.BodyText == "from HttpClient");
    }

    [Fact]
    public async Task Curl_PriorKnowledge_Get()
    {
        string curl = RequireTool("curl", "curl");

        await using Http2Harness proxy = await Http2Harness.StartAsync();
        (int exitCode, string text) = await RunAsync(curl,
            "--silent", "--show-error", "--http2-prior-knowledge", "--max-time", "10",
            "--write-out", "\n%{http_version} %{http_code}",
            "--header", $"Authorization: Bearer {AccessHarness.AliceToken()}",
            $"http://127.0.0.1:{proxy.Port}/api/items/1");

        Assert.Equal(0, exitCode);
        Assert.Equal("ok\n2 200", text.Trim());
    }

    [Fact]
    public async Task H2load_Smoke_NoErrors()
    {
        string h2load = RequireTool("h2load", "nghttp2-client");

        await using Http2Harness proxy = await Http2Harness.StartAsync();
        (int exitCode, string text) = await RunAsync(h2load,
            "-n", "200", "-c", "2", "-m", "10",
            "-H", $"authorization: Bearer {AccessHarness.AliceToken()}",
            $"http://127.0.0.1:{proxy.Port}/api/items/1");

        output.WriteLine(text);
        Assert.Equal(0, exitCode);
        Assert.Contains("200 succeeded, 0 failed, 0 errored", text, StringComparison.Ordinal);
        Assert.Contains("status codes: 200 2xx", text, StringComparison.Ordinal);
    }

    // The interoperability checks must run, so a missing client fails the test instead of skipping it;
    // .ci/run installs both.
    private static string RequireTool(string name, string debianPackage) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(folder => Path.Combine(folder, name))
            .FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException($"{name} is not installed; install the Debian package {debianPackage} (.ci/run does).");

    private static async Task<(int ExitCode, string Output)> RunAsync(string fileName, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await error);
    }
}
