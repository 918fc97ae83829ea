using System.Buffers;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace FastContractorProxy.Audit;

/// <summary>The background task of <see cref="AuditWriter"/>: serializing, batching, rotating and retrying.</summary>
internal sealed partial class AuditWriter
{
    /// <summary>A sink operation that is retried as a whole after an I/O error.</summary>
    private enum SinkStep
    {
        Recover,
        WritePending,
        Rotate,
        Sync,
    }

    /// <summary>Lowercase hex hash of the last serialized line: the next line's <c>fcp.prev_hash</c>.</summary>
    private readonly byte[] _previousHash = new byte[AuditHash.HexLength];

    /// <summary>Serialized lines, each with its newline, not yet written to every sink.</summary>
    private readonly ArrayBufferWriter<byte> _pending = new(64 * 1024);

    private int _pendingRecords;
    private bool _pendingInFile;
    private bool _pendingInStdout;
    private bool _fileUnsynced;
    private bool _recovered;
    private long _filePeriod;
    private DateTimeOffset _rotationTime;
    private string _rotationTrigger = "";
    private long _lastWriteTimestamp;
    private long _lastSyncTimestamp;
    private int _consecutiveFailures;
    private long _dropsSinceLog;
    private long _lastDropLogTimestamp;

    private async Task DrainAsync()
    {
        ChannelReader<AuditRecord> reader = _channel.Reader;
        try
        {
            if (!_recovered)
            {
                await RunStepAsync(SinkStep.Recover).ConfigureAwait(false);
            }

            while (await WaitForRecordsAsync(reader).ConfigureAwait(false))
            {
                for (int count = 0; count < BatchRecords && reader.TryRead(out AuditRecord? record); count++)
                {
                    await AppendAsync(record).ConfigureAwait(false);
                }

                bool idle = reader.Count == 0;
                bool due = _time.GetElapsedTime(_lastWriteTimestamp) >= _settings.FlushInterval;
                if (idle || due || _pending.WrittenCount >= WriteThresholdBytes)
                {
                    await WritePendingAsync(sync: IsSyncDue()).ConfigureAwait(false);
                }
            }

            await WritePendingAsync(sync: _settings.Fsync != AuditFsyncPolicy.None).ConfigureAwait(false);
            AuditLog.WriterStopped(_logger, Written, Dropped, WriteFailures);
        }
        catch (OperationCanceledException) when (_abandon.IsCancellationRequested)
        {
            AbandonRemaining();
        }
    }

    /// <summary>
    /// Waits until a record is queued and returns false once the queue is completed and empty. While a written
    /// batch still waits for its interval fsync, the wait ends at the fsync's due time to run it.
    /// </summary>
    private async ValueTask<bool> WaitForRecordsAsync(ChannelReader<AuditRecord> reader)
    {
        while (_settings.Fsync == AuditFsyncPolicy.Interval && _fileUnsynced)
        {
            TimeSpan remaining = _settings.FlushInterval - _time.GetElapsedTime(_lastSyncTimestamp);
            if (remaining <= TimeSpan.Zero)
            {
                await RunStepAsync(SinkStep.Sync).ConfigureAwait(false);
                break;
            }

            using var timeout = new CancellationTokenSource(remaining, _time);
            try
            {
                return await reader.WaitToReadAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                // The fsync is due, and the next iteration runs it.
            }
        }

        return await reader.WaitToReadAsync().ConfigureAwait(false);
    }

    private bool IsSyncDue() => _settings.Fsync switch
    {
        AuditFsyncPolicy.EveryBatch => true,
        AuditFsyncPolicy.Interval => _time.GetElapsedTime(_lastSyncTimestamp) >= _settings.FlushInterval,
        _ => false,
    };

    /// <summary>Serializes one record into the pending buffer, rotating the file first when the line does not fit.</summary>
    private async ValueTask AppendAsync(AuditRecord record)
    {
        long drops = Interlocked.Exchange(ref _unreportedDrops, 0);
        record.Dropped = drops;
        int lineLength = _serializer.Serialize(record, _previousHash).Length;
        _pool.Return(record);
        if (drops > 0)
        {
            LogDrops(drops);
        }

        if (_file is not null && NeedsRotation(lineLength + 1))
        {
            await WritePendingAsync(sync: _settings.Fsync != AuditFsyncPolicy.None).ConfigureAwait(false);
            await RunStepAsync(SinkStep.Rotate).ConfigureAwait(false);
        }

        // The serializer keeps the line in its buffer until the next Serialize call, so it is still valid here.
        ReadOnlySpan<byte> line = _serializer.Line;
        Span<byte> destination = _pending.GetSpan(line.Length + 1);
        line.CopyTo(destination);
        destination[line.Length] = (byte)'\n';
        _pending.Advance(line.Length + 1);
        _pendingRecords++;
        AuditHash.ComputeLineHash(line, _previousHash);
    }

    /// <summary>Decides whether the file must rotate before a line of <paramref name="lineBytes"/> is appended. An empty file never rotates.</summary>
    private bool NeedsRotation(int lineBytes)
    {
        DateTimeOffset now = _time.GetUtcNow();
        long period = RotationPeriod(now);
        long fileBytes = _file!.Length + _pending.WrittenCount;
        if (fileBytes == 0)
        {
            _filePeriod = period;
            return false;
        }

        if (period > _filePeriod)
        {
            _rotationTrigger = "time";
        }
        else if (_settings.MaxFileBytes > 0 && fileBytes + lineBytes > _settings.MaxFileBytes)
        {
            _rotationTrigger = "size";
        }
        else
        {
            return false;
        }

        _rotationTime = now;
        _filePeriod = period;
        return true;
    }

    /// <summary>Returns the index of the rotation period that contains <paramref name="time"/>, or 0 without time rotation.</summary>
    private long RotationPeriod(DateTimeOffset time) =>
        _settings.RotateInterval > TimeSpan.Zero ? (time - DateTimeOffset.UnixEpoch).Ticks / _settings.RotateInterval.Ticks : 0;

    private async ValueTask WritePendingAsync(bool sync)
    {
        if (_pending.WrittenCount > 0)
        {
            await RunStepAsync(SinkStep.WritePending).ConfigureAwait(false);
            Interlocked.Add(ref _written, _pendingRecords);
            _pendingRecords = 0;
            _pending.ResetWrittenCount();
            _pendingInFile = false;
            _pendingInStdout = false;
            _lastWriteTimestamp = _time.GetTimestamp();
        }

        if (sync && _fileUnsynced)
        {
            await RunStepAsync(SinkStep.Sync).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Runs <paramref name="step"/> until it succeeds. After an I/O error the writer is unhealthy and closes the file.
    /// It then waits with a doubling delay up to the maximum and runs the whole step again, which every step allows.
    /// </summary>
    private async ValueTask RunStepAsync(SinkStep step)
    {
        TimeSpan delay = FirstRetryDelay;
        while (!TryStepOnce(step, delay))
        {
            await Task.Delay(delay, _time, _abandon.Token).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _maxRetryDelay.Ticks));
        }
    }

    private bool TryStepOnce(SinkStep step, TimeSpan retryDelay)
    {
        try
        {
            RunStep(step);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            RecordFailure(step, exception, retryDelay);
            return false;
        }

        if (_consecutiveFailures > 0)
        {
            AuditLog.WriteRecovered(_logger, SinkName, _consecutiveFailures);
            _consecutiveFailures = 0;
            _error = null;
        }

        return true;
    }

    private void RunStep(SinkStep step)
    {
        switch (step)
        {
            case SinkStep.Recover:
                Recover();
                break;
            case SinkStep.WritePending:
                ReadOnlySpan<byte> data = _pending.WrittenSpan;
                if (_file is not null && !_pendingInFile)
                {
                    _file.Write(data);
                    _pendingInFile = true;
                    _fileUnsynced = true;
                }

                if (_stdout is not null && !_pendingInStdout)
                {
                    // NOTE: a failure in the middle of this write repeats the whole batch on stdout on retry.
                    _stdout.Write(data);
                    _stdout.Flush();
                    _pendingInStdout = true;
                }

                break;
            case SinkStep.Rotate:
                string? rotatedPath = _file!.Rotate(_rotationTime);
                if (rotatedPath is not null)
                {
                    AuditLog.FileRotated(_logger, _rotationTrigger, _file.Path, rotatedPath);
                }

                break;
            case SinkStep.Sync:
                _file?.FlushToDisk();
                _fileUnsynced = false;
                _lastSyncTimestamp = _time.GetTimestamp();
                break;
        }
    }

    private void Recover()
    {
        AuditFileSink file = _file!;
        if (file.Recover(_previousHash))
        {
            AuditLog.IncompleteLineTerminated(_logger, file.Path);
        }

        DateTimeOffset lastRecordTime = file.LastRecordTime
            ?? (file.Length > 0 ? new DateTimeOffset(File.GetLastWriteTimeUtc(file.Path)) : _time.GetUtcNow());
        _filePeriod = RotationPeriod(lastRecordTime);
        _recovered = true;
        LogStarted();
    }

    private void RecordFailure(SinkStep step, Exception exception, TimeSpan retryDelay)
    {
        Interlocked.Increment(ref _writeFailures);
        _consecutiveFailures++;
        string action = step switch
        {
            SinkStep.Recover => "Opening",
            SinkStep.Rotate => "Rotating",
            SinkStep.Sync => "Syncing",
            _ => "Writing",
        };
        _error = $"{action} the audit log {SinkName} failed: {exception.Message}";
        _file?.Close();

        // The first failure and then every 12th is logged: about once a minute at the 5 s maximum delay.
        if (_consecutiveFailures == 1 || _consecutiveFailures % 12 == 0)
        {
            AuditLog.WriteFailed(_logger, _error, _consecutiveFailures, QueueLength, (long)retryDelay.TotalMilliseconds);
        }
    }

    private string SinkName => _file?.Path ?? "stdout";

    private void LogDrops(long drops)
    {
        _dropsSinceLog += drops;
        TimeSpan sinceLog = _time.GetElapsedTime(_lastDropLogTimestamp);
        if (_lastDropLogTimestamp == 0 || sinceLog >= DropLogInterval)
        {
            long seconds = _lastDropLogTimestamp == 0 ? 0 : (long)sinceLog.TotalSeconds;
            AuditLog.RecordsDropped(_logger, _dropsSinceLog, seconds, Dropped);
            _dropsSinceLog = 0;
            _lastDropLogTimestamp = _time.GetTimestamp();
        }
    }

    /// <summary>Counts the pending and still-queued records as dropped after <see cref="CompleteAsync"/> was canceled.</summary>
    private void AbandonRemaining()
    {
        long lost = _pendingRecords;
        _pendingRecords = 0;
        _pending.ResetWrittenCount();
        _pendingInFile = false;
        _pendingInStdout = false;
        while (_channel.Reader.TryRead(out AuditRecord? record))
        {
            _pool.Return(record);
            lost++;
        }

        Interlocked.Add(ref _dropped, lost);
        AuditLog.RecordsAbandoned(_logger, lost, _error ?? "none");
    }
}
