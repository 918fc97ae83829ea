using System.Net;

namespace FastContractorProxy.Admin;

/// <summary>The <c>admin:</c> section: where the listener for <c>/metrics</c>, <c>/healthz</c> and <c>/readyz</c> binds.</summary>
internal sealed record AdminSettings
{
    public const int DefaultPort = 9901;

    public bool Enabled { get; init; } = true;

    /// <summary>The listener address. Port 0 binds a free port. The default is 127.0.0.1:9901, reachable from this host only.</summary>
    public IPEndPoint Address { get; init; } = new(IPAddress.Loopback, DefaultPort);
}
