namespace FastContractorProxy.LoadTests.Measurement;

internal static class Statistics
{
    /// <summary>Returns the median of the finite values, or NaN when there is none.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Where(double.IsFinite).Order().ToList();
        if (sorted.Count == 0)
        {
            return double.NaN;
        }

        int middle = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    /// <summary>Returns the nearest-rank percentile (0 &lt; <paramref name="fraction"/> &lt;= 1) of sorted values.</summary>
    public static double SortedPercentile(IReadOnlyList<double> sorted, double fraction)
    {
        int rank = (int)Math.Ceiling(fraction * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }
}
