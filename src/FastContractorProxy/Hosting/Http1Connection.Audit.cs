using System.Diagnostics;
using FastContractorProxy.Admin;
using FastContractorProxy.Audit;
using FastContractorProxy.Http1;
using FastContractorProxy.Identity;
using FastContractorProxy.Policy;

namespace FastContractorProxy.Hosting;

internal sealed partial class Http1Connection
{
    // The audit record of the current exchange, filled as the exchange goes on; null when audit is off.
    private AuditRecord? _audit;
    private long _exchangeStarted;
    private long _requestBodyBytes;
    private long _responseBodyBytes;

    // The exchange's outcome for metrics, kept whether or not audit is on.
    private AuditDecision _outcome;
    private int _statusCode;

    /// <summary>Rents the record of a new exchange and fills in the fields of the request head.</summary>
    private void BeginAudit()
    {
        _requestBodyBytes = 0;
        _responseBodyBytes = 0;
        _outcome = AuditDecision.Rejected;
        _statusCode = 0;
        _access = default;
        _exchangeStarted = Stopwatch.GetTimestamp();
        if (_runtime.Audit is not { } writer)
        {
            return;
        }

        AuditRecord record = writer.Rent();
        _audit = record;
        record.Timestamp = _runtime.Time.GetUtcNow();
        record.ClientAddress = _peerIp;
        record.ClientPort = _peerPort;
        record.ProtocolVersion = _head.Version == HttpVersion.Http10 ? "1.0" : "1.1";
        if (_head.MethodRange.Length > 0)
        {
            record.SetMethod(_head[_head.MethodRange]);
        }

        if (_head.Target.Length > 0)
        {
            record.SetRawTarget(_head[_head.Target]);
        }

        if (!_head.Query.IsNone)
        {
            record.SetQuery(_head[_head.Query]);
        }

        if (!_head.Authority.IsNone)
        {
            record.SetServerAddress(_head[_head.Authority]);
        }
    }

    /// <summary>Records who the caller is and what the policy decided; called once authorization has run.</summary>
    private void AuditAccess()
    {
        _outcome = _access.AuditDecision;
        if (_audit is { } record)
        {
            ExchangeAudit.RecordAccess(record, _access, _runtime.Access);
        }
    }

    /// <summary>Records a response the proxy sent itself: a rejection, an upstream failure, a 401 or a 403.</summary>
    private void AuditRejection(RejectReason reason)
    {
        _outcome = ExchangeAudit.DecisionFor(reason);
        if (_audit is { } record)
        {
            record.Decision = _outcome;
            record.Reason = ExchangeAudit.Code(reason);
        }
    }

    private void AuditUpstream(string destination, long startedTimestamp)
    {
        if (_audit is { } record)
        {
            record.Upstream = destination;
            record.UpstreamMicroseconds = ExchangeAudit.Microseconds(Stopwatch.GetTimestamp() - startedTimestamp);
        }
    }

    private void AuditUpstreamFailure(string reason)
    {
        _outcome = AuditDecision.UpstreamError;
        if (_audit is { } record)
        {
            record.Decision = AuditDecision.UpstreamError;
            record.Reason = reason;
        }
    }

    /// <summary>
    /// Counts the exchange in the metrics, then completes the audit record and hands it to the writer. Under the
    /// block policy this waits for room in the queue.
    /// </summary>
    private async ValueTask EndExchangeAsync()
    {
        _runtime.Metrics.RecordRequest(_access.RouteId, _head.Method, _statusCode, ExchangeAudit.ToRequestDecision(_outcome), _access.Contractor?.Id,
            Stopwatch.GetElapsedTime(_exchangeStarted));
        if (_audit is not { } record)
        {
            return;
        }

        _audit = null;
        if (_pathLength > 0)
        {
            record.SetPath(CanonicalPath);
        }

        record.RequestBodyBytes = _requestBodyBytes;
        record.ResponseBodyBytes = _responseBodyBytes;
        record.TotalMicroseconds = ExchangeAudit.Microseconds(Stopwatch.GetTimestamp() - _exchangeStarted);
        record.Decision ??= AuditDecision.Rejected;

        await ExchangeAudit.SubmitAsync(_runtime.Audit!, record).ConfigureAwait(false);
    }

}
