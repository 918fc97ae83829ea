using FastContractorProxy.LoadTests.Measurement;

namespace FastContractorProxy.LoadTests.Scenarios;

/// <summary>
/// Warms a target with the scenario's own load, then repeats pairs of short check runs until two consecutive
/// runs' RPS differ by at most 10%, or <paramref name="maxCheckPairs"/> pairs have run, so it always ends.
/// </summary>
internal static class Warmup
{
    private const double StableDifference = 0.10;

    /// <param name="runLoad">Runs the scenario's load for the given number of seconds.</param>
    public static async Task<WarmupResult> RunAsync(int warmSeconds, int checkSeconds, int maxCheckPairs, Func<int, Task<LoadResult>> runLoad)
    {
        double spent = 0;
        if (warmSeconds > 0)
        {
            await runLoad(warmSeconds);
            spent += warmSeconds;
        }

        double a = 0;
        double b = 0;
        for (int pair = 1; pair <= maxCheckPairs; pair++)
        {
            a = (await runLoad(checkSeconds)).RequestsPerSecond;
            b = (await runLoad(checkSeconds)).RequestsPerSecond;
            spent += 2 * checkSeconds;
            double larger = Math.Max(a, b);
            if (larger > 0 && Math.Abs(a - b) / larger <= StableDifference)
            {
                return new WarmupResult(spent, Stable: true, pair, a, b);
            }
        }

        return new WarmupResult(spent, Stable: false, maxCheckPairs, a, b);
    }
}
