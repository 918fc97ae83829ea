using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace FastContractorProxy.Tests.Identity;

/// <summary>
/// A loopback HTTP server that publishes an OpenID discovery document and a JWKS the test can change, counts
/// JWKS requests, and can be switched to respond with 503 to simulate an outage.
/// </summary>
internal sealed class JwksServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private volatile string _jwks;
    private int _jwksRequests;

    private JwksServer(WebApplication app, string jwks)
    {
        _app = app;
        _jwks = jwks;
    }

    public string BaseUrl { get; private set; } = "";

    /// <summary>The issuer whose discovery document this server publishes; equal to <see cref="BaseUrl"/>.</summary>
    public string Issuer => BaseUrl;

    public string JwksUrl => BaseUrl + "/jwks";

    public int JwksRequests => Volatile.Read(ref _jwksRequests);

    /// <summary>While false, every request gets 503.</summary>
    public bool Available { get; set; } = true;

    public string Jwks
    {
        get => _jwks;
        set => _jwks = value;
    }

    public static async Task<JwksServer> StartAsync(string jwks)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        WebApplication app = builder.Build();
        var server = new JwksServer(app, jwks);

        app.Use(async (context, next) =>
        {
            if (!server.Available)
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                return;
            }

            await next(context);
        });
        app.MapGet("/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, string>
        {
            ["issuer"] = server.Issuer,
            ["jwks_uri"] = server.JwksUrl,
        }));
        app.MapGet("/jwks", () =>
        {
            Interlocked.Increment(ref server._jwksRequests);
            return Results.Text(server._jwks, "application/jwk-set+json");
        });

        await app.StartAsync();
        server.BaseUrl = app.Urls.Single().TrimEnd('/');
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
