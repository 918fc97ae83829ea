using FastContractorProxy.LoadTests.Targets;

namespace FastContractorProxy.LoadTests.Measurement;

/// <summary>
/// Measures a target's process tree around one load run. CPU is the delta of utime + stime (summed over the
/// process and its children, so nginx's worker counts) divided by the completed requests. Peak RSS is the
/// larger of the summed VmHWM (reset before the run through clear_refs) and the maximum summed VmRSS sampled
/// every 100 ms. For nginx the sum adds the master's and the worker's peaks, which can overstate a joint peak.
/// </summary>
internal static class TargetMeter
{
    private static readonly TimeSpan SampleInterval = TimeSpan.FromMilliseconds(100);

    public static async Task<RunRecord> MeasureAsync(Target target, int round, Func<Task<LoadResult>> runLoad, CancellationToken cancellationToken)
    {
        IReadOnlyList<int> pids = target.ProcessTree();
        foreach (int pid in pids)
        {
            ProcFs.ResetPeakRss(pid);
        }

        long ticksBefore = ProcFs.CpuTicks(pids);
        using var stopSampling = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task<long> sampler = SampleMaxRssAsync(pids, stopSampling.Token);
        LoadResult load;
        try
        {
            load = await runLoad();
        }
        finally
        {
            await stopSampling.CancelAsync();
        }

        long sampledMaxKiB = await sampler;
        long ticksAfter = ProcFs.CpuTicks(pids);
        long peakKiB = Math.Max(sampledMaxKiB, ProcFs.SumKiB(pids, "VmHWM"));
        double cpuSeconds = (ticksAfter - ticksBefore) / (double)ProcFs.ClockTicksPerSecond;
        double perRequest = load.Requests > 0 ? cpuSeconds * 1e6 / load.Requests : double.NaN;
        return new RunRecord(target.Name, round, load, cpuSeconds, perRequest, peakKiB / 1024.0);
    }

    private static async Task<long> SampleMaxRssAsync(IReadOnlyList<int> pids, CancellationToken cancellationToken)
    {
        long max = 0;
        using var timer = new PeriodicTimer(SampleInterval);
        try
        {
            do
            {
                max = Math.Max(max, ProcFs.SumKiB(pids, "VmRSS"));
            }
            while (await timer.WaitForNextTickAsync(cancellationToken));
        }
        catch (OperationCanceledException)
        {
        }

        return max;
    }
}
