using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.ObjectPool;

namespace FastContractorProxy.Audit;

/// <summary>
/// Writes audit records to a file and/or standard output from one background task. The data path rents a record
/// with <see cref="Rent"/>, fills it and enqueues it. The queue is a bounded channel, and the queue-full policy
/// decides between waiting and dropping. Each line links to the previous one through <c>fcp.prev_hash</c>, across
/// rotated files and restarts. Write errors never reach the data path: the writer reports them through
/// <see cref="Healthy"/> and <see cref="Error"/> and retries with a backoff.
/// </summary>
internal sealed partial class AuditWriter : IAsyncDisposable
{
    /// <summary>Records serialized per batch before the writer checks whether to write the batch out.</summary>
    private const int BatchRecords = 512;

    /// <summary>Serialized bytes held in memory before they are written, even when more records are queued.</summary>
    private const int WriteThresholdBytes = 256 * 1024;

    private const int PooledRecords = 1024;

    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan DefaultMaxRetryDelay = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan DropLogInterval = TimeSpan.FromMinutes(1);

    private readonly AuditSettings _settings;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly TimeSpan _maxRetryDelay;
    private readonly Channel<AuditRecord> _channel;
    private readonly ObjectPool<AuditRecord> _pool;
    private readonly AuditRecordSerializer _serializer;
    private readonly AuditFileSink? _file;
    private readonly Stream? _stdout;
    private readonly CancellationTokenSource _abandon = new();
    private readonly Task _drainTask;

    private long _written;
    private long _dropped;
    private long _unreportedDrops;
    private long _writeFailures;
    private volatile string? _error;
    private volatile bool _completed;
    private int _lateRecordLogged;

    /// <summary>
    /// Starts the writer. When the file cannot be opened, the writer starts unhealthy and keeps retrying in the
    /// background, so readiness shows the problem without failing start-up.
    /// </summary>
    /// <param name="stdout">The stream for <see cref="AuditSettings.Stdout"/>, or standard output when null.</param>
    /// <param name="maxRetryDelay">Maximum wait between two write attempts after failures, or 5 s when null.</param>
    public AuditWriter(AuditSettings settings, ILogger logger, TimeProvider? timeProvider = null, Stream? stdout = null, TimeSpan? maxRetryDelay = null)
    {
        if (settings.Path is null && !settings.Stdout)
        {
            throw new ArgumentException("The audit settings name no file and turn stdout off; set a path or stdout: true.", nameof(settings));
        }

        _settings = settings;
        _logger = logger;
        _time = timeProvider ?? TimeProvider.System;
        _maxRetryDelay = maxRetryDelay ?? DefaultMaxRetryDelay;
        _channel = Channel.CreateBounded<AuditRecord>(new BoundedChannelOptions(settings.QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
        });
        _pool = new DefaultObjectPool<AuditRecord>(new AuditRecordPoolPolicy(), PooledRecords);
        _serializer = new AuditRecordSerializer(settings.IncludeQuery);
        _file = settings.Path is null ? null : new AuditFileSink(settings.Path);
        _stdout = settings.Stdout ? stdout ?? Console.OpenStandardOutput() : null;
        _lastWriteTimestamp = _time.GetTimestamp();
        _lastSyncTimestamp = _lastWriteTimestamp;

        AuditHash.GenesisHash.CopyTo(_previousHash);
        if (_file is not null)
        {
            TryStepOnce(SinkStep.Recover, TimeSpan.Zero);
        }
        else
        {
            _recovered = true;
            LogStarted();
        }

        _drainTask = Task.Run(DrainAsync);
    }

    /// <summary>False while the last write attempt failed, and <see cref="Error"/> then describes the failure.</summary>
    public bool Healthy => _error is null;

    /// <summary>The last write error while <see cref="Healthy"/> is false, else null.</summary>
    public string? Error => _error;

    /// <summary>True while the log cannot be written and <c>fail_closed</c> is set, so the data path should reject requests with status 503.</summary>
    public bool ShouldRejectRequests => _settings.FailClosed && _error is not null;

    /// <summary>Records written to every configured sink.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>Records that were never written: dropped on a full queue, enqueued after completion, or abandoned at shutdown.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Failed open, write, rotate and fsync attempts, each of which is retried.</summary>
    public long WriteFailures => Interlocked.Read(ref _writeFailures);

    public int QueueLength => _channel.Reader.Count;

    public AuditSettings Settings => _settings;

    /// <summary>Takes a cleared record from the pool.</summary>
    public AuditRecord Rent() => _pool.Get();

    /// <summary>Returns a record that will not be enqueued, for example after <see cref="TryEnqueue"/> returned false.</summary>
    public void Return(AuditRecord record) => _pool.Return(record);

    /// <summary>
    /// Queues <paramref name="record"/> without waiting and returns true, after which the writer owns the record.
    /// Returns false when the queue is full or the writer is completed, and the caller keeps the record. Under the
    /// drop policy a false return is counted as a drop and reported in the next record. Under the block policy it is
    /// not counted, and the caller may pass the record to <see cref="EnqueueAsync"/>.
    /// </summary>
    public bool TryEnqueue(AuditRecord record)
    {
        StampTime(record);
        if (_channel.Writer.TryWrite(record))
        {
            return true;
        }

        if (_settings.FullPolicy == AuditFullPolicy.Drop)
        {
            CountDrop();
        }

        return false;
    }

    /// <summary>
    /// Queues <paramref name="record"/>, and the writer owns it from then on in every case. Under the block policy
    /// this waits for room in the queue, and under the drop policy a full queue drops the record. A record that
    /// arrives after completion, or whose wait is canceled, is counted as dropped, and a canceled wait still throws.
    /// </summary>
    public ValueTask EnqueueAsync(AuditRecord record, CancellationToken cancellationToken = default)
    {
        StampTime(record);
        if (_channel.Writer.TryWrite(record))
        {
            return ValueTask.CompletedTask;
        }

        if (_completed)
        {
            DiscardLateRecord(record);
            return ValueTask.CompletedTask;
        }

        if (_settings.FullPolicy == AuditFullPolicy.Drop)
        {
            CountDrop();
            _pool.Return(record);
            return ValueTask.CompletedTask;
        }

        return WaitAndEnqueueAsync(record, cancellationToken);
    }

    /// <summary>
    /// Stops accepting records, then waits until every queued record is written and flushed, with an fsync unless
    /// <c>fsync: none</c> is set. While the sink keeps failing, this waits for a retry to succeed. Cancel
    /// <paramref name="cancellationToken"/> to give up, and the unwritten records are counted as dropped.
    /// </summary>
    public async Task CompleteAsync(CancellationToken cancellationToken = default)
    {
        _completed = true;
        _channel.Writer.TryComplete();
        using (cancellationToken.Register(static state => ((CancellationTokenSource)state!).Cancel(), _abandon))
        {
            await _drainTask.ConfigureAwait(false);
        }
    }

    /// <summary>Completes the writer, waiting for the queue to drain as <see cref="CompleteAsync"/> does, and closes the file.</summary>
    public async ValueTask DisposeAsync()
    {
        await CompleteAsync().ConfigureAwait(false);
        _file?.Dispose();
        _abandon.Dispose();
    }

    private void StampTime(AuditRecord record)
    {
        if (record.Timestamp == default)
        {
            record.Timestamp = _time.GetUtcNow();
        }
    }

    private async ValueTask WaitAndEnqueueAsync(AuditRecord record, CancellationToken cancellationToken)
    {
        try
        {
            await _channel.Writer.WriteAsync(record, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            DiscardLateRecord(record);
        }
        catch (OperationCanceledException)
        {
            CountDrop();
            _pool.Return(record);
            throw;
        }
    }

    private void DiscardLateRecord(AuditRecord record)
    {
        CountDrop();
        _pool.Return(record);
        if (Interlocked.Exchange(ref _lateRecordLogged, 1) == 0)
        {
            AuditLog.EnqueueAfterCompletion(_logger);
        }
    }

    private void CountDrop()
    {
        Interlocked.Increment(ref _dropped);
        Interlocked.Increment(ref _unreportedDrops);
    }

    private void LogStarted() =>
        AuditLog.WriterStarted(_logger, _file?.Path ?? "(none)", _stdout is not null, _settings.QueueCapacity, _settings.FullPolicy,
            System.Text.Encoding.ASCII.GetString(_previousHash));
}
