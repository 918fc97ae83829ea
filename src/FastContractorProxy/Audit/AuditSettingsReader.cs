using FastContractorProxy.Configuration;
using YamlDotNet.RepresentationModel;

namespace FastContractorProxy.Audit;

/// <summary>
/// Reads the <c>audit:</c> section of the configuration file. It collects every error with the field it belongs to
/// and how to fix it, and returns defaults for invalid values so one pass reports everything.
/// </summary>
internal sealed class AuditSettingsReader
{
    private static readonly TimeSpan MinRotateInterval = TimeSpan.FromSeconds(1);

    private readonly List<string> _errors;
    private readonly YamlFields _fields;

    private AuditSettingsReader(List<string> errors)
    {
        _errors = errors;
        _fields = new YamlFields(errors);
    }

    /// <summary>Reads the mapping under <c>audit:</c> and appends each problem to <paramref name="errors"/>.</summary>
    public static AuditSettings Read(YamlMappingNode node, List<string> errors, string path = "audit") =>
        new AuditSettingsReader(errors).ReadAudit(node, path);

    private AuditSettings ReadAudit(YamlMappingNode node, string path)
    {
        var defaults = new AuditSettings();
        _fields.CheckKeys(node, path, "enabled", "path", "stdout", "queue_capacity", "full_policy", "max_file_bytes",
            "rotate_interval", "flush_interval", "fsync", "include_query", "fail_closed");

        bool enabled = _fields.Boolean(node, "enabled", path, defaults.Enabled);
        string? file = _fields.Scalar(node, "path", path, required: false);
        bool stdout = _fields.Boolean(node, "stdout", path, defaults.Stdout);
        if (enabled && file is null && !stdout)
        {
            _errors.Add($"{path}: no 'path' and 'stdout' is false; set a log file path, 'stdout: true', or 'enabled: false'.");
        }

        TimeSpan rotateInterval = _fields.Duration(node, "rotate_interval", path, defaults.RotateInterval, allowZero: true);
        if (rotateInterval > TimeSpan.Zero && rotateInterval < MinRotateInterval)
        {
            _errors.Add($"{path}.rotate_interval: {rotateInterval.TotalMilliseconds} ms is shorter than 1s. Raise it, or write 0s to turn time rotation off.");
            rotateInterval = defaults.RotateInterval;
        }

        return new AuditSettings
        {
            Enabled = enabled,
            Path = file,
            Stdout = stdout,
            QueueCapacity = (int)_fields.Integer(node, "queue_capacity", path, defaults.QueueCapacity, 1, 16 * 1024 * 1024),
            FullPolicy = ReadFullPolicy(node, path, defaults.FullPolicy),
            MaxFileBytes = _fields.Integer(node, "max_file_bytes", path, defaults.MaxFileBytes, 0, long.MaxValue),
            RotateInterval = rotateInterval,
            FlushInterval = _fields.Duration(node, "flush_interval", path, defaults.FlushInterval),
            Fsync = ReadFsync(node, path, defaults.Fsync),
            IncludeQuery = _fields.Boolean(node, "include_query", path, defaults.IncludeQuery),
            FailClosed = _fields.Boolean(node, "fail_closed", path, defaults.FailClosed),
        };
    }

    private AuditFullPolicy ReadFullPolicy(YamlMappingNode node, string path, AuditFullPolicy fallback)
    {
        string? text = _fields.Scalar(node, "full_policy", path, required: false);
        switch (text)
        {
            case null:
                return fallback;
            case "block":
                return AuditFullPolicy.Block;
            case "drop":
                return AuditFullPolicy.Drop;
            default:
                _errors.Add($"{path}.full_policy: '{text}' is not a queue-full policy; use block or drop.");
                return fallback;
        }
    }

    private AuditFsyncPolicy ReadFsync(YamlMappingNode node, string path, AuditFsyncPolicy fallback)
    {
        string? text = _fields.Scalar(node, "fsync", path, required: false);
        switch (text)
        {
            case null:
                return fallback;
            case "none":
                return AuditFsyncPolicy.None;
            case "interval":
                return AuditFsyncPolicy.Interval;
            case "every_batch":
                return AuditFsyncPolicy.EveryBatch;
            default:
                _errors.Add($"{path}.fsync: '{text}' is not an fsync policy; use none, interval or every_batch.");
                return fallback;
        }
    }
}
