using System.Globalization;
using FastContractorProxy.Configuration;
using YamlDotNet.RepresentationModel;

namespace FastContractorProxy.Identity;

/// <summary>
/// Reads the <c>identity:</c> section of the configuration file. Like <see cref="SettingsLoader"/>, it
/// collects every error with the entity it belongs to and how to fix it, and returns defaults for invalid
/// values so one pass reports everything.
/// </summary>
internal sealed class IdentitySettingsReader
{
    private static readonly string[] AsymmetricAlgorithms =
        ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"];

    private readonly List<string> _errors;
    private readonly YamlFields _fields;

    private IdentitySettingsReader(List<string> errors)
    {
        _errors = errors;
        _fields = new YamlFields(errors);
    }

    /// <summary>Reads the mapping under <c>identity:</c>; appends each problem to <paramref name="errors"/>.</summary>
    public static IdentitySettings Read(YamlMappingNode node, List<string> errors, string path = "identity") =>
        new IdentitySettingsReader(errors).ReadIdentity(node, path);

    private IdentitySettings ReadIdentity(YamlMappingNode node, string path)
    {
        var defaults = new IdentitySettings();
        _fields.CheckKeys(node, path, "realm", "max_token_bytes", "token_cache_entries", "token_cache_max_lifetime", "api_key_header", "issuers", "api_keys");

        string realm = _fields.Scalar(node, "realm", path, required: false) ?? defaults.Realm;
        if (realm.Any(c => c is < ' ' or > '~' or '"' or '\\'))
        {
            _errors.Add($"{path}.realm: '{realm}' must be printable ASCII without '\"' or '\\'.");
            realm = defaults.Realm;
        }

        string apiKeyHeader = _fields.Scalar(node, "api_key_header", path, required: false) ?? defaults.ApiKeyHeader;
        if (!Http1.HttpChars.IsToken(System.Text.Encoding.ASCII.GetBytes(apiKeyHeader)))
        {
            _errors.Add($"{path}.api_key_header: '{apiKeyHeader}' is not a field name; write one like Authorization or X-Api-Key.");
            apiKeyHeader = defaults.ApiKeyHeader;
        }

        List<IssuerSettings> issuers = ReadIssuers(node, path);
        List<ApiKeySettings> apiKeys = ReadApiKeys(node, path);

        return new IdentitySettings
        {
            Realm = realm,
            MaxTokenBytes = (int)_fields.Integer(node, "max_token_bytes", path, defaults.MaxTokenBytes, 512, 64 * 1024),
            TokenCacheEntries = (int)_fields.Integer(node, "token_cache_entries", path, defaults.TokenCacheEntries, 0, 1_000_000),
            TokenCacheMaxLifetime = _fields.Duration(node, "token_cache_max_lifetime", path, defaults.TokenCacheMaxLifetime),
            ApiKeyHeader = apiKeyHeader,
            Issuers = issuers,
            ApiKeys = apiKeys,
        };
    }

    private List<IssuerSettings> ReadIssuers(YamlMappingNode parent, string parentPath)
    {
        var issuers = new List<IssuerSettings>();
        foreach ((YamlNode node, string itemPath) in _fields.Sequence(parent, "issuers", parentPath))
        {
            if (node is not YamlMappingNode issuer)
            {
                _errors.Add($"{itemPath}: expected a mapping with 'issuer', 'audiences' and one of 'discovery', 'jwks_uri' or 'jwks_file'.");
                continue;
            }

            _fields.CheckKeys(issuer, itemPath, "issuer", "audiences", "algorithms", "clock_skew", "discovery", "jwks_uri", "jwks_file",
                "refresh_interval", "unknown_key_cooldown", "contractor_claim", "organization_claim");
            string name = _fields.Scalar(issuer, "issuer", itemPath, required: true) ?? "";
            string path = name.Length > 0 ? $"issuers '{name}'" : itemPath;
            if (name.Length > 0 && issuers.Exists(i => i.Issuer == name))
            {
                _errors.Add($"{path}: duplicate issuer; list each issuer once.");
            }

            var defaults = new IssuerSettings { Issuer = name, Audiences = [] };
            List<string> audiences = _fields.StringList(issuer, "audiences", path, required: true);
            List<string> algorithms = ReadAlgorithms(issuer, path) ?? [.. defaults.Algorithms];

            TimeSpan skew = _fields.Duration(issuer, "clock_skew", path, defaults.ClockSkew, allowZero: true);
            if (skew > IssuerSettings.MaxClockSkew)
            {
                _errors.Add($"{path}.clock_skew: {skew.TotalSeconds} s is more than the maximum of 5m; lower it.");
                skew = IssuerSettings.MaxClockSkew;
            }

            (KeySourceKind source, string? location) = ReadKeySource(issuer, path, name);

            issuers.Add(new IssuerSettings
            {
                Issuer = name,
                Audiences = audiences,
                Algorithms = algorithms,
                ClockSkew = skew,
                KeySource = source,
                JwksLocation = location,
                RefreshInterval = _fields.Duration(issuer, "refresh_interval", path, defaults.RefreshInterval),
                UnknownKeyCooldown = _fields.Duration(issuer, "unknown_key_cooldown", path, defaults.UnknownKeyCooldown),
                ContractorClaim = _fields.Scalar(issuer, "contractor_claim", path, required: false) ?? defaults.ContractorClaim,
                OrganizationClaim = _fields.Scalar(issuer, "organization_claim", path, required: false) ?? defaults.OrganizationClaim,
            });
        }

        return issuers;
    }

    private List<string>? ReadAlgorithms(YamlMappingNode issuer, string path)
    {
        if (YamlFields.Child(issuer, "algorithms") is null)
        {
            return null;
        }

        var algorithms = new List<string>();
        foreach (string algorithm in _fields.StringList(issuer, "algorithms", path, required: true))
        {
            if (Array.IndexOf(AsymmetricAlgorithms, algorithm) >= 0)
            {
                algorithms.Add(algorithm);
            }
            else
            {
                _errors.Add($"{path}.algorithms: '{algorithm}' is not allowed; use asymmetric algorithms only ({string.Join(", ", AsymmetricAlgorithms)}). " +
                    "'none' and HMAC algorithms are never accepted.");
            }
        }

        return algorithms;
    }

    private (KeySourceKind Source, string? Location) ReadKeySource(YamlMappingNode issuer, string path, string name)
    {
        bool discovery = _fields.Boolean(issuer, "discovery", path, false);
        string? jwksUri = _fields.Scalar(issuer, "jwks_uri", path, required: false);
        string? jwksFile = _fields.Scalar(issuer, "jwks_file", path, required: false);
        int sources = (discovery ? 1 : 0) + (jwksUri is null ? 0 : 1) + (jwksFile is null ? 0 : 1);
        if (sources != 1)
        {
            _errors.Add($"{path}: set exactly one key source: 'discovery: true', 'jwks_uri' or 'jwks_file'.");
            return (KeySourceKind.Discovery, null);
        }

        if (jwksFile is not null)
        {
            return (KeySourceKind.JwksFile, jwksFile);
        }

        string checkedUri = discovery ? name : jwksUri!;
        string key = discovery ? "issuer" : "jwks_uri";
        if (!Uri.TryCreate(checkedUri, UriKind.Absolute, out Uri? uri) || !IssuerKeyStore.IsAllowedFetchUri(uri))
        {
            _errors.Add($"{path}.{key}: '{checkedUri}' is not an https URL; keys are fetched only over https, or over http from a loopback address.");
        }

        return discovery ? (KeySourceKind.Discovery, null) : (KeySourceKind.JwksUri, jwksUri);
    }

    private List<ApiKeySettings> ReadApiKeys(YamlMappingNode parent, string parentPath)
    {
        var keys = new List<ApiKeySettings>();
        foreach ((YamlNode node, string itemPath) in _fields.Sequence(parent, "api_keys", parentPath))
        {
            if (node is not YamlMappingNode apiKey)
            {
                _errors.Add($"{itemPath}: expected a mapping with 'id', 'sha256' and 'contractor_id'.");
                continue;
            }

            _fields.CheckKeys(apiKey, itemPath, "id", "sha256", "contractor_id", "organization", "scopes", "groups");
            string id = _fields.Scalar(apiKey, "id", itemPath, required: true) ?? "";
            string path = id.Length > 0 ? $"api_keys '{id}'" : itemPath;
            if (id.Length > 0 && keys.Exists(k => k.Id == id))
            {
                _errors.Add($"{path}: duplicate API key id; give each key a unique id.");
            }

            byte[] hash = [];
            string? hex = _fields.Scalar(apiKey, "sha256", path, required: true);
            if (hex is not null)
            {
                if (hex.Length == 64 && hex.All(char.IsAsciiHexDigit))
                {
                    hash = Convert.FromHexString(hex);
                }
                else
                {
                    _errors.Add($"{path}.sha256: expected 64 hex digits, the SHA-256 of the key; compute it with: printf %s \"$KEY\" | sha256sum");
                }
            }

            if (hash.Length > 0 && keys.Exists(k => k.Sha256.AsSpan().SequenceEqual(hash)))
            {
                _errors.Add($"{path}.sha256: the same hash is configured for another key; generate a separate key for each service account.");
            }

            keys.Add(new ApiKeySettings
            {
                Id = id,
                Sha256 = hash,
                ContractorId = _fields.Scalar(apiKey, "contractor_id", path, required: true) ?? "",
                Organization = _fields.Scalar(apiKey, "organization", path, required: false),
                Scopes = _fields.StringList(apiKey, "scopes", path, required: false),
                Groups = _fields.StringList(apiKey, "groups", path, required: false),
            });
        }

        return keys;
    }
}
