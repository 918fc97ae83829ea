using System.Diagnostics;
using FastContractorProxy.Audit;
using FastContractorProxy.Http1;
using FastContractorProxy.Identity;
using FastContractorProxy.Policy;

namespace FastContractorProxy.Hosting;

internal sealed partial class Http2Connection
{
    /// <summary>Rents the audit record of a stream's exchange and fills in the method, target and authority of the request.</summary>
    private void BeginAudit(Http2Stream stream)
    {
        stream.ExchangeStarted = Stopwatch.GetTimestamp();
        if (_runtime.Audit is not { } writer)
        {
            return;
        }

        AuditRecord record = writer.Rent();
        stream.Audit = record;
        record.Timestamp = _runtime.Time.GetUtcNow();
        record.ClientAddress = _peerIp;
        record.ClientPort = _peerPort;
        record.ProtocolVersion = "2";
        record.SetMethod(stream.Head.Method);

        ReadOnlySpan<byte> target = stream.Head.Path;
        record.SetRawTarget(target);
        int query = target.IndexOf((byte)'?');
        if (query >= 0)
        {
            record.SetQuery(target[(query + 1)..]);
        }

        ReadOnlySpan<byte> authority = RequestAuthority(stream);
        if (!authority.IsEmpty)
        {
            record.SetServerAddress(authority);
        }
    }

    /// <summary>Records who the caller is and what the policy decided.</summary>
    private void AuditAccess(Http2Stream stream)
    {
        stream.Outcome = stream.Access.AuditDecision;
        if (stream.Audit is { } record)
        {
            ExchangeAudit.RecordAccess(record, stream.Access, _runtime.Access);
        }
    }

    private static void AuditRejection(Http2Stream stream, RejectReason reason)
    {
        stream.Outcome = ExchangeAudit.DecisionFor(reason);
        if (stream.Audit is { } record)
        {
            record.Decision = stream.Outcome;
            record.Reason = ExchangeAudit.Code(reason);
        }
    }

    private static void AuditUpstream(Http2Stream stream, string destination, long startedTimestamp)
    {
        if (stream.Audit is { } record)
        {
            record.Upstream = destination;
            record.UpstreamMicroseconds = ExchangeAudit.Microseconds(Stopwatch.GetTimestamp() - startedTimestamp);
        }
    }

    private static void AuditFailure(Http2Stream stream, string reason)
    {
        stream.Outcome = AuditDecision.UpstreamError;
        if (stream.Audit is { } record)
        {
            record.Decision = AuditDecision.UpstreamError;
            record.Reason = reason;
        }
    }

    /// <summary>Completes the record and hands it to the writer; under the block policy this waits for room in the queue.</summary>
    private async ValueTask EndAuditAsync(Http2Stream stream)
    {
        if (stream.Audit is not { } record)
        {
            return;
        }

        stream.Audit = null;
        if (stream.PathLength > 0)
        {
            record.SetPath(stream.CanonicalPath);
        }

        if (stream.IsAborted && record.StatusCode is null)
        {
            // The stream was reset, by the client or for a malformed body, before a response started.
            record.Reason = "stream_reset";
        }

        record.RequestBodyBytes = stream.RequestBodyBytes;
        record.ResponseBodyBytes = stream.ResponseBodyBytes;
        record.TotalMicroseconds = ExchangeAudit.Microseconds(Stopwatch.GetTimestamp() - stream.ExchangeStarted);
        record.Decision ??= AuditDecision.Rejected;

        await ExchangeAudit.SubmitAsync(_runtime.Audit!, record).ConfigureAwait(false);
    }
}
