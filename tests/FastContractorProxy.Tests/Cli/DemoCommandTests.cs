using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace FastContractorProxy.Tests.Cli;

/// <summary><c>fcp demo</c> and <c>fcp token --demo</c> as processes, and the curl commands the demo prints.</summary>
public sealed partial class DemoCommandTests : IDisposable
{
    private readonly string _temporary = Directory.CreateTempSubdirectory("fcp-demo-cli-").FullName;

    // Three consecutive free loopback ports, for the proxy, the sample upstream and the issuer.
    private static int FreePortTriple()
    {
        for (int attempt = 0; attempt < 50; attempt++)
        {
            int start = Random.Shared.Next(20_000, 60_000);
            var listeners = new List<TcpListener>();
            try
            {
                for (int port = start; port < start + 3; port++)
                {
                    var listener = new TcpListener(IPAddress.Loopback, port);
                    listener.Start();
                    listeners.Add(listener);
                }

                return start;
            }
            catch (SocketException)
            {
            }
            finally
            {
                listeners.ForEach(l => l.Stop());
            }
        }

        throw new InvalidOperationException("no three consecutive free ports found");
    }

    [GeneratedRegex(@"^# (?<status>\d{3}) (?<reason>[a-z_]+):.*\n^curl -i (?:-H ""Authorization: Bearer \$(?<token>[A-Z_]+)"" )?(?<url>http://\S+)$", RegexOptions.Multiline)]
    private static partial Regex CurlCommand();

    [Fact]
    public async Task DemoProcess_PrintedCommandsGiveTheirStatus()
    {
        int port = FreePortTriple();
        await using FcpProcess demo = FcpProcess.StartIn(_temporary, "demo", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await demo.WaitForOutputAsync("Press Ctrl+C", TimeSpan.FromSeconds(60));
        string output = demo.Output.Replace("\r", "", StringComparison.Ordinal);
        Dictionary<string, string> tokens = output.Split('\n')
            .Where(line => line.Contains("_TOKEN=ey", StringComparison.Ordinal))
            .Select(line => line.Trim().Split('=', 2))
            .ToDictionary(parts => parts[0], parts => parts[1]);
        MatchCollection commands = CurlCommand().Matches(output);
        using var client = new HttpClient();

        Assert.Contains(commands, c => c.Groups["status"].Value == "200");
        Assert.Contains(commands, c => c.Groups["status"].Value == "403");
        Assert.Contains(commands, c => c.Groups["status"].Value == "401" && !c.Groups["token"].Success);
        foreach (Match command in commands)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, command.Groups["url"].Value);
            if (command.Groups["token"].Success)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens[command.Groups["token"].Value]);
            }

            using HttpResponseMessage response = await client.SendAsync(request);
            Assert.True((int)response.StatusCode == int.Parse(command.Groups["status"].Value, System.Globalization.CultureInfo.InvariantCulture),
                $"{command.Value}: got {(int)response.StatusCode}");
        }

        (int tokenExit, string token) = await FcpProcess.RunInAsync(_temporary, "token", "--demo", "bob");
        using var admin = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{port}/admin/users");
        admin.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.Trim());
        using HttpResponseMessage adminResponse = await client.SendAsync(admin);

        Assert.Equal(0, tokenExit);
        Assert.Equal(HttpStatusCode.OK, adminResponse.StatusCode);

        demo.SendSignal("TERM");
        Assert.Equal(0, await demo.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.False(Directory.Exists(Path.Combine(_temporary, "fcp-demo")));
    }

    [Fact]
    public async Task TokenCommand_NoDemoRunning_Exit1()
    {
        (int exit, string output) = await FcpProcess.RunInAsync(_temporary, "token", "--demo", "alice");

        Assert.Equal(1, exit);
        Assert.Contains("No demo is running", output, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_temporary, recursive: true);
}
