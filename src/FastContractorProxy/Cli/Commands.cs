using System.CommandLine;
using FastContractorProxy.Configuration;
using FastContractorProxy.Hosting;

namespace FastContractorProxy.Cli;

/// <summary>The <c>fcp</c> command line. Exit codes: 0 success, 1 invalid configuration, 2 start-up failure.</summary>
internal static class Commands
{
    public const int ExitInvalidConfiguration = 1;
    public const int ExitStartFailed = 2;

    public static RootCommand Build()
    {
        var configOption = new Option<FileInfo>("--config", "-c")
        {
            Description = "Path of the YAML configuration file.",
            Required = true,
        };
        var run = new Command("run", "Run the proxy with a configuration file until SIGINT or SIGTERM.") { configOption };
        run.SetAction((parseResult, cancellationToken) => RunAsync(parseResult.GetValue(configOption)!, cancellationToken));

        var fileArgument = new Argument<FileInfo>("config") { Description = "Path of the YAML configuration file to validate." };
        var check = new Command("check", "Validate a configuration file and its policy, print every error and the policy analysis. Exit codes: 0 valid, 1 invalid.") { fileArgument };
        check.SetAction(parseResult => Check(parseResult.GetValue(fileArgument)!, parseResult.InvocationConfiguration.Output, parseResult.InvocationConfiguration.Error));

        var demoPort = new Option<int>("--port")
        {
            Description = "Port of the proxy on 127.0.0.1; the sample upstream and the demo issuer use the next two ports.",
            DefaultValueFactory = _ => 8080,
        };
        var demo = new Command("demo", $"Run the proxy on {DemoEnvironment.ProxyAddress} with a sample policy, a sample upstream on {DemoEnvironment.UpstreamAddress} and a demo token issuer on {DemoEnvironment.IssuerAddress}.")
        {
            demoPort,
        };
        demo.SetAction((parseResult, cancellationToken) => DemoEnvironment.RunAsync(parseResult.GetValue(demoPort), cancellationToken));

        var auditFiles = new Argument<FileInfo[]>("files")
        {
            Description = "Audit log files in order, oldest first (rotated files, then the current one).",
            Arity = ArgumentArity.OneOrMore,
        };
        var verify = new Command("verify", "Check the hash chain of audit log files and report the first broken or missing record. Exit codes: 0 intact, 1 broken, 2 unreadable.")
        {
            auditFiles,
        };
        verify.SetAction(parseResult => Audit.AuditVerifyCommand.Run(
            [.. parseResult.GetValue(auditFiles)!.Select(f => f.FullName)], parseResult.InvocationConfiguration.Output));
        var audit = new Command("audit", "Work with audit logs.") { verify };

        return new RootCommand("FastContractorProxy (fcp): a strict access proxy for contractors calling internal HTTP APIs.")
        {
            run,
            check,
            ExplainCommand.Build(),
            audit,
            demo,
            TokenCommand.Build(),
        };
    }

    private static int Check(FileInfo file, TextWriter output, TextWriter error)
    {
        ProxySettings settings;
        try
        {
            settings = SettingsLoader.LoadFile(file.FullName);
        }
        catch (SettingsException ex)
        {
            error.WriteLine(ex.Message);
            return ExitInvalidConfiguration;
        }

        output.WriteLine($"{file.Name}: valid (routes: {settings.Routes.Count}, clusters: {settings.Clusters.Count}, listeners: {settings.Listeners.Count}).");
        if (settings.Policy is { } policy)
        {
            IReadOnlyList<Policy.PolicyFinding> findings = Policy.PolicyAnalyzer.Analyze(policy.Document, [.. settings.Clusters.Select(c => c.Id)], DateTimeOffset.UtcNow);
            output.WriteLine($"policy {policy.FilePath}: version {policy.Document.Version}, {policy.Document.Contractors.Count} contractors, " +
                $"{policy.Document.Grants.Count} grants, {policy.Document.Denies.Count} deny rules, {policy.Document.Routes.Count} routes; {findings.Count} findings.");
            foreach (Policy.PolicyFinding finding in findings.OrderByDescending(f => f.Severity))
            {
                output.WriteLine("  " + finding);
            }
        }
        else if (settings.IsOpen)
        {
            output.WriteLine("warning: no policy and no identity section; the proxy would forward every request without authentication.");
        }

        return 0;
    }

    private static async Task<int> RunAsync(FileInfo file, CancellationToken cancellationToken)
    {
        ProxySettings settings;
        try
        {
            settings = SettingsLoader.LoadFile(file.FullName);
        }
        catch (SettingsException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message).ConfigureAwait(false);
            return ExitInvalidConfiguration;
        }

        // Registered before the server starts and kept until it has stopped, so no signal is lost or fatal.
        using var signals = new StopSignals();
        ProxyServer server;
        try
        {
            server = await ProxyServer.StartAsync(settings, source: file.FullName, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            await Console.Error.WriteLineAsync($"Cannot start the proxy: {ex.Message}").ConfigureAwait(false);
            return ExitStartFailed;
        }

        await using (server.ConfigureAwait(false))
        {
            await signals.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        return 0;
    }

    /// <summary>Completes on SIGINT, SIGTERM or cancellation.</summary>
    public static async Task WaitForStopSignalAsync(CancellationToken cancellationToken)
    {
        using var signals = new StopSignals();
        await signals.WaitAsync(cancellationToken).ConfigureAwait(false);
    }
}
