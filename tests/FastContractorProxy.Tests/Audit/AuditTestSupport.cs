using System.Collections.Concurrent;
using System.Net;
using System.Text;
using FastContractorProxy.Audit;
using Microsoft.Extensions.Logging;

namespace FastContractorProxy.Tests.Audit;

/// <summary>A directory under the system temp path, deleted with its contents on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "fcp-audit-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Returns the rotated files of <paramref name="logName"/> in name order, then the log itself.</summary>
    public List<string> LogFiles(string logName = "audit.log")
    {
        // The pattern also matches the log itself, because ".*" at the end of a .NET search pattern matches nothing too.
        List<string> files = [.. Directory.GetFiles(Path, logName + ".*").Where(f => f != File(logName)).Order(StringComparer.Ordinal)];
        files.Add(File(logName));
        return files;
    }

    public void Dispose()
    {
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }
}

/// <summary>A clock that moves only when the test advances it, while timers and timestamps stay on the system clock.</summary>
internal sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
{
    private long _utcTicks = start.UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _utcTicks), TimeSpan.Zero);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _utcTicks, by.Ticks);
}

/// <summary>Collects log events so tests can check ids and levels.</summary>
internal sealed class LogCapture : ILoggerProvider, ILogger
{
    public ConcurrentQueue<(int EventId, LogLevel Level, string Message)> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => this;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Entries.Enqueue((eventId.Id, logLevel, formatter(state, exception)));

    public void Dispose()
    {
    }
}

internal static class AuditTestData
{
    public static readonly DateTimeOffset Start = new(2025, 3, 1, 10, 30, 0, TimeSpan.Zero);

    /// <summary>Fills every field of <paramref name="record"/> with a recognizable value.</summary>
    public static AuditRecord Fill(AuditRecord record, int sequence = 1)
    {
        record.Timestamp = Start.AddSeconds(sequence);
        record.SetRequestId(Encoding.ASCII.GetBytes($"req-{sequence}"));
        record.SetTraceId("4bf92f3577b34da6a3ce929d0e0e4736"u8);
        record.ClientAddress = IPAddress.Parse("192.0.2.10");
        record.ClientPort = 51234;
        record.SetServerAddress("api.example.test"u8);
        record.ProtocolVersion = "1.1";
        record.SetMethod("GET"u8);
        record.SetPath("/invoices/42"u8);
        record.SetRawTarget("/invoices/./42?customer=acme&page=2"u8);
        record.SetQuery("customer=acme&page=2"u8);
        record.UserId = "contractor-7";
        record.Organization = "acme-consulting";
        record.AuthMethod = "jwt";
        record.TokenId = "jti-0001";
        record.Route = "billing";
        record.Rule = "billing-read";
        record.Decision = AuditDecision.Allow;
        record.Reason = "allowed";
        record.StatusCode = 200;
        record.RequestBodyBytes = 0;
        record.ResponseBodyBytes = 1532;
        record.AuthenticationMicroseconds = 41;
        record.AuthorizationMicroseconds = 3;
        record.UpstreamMicroseconds = 12850;
        record.TotalMicroseconds = 13010;
        record.Upstream = "10.0.0.5:8080";
        record.PolicyVersion = "2025-03-01.1";
        return record;
    }

    /// <summary>Builds a chained log of <paramref name="count"/> lines, each with its newline, as the writer would.</summary>
    public static List<string> ChainedLines(int count, string? firstPreviousHash = null)
    {
        var serializer = new AuditRecordSerializer(includeQuery: false);
        byte[] previousHash = Encoding.ASCII.GetBytes(firstPreviousHash ?? new string('0', 64));
        var lines = new List<string>();
        for (int i = 1; i <= count; i++)
        {
            ReadOnlySpan<byte> line = serializer.Serialize(Fill(new AuditRecord(), i), previousHash);
            lines.Add(Encoding.ASCII.GetString(line) + "\n");
            AuditHash.ComputeLineHash(line, previousHash);
        }

        return lines;
    }

    public static string Hash(string lineWithNewline) => AuditHash.ComputeLineHash(Encoding.UTF8.GetBytes(lineWithNewline.TrimEnd('\n')));

    /// <summary>Polls <paramref name="condition"/> until it holds. Fails after a generous limit that only guards against hangs.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string description)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out after 30 s waiting until {description}.");
            }

            await Task.Delay(10);
        }
    }
}
