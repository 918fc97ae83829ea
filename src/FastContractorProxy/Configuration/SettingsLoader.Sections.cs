using System.Net;
using FastContractorProxy.Policy;
using YamlDotNet.RepresentationModel;

namespace FastContractorProxy.Configuration;

/// <summary>Readers of the optional sections: policy, forwarding, HTTP/2, logging and transport.</summary>
internal static partial class SettingsLoader
{
    private sealed partial class Reader
    {
        private PolicySource? ReadPolicy(YamlMappingNode root)
        {
            if (YamlFields.Child(root, "policy") is not { } child)
            {
                return null;
            }

            const string path = "policy";
            if (child is not YamlMappingNode node)
            {
                Errors.Add($"{path}: expected a mapping with 'file' (line {child.Start.Line}).");
                return null;
            }

            _fields.CheckKeys(node, path, "file", "watch");
            string? file = _fields.Scalar(node, "file", path, required: true);
            bool watch = _fields.Boolean(node, "watch", path, true);
            if (file is null)
            {
                return null;
            }

            string fullPath = Path.GetFullPath(file, _baseDirectory);
            try
            {
                return new PolicySource(fullPath, watch, PolicyReader.LoadFile(fullPath));
            }
            catch (PolicyException ex)
            {
                Errors.AddRange(ex.Errors.Select(error => $"{path}.file: {error}"));
                return null;
            }
        }

        private ForwardingSettings ReadForwarding(YamlMappingNode root)
        {
            var defaults = new ForwardingSettings();
            if (YamlFields.Child(root, "forwarding") is not YamlMappingNode node)
            {
                return defaults;
            }

            const string path = "forwarding";
            _fields.CheckKeys(node, path, "trusted_proxies", "strip_request_fields", "drop_fields_with_underscore", "identity_fields");

            var trusted = new List<IPNetwork>();
            foreach ((YamlNode item, string itemPath) in _fields.Sequence(node, "trusted_proxies", path, required: false))
            {
                string? text = (item as YamlScalarNode)?.Value;
                if (text is not null && IPNetwork.TryParse(text, out IPNetwork network))
                {
                    trusted.Add(network);
                }
                else if (text is not null && IPAddress.TryParse(text, out IPAddress? single))
                {
                    trusted.Add(new IPNetwork(single, single.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
                }
                else
                {
                    Errors.Add($"{itemPath}: '{text}' is not an address or CIDR range; write it like 10.0.0.0/8.");
                }
            }

            IReadOnlyList<string> strip = defaults.StripRequestFields;
            if (YamlFields.Child(node, "strip_request_fields") is not null)
            {
                var names = new List<string>();
                foreach ((YamlNode item, string itemPath) in _fields.Sequence(node, "strip_request_fields", path, required: false))
                {
                    string? text = (item as YamlScalarNode)?.Value;
                    string name = text?.TrimEnd('*') ?? "";
                    if (name.Length == 0 || !Http1.HttpChars.IsToken(System.Text.Encoding.ASCII.GetBytes(name)))
                    {
                        Errors.Add($"{itemPath}: '{text}' is not a field name (or a prefix ending in '*').");
                    }
                    else
                    {
                        names.Add(text!);
                    }
                }

                strip = names;
            }

            return new ForwardingSettings
            {
                TrustedProxies = trusted,
                StripRequestFields = strip,
                DropFieldsWithUnderscore = _fields.Boolean(node, "drop_fields_with_underscore", path, defaults.DropFieldsWithUnderscore),
                IdentityFields = ReadIdentityFields(node, path + ".identity_fields"),
            };
        }

        private IdentityFieldNames ReadIdentityFields(YamlMappingNode forwarding, string path)
        {
            var defaults = new IdentityFieldNames();
            if (YamlFields.Child(forwarding, "identity_fields") is not YamlMappingNode node)
            {
                return defaults;
            }

            _fields.CheckKeys(node, path, "contractor_id", "organization", "scopes");
            string FieldName(string key, string fallback)
            {
                string name = _fields.Scalar(node, key, path, required: false) ?? fallback;
                if (name.Contains('_', StringComparison.Ordinal) || !Http1.HttpChars.IsToken(System.Text.Encoding.ASCII.GetBytes(name)))
                {
                    Errors.Add($"{path}.{key}: '{name}' is not a field name without '_'; write one like X-Contractor-Id.");
                    return fallback;
                }

                return name;
            }

            return new IdentityFieldNames
            {
                ContractorId = FieldName("contractor_id", defaults.ContractorId),
                Organization = FieldName("organization", defaults.Organization),
                Scopes = FieldName("scopes", defaults.Scopes),
            };
        }

        private Http2Limits ReadHttp2(YamlMappingNode root)
        {
            Http2Limits defaults = Http2Limits.Default;
            if (YamlFields.Child(root, "http2") is not YamlMappingNode node)
            {
                return defaults;
            }

            const string path = "http2";
            _fields.CheckKeys(node, path, "max_concurrent_streams", "initial_stream_window_size", "connection_window_size", "max_field_block_bytes",
                "max_continuation_frames", "budget_window", "max_resets_received", "max_resets_sent", "max_pings", "max_settings", "max_priorities",
                "max_empty_frames", "send_window_timeout");
            const int MaxWindow = int.MaxValue;
            return new Http2Limits
            {
                MaxConcurrentStreams = (int)_fields.Integer(node, "max_concurrent_streams", path, defaults.MaxConcurrentStreams, 1, 10_000),
                InitialStreamWindowSize = (int)_fields.Integer(node, "initial_stream_window_size", path, defaults.InitialStreamWindowSize, 16 * 1024, MaxWindow),
                ConnectionWindowSize = (int)_fields.Integer(node, "connection_window_size", path, defaults.ConnectionWindowSize, 65_535, MaxWindow),
                MaxFieldBlockBytes = (int)_fields.Integer(node, "max_field_block_bytes", path, defaults.MaxFieldBlockBytes, 1024, 1 << 20),
                MaxContinuationFrames = (int)_fields.Integer(node, "max_continuation_frames", path, defaults.MaxContinuationFrames, 0, 1000),
                BudgetWindow = _fields.Duration(node, "budget_window", path, defaults.BudgetWindow),
                MaxResetsReceived = (int)_fields.Integer(node, "max_resets_received", path, defaults.MaxResetsReceived, 1, 1_000_000),
                MaxResetsSent = (int)_fields.Integer(node, "max_resets_sent", path, defaults.MaxResetsSent, 1, 1_000_000),
                MaxPings = (int)_fields.Integer(node, "max_pings", path, defaults.MaxPings, 1, 1_000_000),
                MaxSettings = (int)_fields.Integer(node, "max_settings", path, defaults.MaxSettings, 1, 1_000_000),
                MaxPriorities = (int)_fields.Integer(node, "max_priorities", path, defaults.MaxPriorities, 1, 1_000_000),
                MaxEmptyFrames = (int)_fields.Integer(node, "max_empty_frames", path, defaults.MaxEmptyFrames, 1, 1_000_000),
                SendWindowTimeout = _fields.Duration(node, "send_window_timeout", path, defaults.SendWindowTimeout),
            };
        }

        private LoggingSettings ReadLogging(YamlMappingNode root)
        {
            var defaults = new LoggingSettings();
            if (YamlFields.Child(root, "logging") is not YamlMappingNode node)
            {
                return defaults;
            }

            const string path = "logging";
            _fields.CheckKeys(node, path, "format", "level");
            string format = _fields.Scalar(node, "format", path, required: false) ?? "text";
            if (format is not ("text" or "json"))
            {
                Errors.Add($"{path}.format: '{format}' is not a log format; write text or json.");
            }

            string level = _fields.Scalar(node, "level", path, required: false) ?? "information";
            Microsoft.Extensions.Logging.LogLevel parsed = level switch
            {
                "trace" => Microsoft.Extensions.Logging.LogLevel.Trace,
                "debug" => Microsoft.Extensions.Logging.LogLevel.Debug,
                "information" => Microsoft.Extensions.Logging.LogLevel.Information,
                "warning" => Microsoft.Extensions.Logging.LogLevel.Warning,
                "error" => Microsoft.Extensions.Logging.LogLevel.Error,
                _ => Microsoft.Extensions.Logging.LogLevel.None,
            };
            if (parsed == Microsoft.Extensions.Logging.LogLevel.None)
            {
                Errors.Add($"{path}.level: '{level}' is not a log level; write trace, debug, information, warning or error.");
                parsed = defaults.Level;
            }

            return new LoggingSettings { Json = format == "json", Level = parsed };
        }

        private TransportSettings ReadTransport(YamlMappingNode root)
        {
            if (YamlFields.Child(root, "transport") is not YamlMappingNode node)
            {
                return new TransportSettings();
            }

            const string path = "transport";
            _fields.CheckKeys(node, path, "inline_scheduling", "io_queue_count");
            long queues = _fields.Integer(node, "io_queue_count", path, -1, 1, 64);
            return new TransportSettings
            {
                InlineScheduling = _fields.Boolean(node, "inline_scheduling", path, false),
                IoQueueCount = queues > 0 ? (int)queues : null,
            };
        }
    }
}
