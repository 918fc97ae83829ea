using System.Globalization;
using System.Text.RegularExpressions;

namespace FastContractorProxy.LoadTests.Measurement;

/// <summary>
/// Parses the report of h2load (nghttp2 1.52). h2load prints no latency percentiles, so p50 and p99 come from its
/// <c>--log-file</c>, which has one tab-separated line per completed request: start time, status, microseconds.
/// </summary>
internal static partial class H2loadOutput
{
    public static LoadResult Parse(string output, string? logFile, string commandLine)
    {
        Match finished = FinishedLine().Match(output);
        Match requests = RequestsLine().Match(output);
        Match statuses = StatusLine().Match(output);
        if (!finished.Success || !requests.Success || !statuses.Success)
        {
            throw new FormatException($"h2load output has no request summary:\n{output}");
        }

        double seconds = ParseSeconds(finished.Groups[1].Value);
        double rps = double.Parse(finished.Groups[2].Value, CultureInfo.InvariantCulture);
        long done = Long(requests, 1);
        long errored = Long(requests, 2);
        long timeout = Long(requests, 3);
        long success = Long(statuses, 1) + Long(statuses, 2);
        long errorResponses = Long(statuses, 3) + Long(statuses, 4);
        (double p50, double p99) = logFile is null ? (double.NaN, double.NaN) : PercentilesFromLog(logFile);
        return new LoadResult("h2load", done, success, errorResponses, errored + timeout, seconds, rps, p50, p99, commandLine);
    }

    private static (double P50, double P99) PercentilesFromLog(string path)
    {
        if (!File.Exists(path))
        {
            return (double.NaN, double.NaN);
        }

        var micros = new List<double>();
        foreach (string line in File.ReadLines(path))
        {
            string[] parts = line.Split('\t');
            if (parts.Length >= 3 && double.TryParse(parts[2], NumberStyles.Float, CultureInfo.InvariantCulture, out double elapsed))
            {
                micros.Add(elapsed);
            }
        }

        if (micros.Count == 0)
        {
            return (double.NaN, double.NaN);
        }

        micros.Sort();
        return (Statistics.SortedPercentile(micros, 0.50) / 1000, Statistics.SortedPercentile(micros, 0.99) / 1000);
    }

    private static long Long(Match match, int group) => long.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture);

    // h2load writes the run time as 5.00s or 812.41ms.
    private static double ParseSeconds(string text) => text.EndsWith("ms", StringComparison.Ordinal)
        ? double.Parse(text[..^2], CultureInfo.InvariantCulture) / 1000
        : double.Parse(text.TrimEnd('s'), CultureInfo.InvariantCulture);

    [GeneratedRegex(@"finished in ([0-9.]+m?s), ([0-9.]+) req/s")]
    private static partial Regex FinishedLine();

    [GeneratedRegex(@"requests: \d+ total, \d+ started, (\d+) done, \d+ succeeded, \d+ failed, (\d+) errored, (\d+) timeout")]
    private static partial Regex RequestsLine();

    [GeneratedRegex(@"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx")]
    private static partial Regex StatusLine();
}
