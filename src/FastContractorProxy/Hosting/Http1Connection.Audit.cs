using System.Diagnostics;
using FastContractorProxy.Admin;
using FastContractorProxy.Audit;
using FastContractorProxy.Http1;
using FastContractorProxy.Identity;
using FastContractorProxy.Policy;

namespace FastContractorProxy.Hosting;

internal sealed partial class Http1Connection
{
    private static readonly string[] RejectCodes = Enum.GetNames<RejectReason>().Select(SnakeCase).ToArray();

    // The audit record of the current exchange, filled as the exchange goes on; null when audit is off.
    private AuditRecord? _audit;
    private long _exchangeStarted;
    private long _requestBodyBytes;
    private long _responseBodyBytes;

    // The exchange's outcome for metrics, kept whether or not audit is on.
    private AuditDecision _outcome;
    private int _statusCode;

    /// <summary>Rents the record of a new exchange and fills what the request head says.</summary>
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
        if (_audit is not { } record)
        {
            return;
        }

        bool hasPolicy = _runtime.Access is not null;
        record.Route = _access.RouteId;
        record.Decision = _access.AuditDecision;
        record.Reason = _access.Status == 0 && !hasPolicy ? null : _access.Reason ?? _access.Decision.Reason.Code();
        record.Rule = _access.Decision.RuleId;
        record.PolicyVersion = _runtime.Access?.Version;
        record.AuthenticationMicroseconds = TicksToMicroseconds(_access.AuthenticationTicks);
        record.AuthorizationMicroseconds = TicksToMicroseconds(_access.AuthorizationTicks);
        if (_access.Caller is { } caller)
        {
            record.UserId = _access.ContractorId(hasPolicy);
            record.Organization = _access.Organization(hasPolicy);
            record.AuthMethod = caller.Method == AuthMethod.Jwt ? "jwt" : "api_key";
            record.TokenId = caller.Method == AuthMethod.Jwt ? caller.TokenId : caller.Subject;
        }
    }

    /// <summary>Records a response the proxy sent itself: a rejection, an upstream failure, a 401 or a 403.</summary>
    private void AuditRejection(RejectReason reason)
    {
        bool upstream = reason is RejectReason.UpstreamConnectFailed or RejectReason.UpstreamConnectTimeout or RejectReason.UpstreamClosed or
            RejectReason.UpstreamResponseTimeout or RejectReason.UpstreamInvalidResponse;
        _outcome = upstream ? AuditDecision.UpstreamError : AuditDecision.Rejected;
        if (_audit is { } record)
        {
            record.Decision = _outcome;
            record.Reason = RejectCodes[(int)reason];
        }
    }

    private void AuditUpstream(string destination, long startedTimestamp)
    {
        if (_audit is { } record)
        {
            record.Upstream = destination;
            record.UpstreamMicroseconds = TicksToMicroseconds(Stopwatch.GetTimestamp() - startedTimestamp);
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
    /// Counts the exchange in the metrics, then completes the audit record and hands it to the writer; under the
    /// block policy this waits for room in the queue.
    /// </summary>
    private async ValueTask EndExchangeAsync()
    {
        _runtime.Metrics.RecordRequest(_access.RouteId, _head.Method, _statusCode, ToRequestDecision(_outcome), _access.Contractor?.Id,
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
        record.TotalMicroseconds = TicksToMicroseconds(Stopwatch.GetTimestamp() - _exchangeStarted);
        record.Decision ??= AuditDecision.Rejected;

        AuditWriter writer = _runtime.Audit!;
        if (!writer.TryEnqueue(record))
        {
            if (writer.Settings.FullPolicy == AuditFullPolicy.Block)
            {
                await writer.EnqueueAsync(record).ConfigureAwait(false);
            }
            else
            {
                writer.Return(record);
            }
        }
    }

    private static RequestDecision ToRequestDecision(AuditDecision decision) => decision switch
    {
        AuditDecision.Allow => RequestDecision.Allow,
        AuditDecision.Deny => RequestDecision.Deny,
        AuditDecision.Unauthenticated => RequestDecision.Unauthenticated,
        AuditDecision.UpstreamError => RequestDecision.UpstreamError,
        _ => RequestDecision.Rejected,
    };

    private static long TicksToMicroseconds(long ticks) => ticks * 1_000_000 / Stopwatch.Frequency;

    private static string SnakeCase(string name)
    {
        var text = new System.Text.StringBuilder(name.Length + 8);
        for (int i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                text.Append('_');
            }

            text.Append(char.ToLowerInvariant(name[i]));
        }

        return text.ToString();
    }
}
