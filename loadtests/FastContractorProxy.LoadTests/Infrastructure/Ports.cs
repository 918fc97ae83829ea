using System.Net;
using System.Net.Sockets;

namespace FastContractorProxy.LoadTests.Infrastructure;

internal static class Ports
{
    /// <summary>Returns a loopback port that was free a moment ago: bound to port 0, then released.</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
