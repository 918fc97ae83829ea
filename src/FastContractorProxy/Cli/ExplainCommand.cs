using System.CommandLine;
using System.Net;
using System.Text;
using FastContractorProxy.Configuration;
using FastContractorProxy.Hosting;
using FastContractorProxy.Http1;
using FastContractorProxy.Identity;
using FastContractorProxy.Paths;
using FastContractorProxy.Policy;

namespace FastContractorProxy.Cli;

/// <summary>
/// <c>fcp explain</c>: decides one request offline with the configured policy and prints the canonical path, the
/// decision, the deciding rule, the reason, the status the proxy would send and every rule that applied.
/// </summary>
internal static class ExplainCommand
{
    public static Command Build()
    {
        var config = new Option<FileInfo>("--config", "-c") { Description = "Path of the YAML configuration file.", Required = true };
        var contractor = new Option<string?>("--contractor") { Description = "Contractor id from the policy to explain the request for." };
        var token = new Option<string?>("--token") { Description = "A bearer token; it is validated against the configured issuers, whose keys are fetched." };
        var apiKey = new Option<string?>("--api-key") { Description = "An API key, checked against the hashes of the configuration and the policy." };
        var method = new Option<string>("--method", "-X") { Description = "Request method.", DefaultValueFactory = _ => "GET" };
        var path = new Option<string>("--path") { Description = "Request target as the client sends it, for example /api/items/../7?x=1.", Required = true };
        var address = new Option<string?>("--address") { Description = "Client IP address, for grants with source_ranges." };
        var scopes = new Option<string[]>("--scope") { Description = "A scope of the caller (repeatable); with --token the token's scopes are used.", AllowMultipleArgumentsPerToken = true };
        var time = new Option<DateTimeOffset?>("--time") { Description = "Instant to decide at, for example 2026-06-30T10:00:00Z; default now." };

        var command = new Command("explain", "Explain how the policy decides one request. Exit codes: 0 allowed, 3 denied, 1 invalid input or configuration.")
        {
            config, contractor, token, apiKey, method, path, address, scopes, time,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            TextWriter output = parseResult.InvocationConfiguration.Output;
            TextWriter error = parseResult.InvocationConfiguration.Error;
            var request = new Input(
                parseResult.GetValue(config)!.FullName,
                parseResult.GetValue(contractor),
                parseResult.GetValue(token) is { } bearer ? "Bearer " + bearer : parseResult.GetValue(apiKey) is { } key ? "ApiKey " + key : null,
                parseResult.GetValue(method)!,
                parseResult.GetValue(path)!,
                parseResult.GetValue(address),
                parseResult.GetValue(scopes) ?? [],
                parseResult.GetValue(time) ?? DateTimeOffset.UtcNow);
            return await RunAsync(request, output, error, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    public const int ExitDenied = 3;

    /// <param name="Credential">An Authorization value (<c>Bearer ...</c> or <c>ApiKey ...</c>), or null.</param>
    private sealed record Input(string ConfigPath, string? Contractor, string? Credential, string Method, string Target, string? Address,
        string[] Scopes, DateTimeOffset Now);

    private static async Task<int> RunAsync(Input input, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ProxySettings settings;
        try
        {
            settings = SettingsLoader.LoadFile(input.ConfigPath);
        }
        catch (SettingsException ex)
        {
            await error.WriteLineAsync(ex.Message).ConfigureAwait(false);
            return Commands.ExitInvalidConfiguration;
        }

        if (settings.Policy is null)
        {
            await error.WriteLineAsync("The configuration names no policy file (policy.file); there is nothing to explain.").ConfigureAwait(false);
            return Commands.ExitInvalidConfiguration;
        }

        if (input.Contractor is not null && input.Credential is not null)
        {
            await error.WriteLineAsync("Give either --contractor, or --token or --api-key, not both.").ConfigureAwait(false);
            return Commands.ExitInvalidConfiguration;
        }

        IPAddress? clientAddress = null;
        if (input.Address is not null && !IPAddress.TryParse(input.Address, out clientAddress))
        {
            await error.WriteLineAsync($"--address: '{input.Address}' is not an IP address.").ConfigureAwait(false);
            return Commands.ExitInvalidConfiguration;
        }

        CompiledPolicy policy = CompiledPolicy.Compile(settings.Policy.Document);
        CallerIdentity? caller = null;
        if (input.Credential is not null)
        {
            (caller, string? failure) = await AuthenticateAsync(settings, policy, input.Credential, cancellationToken).ConfigureAwait(false);
            if (failure is not null)
            {
                await output.WriteLineAsync($"status:    401 ({failure}); the policy is not consulted").ConfigureAwait(false);
                return ExitDenied;
            }
        }

        ContractorDefinition? contractor = caller is null
            ? input.Contractor is null ? null : policy.FindContractor(input.Contractor)
            : caller.Method == AuthMethod.ApiKey ? policy.FindContractor(caller.ContractorId) : policy.FindTokenContractor(caller.Issuer!, caller.Subject, caller.ClientId);
        if (input.Contractor is not null && contractor is null)
        {
            await error.WriteLineAsync($"--contractor: '{input.Contractor}' is not a contractor of the policy.").ConfigureAwait(false);
            return Commands.ExitInvalidConfiguration;
        }

        string rawPath = input.Target.Split('?', 2)[0];
        PathOptions pathOptions = RouteOptions(settings, rawPath, out bool lowercase);
        string explainedPath = lowercase ? LowercaseAfterCanonicalization(rawPath, pathOptions) : rawPath;
        PolicyExplanation explanation = PolicyExplainer.Explain(policy, new ExplainRequest
        {
            ContractorId = contractor?.Id,
            Groups = caller?.Groups ?? [],
            Scopes = caller?.Scopes ?? input.Scopes,
            ClientAddress = clientAddress,
            Method = ParseMethod(input.Method),
            RawPath = explainedPath,
            Now = input.Now,
        }, pathOptions);

        await output.WriteAsync(explanation.ToText()).ConfigureAwait(false);
        if (explanation.Decision is not { } decision)
        {
            await output.WriteLineAsync("status:    400").ConfigureAwait(false);
            return ExitDenied;
        }

        bool authenticated = caller is not null || contractor is not null;
        (int status, string reason) = AccessOutcome.ForDecision(decision, authenticated, contractor is not null);
        if (status == 0 && caller is { Method: AuthMethod.Jwt, Issuer: { } issuer } && decision.RouteId is { } routeId &&
            policy.Document.Routes.First(r => r.Id == routeId).Issuers is { Count: > 0 } issuers && !issuers.Contains(issuer))
        {
            (status, reason) = (401, AuthFailureReason.InvalidIssuer.Code());
        }

        await output.WriteLineAsync(status == 0 ? "status:    forwarded to the upstream" : $"status:    {status} ({reason})").ConfigureAwait(false);
        return status == 0 ? 0 : ExitDenied;
    }

    private static async Task<(CallerIdentity? Caller, string? Failure)> AuthenticateAsync(ProxySettings settings, CompiledPolicy policy, string authorization, CancellationToken cancellationToken)
    {
        await using var authenticator = new Authenticator(settings.Identity ?? new IdentitySettings());
        await authenticator.StartAsync(cancellationToken).ConfigureAwait(false);
        authenticator.UseApiKeys(policy.ApiKeyCredentials.Select(ProxyRuntime.ToApiKeySettings));
        AuthResult result = await authenticator.AuthenticateAsync(Encoding.ASCII.GetBytes(authorization), cancellationToken).ConfigureAwait(false);
        return result.Outcome == AuthOutcome.Success ? (result.Identity, null) : (null, result.Outcome == AuthOutcome.Failed ? $"{result.Reason.Code()}: {result.Description}" : "missing_credential");
    }

    // The proxy canonicalizes strictly unless a route opts in. Explain uses the options of the proxy route whose
    // prefix matches the canonical path, and it ignores hosts.
    private static PathOptions RouteOptions(ProxySettings settings, string rawPath, out bool lowercase)
    {
        lowercase = false;
        foreach (RouteSettings route in settings.Routes.OrderByDescending(r => r.PathPrefix.Length))
        {
            var options = new PathOptions(route.AllowEncodedSlash, route.AllowPathParameters);
            byte[] raw = Encoding.UTF8.GetBytes(rawPath);
            byte[] canonical = new byte[Math.Max(raw.Length, 1)];
            if (PathCanonicalizer.Canonicalize(raw, canonical, options, out int written) != RejectReason.None)
            {
                continue;
            }

            string path = Encoding.ASCII.GetString(canonical, 0, written);
            if (route.PathPrefix == "/" || path == route.PathPrefix || path.StartsWith(route.PathPrefix + "/", StringComparison.Ordinal))
            {
                lowercase = route.CaseInsensitive;
                return options;
            }
        }

        return PathOptions.Strict;
    }

    private static string LowercaseAfterCanonicalization(string rawPath, PathOptions options)
    {
        byte[] raw = Encoding.UTF8.GetBytes(rawPath);
        byte[] canonical = new byte[Math.Max(raw.Length, 1)];
        if (PathCanonicalizer.Canonicalize(raw, canonical, options, out int written) != RejectReason.None)
        {
            return rawPath;
        }

        PathCanonicalizer.LowercaseInPlace(canonical.AsSpan(0, written));
        return Encoding.ASCII.GetString(canonical, 0, written);
    }

    private static KnownMethod ParseMethod(string method) =>
        MethodSet.TryParseMethod(method.ToUpperInvariant(), out KnownMethod known) ? known : KnownMethod.Other;
}
