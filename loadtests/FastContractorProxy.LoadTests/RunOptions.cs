namespace FastContractorProxy.LoadTests;

/// <summary>The settings of one run of the program, after defaults for --quick or a full run are applied.</summary>
internal sealed record RunOptions(
    bool Quick,
    IReadOnlyList<string> Scenarios,
    IReadOnlyList<string> Targets,
    int Rounds,
    int Seconds,
    int DotNetWarmupSeconds,
    int NativeWarmupSeconds,
    int CheckSeconds,
    int MaxCheckPairs,
    string CommandLine);
