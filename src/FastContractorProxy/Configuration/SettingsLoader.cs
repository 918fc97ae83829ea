using System.Globalization;
using System.Net;
using FastContractorProxy.Identity;
using FastContractorProxy.Policy;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace FastContractorProxy.Configuration;

/// <summary>Raised when a configuration file is invalid; <see cref="Errors"/> lists every problem found.</summary>
internal sealed class SettingsException(IReadOnlyList<string> errors)
    : Exception("Invalid configuration:" + Environment.NewLine + "  " + string.Join(Environment.NewLine + "  ", errors))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}

/// <summary>
/// Reads the YAML configuration through YamlDotNet's representation model (no reflection, so it works under
/// Native AOT) and validates it, collecting every error with the entity it belongs to and how to fix it.
/// </summary>
internal static partial class SettingsLoader
{
    public static ProxySettings LoadFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SettingsException([$"Cannot read configuration file '{path}': {ex.Message}"]);
        }

        return Parse(text, path, Path.GetDirectoryName(Path.GetFullPath(path)));
    }

    /// <param name="baseDirectory">Directory that relative file paths in the configuration start from; null for the current directory.</param>
    public static ProxySettings Parse(string yaml, string sourceName = "configuration", string? baseDirectory = null)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException ex)
        {
            throw new SettingsException([$"{sourceName}: invalid YAML at line {ex.Start.Line}, column {ex.Start.Column}: {ex.Message}"]);
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new SettingsException([$"{sourceName}: the file must contain a mapping with 'listeners', 'clusters' and 'routes'."]);
        }

        var reader = new Reader(baseDirectory ?? Directory.GetCurrentDirectory());
        ProxySettings settings = reader.ReadRoot(root);
        if (reader.Errors.Count > 0)
        {
            throw new SettingsException(reader.Errors);
        }

        return settings;
    }

    private sealed partial class Reader
    {
        private readonly YamlFields _fields;
        private readonly string _baseDirectory;

        public Reader(string baseDirectory)
        {
            _fields = new YamlFields(Errors);
            _baseDirectory = baseDirectory;
        }

        public List<string> Errors { get; } = [];

        public ProxySettings ReadRoot(YamlMappingNode root)
        {
            _fields.CheckKeys(root, "configuration", "listeners", "limits", "clusters", "routes", "forwarding", "transport", "identity", "policy", "audit", "admin", "logging", "http2");

            var listeners = new List<IPEndPoint>();
            foreach ((YamlNode node, string path) in _fields.Sequence(root, "listeners", "configuration", required: true))
            {
                if (node is YamlMappingNode listener)
                {
                    _fields.CheckKeys(listener, path, "address");
                    string? address = _fields.Scalar(listener, "address", path, required: true);
                    if (address is not null)
                    {
                        // IPEndPoint.TryParse accepts a bare address with port 0, so require the port to be written.
                        bool hasPort = address.LastIndexOf(':') > address.LastIndexOf(']');
                        if (hasPort && IPEndPoint.TryParse(address, out IPEndPoint? endPoint))
                        {
                            if (endPoint.Port != 0 && listeners.Contains(endPoint))
                            {
                                Errors.Add($"{path}.address: '{address}' is listed twice; remove the duplicate listener.");
                            }

                            listeners.Add(endPoint);
                        }
                        else
                        {
                            Errors.Add($"{path}.address: '{address}' is not an IP address and port; write it like 127.0.0.1:8080 or [::1]:8080.");
                        }
                    }
                }
                else
                {
                    Errors.Add($"{path}: expected a mapping with 'address'.");
                }
            }

            ClientLimits limits = ReadLimits(root);
            List<ClusterSettings> clusters = ReadClusters(root);
            IdentitySettings? identity = YamlFields.Child(root, "identity") switch
            {
                null => null,
                YamlMappingNode node => IdentitySettingsReader.Read(node, Errors),
                YamlNode other => Fail<IdentitySettings>($"identity: expected a mapping with 'issuers' or 'api_keys' (line {other.Start.Line})."),
            };
            PolicySource? policy = ReadPolicy(root);
            Audit.AuditSettings? audit = YamlFields.Child(root, "audit") switch
            {
                null => null,
                YamlMappingNode node => Audit.AuditSettingsReader.Read(node, Errors) is { Enabled: true } read ? Rooted(read) : null,
                YamlNode other => Fail<Audit.AuditSettings>($"audit: expected a mapping with 'path' or 'stdout' (line {other.Start.Line})."),
            };
            Admin.AdminSettings? admin = YamlFields.Child(root, "admin") switch
            {
                null => null,
                YamlMappingNode node => Admin.AdminSettingsReader.Read(node, Errors) is { Enabled: true } read ? read : null,
                YamlNode other => Fail<Admin.AdminSettings>($"admin: expected a mapping with 'address' (line {other.Start.Line})."),
            };
            // The section's presence, not its validity, decides: an unreadable policy must not add a routes error.
            List<RouteSettings> routes = ReadRoutes(root, clusters, YamlFields.Child(root, "policy") is not null);
            ForwardingSettings forwarding = ReadForwarding(root);
            TransportSettings transport = ReadTransport(root);
            LoggingSettings logging = ReadLogging(root);
            Http2Limits http2 = ReadHttp2(root);
            if (policy is not null)
            {
                Errors.AddRange(PolicyBinding.Check(policy.Document, clusters, identity));
            }

            return new ProxySettings
            {
                Listeners = listeners,
                Limits = limits,
                Clusters = clusters,
                Routes = routes,
                Forwarding = forwarding,
                Transport = transport,
                Identity = identity,
                Policy = policy,
                Audit = audit,
                Admin = admin,
                Logging = logging,
                Http2 = http2,
            };
        }

        // A relative audit path starts from the configuration file's folder, like the policy file. The folder must
        // exist: the proxy never creates one, so a mistyped path is an error instead of a new folder.
        private Audit.AuditSettings Rooted(Audit.AuditSettings audit)
        {
            if (audit.Path is null)
            {
                return audit;
            }

            string path = Path.GetFullPath(audit.Path, _baseDirectory);
            string? folder = Path.GetDirectoryName(path);
            if (Directory.Exists(path))
            {
                Errors.Add($"audit.path: '{path}' is a folder; name a file in it, like {Path.Combine(path, "audit.log")}.");
            }
            else if (folder is not null && !Directory.Exists(folder))
            {
                Errors.Add($"audit.path: the folder '{folder}' does not exist; create it first (the proxy does not create folders).");
            }

            return audit with { Path = path };
        }

        private T? Fail<T>(string error)
            where T : class
        {
            Errors.Add(error);
            return null;
        }

        private ClientLimits ReadLimits(YamlMappingNode root)
        {
            var defaults = new ClientLimits();
            if (YamlFields.Child(root, "limits") is not YamlMappingNode node)
            {
                return defaults;
            }

            const string path = "limits";
            _fields.CheckKeys(node, path, "max_request_line_bytes", "max_header_bytes", "max_header_fields", "max_trailer_bytes", "headers_timeout",
                "keep_alive_timeout", "response_send_timeout", "min_request_body_rate", "min_request_body_rate_grace", "max_request_body_bytes", "shutdown_timeout", "tunnel_idle_timeout");

            return new ClientLimits
            {
                MaxRequestLineBytes = (int)_fields.Integer(node, "max_request_line_bytes", path, defaults.MaxRequestLineBytes, 256, 1 << 20),
                MaxHeaderBytes = (int)_fields.Integer(node, "max_header_bytes", path, defaults.MaxHeaderBytes, 1024, 1 << 20),
                MaxHeaderFields = (int)_fields.Integer(node, "max_header_fields", path, defaults.MaxHeaderFields, 8, 10_000),
                MaxTrailerBytes = (int)_fields.Integer(node, "max_trailer_bytes", path, defaults.MaxTrailerBytes, 0, 1 << 20),
                HeadersTimeout = _fields.Duration(node, "headers_timeout", path, defaults.HeadersTimeout),
                KeepAliveTimeout = _fields.Duration(node, "keep_alive_timeout", path, defaults.KeepAliveTimeout),
                ResponseSendTimeout = _fields.Duration(node, "response_send_timeout", path, defaults.ResponseSendTimeout),
                MinRequestBodyBytesPerSecond = _fields.Integer(node, "min_request_body_rate", path, (long)defaults.MinRequestBodyBytesPerSecond, 0, 1L << 40),
                MinRequestBodyRateGrace = _fields.Duration(node, "min_request_body_rate_grace", path, defaults.MinRequestBodyRateGrace),
                MaxRequestBodyBytes = _fields.Integer(node, "max_request_body_bytes", path, defaults.MaxRequestBodyBytes, 0, long.MaxValue),
                ShutdownTimeout = _fields.Duration(node, "shutdown_timeout", path, defaults.ShutdownTimeout),
                TunnelIdleTimeout = _fields.Duration(node, "tunnel_idle_timeout", path, defaults.TunnelIdleTimeout),
            };
        }

        private List<ClusterSettings> ReadClusters(YamlMappingNode root)
        {
            var clusters = new List<ClusterSettings>();
            var defaults = new ClusterSettings { Id = "", Destinations = [] };
            foreach ((YamlNode node, string path) in _fields.Sequence(root, "clusters", "configuration", required: true))
            {
                if (node is not YamlMappingNode cluster)
                {
                    Errors.Add($"{path}: expected a mapping with 'id' and 'destinations'.");
                    continue;
                }

                _fields.CheckKeys(cluster, path, "id", "destinations", "connect_timeout", "response_header_timeout", "idle_timeout",
                    "max_idle_connections_per_destination", "unhealthy_cooldown");
                string id = _fields.Scalar(cluster, "id", path, required: true) ?? "";
                string label = id.Length > 0 ? $"clusters '{id}'" : path;

                var destinations = new List<DnsEndPoint>();
                foreach ((YamlNode destinationNode, string destinationPath) in _fields.Sequence(cluster, "destinations", label, required: true))
                {
                    string? text = (destinationNode as YamlScalarNode)?.Value;
                    if (text is not null && TryParseHostPort(text, out DnsEndPoint? endPoint))
                    {
                        destinations.Add(endPoint);
                    }
                    else
                    {
                        Errors.Add($"{destinationPath}: '{text}' is not host:port; write it like 127.0.0.1:9000.");
                    }
                }

                if (id.Length > 0 && clusters.Exists(c => c.Id == id))
                {
                    Errors.Add($"{label}: duplicate cluster id; give each cluster a unique id.");
                }

                clusters.Add(new ClusterSettings
                {
                    Id = id,
                    Destinations = destinations,
                    ConnectTimeout = _fields.Duration(cluster, "connect_timeout", label, defaults.ConnectTimeout),
                    ResponseHeaderTimeout = _fields.Duration(cluster, "response_header_timeout", label, defaults.ResponseHeaderTimeout),
                    IdleTimeout = _fields.Duration(cluster, "idle_timeout", label, defaults.IdleTimeout),
                    MaxIdleConnectionsPerDestination = (int)_fields.Integer(cluster, "max_idle_connections_per_destination", label, defaults.MaxIdleConnectionsPerDestination, 0, 100_000),
                    UnhealthyCooldown = _fields.Duration(cluster, "unhealthy_cooldown", label, defaults.UnhealthyCooldown),
                });
            }

            return clusters;
        }

        private List<RouteSettings> ReadRoutes(YamlMappingNode root, List<ClusterSettings> clusters, bool hasPolicy)
        {
            var routes = new List<RouteSettings>();
            if (hasPolicy && YamlFields.Child(root, "routes") is null)
            {
                // With a policy, the policy's routes choose clusters; one catch-all route carries the default limits.
                routes.Add(new RouteSettings { Id = "default" });
                return routes;
            }

            foreach ((YamlNode node, string path) in _fields.Sequence(root, "routes", "configuration", required: true))
            {
                if (node is not YamlMappingNode route)
                {
                    Errors.Add($"{path}: expected a mapping with 'id', 'path_prefix' and 'cluster'.");
                    continue;
                }

                _fields.CheckKeys(route, path, "id", "hosts", "path_prefix", "cluster", "max_request_body_bytes", "allow_encoded_slash", "allow_path_parameters", "case_insensitive");
                string id = _fields.Scalar(route, "id", path, required: true) ?? "";
                string label = id.Length > 0 ? $"routes '{id}'" : path;

                var hosts = new List<string>();
                foreach ((YamlNode hostNode, string hostPath) in _fields.Sequence(route, "hosts", label, required: false))
                {
                    string? host = (hostNode as YamlScalarNode)?.Value;
                    if (string.IsNullOrEmpty(host) || host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('['))
                    {
                        Errors.Add($"{hostPath}: '{host}' is not a host name; write the name without a port, like api.example.test.");
                    }
                    else
                    {
                        hosts.Add(host.ToLowerInvariant());
                    }
                }

                string prefix = _fields.Scalar(route, "path_prefix", label, required: false) ?? "/";
                if (!prefix.StartsWith('/') || prefix.Contains("//", StringComparison.Ordinal) || prefix.Contains("/./", StringComparison.Ordinal) ||
                    prefix.Contains("/../", StringComparison.Ordinal) || prefix.Contains('%', StringComparison.Ordinal) || prefix.Contains('?', StringComparison.Ordinal))
                {
                    Errors.Add($"{label}.path_prefix: '{prefix}' is not a canonical path; start it with '/' and use no '//', dot segments, '%' or '?'.");
                }

                string? cluster = _fields.Scalar(route, "cluster", label, required: !hasPolicy);
                if (hasPolicy && cluster is not null)
                {
                    Errors.Add($"{label}.cluster: with a policy, the policy's routes choose the cluster; remove 'cluster' here.");
                }
                else if (cluster is { Length: > 0 } && !clusters.Exists(c => c.Id == cluster))
                {
                    Errors.Add($"{label}.cluster: unknown cluster '{cluster}'; define it under 'clusters' or fix the id.");
                }

                if (id.Length > 0 && routes.Exists(r => r.Id == id))
                {
                    Errors.Add($"{label}: duplicate route id; give each route a unique id.");
                }

                string normalizedPrefix = prefix.Length > 1 ? prefix.TrimEnd('/') : prefix;
                RouteSettings? twin = routes.Find(r => r.PathPrefix == normalizedPrefix &&
                    (r.Hosts.Count == 0 ? hosts.Count == 0 : r.Hosts.Intersect(hosts).Any()));
                if (twin is not null)
                {
                    Errors.Add($"{label}: same hosts and path_prefix '{normalizedPrefix}' as route '{twin.Id}', which would always win; merge the routes or change one prefix.");
                }

                long maxBody = _fields.Integer(route, "max_request_body_bytes", label, -1, 0, long.MaxValue);
                routes.Add(new RouteSettings
                {
                    Id = id,
                    Hosts = hosts,
                    PathPrefix = prefix.Length > 1 ? prefix.TrimEnd('/') : prefix,
                    Cluster = cluster,
                    MaxRequestBodyBytes = maxBody >= 0 ? maxBody : null,
                    AllowEncodedSlash = _fields.Boolean(route, "allow_encoded_slash", label, false),
                    AllowPathParameters = _fields.Boolean(route, "allow_path_parameters", label, false),
                    CaseInsensitive = _fields.Boolean(route, "case_insensitive", label, false),
                });
            }

            return routes;
        }

        private static bool TryParseHostPort(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out DnsEndPoint? endPoint)
        {
            endPoint = null;
            int colon = text.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
            {
                return false;
            }

            string host = text[..colon].Trim('[', ']');
            if (host.Length == 0)
            {
                return false;
            }

            endPoint = new DnsEndPoint(host, port);
            return true;
        }
    }
}

/// <summary>Parses durations written as a number and a unit: ms, s, m or h.</summary>
internal static class DurationText
{
    public static bool TryParse(string text, out TimeSpan value)
    {
        value = default;
        (string suffix, double scale)[] units = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)];
        foreach ((string suffix, double scale) in units)
        {
            if (text.EndsWith(suffix, StringComparison.Ordinal) &&
                double.TryParse(text.AsSpan(0, text.Length - suffix.Length), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double amount))
            {
                value = TimeSpan.FromSeconds(amount * scale);
                return true;
            }
        }

        return false;
    }
}
