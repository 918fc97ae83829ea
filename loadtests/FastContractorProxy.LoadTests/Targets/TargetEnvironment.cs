using FastContractorProxy.LoadTests.Infrastructure;

namespace FastContractorProxy.LoadTests.Targets;

/// <summary>What the targets of one scenario share: builds, cores, the backend, the IdP and the scenario's token.</summary>
internal sealed record TargetEnvironment(
    string Folder,
    CpuLayout Cpus,
    NginxBackend Backend,
    string Issuer,
    string? FcpExecutable,
    string? YarpExecutable,
    string Token,
    string AllowedPath,
    string DeniedPrefix,
    TimeSpan KeepAliveTimeout)
{
    public string LogPath(string name) => Path.Combine(Folder, name + ".log");
}
