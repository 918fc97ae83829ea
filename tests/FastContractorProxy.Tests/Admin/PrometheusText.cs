using System.Globalization;
using System.Text;

namespace FastContractorProxy.Tests.Admin;

/// <summary>One sample line: metric name, labels and value.</summary>
internal sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
{
    public bool HasLabels(IEnumerable<KeyValuePair<string, string>> labels) =>
        labels.All(label => Labels.TryGetValue(label.Key, out string? value) && value == label.Value);
}

/// <summary>
/// A parsed scrape in the Prometheus text exposition format 0.0.4. <see cref="Parse"/> rejects what a Prometheus
/// server would reject (bad names, label syntax or values, a family split into groups, duplicate series) and
/// checks that every histogram is consistent, so a test that parses a scrape also validates its format.
/// </summary>
internal sealed class PrometheusText
{
    private static readonly string[] KnownTypes = ["counter", "gauge", "histogram", "summary", "untyped"];

    private PrometheusText()
    {
    }

    /// <summary>The type of each family from its <c># TYPE</c> line.</summary>
    public Dictionary<string, string> Types { get; } = new(StringComparer.Ordinal);

    public List<PrometheusSample> Samples { get; } = [];

    public static PrometheusText Parse(string text)
    {
        var result = new PrometheusText();
        var finishedFamilies = new HashSet<string>(StringComparer.Ordinal);
        var seriesKeys = new HashSet<string>(StringComparer.Ordinal);
        string? currentFamily = null;
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i];
            int lineNumber = i + 1;
            if (line.Length == 0)
            {
                continue;
            }

            if (line.StartsWith('#'))
            {
                string[] parts = line.Split(' ', 4);
                if (parts.Length >= 3 && parts[1] == "TYPE")
                {
                    string family = parts[2];
                    string type = parts.Length == 4 ? parts[3] : "";
                    CheckName(family, lineNumber);
                    if (Array.IndexOf(KnownTypes, type) < 0)
                    {
                        throw new FormatException($"line {lineNumber}: unknown type '{type}' for {family}");
                    }

                    if (!result.Types.TryAdd(family, type))
                    {
                        throw new FormatException($"line {lineNumber}: second TYPE line for {family}");
                    }

                    if (result.Samples.Exists(s => result.FamilyOf(s.Name) == family))
                    {
                        throw new FormatException($"line {lineNumber}: TYPE line for {family} after its samples");
                    }
                }

                continue;
            }

            PrometheusSample sample = ParseSample(line, lineNumber);
            string sampleFamily = result.FamilyOf(sample.Name);
            if (sampleFamily != currentFamily)
            {
                if (currentFamily is not null)
                {
                    finishedFamilies.Add(currentFamily);
                }

                if (finishedFamilies.Contains(sampleFamily))
                {
                    throw new FormatException($"line {lineNumber}: samples of {sampleFamily} are split into more than one group");
                }

                currentFamily = sampleFamily;
            }

            string seriesKey = sample.Name + "{" + string.Join(",", sample.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}")) + "}";
            if (!seriesKeys.Add(seriesKey))
            {
                throw new FormatException($"line {lineNumber}: duplicate series {seriesKey}");
            }

            result.Samples.Add(sample);
        }

        result.CheckHistograms();
        return result;
    }

    /// <summary>Returns the samples named <paramref name="name"/> that carry at least the given labels.</summary>
    public List<PrometheusSample> Find(string name, params (string Key, string Value)[] labels) =>
        Samples.FindAll(s => s.Name == name && s.HasLabels(labels.Select(l => KeyValuePair.Create(l.Key, l.Value))));

    /// <summary>Returns the value of the one sample named <paramref name="name"/> with the given labels; fails if there is not exactly one.</summary>
    public double Value(string name, params (string Key, string Value)[] labels)
    {
        List<PrometheusSample> matches = Find(name, labels);
        if (matches.Count != 1)
        {
            string expected = string.Join(",", labels.Select(l => $"{l.Key}={l.Value}"));
            throw new InvalidOperationException($"expected one sample {name}{{{expected}}}, found {matches.Count}");
        }

        return matches[0].Value;
    }

    /// <summary>Returns the family a sample belongs to: histogram samples drop their _bucket, _sum or _count suffix.</summary>
    public string FamilyOf(string sampleName)
    {
        foreach (string suffix in (string[])["_bucket", "_sum", "_count"])
        {
            if (sampleName.EndsWith(suffix, StringComparison.Ordinal))
            {
                string family = sampleName[..^suffix.Length];
                if (Types.TryGetValue(family, out string? type) && type is "histogram" or "summary")
                {
                    return family;
                }
            }
        }

        return sampleName;
    }

    /// <summary>Returns the histogram series of <paramref name="family"/> keyed by their labels without <c>le</c>.</summary>
    public List<HistogramSeries> Histograms(string family, params (string Key, string Value)[] labels)
    {
        var series = new Dictionary<string, HistogramSeries>(StringComparer.Ordinal);
        foreach (PrometheusSample sample in Find(family + "_count", labels))
        {
            string key = LabelKey(sample.Labels);
            double sum = Samples.Single(s => s.Name == family + "_sum" && LabelKey(s.Labels) == key).Value;
            var buckets = Samples
                .Where(s => s.Name == family + "_bucket" && LabelKey(s.Labels) == key)
                .Select(s => (UpperBound: ParseValue(s.Labels["le"], 0), Count: s.Value))
                .OrderBy(b => b.UpperBound)
                .ToList();
            series[key] = new HistogramSeries(sample.Labels, buckets, sum, sample.Value);
        }

        return [.. series.Values];
    }

    private void CheckHistograms()
    {
        foreach ((string family, string type) in Types)
        {
            if (type != "histogram")
            {
                continue;
            }

            var countKeys = Samples.Where(s => s.Name == family + "_count").Select(s => LabelKey(s.Labels)).ToHashSet();
            var bucketKeys = Samples.Where(s => s.Name == family + "_bucket").Select(s => LabelKey(s.Labels)).ToHashSet();
            if (!countKeys.SetEquals(bucketKeys))
            {
                throw new FormatException($"{family}: the label sets of _bucket and _count differ");
            }

            foreach (HistogramSeries series in Histograms(family))
            {
                series.CheckConsistency(family);
            }
        }
    }

    private static string LabelKey(IReadOnlyDictionary<string, string> labels) =>
        string.Join(",", labels.Where(l => l.Key != "le").OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"));

    private static PrometheusSample ParseSample(string line, int lineNumber)
    {
        int position = 0;
        while (position < line.Length && IsNameChar(line[position], position == 0))
        {
            position++;
        }

        string name = line[..position];
        CheckName(name, lineNumber);
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (position < line.Length && line[position] == '{')
        {
            position++;
            while (line[position] != '}')
            {
                int nameStart = position;
                while (IsNameChar(line[position], position == nameStart) && line[position] != ':')
                {
                    position++;
                }

                string labelName = line[nameStart..position];
                if (labelName.Length == 0 || line[position] != '=' || line[position + 1] != '"')
                {
                    throw new FormatException($"line {lineNumber}: invalid label at column {position + 1}: {line}");
                }

                position += 2;
                var value = new StringBuilder();
                while (line[position] != '"')
                {
                    if (line[position] == '\\')
                    {
                        position++;
                        value.Append(line[position] switch
                        {
                            '\\' => '\\',
                            '"' => '"',
                            'n' => '\n',
                            _ => throw new FormatException($"line {lineNumber}: invalid escape '\\{line[position]}' in a label value"),
                        });
                    }
                    else
                    {
                        value.Append(line[position]);
                    }

                    position++;
                }

                position++;
                if (!labels.TryAdd(labelName, value.ToString()))
                {
                    throw new FormatException($"line {lineNumber}: label {labelName} appears twice");
                }

                if (line[position] == ',')
                {
                    position++;
                }
                else if (line[position] != '}')
                {
                    throw new FormatException($"line {lineNumber}: expected ',' or '}}' at column {position + 1}: {line}");
                }
            }

            position++;
        }

        if (position >= line.Length || line[position] != ' ')
        {
            throw new FormatException($"line {lineNumber}: expected a space before the value: {line}");
        }

        // The value may be followed by a timestamp in milliseconds.
        string[] rest = line[(position + 1)..].Split(' ');
        if (rest.Length > 2 || (rest.Length == 2 && !long.TryParse(rest[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)))
        {
            throw new FormatException($"line {lineNumber}: expected a value and an optional timestamp: {line}");
        }

        return new PrometheusSample(name, labels, ParseValue(rest[0], lineNumber));
    }

    private static double ParseValue(string text, int lineNumber) => text switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) => value,
        _ => throw new FormatException($"line {lineNumber}: '{text}' is not a number"),
    };

    private static bool IsNameChar(char c, bool first) =>
        char.IsAsciiLetter(c) || c is '_' or ':' || (!first && char.IsAsciiDigit(c));

    private static void CheckName(string name, int lineNumber)
    {
        if (name.Length == 0 || !IsNameChar(name[0], first: true) || !name.All(c => IsNameChar(c, first: false)))
        {
            throw new FormatException($"line {lineNumber}: '{name}' is not a valid metric name");
        }
    }
}

/// <summary>One histogram series: cumulative buckets sorted by upper bound, sum and count.</summary>
internal sealed record HistogramSeries(
    IReadOnlyDictionary<string, string> Labels,
    List<(double UpperBound, double Count)> Buckets,
    double Sum,
    double Count)
{
    /// <summary>Returns the cumulative count of the bucket whose upper bound is <paramref name="upperBound"/>.</summary>
    public double CountAtMost(double upperBound) => Buckets.Single(b => b.UpperBound == upperBound).Count;

    public void CheckConsistency(string family)
    {
        if (Buckets.Count == 0 || !double.IsPositiveInfinity(Buckets[^1].UpperBound))
        {
            throw new FormatException($"{family}: a series has no le=\"+Inf\" bucket");
        }

        for (int i = 1; i < Buckets.Count; i++)
        {
            if (Buckets[i].Count < Buckets[i - 1].Count)
            {
                throw new FormatException($"{family}: bucket le={Buckets[i].UpperBound} counts fewer than le={Buckets[i - 1].UpperBound}; buckets must be cumulative");
            }
        }

        if (Buckets[^1].Count != Count)
        {
            throw new FormatException($"{family}: the +Inf bucket counts {Buckets[^1].Count} but _count is {Count}");
        }

        if (Count == 0 && Sum != 0)
        {
            throw new FormatException($"{family}: an empty series has a sum of {Sum}");
        }
    }
}
