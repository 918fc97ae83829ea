using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace FastContractorProxy.Policy;

internal static partial class PolicyReader
{
    // Typed field readers shared by the entity readers; each records an error and returns a fallback.
    private sealed partial class Reader
    {
        private static YamlNode? Child(YamlMappingNode node, string key) =>
            node.Children.TryGetValue(new YamlScalarNode(key), out YamlNode? child) ? child : null;

        private void CheckKeys(YamlMappingNode node, string path, params string[] known)
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

        private IEnumerable<(YamlNode Node, string Path)> Sequence(YamlMappingNode parent, string key, string path, bool required)
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

        private string? Scalar(YamlMappingNode parent, string key, string path, bool required)
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

        private string Identifier(YamlMappingNode parent, string path)
        {
            string id = Scalar(parent, "id", path, required: true) ?? "";
            if (id == "*" || id.Any(char.IsWhiteSpace))
            {
                Errors.Add($"{path}.id: '{id}' is not a valid id; use letters, digits, '-', '_' or '.' without spaces.");
            }

            return id;
        }

        private bool Boolean(YamlMappingNode parent, string key, string path, bool fallback)
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

        /// <summary>
        /// Reads a date (<c>2026-06-30</c>, taken in UTC) or a date and time with an offset. For a date alone,
        /// <paramref name="endOfDay"/> selects the last instant of that day, so a period ending on a date includes it.
        /// </summary>
        private DateTimeOffset? Instant(YamlMappingNode parent, string key, string path, bool endOfDay)
        {
            string? text = Scalar(parent, key, path, required: false);
            if (text is null)
            {
                return null;
            }

            if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out DateOnly date))
            {
                var start = new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
                return endOfDay ? start.AddDays(1).AddTicks(-1) : start;
            }

            if (text.Length > 10 && text[10] == 'T' && (text.EndsWith('Z') || text[^6] is '+' or '-') &&
                DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out DateTimeOffset instant))
            {
                return instant;
            }

            Errors.Add($"{path}.{key}: '{text}' is not a date; write 2026-06-30 (UTC) or 2026-06-30T18:00:00+02:00.");
            return null;
        }
    }
}
