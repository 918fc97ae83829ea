using System.Globalization;
using System.Net;
using System.Net.Sockets;
using FastContractorProxy.Configuration;
using YamlDotNet.RepresentationModel;

namespace FastContractorProxy.Admin;

/// <summary>
/// Reads the <c>admin:</c> section of the configuration file. Each problem is appended to the error list with
/// its path and fix, and the default is kept, so one pass reports every mistake.
/// </summary>
internal static class AdminSettingsReader
{
    /// <summary>Reads the mapping under <c>admin:</c>; appends each problem to <paramref name="errors"/>.</summary>
    public static AdminSettings Read(YamlMappingNode node, List<string> errors, string path = "admin")
    {
        var fields = new YamlFields(errors);
        var defaults = new AdminSettings();
        fields.CheckKeys(node, path, "enabled", "address");

        IPEndPoint address = defaults.Address;
        string? text = fields.Scalar(node, "address", path, required: false);
        if (text is not null)
        {
            if (TryParseAddress(text, out IPEndPoint? parsed, out string? problem))
            {
                address = parsed;
            }
            else
            {
                errors.Add($"{path}.address: '{text}' {problem}; write an IP address and port like 127.0.0.1:{AdminSettings.DefaultPort} or [::1]:{AdminSettings.DefaultPort}.");
            }
        }

        return new AdminSettings
        {
            Enabled = fields.Boolean(node, "enabled", path, defaults.Enabled),
            Address = address,
        };
    }

    /// <summary>
    /// Parses "a.b.c.d:port" or "[ipv6]:port". Unlike <see cref="IPEndPoint.TryParse(string, out IPEndPoint?)"/>,
    /// it requires the port and rejects the short IPv4 forms such as "127.1", which read like typing mistakes.
    /// </summary>
    internal static bool TryParseAddress(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IPEndPoint? endPoint, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? problem)
    {
        endPoint = null;
        string host;
        string port;
        bool bracketed = text.StartsWith('[');
        if (bracketed)
        {
            int close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                problem = "has no closing ']' after the IPv6 address";
                return false;
            }

            if (close == text.Length - 1 || text[close + 1] != ':')
            {
                problem = "has no port";
                return false;
            }

            host = text[1..close];
            port = text[(close + 2)..];
        }
        else
        {
            int colon = text.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                problem = "has no port";
                return false;
            }

            if (text.IndexOf(':', colon + 1) >= 0)
            {
                problem = "has more than one ':'; put an IPv6 address in brackets";
                return false;
            }

            host = text[..colon];
            port = text[(colon + 1)..];
        }

        if (!IPAddress.TryParse(host, out IPAddress? ip) || !IsCanonicalForm(host, ip))
        {
            problem = "does not start with an IP address (host names are not accepted)";
            return false;
        }

        if (bracketed != (ip.AddressFamily == AddressFamily.InterNetworkV6))
        {
            problem = bracketed ? "has an IPv4 address in brackets; remove the brackets" : "has an IPv6 address without brackets";
            return false;
        }

        if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out int portNumber) || portNumber > IPEndPoint.MaxPort)
        {
            problem = $"has an invalid port '{port}' (expected 0 to {IPEndPoint.MaxPort})";
            return false;
        }

        endPoint = new IPEndPoint(ip, portNumber);
        problem = null;
        return true;
    }

    private static bool IsCanonicalForm(string host, IPAddress ip)
    {
        if (ip.AddressFamily == AddressFamily.InterNetworkV6)
        {
            return host.Contains(':', StringComparison.Ordinal);
        }

        // Four decimal parts: IPAddress.TryParse also accepts "127.1", "2130706433" and hexadecimal parts.
        return host.Count(c => c == '.') == 3 && host.All(c => c == '.' || char.IsAsciiDigit(c));
    }
}
