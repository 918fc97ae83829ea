using System.Diagnostics;
using FastContractorProxy.Audit;
using FastContractorProxy.Http1;
using FastContractorProxy.Identity;
using FastContractorProxy.Policy;

namespace FastContractorProxy.Hosting;

internal sealed partial class Http2Connection
{
    private static readonly string[] RejectCodes = Enum.GetNames<RejectReason>().Select(SnakeCase).ToArray();

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
        if (stream.Audit is not { } record)
        {
            return;
        }

        AccessResult access = stream.Access;
        bool hasPolicy = _runtime.Access is not null;
        record.Route = access.RouteId;
        record.Decision = access.AuditDecision;
        record.Reason = access.Status == 0 && !hasPolicy ? null : access.Reason ?? access.Decision.Reason.Code();
        record.Rule = access.Decision.RuleId;
        record.PolicyVersion = _runtime.Access?.Version;
        record.AuthenticationMicroseconds = TicksToMicroseconds(access.AuthenticationTicks);
        record.AuthorizationMicroseconds = TicksToMicroseconds(access.AuthorizationTicks);
        if (access.Caller is { } caller)
        {
            record.UserId = access.ContractorId(hasPolicy);
            record.Organization = access.Organization(hasPolicy);
            record.AuthMethod = caller.Method == AuthMethod.Jwt ? "jwt" : "api_key";
            record.TokenId = caller.Method == AuthMethod.Jwt ? caller.TokenId : caller.Subject;
        }
    }

    private static void AuditRejection(Http2Stream stream, RejectReason reason)
    {
        if (stream.Audit is { } record)
        {
            bool upstream = reason is RejectReason.UpstreamConnectFailed or RejectReason.UpstreamConnectTimeout or RejectReason.UpstreamClosed or
                RejectReason.UpstreamResponseTimeout or RejectReason.UpstreamInvalidResponse;
            record.Decision = upstream ? AuditDecision.UpstreamError : AuditDecision.Rejected;
            record.Reason = RejectCodes[(int)reason];
        }
    }

    private static void AuditUpstream(Http2Stream stream, string destination, long startedTimestamp)
    {
        if (stream.Audit is { } record)
        {
            record.Upstream = destination;
            record.UpstreamMicroseconds = TicksToMicroseconds(Stopwatch.GetTimestamp() - startedTimestamp);
        }
    }

    private static void AuditFailure(Http2Stream stream, string reason)
    {
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
        record.TotalMicroseconds = TicksToMicroseconds(Stopwatch.GetTimestamp() - stream.ExchangeStarted);
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
