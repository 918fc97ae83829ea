using System.Text;
using System.Text.Json;
using FastContractorProxy.Audit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FastContractorProxy.Tests.Audit;

public sealed class AuditWriterTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    // File tests run on a fixed clock, so a run across midnight UTC cannot rotate the log by time.
    private readonly ManualTimeProvider _clock = new(AuditTestData.Start);

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData(nameof(AuditFsyncPolicy.None))]
    [InlineData(nameof(AuditFsyncPolicy.Interval))]
    [InlineData(nameof(AuditFsyncPolicy.EveryBatch))]
    public async Task Complete_DrainsEverything(string fsync)
    {
        var settings = FileSettings() with { Fsync = Enum.Parse<AuditFsyncPolicy>(fsync) };
        var writer = new AuditWriter(settings, NullLogger.Instance, _clock);

        await Task.WhenAll(Enumerable.Range(0, 4).Select(worker => Task.Run(async () =>
        {
            for (int i = 0; i < 500; i++)
            {
                await writer.EnqueueAsync(AuditTestData.Fill(writer.Rent(), (worker * 1000) + i));
            }
        })));
        await writer.CompleteAsync();

        Assert.Equal(2000, writer.Written);
        Assert.Equal(0, writer.Dropped);
        Assert.Equal(0, writer.QueueLength);
        Assert.Equal(2000, File.ReadAllLines(settings.Path!).Length);
        AssertChainValid([settings.Path!], 2000);
        await writer.DisposeAsync();
    }

    [Fact]
    public async Task SizeRotation_ChainSpansFiles()
    {
        int lineBytes = AuditTestData.ChainedLines(1)[0].Length;
        var settings = FileSettings() with { MaxFileBytes = (2 * lineBytes) + 10 };
        var clock = new ManualTimeProvider(AuditTestData.Start);

        await using (var writer = new AuditWriter(settings, NullLogger.Instance, clock))
        {
            for (int i = 0; i < 9; i++)
            {
                await writer.EnqueueAsync(AuditTestData.Fill(writer.Rent(), i));
            }
        }

        List<string> files = _directory.LogFiles();
        Assert.Equal(5, files.Count);
        Assert.All(files, f => Assert.InRange(new FileInfo(f).Length, 1, settings.MaxFileBytes));
        Assert.Equal(_directory.File("audit.log.20250301T103000000Z"), files[0]);
        Assert.Equal(_directory.File("audit.log.20250301T103000000Z-001"), files[1]);
        AssertChainValid(files, 9);
    }

    [Fact]
    public async Task OversizedLine_AloneInItsFile()
    {
        var settings = FileSettings() with { MaxFileBytes = 100 };
        var clock = new ManualTimeProvider(AuditTestData.Start);

        await using (var writer = new AuditWriter(settings, NullLogger.Instance, clock))
        {
            for (int i = 0; i < 3; i++)
            {
                await writer.EnqueueAsync(AuditTestData.Fill(writer.Rent(), i));
            }
        }

        List<string> files = _directory.LogFiles();
        Assert.Equal(3, files.Count);
        Assert.All(files, f => Assert.Single(File.ReadAllLines(f)));
        AssertChainValid(files, 3);
    }

    [Fact]
    public async Task TimeRotation_InjectedClock()
    {
        var settings = FileSettings() with { RotateInterval = TimeSpan.FromHours(1) };
        var clock = new ManualTimeProvider(AuditTestData.Start);

        await using (var writer = new AuditWriter(settings, NullLogger.Instance, clock))
        {
            await writer.EnqueueAsync(AuditTestData.Fill(writer.Rent(), 1));
            await writer.EnqueueAsync(AuditTestData.Fill(writer.Rent(), 2));
            await AuditTestData.WaitUntilAsync(() => writer.Written == 2, "two records are written");

            clock.Advance(TimeSpan.FromMinutes(29));
            await writer.EnqueueAsync(AuditTestData.Fill(writer.Rent(), 3));
            await AuditTestData.WaitUntilAsync(() => writer.Written == 3, "the third record is written");

            clock.Advance(TimeSpan.FromMinutes(2));
            await writer.EnqueueAsync(AuditTestData.Fill(writer.Rent(), 4));
        }

        List<string> files = _directory.LogFiles();
        Assert.Equal([_directory.File("audit.log.20250301T110100000Z"), settings.Path!], files);
        Assert.Equal(3, File.ReadAllLines(files[0]).Length);
        Assert.Single(File.ReadAllLines(files[1]));
        AssertChainValid(files, 4);
    }

    [Fact]
    public async Task Restart_ContinuesChain()
    {
        var settings = FileSettings();
        await WriteSessionAsync(settings, 3, _clock);
        await WriteSessionAsync(settings, 2, _clock);

        string[] lines = File.ReadAllLines(settings.Path!);
        using JsonDocument fourth = JsonDocument.Parse(lines[3]);

        Assert.Equal(5, lines.Length);
        Assert.Equal(AuditTestData.Hash(lines[2]), fourth.RootElement.GetProperty("fcp.prev_hash").GetString());
        AssertChainValid([settings.Path!], 5);
    }

    [Fact]
    public async Task RestartInLaterPeriod_RotatesFirst()
    {
        var settings = FileSettings();
        await WriteSessionAsync(settings, 2, new ManualTimeProvider(AuditTestData.Start));
        await WriteSessionAsync(settings, 1, new ManualTimeProvider(AuditTestData.Start.AddDays(1)));

        List<string> files = _directory.LogFiles();

        Assert.Equal([_directory.File("audit.log.20250302T103000000Z"), settings.Path!], files);
        Assert.Equal(2, File.ReadAllLines(files[0]).Length);
        AssertChainValid(files, 3);
    }

    [Fact]
    public async Task RestartAfterInterruptedWrite_TerminatesLine()
    {
        var settings = FileSettings();
        List<string> lines = AuditTestData.ChainedLines(3);
        string partial = lines[2][..50];
        File.WriteAllText(settings.Path!, lines[0] + lines[1] + partial);
        var logs = new LogCapture();

        await using (var writer = new AuditWriter(settings, logs, _clock))
        {
            await writer.EnqueueAsync(AuditTestData.Fill(writer.Rent(), 4));
        }

        string[] written = File.ReadAllLines(settings.Path!);
        using JsonDocument fourth = JsonDocument.Parse(written[3]);
        AuditVerifyResult result = AuditVerifier.Verify([settings.Path!]);

        Assert.Equal(partial, written[2]);
        Assert.Equal(AuditTestData.Hash(partial), fourth.RootElement.GetProperty("fcp.prev_hash").GetString());
        Assert.Equal(AuditVerifyStatus.Broken, result.Status);
        Assert.Equal(3, result.Line);
        Assert.Contains(logs.Entries, e => e.EventId == 505 && e.Level == LogLevel.Warning);
    }

    [Fact]
    public async Task DropPolicy_CountsAndReports()
    {
        var sink = new GatedStream();
        var settings = StdoutSettings() with { FullPolicy = AuditFullPolicy.Drop, QueueCapacity = 2 };
        var logs = new LogCapture();
        var writer = new AuditWriter(settings, logs, stdout: sink);

        Assert.True(writer.TryEnqueue(AuditTestData.Fill(writer.Rent(), 1)));
        await sink.WaitUntilWriteStartsAsync();
        Assert.True(writer.TryEnqueue(AuditTestData.Fill(writer.Rent(), 2)));
        Assert.True(writer.TryEnqueue(AuditTestData.Fill(writer.Rent(), 3)));
        for (int i = 0; i < 3; i++)
        {
            AuditRecord record = AuditTestData.Fill(writer.Rent(), 10 + i);
            Assert.False(writer.TryEnqueue(record));
            writer.Return(record);
        }

        await writer.EnqueueAsync(AuditTestData.Fill(writer.Rent(), 20));
        await writer.EnqueueAsync(AuditTestData.Fill(writer.Rent(), 21));
        long droppedWhileBlocked = writer.Dropped;
        sink.Open();
        await writer.DisposeAsync();

        List<JsonElement> records = sink.Records();
        Assert.Equal(5, droppedWhileBlocked);
        Assert.Equal(3, writer.Written);
        Assert.Equal(["req-1", "req-2", "req-3"], records.Select(r => r.GetProperty("request.id").GetString()));
        Assert.False(records[0].TryGetProperty("fcp.dropped", out _));
        Assert.Equal(5, records[1].GetProperty("fcp.dropped").GetInt64());
        Assert.False(records[2].TryGetProperty("fcp.dropped", out _));
        Assert.Contains(logs.Entries, e => e.EventId == 504 && e.Level == LogLevel.Warning);
    }

    [Fact]
    public async Task BlockPolicy_FullQueueTryEnqueueKeepsRecord()
    {
        var sink = new GatedStream();
        var settings = StdoutSettings() with { QueueCapacity = 1 };
        var writer = new AuditWriter(settings, NullLogger.Instance, stdout: sink);

        await writer.EnqueueAsync(AuditTestData.Fill(writer.Rent(), 1));
        await sink.WaitUntilWriteStartsAsync();
        Assert.True(writer.TryEnqueue(AuditTestData.Fill(writer.Rent(), 2)));
        AuditRecord third = AuditTestData.Fill(writer.Rent(), 3);
        bool queued = writer.TryEnqueue(third);
        ValueTask waiting = writer.EnqueueAsync(third);
        bool waited = !waiting.IsCompleted;
        sink.Open();
        await waiting;
        await writer.DisposeAsync();

        Assert.False(queued);
        Assert.True(waited);
        Assert.Equal(0, writer.Dropped);
        Assert.Equal(["req-1", "req-2", "req-3"], sink.Records().Select(r => r.GetProperty("request.id").GetString()));
    }

    [Fact]
    public async Task BlockPolicy_SlowSinkLosesNothing()
    {
        var sink = new GatedStream(writeDelay: TimeSpan.FromMilliseconds(2));
        sink.Open();
        var settings = StdoutSettings() with { QueueCapacity = 2 };
        var writer = new AuditWriter(settings, NullLogger.Instance, stdout: sink);

        await Task.WhenAll(Enumerable.Range(0, 4).Select(worker => Task.Run(async () =>
        {
            for (int i = 0; i < 50; i++)
            {
                await writer.EnqueueAsync(AuditTestData.Fill(writer.Rent(), (worker * 100) + i));
            }
        })));
        await writer.DisposeAsync();

        string stdoutFile = _directory.File("stdout.log");
        File.WriteAllBytes(stdoutFile, sink.Written());
        Assert.Equal(0, writer.Dropped);
        Assert.Equal(200, writer.Written);
        Assert.Equal(200, sink.Records().Select(r => r.GetProperty("request.id").GetString()).Distinct().Count());
        AssertChainValid([stdoutFile], 200);
    }

    [Fact]
    public async Task FileAndStdout_SameLines()
    {
        var sink = new GatedStream();
        sink.Open();
        var settings = FileSettings() with { Stdout = true };

        await using (var writer = new AuditWriter(settings, NullLogger.Instance, _clock, stdout: sink))
        {
            for (int i = 0; i < 5; i++)
            {
                await writer.EnqueueAsync(AuditTestData.Fill(writer.Rent(), i));
            }
        }

        Assert.Equal(File.ReadAllBytes(settings.Path!), sink.Written());
    }

    [Fact]
    public async Task UnwritableDirectory_UnhealthyThenRecovers()
    {
        string blocker = _directory.File("blocker");
        File.WriteAllText(blocker, "a file where the log directory should be");
        var settings = new AuditSettings { Path = Path.Combine(blocker, "audit.log"), FailClosed = true };
        var logs = new LogCapture();
        var writer = new AuditWriter(settings, logs, _clock, maxRetryDelay: TimeSpan.FromMilliseconds(100));

        Assert.False(writer.Healthy);
        Assert.True(writer.ShouldRejectRequests);
        Assert.Contains("blocker", writer.Error, StringComparison.Ordinal);
        Assert.True(writer.TryEnqueue(AuditTestData.Fill(writer.Rent(), 1)));
        await AuditTestData.WaitUntilAsync(() => writer.WriteFailures >= 3, "the writer retried twice");
        Assert.False(writer.Healthy);

        File.Delete(blocker);
        await AuditTestData.WaitUntilAsync(() => writer.Written == 1, "the record is written after recovery");
        await writer.DisposeAsync();

        Assert.True(writer.Healthy);
        Assert.False(writer.ShouldRejectRequests);
        Assert.Null(writer.Error);
        AssertChainValid([settings.Path!], 1);
        Assert.Contains(logs.Entries, e => e.EventId == 501 && e.Level == LogLevel.Error);
        Assert.Contains(logs.Entries, e => e.EventId == 502 && e.Level == LogLevel.Information);
    }

    [Fact]
    public async Task FailedRotation_RetriedUntilWritable()
    {
        string directory = _directory.File("logs");
        var settings = new AuditSettings { Path = Path.Combine(directory, "audit.log"), MaxFileBytes = 100 };
        var writer = new AuditWriter(settings, NullLogger.Instance, _clock, maxRetryDelay: TimeSpan.FromMilliseconds(100));
        await writer.EnqueueAsync(AuditTestData.Fill(writer.Rent(), 1));
        await AuditTestData.WaitUntilAsync(() => writer.Written == 1, "the first record is written");

        // The open file stays writable, but the new file after rotation cannot be created.
        Directory.Delete(directory, recursive: true);
        File.WriteAllText(directory, "a file where the log directory should be");
        await writer.EnqueueAsync(AuditTestData.Fill(writer.Rent(), 2));
        await AuditTestData.WaitUntilAsync(() => writer.WriteFailures >= 2, "the rotation failed twice");
        bool healthyWhileBlocked = writer.Healthy;
        string? error = writer.Error;

        File.Delete(directory);
        await AuditTestData.WaitUntilAsync(() => writer.Written == 2, "the second record is written after recovery");
        await writer.DisposeAsync();

        Assert.False(healthyWhileBlocked);
        Assert.StartsWith("Rotating the audit log", error, StringComparison.Ordinal);
        Assert.True(writer.Healthy);
        Assert.Single(File.ReadAllLines(settings.Path!));
    }

    [Fact]
    public async Task CanceledComplete_CountsUnwrittenRecords()
    {
        string blocker = _directory.File("blocker");
        File.WriteAllText(blocker, "");
        var settings = new AuditSettings { Path = Path.Combine(blocker, "audit.log") };
        var logs = new LogCapture();
        var writer = new AuditWriter(settings, logs, maxRetryDelay: TimeSpan.FromMilliseconds(100));
        await writer.EnqueueAsync(AuditTestData.Fill(writer.Rent(), 1));
        await writer.EnqueueAsync(AuditTestData.Fill(writer.Rent(), 2));

        using var cancel = new CancellationTokenSource();
        Task completing = writer.CompleteAsync(cancel.Token);
        await cancel.CancelAsync();
        await completing;

        Assert.Equal(2, writer.Dropped);
        Assert.Equal(0, writer.Written);
        Assert.Contains(logs.Entries, e => e.EventId == 507 && e.Level == LogLevel.Error);
        await writer.DisposeAsync();
    }

    [Fact]
    public async Task EnqueueAfterComplete_CountedAsDropped()
    {
        var settings = FileSettings();
        var writer = new AuditWriter(settings, NullLogger.Instance, _clock);
        await writer.CompleteAsync();

        await writer.EnqueueAsync(AuditTestData.Fill(writer.Rent(), 1));
        AuditRecord record = AuditTestData.Fill(writer.Rent(), 2);
        bool queued = writer.TryEnqueue(record);
        await writer.DisposeAsync();

        Assert.False(queued);
        Assert.Equal(1, writer.Dropped);
        Assert.Equal(0, writer.Written);
    }

    [Fact]
    public async Task UnsetTimestamp_TakenFromClock()
    {
        var settings = FileSettings();
        var clock = new ManualTimeProvider(new DateTimeOffset(2025, 6, 1, 8, 0, 0, TimeSpan.Zero).AddTicks(1230));

        await using (var writer = new AuditWriter(settings, NullLogger.Instance, clock))
        {
            AuditRecord record = writer.Rent();
            record.SetPath("/x"u8);
            await writer.EnqueueAsync(record);
        }

        using JsonDocument line = JsonDocument.Parse(File.ReadAllLines(settings.Path!)[0]);
        Assert.Equal("2025-06-01T08:00:00.000123Z", line.RootElement.GetProperty("timestamp").GetString());
    }

    [Fact]
    public void NoSink_Rejected()
    {
        var settings = new AuditSettings { Path = null, Stdout = false };

        Assert.Throws<ArgumentException>(() => new AuditWriter(settings, NullLogger.Instance));
    }

    private AuditSettings FileSettings() => new() { Path = _directory.File("audit.log") };

    private static AuditSettings StdoutSettings() => new() { Path = null, Stdout = true };

    private static async Task WriteSessionAsync(AuditSettings settings, int count, TimeProvider clock)
    {
        await using var writer = new AuditWriter(settings, NullLogger.Instance, clock);
        for (int i = 0; i < count; i++)
        {
            await writer.EnqueueAsync(AuditTestData.Fill(writer.Rent(), i));
        }
    }

    private static void AssertChainValid(IReadOnlyList<string> files, long records)
    {
        AuditVerifyResult result = AuditVerifier.Verify(files);
        Assert.True(result.IsValid, result.Message);
        Assert.Equal(records, result.RecordCount);
    }

    /// <summary>An in-memory stdout whose writes wait until the test opens it, optionally with a delay per write.</summary>
    private sealed class GatedStream(TimeSpan writeDelay = default) : Stream
    {
        private readonly MemoryStream _written = new();
        private readonly ManualResetEventSlim _open = new();
        private readonly SemaphoreSlim _writeStarted = new(0);

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public void Open() => _open.Set();

        public async Task WaitUntilWriteStartsAsync()
        {
            Assert.True(await _writeStarted.WaitAsync(TimeSpan.FromSeconds(30)), "The writer never wrote to stdout.");
        }

        public byte[] Written()
        {
            lock (_written)
            {
                return _written.ToArray();
            }
        }

        public List<JsonElement> Records() =>
            [.. Encoding.ASCII.GetString(Written()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement)];

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _writeStarted.Release();
            _open.Wait();
            if (writeDelay > TimeSpan.Zero)
            {
                Thread.Sleep(writeDelay);
            }

            lock (_written)
            {
                _written.Write(buffer);
            }
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _open.Dispose();
                _writeStarted.Dispose();
                _written.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
