// A minimal YARP reverse proxy for the load tests: one route for every path and one cluster with a single
// destination. Kestrel on cleartext does not accept HTTP/2 prior knowledge on an HTTP/1.1-and-HTTP/2 endpoint
// (checked with h2load on .NET 10), so HTTP/1.1 and h2c get one listener each.
//
//   YarpProxy <http1-port> <h2c-port> <destination URL>
using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Yarp.ReverseProxy.Configuration;

if (args.Length != 3)
{
    Console.Error.WriteLine("usage: YarpProxy <http1-port> <h2c-port> <destination URL, for example http://127.0.0.1:8081>");
    return 2;
}

int http1Port = int.Parse(args[0], CultureInfo.InvariantCulture);
int h2cPort = int.Parse(args[1], CultureInfo.InvariantCulture);
string destination = args[2];

WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.Limits.MaxConcurrentConnections = null;
    kestrel.Listen(IPAddress.Loopback, http1Port, listen => listen.Protocols = HttpProtocols.Http1);
    kestrel.Listen(IPAddress.Loopback, h2cPort, listen => listen.Protocols = HttpProtocols.Http2);
});

RouteConfig[] routes =
[
    new RouteConfig { RouteId = "all", ClusterId = "backend", Match = new RouteMatch { Path = "{**catch-all}" } },
];
ClusterConfig[] clusters =
[
    new ClusterConfig
    {
        ClusterId = "backend",
        Destinations = new Dictionary<string, DestinationConfig> { ["backend"] = new() { Address = destination } },
        // The backend speaks HTTP/1.1 only, like the upstream of every other proxy in the comparison.
        HttpRequest = new Yarp.ReverseProxy.Forwarder.ForwarderRequestConfig { Version = HttpVersion.Version11, VersionPolicy = HttpVersionPolicy.RequestVersionExact },
    },
];
builder.Services.AddReverseProxy().LoadFromMemory(routes, clusters);

WebApplication app = builder.Build();
app.MapReverseProxy();
await app.RunAsync();
return 0;
