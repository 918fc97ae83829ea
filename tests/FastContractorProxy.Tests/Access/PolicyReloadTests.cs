using FastContractorProxy.Tests.Infrastructure;

namespace FastContractorProxy.Tests.Access;

/// <summary>Hot reload of the policy file: a valid file is swapped in whole, an invalid one leaves the old policy in force.</summary>
public sealed class PolicyReloadTests
{
    private static string WithAdminForAlice => AccessHarness.DefaultPolicy.Replace(
        "subjects: [ ops ]", "subjects: [ ops, alice ]", StringComparison.Ordinal);

    private static async Task<int> StatusWhenSettledAsync(AccessHarness proxy, int expected, int timeoutMs = 10_000)
    {
        // The watcher waits for a quiet period before it reloads, so poll until the new decision shows.
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        int status;
        do
        {
            status = (await proxy.SendAsync("GET", "/admin/users", AccessHarness.AliceToken())).StatusCode;
            if (status == expected)
            {
                return status;
            }

            await Task.Delay(100);
        }
        while (DateTime.UtcNow < deadline);
        return status;
    }

    [Fact]
    public async Task ExplicitReload_SwapsPolicyAndVersion()
    {
        await using AccessHarness proxy = await AccessHarness.StartAsync();
        string before = proxy.Server.Runtime.Access!.Version;
        Assert.Equal(403, (await proxy.SendAsync("GET", "/admin/users", AccessHarness.AliceToken())).StatusCode);

        await File.WriteAllTextAsync(proxy.PolicyPath, WithAdminForAlice);
        IReadOnlyList<string> errors = proxy.Server.Runtime.ReloadPolicy();

        Assert.Empty(errors);
        Assert.NotEqual(before, proxy.Server.Runtime.Access!.Version);
        Assert.Equal(200, (await proxy.SendAsync("GET", "/admin/users", AccessHarness.AliceToken())).StatusCode);
    }

    [Fact]
    public async Task FileChange_ReloadsWithoutSignal()
    {
        await using AccessHarness proxy = await AccessHarness.StartAsync();

        await File.WriteAllTextAsync(proxy.PolicyPath, WithAdminForAlice);

        Assert.Equal(200, await StatusWhenSettledAsync(proxy, 200));
    }

    [Theory]
    [InlineData("contractors: [ this is not valid")]
    [InlineData("routes:\n  - id: x\n    paths: [ /x/** ]\n    cluster: nowhere\ncontractors: []\n")]
    public async Task InvalidPolicy_OldOneStays(string broken)
    {
        await using AccessHarness proxy = await AccessHarness.StartAsync();
        string before = proxy.Server.Runtime.Access!.Version;

        await File.WriteAllTextAsync(proxy.PolicyPath, broken);
        IReadOnlyList<string> errors = proxy.Server.Runtime.ReloadPolicy();

        Assert.NotEmpty(errors);
        Assert.Equal(before, proxy.Server.Runtime.Access!.Version);
        Assert.Equal(200, (await proxy.SendAsync("GET", "/public/ok", AccessHarness.AliceToken())).StatusCode);
        Assert.Equal(403, (await proxy.SendAsync("GET", "/admin/users", AccessHarness.AliceToken())).StatusCode);
    }

    [Fact]
    public async Task ReloadDuringTraffic_NoFailedRequests()
    {
        await using AccessHarness proxy = await AccessHarness.StartAsync();
        string token = AccessHarness.AliceToken();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        int failures = 0;
        int served = 0;

        async Task ClientLoopAsync()
        {
            using RawHttpClient client = proxy.Connect();
            for (int i = 0; i < 200 && !stop.IsCancellationRequested; i++)
            {
                await client.SendAsync($"GET /api/items/{i} HTTP/1.1\r\nHost: api.example.test\r\nAuthorization: Bearer {token}\r\n\r\n");
                RawResponse response = await client.ReadResponseAsync();
                Interlocked.Increment(ref served);
                if (response.StatusCode != 200)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        }

        Task[] clients = [.. Enumerable.Range(0, 4).Select(_ => Task.Run(ClientLoopAsync))];
        for (int i = 0; i < 10; i++)
        {
            await File.WriteAllTextAsync(proxy.PolicyPath, i % 2 == 0 ? WithAdminForAlice : AccessHarness.DefaultPolicy);
            Assert.Empty(proxy.Server.Runtime.ReloadPolicy());
            await Task.Delay(20);
        }

        await Task.WhenAll(clients);
        Assert.Equal(800, served);
        Assert.Equal(0, failures);
    }
}
