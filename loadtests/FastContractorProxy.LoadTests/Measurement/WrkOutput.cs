using System.Globalization;
using System.Text.RegularExpressions;

namespace FastContractorProxy.LoadTests.Measurement;

/// <summary>Parses the report that wrk 4.1 prints with <c>--latency</c>.</summary>
internal static partial class WrkOutput
{
    public static LoadResult Parse(string output, string commandLine)
    {
        Match summary = SummaryLine().Match(output);
        Match rate = RateLine().Match(output);
        if (!summary.Success || !rate.Success)
        {
            throw new FormatException($"wrk output has no request summary:\n{output}");
        }

        long requests = long.Parse(summary.Groups[1].Value, CultureInfo.InvariantCulture);
        double seconds = ParseDuration(summary.Groups[2].Value) / 1000;
        double rps = double.Parse(rate.Groups[1].Value, CultureInfo.InvariantCulture);

        long socketErrors = 0;
        Match errors = SocketErrorsLine().Match(output);
        if (errors.Success)
        {
            for (int group = 1; group <= 4; group++)
            {
                socketErrors += long.Parse(errors.Groups[group].Value, CultureInfo.InvariantCulture);
            }
        }

        // wrk counts every response with a status above 399 here, despite the line's wording.
        Match non2xx = ErrorResponsesLine().Match(output);
        long errorResponses = non2xx.Success ? long.Parse(non2xx.Groups[1].Value, CultureInfo.InvariantCulture) : 0;

        return new LoadResult("wrk", requests, requests - errorResponses, errorResponses, socketErrors, seconds, rps,
            Percentile(output, "50%"), Percentile(output, "99%"), commandLine);
    }

    private static double Percentile(string output, string label)
    {
        foreach (string line in output.Split('\n'))
        {
            string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2 && parts[0] == label)
            {
                return ParseDuration(parts[1]);
            }
        }

        return double.NaN;
    }

    /// <summary>Converts a wrk duration such as <c>310.00us</c>, <c>1.05ms</c>, <c>2.00s</c> or <c>1.00m</c> to milliseconds.</summary>
    internal static double ParseDuration(string text)
    {
        (string unit, double factor) = text switch
        {
            _ when text.EndsWith("us", StringComparison.Ordinal) => ("us", 0.001),
            _ when text.EndsWith("ms", StringComparison.Ordinal) => ("ms", 1.0),
            _ when text.EndsWith('s') => ("s", 1000.0),
            _ when text.EndsWith('m') => ("m", 60_000.0),
            _ when text.EndsWith('h') => ("h", 3_600_000.0),
            _ => throw new FormatException($"unknown wrk duration unit in '{text}'"),
        };
        return double.Parse(text[..^unit.Length], CultureInfo.InvariantCulture) * factor;
    }

    [GeneratedRegex(@"(\d+) requests in ([0-9.]+[a-z]+),")]
    private static partial Regex SummaryLine();

    [GeneratedRegex(@"Requests/sec:\s+([0-9.]+)")]
    private static partial Regex RateLine();

    [GeneratedRegex(@"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")]
    private static partial Regex SocketErrorsLine();

    [GeneratedRegex(@"Non-2xx or 3xx responses: (\d+)")]
    private static partial Regex ErrorResponsesLine();
}
