using System.IO.Pipelines;
using FastContractorProxy.Audit;
using FastContractorProxy.Http1;
using FastContractorProxy.Http2;

namespace FastContractorProxy.Hosting;

internal sealed partial class Http2Connection
{
    /// <summary>
    /// One client-initiated stream. The reader loop owns the protocol side (receive window, DATA into
    /// <see cref="Body"/>, END_STREAM), the exchange task owns the request and response side. The state flags change
    /// under a lock on the stream, so that exactly one side closes the stream.
    /// </summary>
    private sealed class Http2Stream : IThreadPoolWorkItem
    {
        private readonly Http2Connection _connection;
        private readonly CancellationTokenSource _aborted = new();
        private CancellationTokenSource _timer = new();
        private volatile bool _isAborted;

        public Http2Stream(Http2Connection connection, int id, HeaderFieldList fields, Http2RequestHead head, bool requestEnded, int sendWindow, int receiveWindow)
        {
            _connection = connection;
            Id = id;
            Fields = fields;
            Head = head;
            RequestEnded = requestEnded;
            SendWindow = sendWindow;
            ReceiveWindow = receiveWindow;
            Method = ClassifyMethod(head.Method);
            if (!requestEnded)
            {
                // Flow control bounds the buffered bytes, so the writer never has to wait.
                Body = new Pipe(new PipeOptions(pauseWriterThreshold: 0, resumeWriterThreshold: 0, useSynchronizationContext: false));
            }
        }

        public int Id { get; }

        /// <summary>The decoded request fields. The list belongs to this stream alone.</summary>
        public HeaderFieldList Fields { get; }

        public Http2RequestHead Head { get; }

        public KnownMethod Method { get; }

        /// <summary>Request body bytes from DATA frames; null when HEADERS carried END_STREAM.</summary>
        public Pipe? Body { get; }

        public CancellationToken AbortedToken => _aborted.Token;

        public bool IsAborted => _isAborted;

        // Protocol state, changed under lock (this).

        /// <summary>The client sent END_STREAM: the stream is half-closed (remote) or closed.</summary>
        public bool RequestEnded { get; set; }

        /// <summary>The proxy sent END_STREAM: the stream is half-closed (local) or closed.</summary>
        public bool ResponseEnded { get; set; }

        /// <summary>RST_STREAM was sent or received: the stream is closed and no frame may be sent on it.</summary>
        public bool Reset { get; set; }

        /// <summary>The stream left the table of open streams.</summary>
        public bool Closed { get; set; }

        /// <summary>The exchange no longer reads the body, so the reader drops DATA and returns its window at once.</summary>
        public bool BodyDiscarded { get; set; }

        // Reader loop only.

        /// <summary>Request body bytes received in DATA frames, padding excluded.</summary>
        public long DataReceived { get; set; }

        // Interlocked: the reader takes window, the exchange returns it.

        /// <summary>Bytes the client may still send before the next WINDOW_UPDATE on this stream.</summary>
        public int ReceiveWindow;

        /// <summary>Consumed bytes not yet returned to the client in a WINDOW_UPDATE on this stream.</summary>
        public int PendingCredit;

        /// <summary>Bytes the reader put into <see cref="Body"/> that the exchange has not returned to the connection window yet.</summary>
        public int UncreditedBytes;

        // Guarded by the connection's flow lock.

        /// <summary>Bytes of DATA the proxy may send on this stream. Negative after the client lowered SETTINGS_INITIAL_WINDOW_SIZE.</summary>
        public long SendWindow;

        /// <summary>Completed when the send window may have grown; null while the exchange does not wait.</summary>
        public TaskCompletionSource? WindowWaiter;

        // Exchange state, owned by the exchange task.
        public byte[] PathBuffer = [];
        public int PathLength;
        public readonly byte[] RequestId = new byte[128];
        public int RequestIdLength;
        public AccessResult Access;
        public AuditRecord? Audit;

        // The status sent to the client and the exchange's outcome, for metrics; kept whether or not audit is on.
        public int StatusCode;
        public AuditDecision Outcome = AuditDecision.Rejected;
        public long ExchangeStarted;
        public long RequestBodyBytes;
        public long ResponseBodyBytes;

        public ReadOnlySpan<byte> CanonicalPath => PathBuffer.AsSpan(0, PathLength);

        public ReadOnlySpan<byte> RequestIdText => RequestId.AsSpan(0, RequestIdLength);

        /// <summary>Runs the exchange on the thread pool, so the reader loop goes on reading frames meanwhile.</summary>
        public void Execute() => _ = _connection.RunStreamAsync(this);

        /// <summary>Cancels every wait of the exchange; its upstream connection, if any, is then aborted.</summary>
        public void Abort()
        {
            if (_isAborted)
            {
                return;
            }

            _isAborted = true;
            CancelQuietly(_aborted);
            CancelQuietly(_timer);
        }

        /// <summary>Returns a token that is canceled after <paramref name="timeout"/> or when the stream is aborted, whichever comes first.</summary>
        public CancellationToken ArmTimer(TimeSpan timeout)
        {
            if (!_timer.TryReset())
            {
                _timer.Dispose();
                _timer = new CancellationTokenSource();
            }

            if (_isAborted)
            {
                _timer.Cancel();
            }
            else
            {
                _timer.CancelAfter(timeout);
            }

            return _timer.Token;
        }

        public void Dispose()
        {
            _timer.Dispose();
            _aborted.Dispose();
        }

        private static void CancelQuietly(CancellationTokenSource source)
        {
            try
            {
                source.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
        }

        // Methods are case-sensitive (RFC 9110 section 9.1).
        private static KnownMethod ClassifyMethod(ReadOnlySpan<byte> method) => method switch
        {
            _ when method.SequenceEqual("GET"u8) => KnownMethod.Get,
            _ when method.SequenceEqual("HEAD"u8) => KnownMethod.Head,
            _ when method.SequenceEqual("POST"u8) => KnownMethod.Post,
            _ when method.SequenceEqual("PUT"u8) => KnownMethod.Put,
            _ when method.SequenceEqual("DELETE"u8) => KnownMethod.Delete,
            _ when method.SequenceEqual("OPTIONS"u8) => KnownMethod.Options,
            _ when method.SequenceEqual("PATCH"u8) => KnownMethod.Patch,
            _ when method.SequenceEqual("TRACE"u8) => KnownMethod.Trace,
            _ => KnownMethod.Other,
        };
    }
}
