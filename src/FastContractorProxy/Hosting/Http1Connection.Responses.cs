using System.Buffers;
using System.Text;
using FastContractorProxy.Forwarding;
using FastContractorProxy.Http1;

namespace FastContractorProxy.Hosting;

internal sealed partial class Http1Connection
{
    /// <summary>
    /// Writes the client-facing response head: the upstream's status and end-to-end fields, with framing fields
    /// set by the proxy. The client always sees HTTP/1.1, the highest version the proxy speaks (RFC 9110 section 6.2).
    /// </summary>
    private void WriteResponseHead(ResponseHead response, bool chunked, bool closeClient)
    {
        ReadOnlySpan<byte> section = response.Section;
        WriteStatusLine(response.StatusCode, section.Slice(response.ReasonPhrase.Start, response.ReasonPhrase.Length));

        for (int i = 0; i < response.FieldCount; i++)
        {
            FieldLine field = response.Fields[i];
            if (field.Dropped || field.Kind == FieldKind.ContentLength)
            {
                continue;
            }

            HeadWriter.WriteField(_output, field.Name(section), field.Value(section));
        }

        switch (response.Framing)
        {
            case ResponseFraming.NoBody:
                // HEAD and 304 responses may announce the length of the representation; 204 and 1xx never do.
                if (response.ContentLength >= 0 && response.StatusCode >= 200 && response.StatusCode != 204)
                {
                    HeadWriter.WriteNumberField(_output, "Content-Length"u8, response.ContentLength);
                }

                break;
            case ResponseFraming.ContentLength:
                HeadWriter.WriteNumberField(_output, "Content-Length"u8, response.ContentLength);
                break;
            default:
                if (chunked)
                {
                    _output.Write("Transfer-Encoding: chunked\r\n"u8);
                }

                break;
        }

        if (closeClient)
        {
            _output.Write("Connection: close\r\n"u8);
        }
        else if (_head.Version == HttpVersion.Http10)
        {
            _output.Write("Connection: keep-alive\r\n"u8);
        }

        _output.Write("\r\n"u8);
    }

    private void WriteSwitchingProtocolsHead(ResponseHead response)
    {
        ReadOnlySpan<byte> section = response.Section;
        WriteStatusLine(101, "Switching Protocols"u8);
        for (int i = 0; i < response.FieldCount; i++)
        {
            FieldLine field = response.Fields[i];
            if (!field.Dropped && field.Kind != FieldKind.ContentLength)
            {
                HeadWriter.WriteField(_output, field.Name(section), field.Value(section));
            }
        }

        _output.Write("Connection: upgrade\r\nUpgrade: websocket\r\n\r\n"u8);
    }

    private void WriteStatusLine(int statusCode, ReadOnlySpan<byte> reasonPhrase)
    {
        _statusCode = statusCode;
        if (_audit is { } record)
        {
            record.StatusCode = statusCode;
        }

        _output.Write("HTTP/1.1 "u8);
        HeadWriter.WriteNumber(_output, statusCode);
        _output.Write(" "u8);
        _output.Write(reasonPhrase);
        _output.Write("\r\n"u8);
    }

    /// <summary>
    /// Sends the response for a request the proxy ends itself: the reason's status and a one-line plain-text message.
    /// Returns whether the connection stays open; it is closed after any framing or protocol error.
    /// </summary>
    private async ValueTask<bool> RejectAsync(RejectReason reason, bool close)
    {
        int status = RejectReasons.GetStatusCode(reason);
        string message = RejectReasons.GetMessage(reason);
        AuditRejection(reason);
        close |= _draining;
        if (status < 500)
        {
            ProxyLog.RequestRejected(_logger, _peerLabel, status, reason.ToString(), _head.ErrorOffset);
        }

        if (_requestIdLength == 0)
        {
            AssignRequestId();
        }

        WriteStatusLine(status, ReasonPhrase(status));
        _output.Write("Content-Type: text/plain; charset=utf-8\r\n"u8);
        HeadWriter.WriteNumberField(_output, "Content-Length"u8, Encoding.UTF8.GetByteCount(message) + 1);
        HeadWriter.WriteField(_output, "X-Request-Id"u8, RequestId);
        if (close)
        {
            _output.Write("Connection: close\r\n"u8);
        }

        _output.Write("\r\n"u8);
        if (_head.Method != KnownMethod.Head)
        {
            Span<byte> body = _output.GetSpan(Encoding.UTF8.GetMaxByteCount(message.Length) + 1);
            int written = Encoding.UTF8.GetBytes(message, body);
            body[written] = (byte)'\n';
            _output.Advance(written + 1);
            _responseBodyBytes += written + 1;
        }

        _requestIdLength = 0;
        await FlushClientAsync().ConfigureAwait(false);
        return !close;
    }

    /// <summary>
    /// Sends a 401 or 403 with an RFC 9457 problem body that carries the reason code and the request id, and
    /// nothing about the policy. A 401 also carries the <c>WWW-Authenticate</c> challenge.
    /// </summary>
    private async ValueTask<bool> RejectWithProblemAsync(int status, string reasonCode, string? challenge)
    {
        bool close = _head.HasBody || !_head.KeepAlive || _draining;
        if (_logger.IsEnabled(Microsoft.Extensions.Logging.LogLevel.Debug))
        {
            ProxyLog.AccessDenied(_logger, Encoding.ASCII.GetString(RequestId), _peerLabel, status, reasonCode);
        }

        ReadOnlySpan<byte> title = ReasonPhrase(status);
        ReadOnlySpan<byte> part1 = "{\"title\":\""u8;
        ReadOnlySpan<byte> part2 = "\",\"status\":"u8;
        ReadOnlySpan<byte> part3 = ",\"reason\":\""u8;
        ReadOnlySpan<byte> part4 = "\",\"request_id\":\""u8;
        ReadOnlySpan<byte> part5 = "\"}\n"u8;
        int length = part1.Length + title.Length + part2.Length + 3 + part3.Length + reasonCode.Length + part4.Length + RequestId.Length + part5.Length;

        WriteStatusLine(status, title);
        _output.Write("Content-Type: application/problem+json\r\n"u8);
        HeadWriter.WriteNumberField(_output, "Content-Length"u8, length);
        HeadWriter.WriteField(_output, "X-Request-Id"u8, RequestId);
        if (challenge is not null)
        {
            HeadWriter.WriteTextField(_output, "WWW-Authenticate"u8, challenge);
        }

        if (close)
        {
            _output.Write("Connection: close\r\n"u8);
        }

        _output.Write("\r\n"u8);
        if (_head.Method != KnownMethod.Head)
        {
            // Reason codes and request ids contain only characters that need no JSON escaping.
            _output.Write(part1);
            _output.Write(title);
            _output.Write(part2);
            HeadWriter.WriteNumber(_output, status);
            _output.Write(part3);
            Span<byte> code = _output.GetSpan(reasonCode.Length);
            int written = Encoding.ASCII.GetBytes(reasonCode, code);
            _output.Advance(written);
            _output.Write(part4);
            _output.Write(RequestId);
            _output.Write(part5);
            _responseBodyBytes += length;
        }

        _requestIdLength = 0;
        await FlushClientAsync().ConfigureAwait(false);
        return !close;
    }

    private static ReadOnlySpan<byte> ReasonPhrase(int statusCode) => statusCode switch
    {
        401 => "Unauthorized"u8,
        400 => "Bad Request"u8,
        403 => "Forbidden"u8,
        404 => "Not Found"u8,
        405 => "Method Not Allowed"u8,
        408 => "Request Timeout"u8,
        413 => "Content Too Large"u8,
        414 => "URI Too Long"u8,
        417 => "Expectation Failed"u8,
        431 => "Request Header Fields Too Large"u8,
        501 => "Not Implemented"u8,
        502 => "Bad Gateway"u8,
        503 => "Service Unavailable"u8,
        504 => "Gateway Timeout"u8,
        505 => "HTTP Version Not Supported"u8,
        _ => "Error"u8,
    };
}
