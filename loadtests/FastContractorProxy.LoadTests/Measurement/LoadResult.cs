namespace FastContractorProxy.LoadTests.Measurement;

/// <summary>
/// What one run of wrk or h2load reported. <see cref="Requests"/> counts completed responses of any status;
/// <see cref="ErrorResponses"/> those with a status of 400 or more; <see cref="SocketErrors"/> connect, read and
/// write errors and timeouts (wrk), or errored and timed-out requests (h2load).
/// </summary>
internal sealed record LoadResult(
    string Tool,
    long Requests,
    long Succeeded,
    long ErrorResponses,
    long SocketErrors,
    double DurationSeconds,
    double RequestsPerSecond,
    double P50Milliseconds,
    double P99Milliseconds,
    string CommandLine)
{
    public static LoadResult Failed(string tool, string commandLine) => new(tool, 0, 0, 0, 0, 0, 0, double.NaN, double.NaN, commandLine);
}
