using System.CommandLine;
using System.Security.Cryptography;
using FastContractorProxy.Policy;

namespace FastContractorProxy.Cli;

/// <summary>
/// <c>fcp token --demo CONTRACTOR</c>: prints an access token signed with the key of the running <c>fcp demo</c>.
/// It never signs for any other issuer, because the only private key it can read is the demo's.
/// </summary>
internal static class TokenCommand
{
    public const int ExitFailed = 1;

    public static Command Build()
    {
        var demoOption = new Option<string>("--demo")
        {
            HelpName = "contractor",
            Description = "Id of a contractor of the running demo's policy (alice or bob in the sample policy).",
        };
        var command = new Command("token", "Print an access token of the running `fcp demo` issuer for a demo contractor; valid for 1 hour.")
        {
            demoOption,
        };
        command.SetAction(parseResult => Run(parseResult.GetValue(demoOption), DemoEnvironment.DefaultFolder, Console.Out, Console.Error));
        return command;
    }

    /// <summary>
    /// Signs a token for <paramref name="contractorId"/> with the key in <paramref name="demoFolder"/>. The issuer
    /// and subject come from the contractor's token credential in the demo's policy file, so a contractor added
    /// to that file while the demo runs gets tokens too. Returns 0, or <see cref="ExitFailed"/> after writing the
    /// reason to <paramref name="error"/>.
    /// </summary>
    public static int Run(string? contractorId, string demoFolder, TextWriter output, TextWriter error)
    {
        if (string.IsNullOrEmpty(contractorId))
        {
            error.WriteLine("fcp token only signs tokens for the demo issuer: name a demo contractor, for example `fcp token --demo alice`.");
            return ExitFailed;
        }

        // NOTE: a demo stopped without cleanup (SIGKILL) leaves its folder behind. The token is then signed with
        // a key that no running issuer publishes, and the proxy of a new demo rejects it.
        string keyPath = Path.Combine(demoFolder, DemoEnvironment.KeyFileName);
        if (!File.Exists(keyPath))
        {
            error.WriteLine("No demo is running: start `fcp demo` first; fcp token only signs tokens for the demo issuer.");
            return ExitFailed;
        }

        PolicyDocument policy;
        try
        {
            policy = PolicyReader.LoadFile(Path.Combine(demoFolder, DemoEnvironment.PolicyFileName));
        }
        catch (PolicyException ex)
        {
            error.WriteLine(ex.Message);
            return ExitFailed;
        }

        List<(string Id, CredentialDefinition Credential)> tokenContractors = TokenContractors(policy);
        int index = tokenContractors.FindIndex(c => c.Id == contractorId);
        if (index < 0)
        {
            string valid = string.Join(", ", tokenContractors.Select(c => c.Id));
            error.WriteLine($"'{contractorId}' is not a contractor of the demo policy that signs in with a token; use one of: {valid}.");
            return ExitFailed;
        }

        ECDsa key;
        try
        {
            key = DemoIssuer.ReadKeyFile(keyPath);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"Cannot read the demo signing key {keyPath}: {ex.Message} Restart `fcp demo` to write a new one.");
            return ExitFailed;
        }

        using (key)
        {
            string? scope = DemoEnvironment.Contractors.FirstOrDefault(c => c.Id == contractorId)?.Scope;
            CredentialDefinition credential = tokenContractors[index].Credential;
            string token = DemoIssuer.SignToken(key, DemoIssuer.ComputeKeyId(key), credential.Issuer!, credential.Subject!, scope, DateTimeOffset.UtcNow);
            output.WriteLine(token);
        }

        return 0;
    }

    // The contractors with an issuer and subject credential, in policy order. The demo trusts one issuer only,
    // so every such credential names the demo issuer.
    private static List<(string Id, CredentialDefinition Credential)> TokenContractors(PolicyDocument policy)
    {
        var result = new List<(string Id, CredentialDefinition Credential)>();
        foreach (ContractorDefinition contractor in policy.Contractors)
        {
            CredentialDefinition? credential = contractor.Credentials.FirstOrDefault(c => c.Issuer is not null && c.Subject is not null);
            if (credential is not null)
            {
                result.Add((contractor.Id, credential));
            }
        }

        return result;
    }
}
