using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace FastContractorProxy.Audit;

/// <summary>
/// Serializes audit records to single-line JSON with OpenTelemetry semantic-convention names, reusing one buffer
/// and one <see cref="Utf8JsonWriter"/>, so serializing allocates nothing once the buffer has grown. Not thread-safe:
/// the audit writer's background task owns one instance.
/// </summary>
/// <remarks>
/// The default <see cref="JavaScriptEncoder"/> escapes every control character, every non-ASCII character and the
/// HTML-sensitive characters, so a line is plain ASCII and contains no line break, and bidirectional-text marks in
/// a user id cannot disguise a line in a viewer. <see cref="Utf8JsonWriter"/> replaces invalid UTF-8 and lone
/// surrogates with U+FFFD, so any byte sequence yields valid JSON.
/// </remarks>
internal sealed class AuditRecordSerializer
{
    private static readonly JsonEncodedText TimestampName = JsonEncodedText.Encode("timestamp");
    private static readonly JsonEncodedText RequestIdName = JsonEncodedText.Encode("request.id");
    private static readonly JsonEncodedText TraceIdName = JsonEncodedText.Encode("trace_id");
    private static readonly JsonEncodedText ClientAddressName = JsonEncodedText.Encode("client.address");
    private static readonly JsonEncodedText ClientPortName = JsonEncodedText.Encode("client.port");
    private static readonly JsonEncodedText ServerAddressName = JsonEncodedText.Encode("server.address");
    private static readonly JsonEncodedText ProtocolVersionName = JsonEncodedText.Encode("network.protocol.version");
    private static readonly JsonEncodedText MethodName = JsonEncodedText.Encode("http.request.method");
    private static readonly JsonEncodedText PathName = JsonEncodedText.Encode("url.path");
    private static readonly JsonEncodedText RawTargetName = JsonEncodedText.Encode("fcp.raw_target");
    private static readonly JsonEncodedText QueryName = JsonEncodedText.Encode("url.query");
    private static readonly JsonEncodedText UserIdName = JsonEncodedText.Encode("user.id");
    private static readonly JsonEncodedText OrganizationName = JsonEncodedText.Encode("fcp.org");
    private static readonly JsonEncodedText AuthMethodName = JsonEncodedText.Encode("fcp.auth_method");
    private static readonly JsonEncodedText TokenIdName = JsonEncodedText.Encode("fcp.token_id");
    private static readonly JsonEncodedText RouteName = JsonEncodedText.Encode("fcp.route");
    private static readonly JsonEncodedText RuleName = JsonEncodedText.Encode("fcp.rule");
    private static readonly JsonEncodedText DecisionName = JsonEncodedText.Encode("fcp.decision");
    private static readonly JsonEncodedText ReasonName = JsonEncodedText.Encode("fcp.reason");
    private static readonly JsonEncodedText StatusCodeName = JsonEncodedText.Encode("http.response.status_code");
    private static readonly JsonEncodedText RequestBodySizeName = JsonEncodedText.Encode("http.request.body.size");
    private static readonly JsonEncodedText ResponseBodySizeName = JsonEncodedText.Encode("http.response.body.size");
    private static readonly JsonEncodedText AuthenticationDurationName = JsonEncodedText.Encode("fcp.duration_us.authn");
    private static readonly JsonEncodedText AuthorizationDurationName = JsonEncodedText.Encode("fcp.duration_us.authz");
    private static readonly JsonEncodedText UpstreamDurationName = JsonEncodedText.Encode("fcp.duration_us.upstream");
    private static readonly JsonEncodedText TotalDurationName = JsonEncodedText.Encode("fcp.duration_us.total");
    private static readonly JsonEncodedText UpstreamName = JsonEncodedText.Encode("server.upstream");
    private static readonly JsonEncodedText PolicyVersionName = JsonEncodedText.Encode("fcp.policy_version");
    private static readonly JsonEncodedText DroppedName = JsonEncodedText.Encode("fcp.dropped");
    private static readonly JsonEncodedText PreviousHashName = JsonEncodedText.Encode("fcp.prev_hash");

    private static readonly JsonEncodedText[] DecisionValues =
    [
        JsonEncodedText.Encode("allow"),
        JsonEncodedText.Encode("deny"),
        JsonEncodedText.Encode("unauthenticated"),
        JsonEncodedText.Encode("rejected"),
        JsonEncodedText.Encode("upstream_error"),
    ];

    private readonly ArrayBufferWriter<byte> _line = new(1024);
    private readonly Utf8JsonWriter _json;
    private byte[] _scratch = new byte[256];

    /// <param name="includeQuery">
    /// Writes the query verbatim when true. When false, <c>url.query</c> and the query part of
    /// <c>fcp.raw_target</c> are replaced with <c>[redacted N bytes]</c>, because queries often carry personal data
    /// or secrets.
    /// </param>
    public AuditRecordSerializer(bool includeQuery)
    {
        IncludeQuery = includeQuery;
        _json = new Utf8JsonWriter(_line, new JsonWriterOptions { Encoder = JavaScriptEncoder.Default });
    }

    public bool IncludeQuery { get; }

    /// <summary>The line of the last <see cref="Serialize"/> call, valid until the next call.</summary>
    public ReadOnlySpan<byte> Line => _line.WrittenSpan;

    /// <summary>
    /// Serializes <paramref name="record"/> as one JSON object without a trailing newline. Fields that are not set
    /// are omitted, and <c>fcp.dropped</c> only appears when it is above zero. The returned span is valid until the
    /// next call.
    /// </summary>
    /// <param name="previousHash">The 64 hex digits written as <c>fcp.prev_hash</c>.</param>
    public ReadOnlySpan<byte> Serialize(AuditRecord record, ReadOnlySpan<byte> previousHash)
    {
        _line.ResetWrittenCount();
        _json.Reset(_line);
        _json.WriteStartObject();

        WriteTimestamp(record.Timestamp);
        WriteBytes(RequestIdName, record.HasRequestId, record.RequestId);
        WriteBytes(TraceIdName, record.HasTraceId, record.TraceId);
        WriteClientAddress(record);
        WriteNumber(ClientPortName, record.ClientPort);
        WriteBytes(ServerAddressName, record.HasServerAddress, record.ServerAddress);
        WriteText(ProtocolVersionName, record.ProtocolVersion);
        WriteBytes(MethodName, record.HasMethod, record.Method);
        WriteBytes(PathName, record.HasPath, record.Path);
        WriteRawTarget(record);
        WriteQuery(record);
        WriteText(UserIdName, record.UserId);
        WriteText(OrganizationName, record.Organization);
        WriteText(AuthMethodName, record.AuthMethod);
        WriteText(TokenIdName, record.TokenId);
        WriteText(RouteName, record.Route);
        WriteText(RuleName, record.Rule);
        if (record.Decision is AuditDecision decision)
        {
            WriteDecision(decision);
        }

        WriteText(ReasonName, record.Reason);
        WriteNumber(StatusCodeName, record.StatusCode);
        WriteNumber(RequestBodySizeName, record.RequestBodyBytes);
        WriteNumber(ResponseBodySizeName, record.ResponseBodyBytes);
        WriteNumber(AuthenticationDurationName, record.AuthenticationMicroseconds);
        WriteNumber(AuthorizationDurationName, record.AuthorizationMicroseconds);
        WriteNumber(UpstreamDurationName, record.UpstreamMicroseconds);
        WriteNumber(TotalDurationName, record.TotalMicroseconds);
        WriteText(UpstreamName, record.Upstream);
        WriteText(PolicyVersionName, record.PolicyVersion);
        if (record.Dropped > 0)
        {
            _json.WriteNumber(DroppedName, record.Dropped);
        }

        _json.WriteString(PreviousHashName, previousHash);
        _json.WriteEndObject();
        _json.Flush();
        return _line.WrittenSpan;
    }

    /// <summary>Writes the time as RFC 3339 in UTC with exactly six fractional digits, such as 2025-03-01T12:00:00.123456Z.</summary>
    private void WriteTimestamp(DateTimeOffset timestamp)
    {
        DateTime utc = timestamp.UtcDateTime;
        Span<byte> text = stackalloc byte[27];
        WriteDigits(text[..4], utc.Year);
        text[4] = (byte)'-';
        WriteDigits(text.Slice(5, 2), utc.Month);
        text[7] = (byte)'-';
        WriteDigits(text.Slice(8, 2), utc.Day);
        text[10] = (byte)'T';
        WriteDigits(text.Slice(11, 2), utc.Hour);
        text[13] = (byte)':';
        WriteDigits(text.Slice(14, 2), utc.Minute);
        text[16] = (byte)':';
        WriteDigits(text.Slice(17, 2), utc.Second);
        text[19] = (byte)'.';
        WriteDigits(text.Slice(20, 6), (int)(utc.Ticks % TimeSpan.TicksPerSecond / TimeSpan.TicksPerMicrosecond));
        text[26] = (byte)'Z';
        _json.WriteString(TimestampName, text);
    }

    private static void WriteDigits(Span<byte> destination, int value)
    {
        for (int i = destination.Length - 1; i >= 0; i--)
        {
            destination[i] = (byte)('0' + (value % 10));
            value /= 10;
        }
    }

    private void WriteDecision(AuditDecision decision)
    {
        // A value outside the enum is written as its number, so a caller's bug shows in the log instead of throwing.
        if ((uint)decision < (uint)DecisionValues.Length)
        {
            _json.WriteString(DecisionName, DecisionValues[(int)decision]);
        }
        else
        {
            _json.WriteNumber(DecisionName, (int)decision);
        }
    }

    private void WriteClientAddress(AuditRecord record)
    {
        if (record.ClientAddress is null)
        {
            return;
        }

        // The longest IPv6 text is 45 characters, plus '%' and a scope id of up to 10 digits.
        Span<byte> text = stackalloc byte[128];
        if (record.ClientAddress.TryFormat(text, out int written))
        {
            _json.WriteString(ClientAddressName, text[..written]);
        }
    }

    private void WriteRawTarget(AuditRecord record)
    {
        if (!record.HasRawTarget)
        {
            return;
        }

        ReadOnlySpan<byte> target = record.RawTarget;
        int queryStart = target.IndexOf((byte)'?');
        if (IncludeQuery || queryStart < 0)
        {
            _json.WriteString(RawTargetName, target);
            return;
        }

        // The path part stays verbatim for forensics, such as an encoded '..' that canonicalization removed.
        ReadOnlySpan<byte> pathPart = target[..(queryStart + 1)];
        Span<byte> redaction = stackalloc byte[48];
        int redactionLength = FormatRedaction(target.Length - queryStart - 1, redaction);
        Span<byte> value = Scratch(pathPart.Length + redactionLength);
        pathPart.CopyTo(value);
        redaction[..redactionLength].CopyTo(value[pathPart.Length..]);
        _json.WriteString(RawTargetName, value);
    }

    private void WriteQuery(AuditRecord record)
    {
        if (!record.HasQuery)
        {
            return;
        }

        if (IncludeQuery)
        {
            _json.WriteString(QueryName, record.Query);
            return;
        }

        Span<byte> redaction = stackalloc byte[48];
        int length = FormatRedaction(record.Query.Length, redaction);
        _json.WriteString(QueryName, redaction[..length]);
    }

    /// <summary>Writes <c>[redacted N bytes]</c> and returns its length.</summary>
    private static int FormatRedaction(int byteCount, Span<byte> destination)
    {
        ReadOnlySpan<byte> prefix = "[redacted "u8;
        ReadOnlySpan<byte> suffix = " bytes]"u8;
        prefix.CopyTo(destination);
        byteCount.TryFormat(destination[prefix.Length..], out int digits, default, System.Globalization.CultureInfo.InvariantCulture);
        int length = prefix.Length + digits;
        suffix.CopyTo(destination[length..]);
        return length + suffix.Length;
    }

    private Span<byte> Scratch(int length)
    {
        if (_scratch.Length < length)
        {
            _scratch = new byte[Math.Max(length, _scratch.Length * 2)];
        }

        return _scratch.AsSpan(0, length);
    }

    private void WriteBytes(JsonEncodedText name, bool isSet, ReadOnlySpan<byte> value)
    {
        if (isSet)
        {
            _json.WriteString(name, value);
        }
    }

    private void WriteText(JsonEncodedText name, string? value)
    {
        if (value is not null)
        {
            _json.WriteString(name, value);
        }
    }

    private void WriteNumber(JsonEncodedText name, long? value)
    {
        if (value is long number)
        {
            _json.WriteNumber(name, number);
        }
    }
}
