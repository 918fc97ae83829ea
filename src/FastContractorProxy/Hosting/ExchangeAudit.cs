using System.Diagnostics;
using FastContractorProxy.Audit;
using FastContractorProxy.Http1;
using FastContractorProxy.Identity;
using FastContractorProxy.Policy;

namespace FastContractorProxy.Hosting;

/// <summary>Audit-record filling shared by the HTTP/1.1 and HTTP/2 connections, so both write the same fields.</summary>
internal static class ExchangeAudit
{
    private static readonly string[] RejectCodes = Enum.GetNames<RejectReason>().Select(SnakeCase).ToArray();

    /// <summary>The snake_case code of a rejection, such as <c>invalid_content_length</c>.</summary>
    public static string Code(RejectReason reason) => RejectCodes[(int)reason];

    /// <summary>Upstream failures count as <see cref="AuditDecision.UpstreamError"/>, every other rejection as <see cref="AuditDecision.Rejected"/>.</summary>
    public static AuditDecision DecisionFor(RejectReason reason) =>
        reason is RejectReason.UpstreamConnectFailed or RejectReason.UpstreamConnectTimeout or RejectReason.UpstreamClosed or
            RejectReason.UpstreamResponseTimeout or RejectReason.UpstreamInvalidResponse
            ? AuditDecision.UpstreamError
            : AuditDecision.Rejected;

    /// <summary>Records who the caller is and what the policy decided.</summary>
    public static void RecordAccess(AuditRecord record, in AccessResult access, AccessSnapshot? policy)
    {
        bool hasPolicy = policy is not null;
        record.Route = access.RouteId;
        record.Decision = access.AuditDecision;
        record.Reason = access.Status == 0 && !hasPolicy ? null : access.Reason ?? access.Decision.Reason.Code();
        record.Rule = access.Decision.RuleId;
        record.PolicyVersion = policy?.Version;
        record.AuthenticationMicroseconds = Microseconds(access.AuthenticationTicks);
        record.AuthorizationMicroseconds = Microseconds(access.AuthorizationTicks);
        if (access.Caller is { } caller)
        {
            record.UserId = access.ContractorId(hasPolicy);
            record.Organization = access.Organization(hasPolicy);
            record.AuthMethod = caller.Method == AuthMethod.Jwt ? "jwt" : "api_key";
            record.TokenId = caller.Method == AuthMethod.Jwt ? caller.TokenId : caller.Subject;
        }
    }

    /// <summary>Hands a completed record to the writer; under the block policy this waits for room in the queue.</summary>
    public static ValueTask SubmitAsync(AuditWriter writer, AuditRecord record)
    {
        if (writer.TryEnqueue(record))
        {
            return ValueTask.CompletedTask;
        }

        if (writer.Settings.FullPolicy == AuditFullPolicy.Block)
        {
            return writer.EnqueueAsync(record);
        }

        writer.Return(record);
        return ValueTask.CompletedTask;
    }

    public static Admin.RequestDecision ToRequestDecision(AuditDecision decision) => decision switch
    {
        AuditDecision.Allow => Admin.RequestDecision.Allow,
        AuditDecision.Deny => Admin.RequestDecision.Deny,
        AuditDecision.Unauthenticated => Admin.RequestDecision.Unauthenticated,
        AuditDecision.UpstreamError => Admin.RequestDecision.UpstreamError,
        _ => Admin.RequestDecision.Rejected,
    };

    public static long Microseconds(long stopwatchTicks) => stopwatchTicks * 1_000_000 / Stopwatch.Frequency;

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
