using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace FastContractorProxy.LoadTests.Infrastructure;

/// <summary>
/// The OpenID provider of the test suite (tests/idp/idp.mjs, npm package oidc-provider) on 127.0.0.1. It issues
/// ES256 JWT access tokens to the client <c>contractor-a</c> with the client_credentials grant.
/// </summary>
internal sealed class IdentityProvider : IAsyncDisposable
{
    public const string ClientId = "contractor-a";
    public const string Audience = "https://api.fcp.test";
    private const string ClientSecret = "contractor-a-secret-for-tests-only";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly ChildProcess _process;
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(15) };

    private IdentityProvider(ChildProcess process, int port)
    {
        _process = process;
        Issuer = $"http://127.0.0.1:{port}";
    }

    /// <summary>The issuer URL, which is also the <c>iss</c> claim of its tokens.</summary>
    public string Issuer { get; }

    public int ProcessId => _process.Id;

    /// <summary>Starts the provider on a free port and waits for its ready line. The IdP is not pinned to a core.</summary>
    public static async Task<IdentityProvider> StartAsync(string repositoryRoot, Workspace workspace, CancellationToken cancellationToken)
    {
        string folder = Path.Combine(repositoryRoot, "tests", "idp");
        if (!Directory.Exists(Path.Combine(folder, "node_modules", "oidc-provider")))
        {
            throw new InvalidOperationException($"oidc-provider is not installed in {folder}; run: (cd tests/idp && npm ci)");
        }

        int port = Ports.Free();
        string log = Path.Combine(workspace.Folder("logs"), "idp.log");
        ChildProcess process = ChildProcess.Start("idp", "node", ["idp.mjs", port.ToString(CultureInfo.InvariantCulture)], log, cpus: null, workingDirectory: folder);
        var provider = new IdentityProvider(process, port);
        try
        {
            DateTime deadline = DateTime.UtcNow + StartTimeout;
            while (!File.Exists(log) || !(await File.ReadAllTextAsync(log, cancellationToken)).Contains("IDP READY", StringComparison.Ordinal))
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"the IdP exited during start-up; log {log}:\n{process.LogTail()}");
                }

                if (DateTime.UtcNow > deadline)
                {
                    throw new InvalidOperationException($"the IdP did not print its ready line within {StartTimeout.TotalSeconds:0} s; log {log}:\n{process.LogTail()}");
                }

                await Task.Delay(100, cancellationToken);
            }
        }
        catch
        {
            await provider.DisposeAsync();
            throw;
        }

        return provider;
    }

    /// <summary>Gets a new access token with the client_credentials grant. Every call returns a distinct token (its own jti).</summary>
    public async Task<string> GetTokenAsync(CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Issuer + "/token");
        request.Headers.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(ClientId + ":" + ClientSecret)));
        request.Content = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["scope"] = "items:read items:write",
        });
        using HttpResponseMessage response = await _http.SendAsync(request, cancellationToken);
        string body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"token request to {Issuer}/token failed with {(int)response.StatusCode}: {body}");
        }

        using JsonDocument document = JsonDocument.Parse(body);
        return document.RootElement.GetProperty("access_token").GetString()
            ?? throw new InvalidOperationException($"the token response of {Issuer} has no access_token");
    }

    /// <summary>Gets <paramref name="count"/> distinct tokens, a few requests at a time.</summary>
    public async Task<IReadOnlyList<string>> GetTokensAsync(int count, CancellationToken cancellationToken)
    {
        var tokens = new string[count];
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (i, token) => tokens[i] = await GetTokenAsync(token));
        if (tokens.Distinct(StringComparer.Ordinal).Count() != count)
        {
            throw new InvalidOperationException($"the IdP returned duplicate tokens among {count}");
        }

        return tokens;
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _process.DisposeAsync();
    }
}
