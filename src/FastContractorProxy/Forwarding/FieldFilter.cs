using System.Text;
using FastContractorProxy.Configuration;
using FastContractorProxy.Http1;

namespace FastContractorProxy.Forwarding;

/// <summary>
/// Decides which client fields are removed before forwarding, by the configured strip list. Names compare
/// ignoring case and with '_' read as '-', so every spelling an upstream framework might accept is caught.
/// </summary>
internal sealed class FieldFilter
{
    private readonly byte[][] _names;
    private readonly byte[][] _prefixes;
    private readonly bool _dropUnderscore;
    private readonly byte[][] _alwaysStripped;

    /// <param name="apiKeyField">The field that carries API keys when it is not Authorization; always removed.</param>
    public FieldFilter(ForwardingSettings settings, string? apiKeyField = null)
    {
        _names = settings.StripRequestFields.Where(n => !n.EndsWith('*')).Select(Fold).ToArray();
        _prefixes = settings.StripRequestFields.Where(n => n.EndsWith('*')).Select(n => Fold(n.TrimEnd('*'))).ToArray();
        _dropUnderscore = settings.DropFieldsWithUnderscore;
        IdentityFieldNames identity = settings.IdentityFields;
        ContractorIdField = Encoding.ASCII.GetBytes(identity.ContractorId);
        OrganizationField = Encoding.ASCII.GetBytes(identity.Organization);
        ScopesField = Encoding.ASCII.GetBytes(identity.Scopes);
        string[] always = apiKeyField is null || apiKeyField.Equals("Authorization", StringComparison.OrdinalIgnoreCase)
            ? [identity.ContractorId, identity.Organization, identity.Scopes]
            : [identity.ContractorId, identity.Organization, identity.Scopes, apiKeyField];
        _alwaysStripped = always.Select(Fold).ToArray();
        ApiKeyField = always.Length > 3 ? Fold(apiKeyField!) : null;
    }

    /// <summary>The folded name of the API-key field when it is not Authorization, else null.</summary>
    public byte[]? ApiKeyField { get; }

    public byte[] ContractorIdField { get; }

    public byte[] OrganizationField { get; }

    public byte[] ScopesField { get; }

    /// <summary>
    /// True for a client field that must not reach the upstream: one the proxy sets from the validated identity,
    /// the API-key field, a name with '_' when those are dropped, or a name on the strip list.
    /// </summary>
    public bool ShouldStrip(ReadOnlySpan<byte> name)
    {
        if (_dropUnderscore && name.Contains((byte)'_'))
        {
            return true;
        }

        foreach (byte[] candidate in _alwaysStripped)
        {
            if (FieldSectionParser.NamesMatch(name, candidate))
            {
                return true;
            }
        }

        foreach (byte[] candidate in _names)
        {
            if (FieldSectionParser.NamesMatch(name, candidate))
            {
                return true;
            }
        }

        foreach (byte[] prefix in _prefixes)
        {
            if (name.Length >= prefix.Length && FieldSectionParser.NamesMatch(name[..prefix.Length], prefix))
            {
                return true;
            }
        }

        return false;
    }

    private static byte[] Fold(string name)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(name);
        for (int i = 0; i < bytes.Length; i++)
        {
            bytes[i] = FieldSectionParser.Fold(bytes[i]);
        }

        return bytes;
    }
}
