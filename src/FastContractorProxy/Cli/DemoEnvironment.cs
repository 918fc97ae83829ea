using System.Net;
using FastContractorProxy.Configuration;
using FastContractorProxy.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace FastContractorProxy.Cli;

/// <summary>
/// The embedded default behind <c>fcp demo</c>: a sample configuration and a sample upstream API, both on
/// loopback, so a new user can send requests through the proxy with nothing else installed.
/// </summary>
internal static class DemoEnvironment
{
    public const string ProxyAddress = "127.0.0.1:8080";
    public const string UpstreamAddress = "127.0.0.1:8081";

    public const string SampleConfiguration = $"""
        listeners:
          - address: {ProxyAddress}
        clusters:
          - id: sample-api
            destinations: [ "{UpstreamAddress}" ]
            connect_timeout: 2s
            response_header_timeout: 10s
        routes:
          - id: public
            path_prefix: /public
            cluster: sample-api
          - id: items
            path_prefix: /api/items
            cluster: sample-api
            max_request_body_bytes: 1048576
        """;

    public static async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        ProxySettings settings = SettingsLoader.Parse(SampleConfiguration, "demo configuration");
        WebApplication upstream = BuildSampleUpstream();
        await upstream.StartAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ProxyServer proxy = await ProxyServer.StartAsync(settings, source: "the demo configuration", cancellationToken: cancellationToken).ConfigureAwait(false);
            await using (proxy.ConfigureAwait(false))
            {
                Console.WriteLine($"""

                    FastContractorProxy demo is running. The sample upstream API listens on {UpstreamAddress}.
                    Try, in another terminal:
                      curl -i http://{ProxyAddress}/public/status
                      curl -i http://{ProxyAddress}/api/items/42
                      curl -i -X POST --data '{"{"}"name":"demo"{"}"}' http://{ProxyAddress}/api/items
                      curl -i http://{ProxyAddress}/admin/users                  (no route: 404)
                      curl -i --path-as-is 'http://{ProxyAddress}/public/..%2Fadmin' (encoded slash: 400)
                    Press Ctrl+C to stop.
                    """);
                await Commands.WaitForStopSignalAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            await upstream.StopAsync(CancellationToken.None).ConfigureAwait(false);
            await upstream.DisposeAsync().ConfigureAwait(false);
        }

        return 0;
    }

    /// <summary>A small JSON API that echoes what it received, so the effect of the proxy's rewriting is visible.</summary>
    internal static WebApplication BuildSampleUpstream()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPEndPoint.Parse(UpstreamAddress)));
        WebApplication app = builder.Build();

        app.MapGet("/public/status", () => Results.Text("{\"status\":\"ok\"}\n", "application/json"));
        app.MapGet("/api/items/{id}", (string id, HttpRequest request) => Results.Text(
            $"{{\"id\":\"{id}\",\"forwardedFor\":\"{request.Headers["X-Forwarded-For"]}\",\"requestId\":\"{request.Headers["X-Request-Id"]}\"}}\n",
            "application/json"));
        app.MapPost("/api/items", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            string body = await reader.ReadToEndAsync().ConfigureAwait(false);
            return Results.Text($"{{\"created\":true,\"receivedBytes\":{body.Length}}}\n", "application/json", statusCode: 201);
        });
        return app;
    }
}
