using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using FastContractorProxy.Http1;
using FastContractorProxy.Configuration;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace FastContractorProxy.Policy;

/// <summary>Raised when a policy file is invalid; <see cref="Errors"/> lists every problem found.</summary>
internal sealed class PolicyException(IReadOnlyList<string> errors)
    : Exception("Invalid policy:" + Environment.NewLine + "  " + string.Join(Environment.NewLine + "  ", errors))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}

/// <summary>
/// Reads a policy file through YamlDotNet's representation model (no reflection) and validates it, collecting
/// every error with the entity it belongs to and how to fix it. The field readers are in PolicyReader.Fields.cs.
/// </summary>
internal static partial class PolicyReader
{
    public static PolicyDocument LoadFile(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new PolicyException([$"Cannot read policy file '{path}': {ex.Message}"]);
        }

        return Parse(bytes, path);
    }

    /// <summary>Parses UTF-8 policy bytes; the document's version is the SHA-256 of exactly these bytes.</summary>
    public static PolicyDocument Parse(ReadOnlySpan<byte> utf8, string sourceName = "policy")
    {
        string version = Convert.ToHexStringLower(SHA256.HashData(utf8));
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(utf8);
        }
        catch (DecoderFallbackException)
        {
            throw new PolicyException([$"{sourceName}: the file is not valid UTF-8."]);
        }

        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            throw new PolicyException([$"{sourceName}: invalid YAML at line {ex.Start.Line}, column {ex.Start.Column}: {ex.Message}"]);
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new PolicyException([$"{sourceName}: the file must contain a mapping with 'contractors', 'grants' and 'routes'."]);
        }

        var reader = new Reader();
        PolicyDocument document = reader.ReadRoot(root, version);
        if (reader.Errors.Count > 0)
        {
            throw new PolicyException(reader.Errors);
        }

        return document;
    }

    public static PolicyDocument Parse(string yaml, string sourceName = "policy") => Parse(Encoding.UTF8.GetBytes(yaml), sourceName);

    private sealed partial class Reader
    {
        private readonly Dictionary<string, string> _subjectKinds = new(StringComparer.Ordinal);
        private readonly YamlFields _fields;

        public Reader() => _fields = new YamlFields(Errors);

        public List<string> Errors { get; } = [];

        public PolicyDocument ReadRoot(YamlMappingNode root, string version)
        {
            _fields.CheckKeys(root, "policy", "groups", "contractors", "grants", "denies", "routes");

            List<GroupDefinition> groups = ReadGroups(root);
            List<ContractorDefinition> contractors = ReadContractors(root, groups);
            List<GrantDefinition> grants = ReadGrants(root);
            List<DenyDefinition> denies = ReadDenies(root, grants);
            List<RouteDefinition> routes = ReadRoutes(root);

            return new PolicyDocument
            {
                Groups = groups,
                Contractors = contractors,
                Grants = grants,
                Denies = denies,
                Routes = routes,
                Version = version,
            };
        }

        private List<GroupDefinition> ReadGroups(YamlMappingNode root)
        {
            var groups = new List<GroupDefinition>();
            foreach ((YamlNode node, string path) in _fields.Sequence(root, "groups", "policy", required: false))
            {
                if (node is not YamlMappingNode group)
                {
                    Errors.Add($"{path}: expected a mapping with 'id'.");
                    continue;
                }

                _fields.CheckKeys(group, path, "id", "description");
                string id = Identifier(group, path);
                string label = id.Length > 0 ? $"groups '{id}'" : path;
                RegisterSubject(id, "group", label);
                groups.Add(new GroupDefinition(id, _fields.Scalar(group, "description", label, required: false)));
            }

            return groups;
        }

        private List<ContractorDefinition> ReadContractors(YamlMappingNode root, List<GroupDefinition> groups)
        {
            var contractors = new List<ContractorDefinition>();
            foreach ((YamlNode node, string path) in _fields.Sequence(root, "contractors", "policy", required: true))
            {
                if (node is not YamlMappingNode contractor)
                {
                    Errors.Add($"{path}: expected a mapping with 'id', 'organization', 'sponsor' and 'reference'.");
                    continue;
                }

                _fields.CheckKeys(contractor, path, "id", "organization", "sponsor", "reference", "not_before", "not_after", "authentication", "groups");
                string id = Identifier(contractor, path);
                string label = id.Length > 0 ? $"contractors '{id}'" : path;
                RegisterSubject(id, "contractor", label);

                var memberOf = new List<string>();
                foreach ((YamlNode groupNode, string groupPath) in _fields.Sequence(contractor, "groups", label, required: false))
                {
                    string? group = (groupNode as YamlScalarNode)?.Value;
                    if (group is null || !groups.Exists(g => g.Id == group))
                    {
                        Errors.Add($"{groupPath}: unknown group '{group}'; define it under 'groups' or fix the id.");
                    }
                    else
                    {
                        memberOf.Add(group);
                    }
                }

                DateTimeOffset? notBefore = Instant(contractor, "not_before", label, endOfDay: false);
                DateTimeOffset? notAfter = Instant(contractor, "not_after", label, endOfDay: true);
                if (notBefore > notAfter)
                {
                    Errors.Add($"{label}: not_before is after not_after; fix the contract period.");
                }

                contractors.Add(new ContractorDefinition
                {
                    Id = id,
                    Organization = _fields.Scalar(contractor, "organization", label, required: true) ?? "",
                    Sponsor = _fields.Scalar(contractor, "sponsor", label, required: true) ?? "",
                    Reference = _fields.Scalar(contractor, "reference", label, required: true) ?? "",
                    NotBefore = notBefore,
                    NotAfter = notAfter,
                    Credentials = ReadCredentials(contractor, label),
                    Groups = memberOf,
                });
            }

            return contractors;
        }

        private List<CredentialDefinition> ReadCredentials(YamlMappingNode contractor, string label)
        {
            var credentials = new List<CredentialDefinition>();
            foreach ((YamlNode node, string path) in _fields.Sequence(contractor, "authentication", label, required: true))
            {
                if (node is not YamlMappingNode entry)
                {
                    Errors.Add($"{path}: expected a mapping with 'issuer' and 'subject' or 'client_id', 'api_key_sha256', or 'client_certificate_subject'.");
                    continue;
                }

                _fields.CheckKeys(entry, path, "issuer", "subject", "client_id", "api_key_sha256", "client_certificate_subject");
                var credential = new CredentialDefinition
                {
                    Issuer = _fields.Scalar(entry, "issuer", path, required: false),
                    Subject = _fields.Scalar(entry, "subject", path, required: false),
                    ClientId = _fields.Scalar(entry, "client_id", path, required: false),
                    ApiKeySha256 = _fields.Scalar(entry, "api_key_sha256", path, required: false),
                    ClientCertificateSubject = _fields.Scalar(entry, "client_certificate_subject", path, required: false),
                };

                int kinds = (credential.Issuer is not null ? 1 : 0) + (credential.ApiKeySha256 is not null ? 1 : 0) +
                            (credential.ClientCertificateSubject is not null ? 1 : 0);
                bool tokenComplete = credential.Issuer is null || (credential.Subject is null) != (credential.ClientId is null);
                bool strayToken = credential.Issuer is null && (credential.Subject is not null || credential.ClientId is not null);
                if (kinds != 1 || !tokenComplete || strayToken)
                {
                    Errors.Add($"{path}: write exactly one of: 'issuer' with 'subject' or 'client_id'; 'api_key_sha256'; 'client_certificate_subject'.");
                }

                if (credential.ApiKeySha256 is { } hash && (hash.Length != 64 || !hash.All(char.IsAsciiHexDigitLower)))
                {
                    Errors.Add($"{path}.api_key_sha256: expected 64 lowercase hex digits (the SHA-256 of the key), not the key itself.");
                }

                credentials.Add(credential);
            }

            return credentials;
        }

        private List<GrantDefinition> ReadGrants(YamlMappingNode root)
        {
            var grants = new List<GrantDefinition>();
            var ids = new HashSet<string>(StringComparer.Ordinal);
            foreach ((YamlNode node, string path) in _fields.Sequence(root, "grants", "policy", required: false))
            {
                if (node is not YamlMappingNode grant)
                {
                    Errors.Add($"{path}: expected a mapping with 'id', 'subjects', 'methods' and 'paths'.");
                    continue;
                }

                _fields.CheckKeys(grant, path, "id", "subjects", "methods", "paths", "conditions");
                string id = Identifier(grant, path);
                string label = id.Length > 0 ? $"grants '{id}'" : path;
                if (id.Length > 0 && !ids.Add(id))
                {
                    Errors.Add($"{label}: duplicate grant id; give each grant a unique id.");
                }

                grants.Add(new GrantDefinition
                {
                    Id = id,
                    Subjects = Subjects(grant, label, allowEveryone: false),
                    Methods = Methods(grant, label),
                    Paths = Patterns(grant, label),
                    Conditions = ReadConditions(grant, label),
                });
            }

            return grants;
        }

        private List<DenyDefinition> ReadDenies(YamlMappingNode root, List<GrantDefinition> grants)
        {
            var denies = new List<DenyDefinition>();
            foreach ((YamlNode node, string path) in _fields.Sequence(root, "denies", "policy", required: false))
            {
                if (node is not YamlMappingNode deny)
                {
                    Errors.Add($"{path}: expected a mapping with 'id', 'subjects', 'methods' and 'paths'.");
                    continue;
                }

                _fields.CheckKeys(deny, path, "id", "subjects", "methods", "paths");
                string id = Identifier(deny, path);
                string label = id.Length > 0 ? $"denies '{id}'" : path;
                if (id.Length > 0 && (denies.Exists(d => d.Id == id) || grants.Exists(g => g.Id == id)))
                {
                    Errors.Add($"{label}: duplicate rule id (grants and denies share ids); give each rule a unique id.");
                }

                denies.Add(new DenyDefinition
                {
                    Id = id,
                    Subjects = Subjects(deny, label, allowEveryone: true),
                    Methods = Methods(deny, label),
                    Paths = Patterns(deny, label),
                });
            }

            return denies;
        }

        private List<RouteDefinition> ReadRoutes(YamlMappingNode root)
        {
            var routes = new List<RouteDefinition>();
            foreach ((YamlNode node, string path) in _fields.Sequence(root, "routes", "policy", required: true))
            {
                if (node is not YamlMappingNode route)
                {
                    Errors.Add($"{path}: expected a mapping with 'id', 'paths' and 'cluster'.");
                    continue;
                }

                _fields.CheckKeys(route, path, "id", "paths", "cluster", "anonymous", "issuers", "forward_authorization");
                string id = Identifier(route, path);
                string label = id.Length > 0 ? $"routes '{id}'" : path;
                if (id.Length > 0 && routes.Exists(r => r.Id == id))
                {
                    Errors.Add($"{label}: duplicate route id; give each route a unique id.");
                }

                routes.Add(new RouteDefinition
                {
                    Id = id,
                    Paths = Patterns(route, label),
                    Cluster = _fields.Scalar(route, "cluster", label, required: true) ?? "",
                    Anonymous = _fields.Boolean(route, "anonymous", label, false),
                    Issuers = RouteIssuers(route, label),
                    ForwardAuthorization = _fields.Boolean(route, "forward_authorization", label, false),
                });
            }

            return routes;
        }

        private List<string> RouteIssuers(YamlMappingNode route, string label)
        {
            var issuers = new List<string>();
            foreach ((YamlNode node, string path) in _fields.Sequence(route, "issuers", label, required: false))
            {
                if (node is YamlScalarNode { Value: { Length: > 0 } issuer })
                {
                    issuers.Add(issuer);
                }
                else
                {
                    Errors.Add($"{path}: expected an issuer URL exactly as in the tokens' 'iss' claim.");
                }
            }

            return issuers;
        }

        private GrantConditions ReadConditions(YamlMappingNode grant, string label)
        {
            if (YamlFields.Child(grant, "conditions") is not { } child)
            {
                return GrantConditions.None;
            }

            string path = label + ".conditions";
            if (child is not YamlMappingNode node)
            {
                Errors.Add($"{path}: expected a mapping with any of 'scopes', 'source_ranges', 'schedule', 'not_before', 'not_after'.");
                return GrantConditions.None;
            }

            _fields.CheckKeys(node, path, "scopes", "source_ranges", "schedule", "not_before", "not_after");
            var scopes = new List<string>();
            foreach ((YamlNode item, string itemPath) in _fields.Sequence(node, "scopes", path, required: false))
            {
                if ((item as YamlScalarNode)?.Value is { Length: > 0 } scope)
                {
                    scopes.Add(scope);
                }
                else
                {
                    Errors.Add($"{itemPath}: expected a scope name.");
                }
            }

            var ranges = new List<IPNetwork>();
            foreach ((YamlNode item, string itemPath) in _fields.Sequence(node, "source_ranges", path, required: false))
            {
                string? text = (item as YamlScalarNode)?.Value;
                if (text is not null && IPNetwork.TryParse(text, out IPNetwork network))
                {
                    ranges.Add(network);
                }
                else
                {
                    Errors.Add($"{itemPath}: '{text}' is not a CIDR range; write it like 10.0.0.0/8 or 2001:db8::/32.");
                }
            }

            DateTimeOffset? notBefore = Instant(node, "not_before", path, endOfDay: false);
            DateTimeOffset? notAfter = Instant(node, "not_after", path, endOfDay: true);
            if (notBefore > notAfter)
            {
                Errors.Add($"{path}: not_before is after not_after; fix the grant's period.");
            }

            return new GrantConditions
            {
                Scopes = scopes,
                SourceRanges = ranges,
                Schedule = ReadSchedule(node, path),
                NotBefore = notBefore,
                NotAfter = notAfter,
            };
        }

        private ScheduleDefinition? ReadSchedule(YamlMappingNode conditions, string parentPath)
        {
            if (YamlFields.Child(conditions, "schedule") is not { } child)
            {
                return null;
            }

            string path = parentPath + ".schedule";
            if (child is not YamlMappingNode node)
            {
                Errors.Add($"{path}: expected a mapping with 'time_zone', 'days', 'from' and 'to'.");
                return null;
            }

            _fields.CheckKeys(node, path, "time_zone", "days", "from", "to");
            TimeZoneInfo? zone = null;
            string? zoneId = _fields.Scalar(node, "time_zone", path, required: true);
            if (zoneId is not null)
            {
                try
                {
                    zone = TimeZoneInfo.FindSystemTimeZoneById(zoneId);
                }
                catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
                {
                    Errors.Add($"{path}.time_zone: '{zoneId}' is not a known IANA time zone; write it like Europe/Berlin or UTC.");
                }
            }

            int days = 0;
            foreach ((YamlNode item, string itemPath) in _fields.Sequence(node, "days", path, required: true))
            {
                int day = Array.IndexOf(DayNames, (item as YamlScalarNode)?.Value);
                if (day < 0)
                {
                    Errors.Add($"{itemPath}: '{(item as YamlScalarNode)?.Value}' is not a day; write one of {string.Join(", ", DayNames)}.");
                }
                else
                {
                    days |= 1 << day;
                }
            }

            int from = ClockMinute(node, "from", path);
            int to = ClockMinute(node, "to", path);
            if (from >= 0 && to >= 0 && from >= to)
            {
                Errors.Add($"{path}: 'from' must be earlier than 'to' on the same day; split a window that crosses midnight into two grants.");
            }

            return zone is null || from < 0 || to < 0 ? null : new ScheduleDefinition(zone, (DayMask)days, from, to);
        }

        private static readonly string[] DayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

        private int ClockMinute(YamlMappingNode node, string key, string path)
        {
            string? text = _fields.Scalar(node, key, path, required: true);
            if (text is null)
            {
                return -1;
            }

            if (text == "24:00")
            {
                return 24 * 60;
            }

            if (TimeOnly.TryParseExact(text, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out TimeOnly time))
            {
                return time.Hour * 60 + time.Minute;
            }

            Errors.Add($"{path}.{key}: '{text}' is not a time of day; write it as HH:mm from 00:00 to 24:00.");
            return -1;
        }

        private MethodSet Methods(YamlMappingNode parent, string label)
        {
            int bits = 0;
            foreach ((YamlNode item, string itemPath) in _fields.Sequence(parent, "methods", label, required: true))
            {
                string? text = (item as YamlScalarNode)?.Value;
                if (text == "*")
                {
                    bits |= MethodSet.All.Bits;
                }
                else if (text is not null && MethodSet.TryParseMethod(text, out KnownMethod method))
                {
                    bits |= 1 << (int)method;
                }
                else
                {
                    Errors.Add($"{itemPath}: '{text}' is not a method; write GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, TRACE, CONNECT or '*'.");
                }
            }

            return new MethodSet((ushort)bits);
        }

        private List<PathPattern> Patterns(YamlMappingNode parent, string label)
        {
            var patterns = new List<PathPattern>();
            foreach ((YamlNode item, string itemPath) in _fields.Sequence(parent, "paths", label, required: true))
            {
                string? text = (item as YamlScalarNode)?.Value;
                string? error = "expected a string";
                PathPattern? pattern = text is null ? null : PathPattern.TryParse(text, out error);
                if (pattern is null)
                {
                    Errors.Add($"{itemPath}: invalid path pattern: {error}.");
                }
                else
                {
                    patterns.Add(pattern);
                }
            }

            return patterns;
        }

        private List<string> Subjects(YamlMappingNode parent, string label, bool allowEveryone)
        {
            var subjects = new List<string>();
            foreach ((YamlNode item, string itemPath) in _fields.Sequence(parent, "subjects", label, required: true))
            {
                string? text = (item as YamlScalarNode)?.Value;
                if (text == "*" && !allowEveryone)
                {
                    Errors.Add($"{itemPath}: a grant cannot name '*'; name contractors or groups, or mark the route 'anonymous: true'.");
                }
                else if (text is null || text != "*" && !_subjectKinds.ContainsKey(text))
                {
                    Errors.Add($"{itemPath}: unknown subject '{text}'; name a contractor or group defined in this file{(allowEveryone ? ", or '*'" : "")}.");
                }
                else
                {
                    subjects.Add(text);
                }
            }

            return subjects;
        }

        private void RegisterSubject(string id, string kind, string label)
        {
            if (id.Length == 0)
            {
                return;
            }

            if (_subjectKinds.TryGetValue(id, out string? existing))
            {
                Errors.Add($"{label}: id '{id}' is already used by a {existing}; contractors and groups share ids, so rename one.");
                return;
            }

            _subjectKinds.Add(id, kind);
        }
    }
}
