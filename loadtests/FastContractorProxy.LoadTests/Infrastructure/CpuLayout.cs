namespace FastContractorProxy.LoadTests.Infrastructure;

/// <summary>
/// Which cores the load generator and the servers run on. With more than one core, wrk and h2load get the last
/// core and every server (target and backend) the others, so the load generator never takes CPU from the
/// target. With one core nothing is pinned.
/// </summary>
internal sealed record CpuLayout(int ProcessorCount, string? LoadGeneratorCpus, string? ServerCpus)
{
    public static CpuLayout Detect()
    {
        int count = Environment.ProcessorCount;
        if (count <= 1)
        {
            return new CpuLayout(count, null, null);
        }

        string servers = count == 2 ? "0" : $"0-{count - 2}";
        return new CpuLayout(count, (count - 1).ToString(System.Globalization.CultureInfo.InvariantCulture), servers);
    }

    public string Describe() => LoadGeneratorCpus is null
        ? $"{ProcessorCount} core: nothing pinned"
        : $"{ProcessorCount} cores: load generator on CPU {LoadGeneratorCpus}, servers (target and backend) on CPU {ServerCpus}";
}
