using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace FastContractorProxy.Configuration;

/// <summary>
/// Typed readers for the fields of a YAML mapping, shared by every configuration and policy reader. Each reader
/// records a problem in <see cref="Errors"/> with the field's path and the fix, then returns a fallback, so a
/// file's every mistake is reported at once.
/// </summary>
internal sealed class YamlFields(List<string> errors)
{
    public List<string> Errors { get; } = errors;

    public static YamlNode? Child(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out YamlNode? child) ? child : null;

    /// <summary>Reports every key of <paramref name="node"/> that is not in <paramref name="known"/>, so a misspelt option never passes silently.</summary>
    public void CheckKeys(YamlMappingNode node, string path, params string[] known)
    {
        foreach (YamlNode key in node.Children.Keys)
        {
            string name = (key as YamlScalarNode)?.Value ?? "";
            if (Array.IndexOf(known, name) < 0)
            {
                Errors.Add($"{path}: unknown key '{name}' at line {key.Start.Line}; known keys are {string.Join(", ", known)}.");
            }
        }
    }

    /// <summary>Yields the items of a list field with their paths. A required list must be present and non-empty.</summary>
    public IEnumerable<(YamlNode Node, string Path)> Sequence(YamlMappingNode parent, string key, string path, bool required = false)
    {
        YamlNode? child = Child(parent, key);
        if (child is null)
        {
            if (required)
            {
                Errors.Add($"{path}: missing '{key}'.");
            }

            yield break;
        }

        if (child is not YamlSequenceNode sequence)
        {
            Errors.Add($"{path}.{key}: expected a list (line {child.Start.Line}).");
            yield break;
        }

        if (required && sequence.Children.Count == 0)
        {
            Errors.Add($"{path}.{key}: the list is empty; add at least one entry.");
        }

        for (int i = 0; i < sequence.Children.Count; i++)
        {
            yield return (sequence.Children[i], $"{path}.{key}[{i}]");
        }
    }

    /// <summary>Reads a list of non-empty text values.</summary>
    public List<string> StringList(YamlMappingNode parent, string key, string path, bool required)
    {
        var values = new List<string>();
        YamlNode? child = Child(parent, key);
        if (child is null)
        {
            if (required)
            {
                Errors.Add($"{path}: missing '{key}'.");
            }

            return values;
        }

        foreach ((YamlNode item, string itemPath) in Sequence(parent, key, path))
        {
            if (item is YamlScalarNode { Value.Length: > 0 } scalar)
            {
                values.Add(scalar.Value);
            }
            else
            {
                Errors.Add($"{itemPath}: expected a non-empty text value (line {item.Start.Line}).");
            }
        }

        if (required && child is YamlSequenceNode && values.Count == 0)
        {
            Errors.Add($"{path}.{key}: the list is empty; add at least one entry.");
        }

        return values;
    }

    public string? Scalar(YamlMappingNode parent, string key, string path, bool required)
    {
        YamlNode? child = Child(parent, key);
        if (child is null)
        {
            if (required)
            {
                Errors.Add($"{path}: missing '{key}'.");
            }

            return null;
        }

        if (child is not YamlScalarNode scalar || string.IsNullOrEmpty(scalar.Value))
        {
            Errors.Add($"{path}.{key}: expected a non-empty value (line {child.Start.Line}).");
            return null;
        }

        return scalar.Value;
    }

    public long Integer(YamlMappingNode parent, string key, string path, long fallback, long min, long max)
    {
        string? text = Scalar(parent, key, path, required: false);
        if (text is null)
        {
            return fallback;
        }

        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long value) || value < min || value > max)
        {
            Errors.Add($"{path}.{key}: '{text}' is not a whole number from {min} to {max}.");
            return fallback;
        }

        return value;
    }

    public bool Boolean(YamlMappingNode parent, string key, string path, bool fallback)
    {
        string? text = Scalar(parent, key, path, required: false);
        if (text is null)
        {
            return fallback;
        }

        if (text is "true" or "false")
        {
            return text == "true";
        }

        Errors.Add($"{path}.{key}: '{text}' is not true or false.");
        return fallback;
    }

    /// <summary>Reads a duration such as 500ms, 10s, 5m or 1h; zero is accepted only with <paramref name="allowZero"/>.</summary>
    public TimeSpan Duration(YamlMappingNode parent, string key, string path, TimeSpan fallback, bool allowZero = false)
    {
        string? text = Scalar(parent, key, path, required: false);
        if (text is null)
        {
            return fallback;
        }

        if (!DurationText.TryParse(text, out TimeSpan value) || value < TimeSpan.Zero || (value == TimeSpan.Zero && !allowZero))
        {
            string kind = allowZero ? "a duration of zero or more" : "a positive duration";
            Errors.Add($"{path}.{key}: '{text}' is not {kind}; write it like 500ms, 10s, 5m or 1h.");
            return fallback;
        }

        return value;
    }
}
