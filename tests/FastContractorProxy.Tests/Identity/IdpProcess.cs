using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;

namespace FastContractorProxy.Tests.Identity;

/// <summary>
/// The OpenID provider in tests/idp (npm package oidc-provider) as a child process on 127.0.0.1. It needs
/// <c>npm ci</c> in tests/idp first; .ci/run does that.
/// </summary>
internal sealed class IdpProcess : IAsyncDisposable
{
    public const string ClientId = "contractor-a";
    public const string ClientSecret = "contractor-a-secret-for-tests-only";
    public const string Resource = "https://api.fcp.test";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private IdpProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public string Issuer => $"http://127.0.0.1:{Port}";

    public static async Task<IdpProcess> StartAsync()
    {
        string folder = Path.Combine(RepositoryRoot.Find(), "tests", "idp");
        if (!Directory.Exists(Path.Combine(folder, "node_modules", "oidc-provider")))
        {
            throw new InvalidOperationException($"oidc-provider is not installed in {folder}; run: cd tests/idp && npm ci");
        }

        int port = FreePort();
        var start = new ProcessStartInfo("node", ["idp.mjs", port.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        var idp = new IdpProcess(process, port);
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                ready.TrySetException(new InvalidOperationException("the IdP exited before it was ready"));
            }
            else if (e.Data.StartsWith("IDP READY port=", StringComparison.Ordinal))
            {
                ready.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        try
        {
            await ready.Task.WaitAsync(StartTimeout);
        }
        catch
        {
            await idp.DisposeAsync();
            throw;
        }

        return idp;
    }

    /// <summary>Gets an access token with the client_credentials grant.</summary>
    public async Task<string> GetTokenAsync(string scope = "items:read items:write")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Issuer + "/token");
        request.Headers.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(ClientId + ":" + ClientSecret)));
        request.Content = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["scope"] = scope,
        });
        using HttpResponseMessage response = await _http.SendAsync(request);
        string body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"token request failed with {(int)response.StatusCode}: {body}");
        }

        using JsonDocument document = JsonDocument.Parse(body);
        return document.RootElement.GetProperty("access_token").GetString()!;
    }

    /// <summary>Replaces the signing key; the old kid is no longer published. Returns the new kid.</summary>
    public async Task<string> RotateKeyAsync()
    {
        using HttpResponseMessage response = await _http.PostAsync(Issuer + "/_test/rotate", null);
        response.EnsureSuccessStatusCode();
        using JsonDocument document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.GetProperty("kid").GetString()!;
    }

    /// <summary>Number of requests the provider has served for its JWKS.</summary>
    public async Task<int> GetJwksRequestsAsync()
    {
        string body = await _http.GetStringAsync(Issuer + "/_test/stats");
        using JsonDocument document = JsonDocument.Parse(body);
        return document.RootElement.GetProperty("jwksRequests").GetInt32();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        _http.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

internal static class RepositoryRoot
{
    /// <summary>Walks up from the test assembly to the folder that contains FastContractorProxy.sln.</summary>
    public static string Find()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "FastContractorProxy.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no FastContractorProxy.sln above {AppContext.BaseDirectory}");
    }
}
