using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace FastContractorProxy.Hosting;

/// <summary>Kestrel hands every accepted connection here; the ASP.NET request pipeline is never involved.</summary>
internal sealed class ProxyConnectionHandler(ProxyRuntime runtime, ILoggerFactory loggerFactory) : ConnectionHandler
{
    private readonly ILogger _logger = loggerFactory.CreateLogger("FastContractorProxy.Connections");

    public override Task OnConnectedAsync(ConnectionContext connection) =>
        new Http1Connection(connection, runtime, _logger).RunAsync();
}
