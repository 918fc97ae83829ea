using System.Buffers;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using FastContractorProxy.Configuration;
using FastContractorProxy.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace FastContractorProxy.Cli;

/// <summary>The loopback ports of a demo run. Port 0 lets the operating system pick a free port.</summary>
internal readonly record struct DemoPorts(int Proxy, int Upstream, int Issuer)
{
    /// <summary>The ports <c>fcp demo</c> uses, so the printed commands stay the same from run to run.</summary>
    public static DemoPorts Fixed => new(8080, 8081, 8082);
}

/// <summary>A contractor of the sample policy, with the token subject and scopes the demo issuer gives it.</summary>
internal sealed record DemoContractor(string Id, string Organization, string Sponsor, string Reference, string Subject, string Scope, string? Group);

/// <summary>
/// The embedded default behind <c>fcp demo</c>: a token issuer, a sample upstream API and the proxy, all on
/// loopback, with a sample policy that decides every request. A new user can send authenticated requests with
/// nothing else installed.
/// </summary>
internal static class DemoEnvironment
{
    public const string ProxyAddress = "127.0.0.1:8080";
    public const string UpstreamAddress = "127.0.0.1:8081";
    public const string IssuerAddress = "127.0.0.1:8082";

    public const string KeyFileName = "demo-signing-key.pem";
    public const string PolicyFileName = "policy.yaml";

    /// <summary>The folder <c>fcp demo</c> writes its policy and signing key to, and <c>fcp token</c> reads the key from.</summary>
    public static string DefaultFolder => Path.Combine(Path.GetTempPath(), "fcp-demo");

    public static IReadOnlyList<DemoContractor> Contractors { get; } =
    [
        new("alice", "Acme Consulting", "maria.keller@example.test", "CTR-DEMO-1", "acme-alice", "items.read items.write", Group: null),
        new("bob", "Globex Services", "jonas.weber@example.test", "CTR-DEMO-2", "globex-bob", "admin", Group: "ops"),
    ];

    /// <summary>Runs the demo on the fixed ports and <see cref="DefaultFolder"/> until SIGINT, SIGTERM or cancellation.</summary>
    /// <param name="proxyPort">The proxy's port; the sample upstream and the issuer take the next two ports.</param>
    public static async Task<int> RunAsync(int proxyPort, CancellationToken cancellationToken)
    {
        RunningDemo demo;
        try
        {
            DemoPorts ports = proxyPort == DemoPorts.Fixed.Proxy ? DemoPorts.Fixed : new DemoPorts(proxyPort, proxyPort + 1, proxyPort + 2);
            demo = await StartAsync(ports, DefaultFolder, configureLogging: null, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"Cannot start the demo: {ex.Message}").ConfigureAwait(false);
            return Commands.ExitStartFailed;
        }

        await using (demo.ConfigureAwait(false))
        {
            demo.WriteInstructions(Console.Out);
            await Commands.WaitForStopSignalAsync(cancellationToken).ConfigureAwait(false);
        }

        return 0;
    }

    /// <summary>
    /// Starts the sample upstream, then the issuer, then the proxy, which fetches the issuer's keys at start.
    /// <paramref name="folder"/> is deleted if it exists and created again for the policy and the signing key.
    /// </summary>
    /// <exception cref="IOException">A port is in use, or the folder cannot be replaced.</exception>
    public static async Task<RunningDemo> StartAsync(DemoPorts ports, string folder, Action<ILoggingBuilder>? configureLogging, CancellationToken cancellationToken)
    {
        WebApplication? upstream = null;
        DemoIssuer? issuer = null;
        bool folderCreated = false;
        try
        {
            upstream = BuildSampleUpstream(ports.Upstream);
            await upstream.StartAsync(cancellationToken).ConfigureAwait(false);
            int upstreamPort = new Uri(upstream.Urls.Single()).Port;

            issuer = await DemoIssuer.StartAsync(ports.Issuer, cancellationToken).ConfigureAwait(false);

            // The folder is replaced only after both ports are bound, so a second demo started by mistake fails
            // on a port before it deletes the key file of the first.
            CreateFreshFolder(folder);
            folderCreated = true;
            issuer.WriteKeyFile(Path.Combine(folder, KeyFileName));
            DateOnly today = DateOnly.FromDateTime(DateTime.UtcNow);
            // A final newline, so a line appended with echo starts on its own line.
            await File.WriteAllTextAsync(Path.Combine(folder, PolicyFileName), BuildPolicy(issuer.Issuer, today) + "\n", cancellationToken).ConfigureAwait(false);

            string configuration = BuildConfiguration(ports.Proxy, upstreamPort, issuer.Issuer);
            ProxySettings settings = SettingsLoader.Parse(configuration, "demo configuration", folder);
            ProxyServer proxy = await ProxyServer.StartAsync(settings, configureLogging, "the demo configuration", cancellationToken).ConfigureAwait(false);
            return new RunningDemo(folder, upstream, upstreamPort, issuer, proxy);
        }
        catch
        {
            if (issuer is not null)
            {
                await issuer.DisposeAsync().ConfigureAwait(false);
            }

            if (upstream is not null)
            {
                await StopAsync(upstream).ConfigureAwait(false);
            }

            if (folderCreated)
            {
                Directory.Delete(folder, recursive: true);
            }

            throw;
        }
    }

    /// <summary>The proxy configuration of the demo: one cluster, one trusted issuer found through discovery, and the policy file.</summary>
    public static string BuildConfiguration(int proxyPort, int upstreamPort, string issuer) => $"""
        listeners:
          - address: 127.0.0.1:{proxyPort}
        clusters:
          - id: sample-api
            destinations: [ "127.0.0.1:{upstreamPort}" ]
            connect_timeout: 2s
            response_header_timeout: 10s
        identity:
          issuers:
            - issuer: {issuer}
              audiences: [ {DemoIssuer.Audience} ]
              discovery: true
              algorithms: [ {DemoIssuer.Algorithm} ]
        policy:
          file: {PolicyFileName}
        audit:
          path: {AuditFileName}
          flush_interval: 200ms
        """;

    /// <summary>Name of the audit log in the demo folder.</summary>
    public const string AuditFileName = "audit.log";

    /// <summary>
    /// The sample policy. The contract periods run from a month before <paramref name="today"/> to a year after
    /// it, so the demo works whenever it is started. The reports grant ended on 2025-06-30 and shows
    /// <c>grant_expired</c>.
    /// </summary>
    public static string BuildPolicy(string issuer, DateOnly today)
    {
        string notBefore = today.AddMonths(-1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        string notAfter = today.AddYears(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var contractors = new StringBuilder();
        foreach (DemoContractor contractor in Contractors)
        {
            contractors.Append(CultureInfo.InvariantCulture, $"""
                  - id: {contractor.Id}
                    organization: {contractor.Organization}
                    sponsor: {contractor.Sponsor}
                    reference: {contractor.Reference}
                    not_before: {notBefore}
                    not_after: {notAfter}
                    authentication:
                      - issuer: {issuer}
                        subject: {contractor.Subject}

                """);
            if (contractor.Group is not null)
            {
                contractors.Append(CultureInfo.InvariantCulture, $"    groups: [ {contractor.Group} ]\n");
            }
        }

        return $"""
            # Sample policy of fcp demo. The proxy reloads this file when it changes.
            groups:
              - id: ops
                description: Operations staff who may use the admin API

            contractors:
            {contractors}
            grants:
              - id: alice-public
                subjects: [ alice ]
                methods: [ GET ]
                paths: [ /public/** ]
              - id: alice-items
                subjects: [ alice ]
                methods: [ GET, POST ]
                paths: [ /api/items/** ]
              - id: alice-reports-2025
                subjects: [ alice ]
                methods: [ GET ]
                paths: [ "/api/reports/{"{year}"}" ]
                conditions:
                  not_after: 2025-06-30
              - id: ops-admin
                subjects: [ ops ]
                methods: [ "*" ]
                paths: [ /admin/** ]

            denies:
              - id: no-bulk-export
                subjects: [ "*" ]
                methods: [ "*" ]
                paths: [ /api/items/export/** ]

            routes:
              - id: health
                paths: [ /healthz ]
                cluster: sample-api
                anonymous: true
              - id: public
                paths: [ /public/** ]
                cluster: sample-api
              - id: api
                paths: [ /api/** ]
                cluster: sample-api
              - id: admin
                paths: [ /admin/** ]
                cluster: sample-api
            """;
    }

    /// <summary>
    /// A small JSON API that echoes what it received, including the contractor fields the proxy adds, so the
    /// effect of the proxy is visible. It listens on 127.0.0.1, and port 0 picks a free port.
    /// </summary>
    internal static WebApplication BuildSampleUpstream(int port)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        WebApplication app = builder.Build();

        app.MapGet("/healthz", () => Results.Text("{\"status\":\"ok\"}\n", "application/json"));
        app.MapGet("/public/status", (HttpRequest request) => EchoJson(request, ("status", "ok")));
        app.MapGet("/api/items/{id}", (string id, HttpRequest request) => EchoJson(request, ("id", id)));
        app.MapPost("/api/items", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            string body = await reader.ReadToEndAsync().ConfigureAwait(false);
            return EchoJson(request, ("created", "true"), ("receivedBytes", body.Length.ToString(CultureInfo.InvariantCulture)));
        });
        app.MapGet("/api/reports/{year}", (string year, HttpRequest request) => EchoJson(request, ("report", year)));
        app.MapGet("/admin/users", (HttpRequest request) => EchoJson(request, ("users", "alice, bob")));
        return app;
    }

    internal static async Task StopAsync(WebApplication app)
    {
        await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
    }

    // Deleting an existing folder makes each run start from the embedded policy. A symbolic link is rejected,
    // so the demo never deletes or writes files through a link into another folder.
    private static void CreateFreshFolder(string folder)
    {
        var existing = new DirectoryInfo(folder);
        if (existing.LinkTarget is not null)
        {
            throw new IOException($"The demo folder {folder} is a symbolic link; remove it and start the demo again.");
        }

        if (existing.Exists)
        {
            existing.Delete(recursive: true);
        }

        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
        }
        else
        {
            Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    // Writes the fields and the identity and forwarding fields of the request as one JSON object. The values
    // are written as strings, escaped by the JSON writer.
    private static IResult EchoJson(HttpRequest request, params ReadOnlySpan<(string Name, string Value)> fields)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach ((string name, string value) in fields)
            {
                writer.WriteString(name, value);
            }

            writer.WriteString("contractor", request.Headers["X-Contractor-Id"].ToString());
            writer.WriteString("organization", request.Headers["X-Contractor-Org"].ToString());
            writer.WriteString("scopes", request.Headers["X-Contractor-Scopes"].ToString());
            writer.WriteString("forwardedFor", request.Headers["X-Forwarded-For"].ToString());
            writer.WriteString("requestId", request.Headers["X-Request-Id"].ToString());
            writer.WriteEndObject();
        }

        int status = request.Method == HttpMethods.Post ? StatusCodes.Status201Created : StatusCodes.Status200OK;
        return Results.Text(Encoding.UTF8.GetString(buffer.WrittenSpan) + "\n", "application/json", statusCode: status);
    }
}

/// <summary>A started demo: the proxy, the issuer and the sample upstream. Disposing stops them and deletes the demo folder.</summary>
internal sealed class RunningDemo : IAsyncDisposable
{
    private readonly WebApplication _upstream;
    private readonly DemoIssuer _issuer;
    private readonly ProxyServer _proxy;

    internal RunningDemo(string folder, WebApplication upstream, int upstreamPort, DemoIssuer issuer, ProxyServer proxy)
    {
        Folder = folder;
        _upstream = upstream;
        UpstreamPort = upstreamPort;
        _issuer = issuer;
        _proxy = proxy;
    }

    /// <summary>The folder that contains the policy file and the issuer's private key.</summary>
    public string Folder { get; }

    public int ProxyPort => _proxy.EndPoints[0].Port;

    public int UpstreamPort { get; }

    /// <summary>The issuer URL, which is also the <c>iss</c> claim of the demo's tokens.</summary>
    public string Issuer => _issuer.Issuer;

    public string PolicyPath => Path.Combine(Folder, DemoEnvironment.PolicyFileName);

    public string KeyPath => Path.Combine(Folder, DemoEnvironment.KeyFileName);

    /// <summary>Signs an access token for a contractor of the sample policy.</summary>
    /// <exception cref="ArgumentException"><paramref name="contractorId"/> is not a demo contractor.</exception>
    public string CreateToken(string contractorId)
    {
        DemoContractor contractor = DemoEnvironment.Contractors.FirstOrDefault(c => c.Id == contractorId)
            ?? throw new ArgumentException($"'{contractorId}' is not a demo contractor. Use one of: {string.Join(", ", DemoEnvironment.Contractors.Select(c => c.Id))}.", nameof(contractorId));
        return _issuer.CreateToken(contractor.Subject, contractor.Scope);
    }

    // The path of the running fcp binary, so the printed command works without fcp on the PATH.
    private static string TokenCommandLine =>
        Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "fcp" ? path + " " : "fcp ";

    /// <summary>Writes the addresses, the demo folder and curl commands with fresh tokens, ready to paste into a shell.</summary>
    public void WriteInstructions(TextWriter output)
    {
        string proxy = $"http://127.0.0.1:{ProxyPort}";
        string alice = "-H \"Authorization: Bearer $ALICE_TOKEN\"";
        string bob = "-H \"Authorization: Bearer $BOB_TOKEN\"";
        output.WriteLine($"""

            FastContractorProxy demo is running, all on loopback:
              proxy            {proxy}
              sample upstream  http://127.0.0.1:{UpstreamPort}   (the API behind the proxy)
              demo issuer      {Issuer}   (signs ES256 tokens; the proxy fetched its keys through discovery)
            Demo folder: {Folder} (policy.yaml and the issuer's private key). The proxy reloads policy.yaml when you edit it.
            Audit log: {Path.Combine(Folder, DemoEnvironment.AuditFileName)} (one JSON line per request; check it with: fcp audit verify {Path.Combine(Folder, DemoEnvironment.AuditFileName)})

            Paste into a shell in another terminal:
            # The tokens expire in 1 hour. For a new one: ALICE_TOKEN=$({TokenCommandLine}token --demo alice)
            ALICE_TOKEN={CreateToken("alice")}
            BOB_TOKEN={CreateToken("bob")}

            # 200 allowed: alice of Acme Consulting reads an item through the proxy
            curl -i {alice} {proxy}/api/items/42
            # 403 no_grant: alice is not in the ops group, so /admin is denied
            curl -i {alice} {proxy}/admin/users
            # 401 missing_credential: no token
            curl -i {proxy}/api/items/42
            # 403 grant_expired: alice's reports grant ended on 2025-06-30
            curl -i {alice} {proxy}/api/reports/2025
            # 403 denied_by_rule: the deny rule no-bulk-export applies to every caller
            curl -i {alice} {proxy}/api/items/export/all.csv
            # 200 allowed: bob of Globex Services is in ops
            curl -i {bob} {proxy}/admin/users
            # 200 anonymous_route: the health check needs no token
            curl -i {proxy}/healthz

            Press Ctrl+C to stop; the demo folder is deleted on exit.
            """);
    }

    public async ValueTask DisposeAsync()
    {
        await _proxy.DisposeAsync().ConfigureAwait(false);
        await _issuer.DisposeAsync().ConfigureAwait(false);
        await DemoEnvironment.StopAsync(_upstream).ConfigureAwait(false);
        if (Directory.Exists(Folder))
        {
            Directory.Delete(Folder, recursive: true);
        }
    }
}
