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

    public FieldFilter(ForwardingSettings settings)
    {
        _names = settings.StripRequestFields.Where(n => !n.EndsWith('*')).Select(Fold).ToArray();
        _prefixes = settings.StripRequestFields.Where(n => n.EndsWith('*')).Select(n => Fold(n.TrimEnd('*'))).ToArray();
        _dropUnderscore = settings.DropFieldsWithUnderscore;
    }

    public bool ShouldStrip(ReadOnlySpan<byte> name)
    {
        if (_dropUnderscore && name.Contains((byte)'_'))
        {
            return true;
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
