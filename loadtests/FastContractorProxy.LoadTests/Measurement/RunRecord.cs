namespace FastContractorProxy.LoadTests.Measurement;

/// <summary>One measured run of one target: the load tool's figures and the target's CPU time and peak memory over the run.</summary>
internal sealed record RunRecord(
    string Target,
    int Round,
    LoadResult Load,
    double CpuSeconds,
    double CpuMicrosecondsPerRequest,
    double PeakRssMiB);
