namespace FastContractorProxy.Policy;

/// <summary>Lookups from a verified credential to the contractor the policy names for it.</summary>
internal sealed partial class CompiledPolicy
{
    private readonly Dictionary<(string Issuer, string Value), ContractorDefinition> _tokenSubjects = [];
    private readonly Dictionary<(string Issuer, string Value), ContractorDefinition> _tokenClients = [];

    /// <summary>The API keys the policy lists, as SHA-256 hashes, with their contractors.</summary>
    public IReadOnlyList<(ContractorDefinition Contractor, byte[] Sha256)> ApiKeyCredentials { get; private set; } = [];

    public ContractorDefinition? FindContractor(string id) =>
        _contractorIndexes.TryGetValue(id, out int index) ? Document.Contractors[index] : null;

    /// <summary>
    /// Finds the contractor whose credentials name this token issuer and subject, or else this issuer and client
    /// id. Tuple keys of existing strings, so a lookup allocates nothing.
    /// </summary>
    public ContractorDefinition? FindTokenContractor(string issuer, string? subject, string? clientId)
    {
        if (subject is not null && _tokenSubjects.TryGetValue((issuer, subject), out ContractorDefinition? bySubject))
        {
            return bySubject;
        }

        return clientId is not null && _tokenClients.TryGetValue((issuer, clientId), out ContractorDefinition? byClient) ? byClient : null;
    }

    private void IndexCredentials()
    {
        var apiKeys = new List<(ContractorDefinition, byte[])>();
        foreach (ContractorDefinition contractor in Document.Contractors)
        {
            foreach (CredentialDefinition credential in contractor.Credentials)
            {
                if (credential.Issuer is { } issuer)
                {
                    if (credential.Subject is { } subject)
                    {
                        _tokenSubjects.TryAdd((issuer, subject), contractor);
                    }
                    else if (credential.ClientId is { } clientId)
                    {
                        _tokenClients.TryAdd((issuer, clientId), contractor);
                    }
                }
                else if (credential.ApiKeySha256 is { } hash)
                {
                    apiKeys.Add((contractor, Convert.FromHexString(hash)));
                }
            }
        }

        ApiKeyCredentials = apiKeys;
    }
}
