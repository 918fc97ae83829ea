using System.Globalization;
using FastContractorProxy.Configuration;
using YamlDotNet.RepresentationModel;

namespace FastContractorProxy.Policy;

internal static partial class PolicyReader
{
    // Field readers only policies need (ids, dates). The common ones are in YamlFields. Each records an error
    // and returns a fallback.
    private sealed partial class Reader
    {
        private string Identifier(YamlMappingNode parent, string path)
        {
            string id = _fields.Scalar(parent, "id", path, required: true) ?? "";
            if (id == "*" || id.Any(char.IsWhiteSpace))
            {
                Errors.Add($"{path}.id: '{id}' is not a valid id; use letters, digits, '-', '_' or '.' without spaces.");
            }

            return id;
        }

        /// <summary>
        /// Reads a date (<c>2026-06-30</c>, taken in UTC) or a date and time with an offset. For a date alone,
        /// <paramref name="endOfDay"/> selects the last instant of that day, so a period ending on a date includes it.
        /// </summary>
        private DateTimeOffset? Instant(YamlMappingNode parent, string key, string path, bool endOfDay)
        {
            string? text = _fields.Scalar(parent, key, path, required: false);
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
