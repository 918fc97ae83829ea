using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using FastContractorProxy.Identity;
using Microsoft.Extensions.Logging;

namespace FastContractorProxy.Tests.Identity;

public sealed class IdentityLogTests
{
    [Fact]
    public async Task FetchFailureAndRecovery_Logged()
    {
        using TestKey key = TestKey.EC("log-key");
        await using JwksServer server = await JwksServer.StartAsync(TestKey.Jwks(key));
        var logs = new LogCapture();
        await using Authenticator authenticator = await StartAsync(server, logs);

        server.Available = false;
        await authenticator.KeyStores[0].RefreshAsync();
        server.Available = true;
        await authenticator.KeyStores[0].RefreshAsync();

        Assert.Contains(logs.Entries, e => e.EventId == 300 && e.Level == LogLevel.Warning);
        Assert.Contains(logs.Entries, e => e.EventId == 301 && e.Level == LogLevel.Information);
    }

    [Fact]
    public async Task RejectedToken_NotLogged()
    {
        using TestKey key = TestKey.EC("log-key");
        await using JwksServer server = await JwksServer.StartAsync(TestKey.Jwks(key));
        var logs = new LogCapture();
        await using Authenticator authenticator = await StartAsync(server, logs);
        JsonObject claims = TestTokens.Claims(server.Issuer);
        claims["aud"] = "another-api";
        string token = TestTokens.Create(key, claims);

        authenticator.Authenticate(Encoding.ASCII.GetBytes("Bearer " + token));
        authenticator.Authenticate(Encoding.ASCII.GetBytes("ApiKey " + token));

        Assert.Contains(logs.Entries, e => e.EventId == 310 && e.Level == LogLevel.Debug);
        Assert.Contains(logs.Entries, e => e.EventId == 311 && e.Level == LogLevel.Debug);
        Assert.DoesNotContain(logs.Entries, e => e.Message.Contains(token.Split('.')[1], StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Entries, e => e.Message.Contains(token.Split('.')[2], StringComparison.Ordinal));
    }

    private static async Task<Authenticator> StartAsync(JwksServer server, LogCapture logs)
    {
        var settings = new IdentitySettings
        {
            Issuers = [new IssuerSettings { Issuer = server.Issuer, Audiences = [TestTokens.Audience] }],
        };
        var authenticator = new Authenticator(settings, loggerFactory: new LoggerFactory([logs]));
        await authenticator.StartAsync(CancellationToken.None);
        return authenticator;
    }

    private sealed record LogEntry(int EventId, LogLevel Level, string Message);

    /// <summary>Records every log event at every level.</summary>
    private sealed class LogCapture : ILoggerProvider, ILogger
    {
        public ConcurrentQueue<LogEntry> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Enqueue(new LogEntry(eventId.Id, logLevel, formatter(state, exception)));

        public void Dispose()
        {
        }
    }
}
