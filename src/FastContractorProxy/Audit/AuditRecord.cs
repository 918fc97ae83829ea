using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.ObjectPool;

namespace FastContractorProxy.Audit;

/// <summary>The outcome of one exchange as the audit log names it in <c>fcp.decision</c>.</summary>
internal enum AuditDecision : byte
{
    Allow,
    Deny,
    Unauthenticated,

    /// <summary>The request was rejected before authentication, for example for an invalid request head.</summary>
    Rejected,
    UpstreamError,
}

/// <summary>
/// One audit line: what a caller requested, who the caller was, and why the proxy allowed or denied it.
/// Instances are pooled and reused. The data path rents one from <see cref="AuditWriter.Rent"/>, fills it and
/// passes it to the writer, which serializes it and returns it to the pool, so the caller must not touch it after
/// a successful enqueue. There are deliberately no fields for tokens, the Authorization field, cookies or API keys.
/// </summary>
internal sealed class AuditRecord
{
    private AuditBytes _requestId;
    private AuditBytes _traceId;
    private AuditBytes _serverAddress;
    private AuditBytes _method;
    private AuditBytes _path;
    private AuditBytes _rawTarget;
    private AuditBytes _query;

    /// <summary>When the exchange started. The writer sets the current time if it is still the default at enqueue.</summary>
    public DateTimeOffset Timestamp { get; set; }

    public IPAddress? ClientAddress { get; set; }

    public int? ClientPort { get; set; }

    /// <summary>HTTP version of the client connection: <c>1.1</c>, <c>1.0</c> or <c>2</c>.</summary>
    public string? ProtocolVersion { get; set; }

    /// <summary>The authenticated contractor id.</summary>
    public string? UserId { get; set; }

    public string? Organization { get; set; }

    /// <summary>How the caller authenticated, for example <c>jwt</c> or <c>api_key</c>.</summary>
    public string? AuthMethod { get; set; }

    /// <summary>The token's <c>jti</c> claim or the API key id, never the credential itself.</summary>
    public string? TokenId { get; set; }

    public string? Route { get; set; }

    /// <summary>Id of the policy rule that decided the request.</summary>
    public string? Rule { get; set; }

    public AuditDecision? Decision { get; set; }

    /// <summary>Snake_case reason code, such as <c>no_grant</c> or <c>invalid_signature</c>.</summary>
    public string? Reason { get; set; }

    public int? StatusCode { get; set; }

    public long? RequestBodyBytes { get; set; }

    public long? ResponseBodyBytes { get; set; }

    public long? AuthenticationMicroseconds { get; set; }

    public long? AuthorizationMicroseconds { get; set; }

    public long? UpstreamMicroseconds { get; set; }

    public long? TotalMicroseconds { get; set; }

    /// <summary>The upstream destination the request was forwarded to, as host:port.</summary>
    public string? Upstream { get; set; }

    public string? PolicyVersion { get; set; }

    /// <summary>
    /// Records lost since the previous written record: dropped on a full queue, canceled while waiting, or enqueued
    /// after completion. The writer sets it.
    /// </summary>
    public long Dropped { get; set; }

    public ReadOnlySpan<byte> RequestId => _requestId.Value;

    public bool HasRequestId => _requestId.IsSet;

    public ReadOnlySpan<byte> TraceId => _traceId.Value;

    public bool HasTraceId => _traceId.IsSet;

    /// <summary>The authority the client addressed (Host field or absolute-form target).</summary>
    public ReadOnlySpan<byte> ServerAddress => _serverAddress.Value;

    public bool HasServerAddress => _serverAddress.IsSet;

    public ReadOnlySpan<byte> Method => _method.Value;

    public bool HasMethod => _method.IsSet;

    /// <summary>The canonical path the policy was evaluated against.</summary>
    public ReadOnlySpan<byte> Path => _path.Value;

    public bool HasPath => _path.IsSet;

    /// <summary>The request target exactly as the client sent it, query included.</summary>
    public ReadOnlySpan<byte> RawTarget => _rawTarget.Value;

    public bool HasRawTarget => _rawTarget.IsSet;

    /// <summary>The query without its leading '?'.</summary>
    public ReadOnlySpan<byte> Query => _query.Value;

    public bool HasQuery => _query.IsSet;

    public void SetRequestId(ReadOnlySpan<byte> value) => _requestId.Set(value);

    public void SetTraceId(ReadOnlySpan<byte> value) => _traceId.Set(value);

    /// <summary>Stores the 32 lowercase hex digits of <paramref name="traceId"/>.</summary>
    public void SetTraceId(ActivityTraceId traceId)
    {
        Span<byte> id = stackalloc byte[16];
        traceId.CopyTo(id);
        Span<byte> hex = stackalloc byte[32];
        AuditHash.WriteLowerHex(id, hex);
        _traceId.Set(hex);
    }

    public void SetServerAddress(ReadOnlySpan<byte> value) => _serverAddress.Set(value);

    public void SetMethod(ReadOnlySpan<byte> value) => _method.Set(value);

    public void SetPath(ReadOnlySpan<byte> value) => _path.Set(value);

    public void SetRawTarget(ReadOnlySpan<byte> value) => _rawTarget.Set(value);

    public void SetQuery(ReadOnlySpan<byte> value) => _query.Set(value);

    /// <summary>Clears every field and keeps the byte buffers for the next exchange.</summary>
    public void Reset()
    {
        Timestamp = default;
        ClientAddress = null;
        ClientPort = null;
        ProtocolVersion = null;
        UserId = null;
        Organization = null;
        AuthMethod = null;
        TokenId = null;
        Route = null;
        Rule = null;
        Decision = null;
        Reason = null;
        StatusCode = null;
        RequestBodyBytes = null;
        ResponseBodyBytes = null;
        AuthenticationMicroseconds = null;
        AuthorizationMicroseconds = null;
        UpstreamMicroseconds = null;
        TotalMicroseconds = null;
        Upstream = null;
        PolicyVersion = null;
        Dropped = 0;
        _requestId.Clear();
        _traceId.Clear();
        _serverAddress.Clear();
        _method.Clear();
        _path.Clear();
        _rawTarget.Clear();
        _query.Clear();
    }

    /// <summary>A byte-valued field that copies its value into a buffer kept across <see cref="Reset"/>.</summary>
    private struct AuditBytes
    {
        // A buffer that grew past this size is released on the next smaller value, so one oversized target
        // does not pin memory in a pooled record for the life of the process.
        private const int RetainedCapacity = 4096;

        private byte[]? _buffer;
        private int _length;

        public readonly bool IsSet => _length >= 0 && _buffer is not null;

        public readonly ReadOnlySpan<byte> Value => IsSet ? _buffer.AsSpan(0, _length) : default;

        public void Set(ReadOnlySpan<byte> value)
        {
            if (_buffer is null || _buffer.Length < value.Length || (_buffer.Length > RetainedCapacity && value.Length <= RetainedCapacity))
            {
                _buffer = new byte[Math.Max(value.Length, 64)];
            }

            value.CopyTo(_buffer);
            _length = value.Length;
        }

        public void Clear() => _length = -1;
    }
}

/// <summary>Creates audit records for an <see cref="ObjectPool{T}"/> and clears them when they are returned.</summary>
internal sealed class AuditRecordPoolPolicy : IPooledObjectPolicy<AuditRecord>
{
    public AuditRecord Create() => new();

    public bool Return(AuditRecord obj)
    {
        obj.Reset();
        return true;
    }
}
