using System.Diagnostics;
using System.Text;
using FastContractorProxy.Forwarding;
using FastContractorProxy.Http1;
using FastContractorProxy.Http2;
using FastContractorProxy.Identity;
using FastContractorProxy.Paths;
using FastContractorProxy.Routing;
using Microsoft.AspNetCore.Connections;

namespace FastContractorProxy.Hosting;

internal sealed partial class Http2Connection
{
    private static readonly byte[] ProcessIdPrefix = CreateProcessIdPrefix();
    private static long s_requestCounter;
    private static readonly byte[] PlainTextType = "text/plain; charset=utf-8"u8.ToArray();
    private static readonly byte[] ProblemJsonType = "application/problem+json"u8.ToArray();

    /// <summary>Runs one stream's exchange to its end. Catches every exception, and a failed exchange ends in a reset of the stream.</summary>
    private async Task RunStreamAsync(Http2Stream stream)
    {
        try
        {
            if (stream.IsAborted)
            {
                return;
            }

            BeginAudit(stream);
            _runtime.Metrics.StreamOpened();
            try
            {
                await HandleExchangeAsync(stream).ConfigureAwait(false);
            }
            finally
            {
                _runtime.Metrics.StreamClosed();
                _runtime.Metrics.RecordRequest(stream.Access.RouteId, stream.Method, stream.StatusCode, ExchangeAudit.ToRequestDecision(stream.Outcome),
                    stream.Access.Contractor?.Id, System.Diagnostics.Stopwatch.GetElapsedTime(stream.ExchangeStarted));
                await EndAuditAsync(stream).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stream.IsAborted)
        {
            // The client or the connection reset the stream; the upstream exchange was abandoned with it.
        }
        catch (Http2StreamException)
        {
            // The reader loop reset the stream for a malformed body and has sent RST_STREAM.
        }
        catch (Exception ex) when (ex is IOException or ConnectionResetException or ConnectionAbortedException or ObjectDisposedException)
        {
            ProxyLog.ClientConnectionError(_logger, _peerLabel, ex);
        }
        catch (Exception ex)
        {
            // A bug: only this stream is reset, the other streams of the connection go on.
            ProxyLog.UnexpectedError(_logger, _peerLabel, ex);
        }
        finally
        {
            await FinishStreamAsync(stream).ConfigureAwait(false);
        }
    }

    // Closes what the exchange left open: a response that never ended is reset, and a request body that is still
    // arriving after a complete response is stopped with NO_ERROR (RFC 9113 section 8.1).
    private async ValueTask FinishStreamAsync(Http2Stream stream)
    {
        try
        {
            bool responseEnded;
            bool requestEnded;
            lock (stream)
            {
                stream.BodyDiscarded = true;
                responseEnded = stream.ResponseEnded;
                requestEnded = stream.RequestEnded;
            }

            stream.Body?.Reader.Complete();
            await ReturnUnreadBodyAsync(stream).ConfigureAwait(false);
            if (!responseEnded)
            {
                await SendStreamResetAsync(stream, Http2ErrorCode.InternalError).ConfigureAwait(false);
            }
            else if (!requestEnded)
            {
                await SendStreamResetAsync(stream, Http2ErrorCode.NoError).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException)
        {
            // The connection is closing; its end closes the stream too.
        }
        finally
        {
            CloseStream(stream, resetByProxy: true);
            stream.Dispose();
            OnStreamFinished();
        }
    }

    private async ValueTask HandleExchangeAsync(Http2Stream stream)
    {
        AssignRequestId(stream);
        if (_runtime.Audit is { ShouldRejectRequests: true })
        {
            await RejectAsync(stream, RejectReason.AuditUnavailable).ConfigureAwait(false);
            return;
        }

        RejectReason reason = CheckFields(stream, out bool expectContinue);
        if (reason == RejectReason.None)
        {
            reason = ResolveRoute(stream, out Route? route);
            if (reason == RejectReason.None)
            {
                await AuthorizeAndForwardAsync(stream, route!, expectContinue).ConfigureAwait(false);
                return;
            }
        }

        await RejectAsync(stream, reason).ConfigureAwait(false);
    }

    private async ValueTask AuthorizeAndForwardAsync(Http2Stream stream, Route route, bool expectContinue)
    {
        if (route.Settings.CaseInsensitive)
        {
            PathCanonicalizer.LowercaseInPlace(stream.PathBuffer.AsSpan(0, stream.PathLength));
        }

        if (!await AuthorizeAsync(stream, route).ConfigureAwait(false))
        {
            return;
        }

        if (stream.Head.ContentLength > route.MaxRequestBodyBytes)
        {
            await RejectAsync(stream, RejectReason.RequestBodyTooLarge).ConfigureAwait(false);
            return;
        }

        if (expectContinue && stream.Body is not null)
        {
            // The proxy sends the 100 response itself, once the request passed every check.
            await WriteProxyHeadersAsync(stream, 100, null, -1, null, endStream: false).ConfigureAwait(false);
        }

        await ForwardAsync(stream, route).ConfigureAwait(false);
    }

    // The HTTP/1.1 rules that the HTTP/2 field validator leaves to the proxy: one credential field and no
    // expectation other than 100-continue.
    private static RejectReason CheckFields(Http2Stream stream, out bool expectContinue)
    {
        expectContinue = false;
        HeaderFieldList fields = stream.Fields;
        bool authorization = false;
        for (int i = stream.Head.FirstRegularFieldIndex; i < fields.Count; i++)
        {
            ReadOnlySpan<byte> name = fields.GetName(i);
            if (name.SequenceEqual("authorization"u8))
            {
                if (authorization)
                {
                    return RejectReason.MultipleAuthorization;
                }

                authorization = true;
            }
            else if (name.SequenceEqual("expect"u8))
            {
                if (!HttpChars.EqualsIgnoreCase(fields.GetValue(i), "100-continue"u8))
                {
                    return RejectReason.UnsupportedExpectation;
                }

                expectContinue = true;
            }
        }

        return RejectReason.None;
    }

    /// <summary>Canonicalizes :path exactly as for HTTP/1.1 (strict, with the routes' opt-ins) and matches the route.</summary>
    private RejectReason ResolveRoute(Http2Stream stream, out Route? route)
    {
        route = null;
        RouteTable routes = _runtime.Routes;
        ReadOnlySpan<byte> authority = RequestAuthority(stream);
        ReadOnlySpan<byte> target = stream.Head.Path;

        if (target.SequenceEqual("*"u8))
        {
            stream.PathBuffer = [(byte)'*'];
            stream.PathLength = 1;
            route = routes.Match(authority, "/"u8);
            return route is null ? RejectReason.NoRoute : RejectReason.None;
        }

        int query = target.IndexOf((byte)'?');
        ReadOnlySpan<byte> rawPath = query < 0 ? target : target[..query];
        stream.PathBuffer = new byte[Math.Max(rawPath.Length, 16)];

        RejectReason reason = PathCanonicalizer.Canonicalize(rawPath, stream.PathBuffer, PathOptions.Strict, out stream.PathLength);
        bool optIn = (reason == RejectReason.EncodedSlashInPath && routes.AnyAllowsEncodedSlash) ||
            (reason == RejectReason.PathParameterInPath && routes.AnyAllowsPathParameters);
        if (optIn)
        {
            var relaxed = new PathOptions(routes.AnyAllowsEncodedSlash, routes.AnyAllowsPathParameters);
            if (PathCanonicalizer.Canonicalize(rawPath, stream.PathBuffer, relaxed, out stream.PathLength) == RejectReason.None &&
                routes.Match(authority, stream.CanonicalPath) is { } candidate)
            {
                RejectReason routeReason = PathCanonicalizer.Canonicalize(rawPath, stream.PathBuffer, candidate.PathOptions, out stream.PathLength);
                if (routeReason == RejectReason.None)
                {
                    route = candidate;
                }

                return routeReason;
            }
        }

        if (reason != RejectReason.None)
        {
            return reason;
        }

        route = routes.Match(authority, stream.CanonicalPath);
        return route is null ? RejectReason.NoRoute : RejectReason.None;
    }

    private static ReadOnlySpan<byte> RequestAuthority(Http2Stream stream) =>
        stream.Head.HasAuthority ? stream.Head.Authority : stream.Head.Host;

    /// <summary>Authenticates and applies the policy. Returns true when the request may be forwarded; otherwise the 401 or 403 was sent.</summary>
    private async ValueTask<bool> AuthorizeAsync(Http2Stream stream, Route route)
    {
        AuthResult auth = AuthResult.Missing;
        long started = Stopwatch.GetTimestamp();
        if (_runtime.Authenticator is { } authenticator)
        {
            HeaderFieldList fields = stream.Fields;
            int authorizationField = -1;
            int apiKeyField = -1;
            bool duplicateApiKey = false;
            byte[]? apiKeyName = _runtime.FieldFilter.ApiKeyField;
            for (int i = stream.Head.FirstRegularFieldIndex; i < fields.Count; i++)
            {
                ReadOnlySpan<byte> name = fields.GetName(i);
                if (name.SequenceEqual("authorization"u8))
                {
                    authorizationField = i;
                }
                else if (apiKeyName is not null && FieldSectionParser.NamesMatch(name, apiKeyName))
                {
                    duplicateApiKey |= apiKeyField >= 0;
                    apiKeyField = i;
                }
            }

            auth = duplicateApiKey
                ? AuthResult.Failed(AuthFailureReason.Malformed, "the request has more than one API key field")
                : await AccessGate.AuthenticateAsync(
                    authenticator,
                    authorizationField >= 0 ? fields.GetValue(authorizationField).ToArray() : default,
                    authorizationField >= 0,
                    apiKeyField >= 0 ? fields.GetValue(apiKeyField).ToArray() : default,
                    apiKeyField >= 0,
                    stream.AbortedToken).ConfigureAwait(false);
        }

        stream.Access = AccessGate.Decide(_runtime, route, auth, stream.Method, stream.CanonicalPath, _peerIp, Stopwatch.GetTimestamp() - started);
        AuditAccess(stream);
        if (stream.Access.Status == 0)
        {
            return true;
        }

        await RejectWithProblemAsync(stream, stream.Access.Status, stream.Access.Reason!, stream.Access.Challenge).ConfigureAwait(false);
        return false;
    }

    /// <summary>Sends the response for a request the proxy ends itself: the reason's status and a one-line plain-text message.</summary>
    private async ValueTask RejectAsync(Http2Stream stream, RejectReason reason)
    {
        int status = RejectReasons.GetStatusCode(reason);
        AuditRejection(stream, reason);
        if (status < 500)
        {
            ProxyLog.RequestRejected(_logger, _peerLabel, status, reason.ToString(), 0);
        }

        byte[] body = Encoding.UTF8.GetBytes(RejectReasons.GetMessage(reason) + "\n");
        await SendProxyResponseAsync(stream, status, PlainTextType, body, null).ConfigureAwait(false);
    }

    /// <summary>Sends a 401 or 403 with the same RFC 9457 problem body as HTTP/1.1, and the challenge on a 401.</summary>
    private async ValueTask RejectWithProblemAsync(Http2Stream stream, int status, string reasonCode, string? challenge)
    {
        string requestId = Encoding.ASCII.GetString(stream.RequestIdText);
        if (_logger.IsEnabled(Microsoft.Extensions.Logging.LogLevel.Debug))
        {
            ProxyLog.AccessDenied(_logger, requestId, _peerLabel, status, reasonCode);
        }

        string title = status == 401 ? "Unauthorized" : "Forbidden";

        // Reason codes and request ids contain only characters that need no JSON escaping.
        byte[] body = Encoding.ASCII.GetBytes(
            $"{{\"title\":\"{title}\",\"status\":{status},\"reason\":\"{reasonCode}\",\"request_id\":\"{requestId}\"}}\n");
        await SendProxyResponseAsync(stream, status, ProblemJsonType, body, challenge).ConfigureAwait(false);
    }

    private async ValueTask SendProxyResponseAsync(Http2Stream stream, int status, byte[] contentType, byte[] body, string? challenge)
    {
        lock (stream)
        {
            // The request body, if any, is not read: the reader drops it and returns its window.
            stream.BodyDiscarded = true;
        }

        stream.StatusCode = status;
        if (stream.Audit is { } record)
        {
            record.StatusCode = status;
        }

        bool headOnly = stream.Method == KnownMethod.Head;
        if (!await WriteProxyHeadersAsync(stream, status, contentType, body.Length, challenge, endStream: headOnly).ConfigureAwait(false) || headOnly)
        {
            return;
        }

        await WriteDataAsync(stream, new System.Buffers.ReadOnlySequence<byte>(body), endStream: true).ConfigureAwait(false);
    }

    private static void AssignRequestId(Http2Stream stream)
    {
        HeaderFieldList fields = stream.Fields;
        int found = -1;
        for (int i = stream.Head.FirstRegularFieldIndex; i < fields.Count; i++)
        {
            if (fields.GetName(i).SequenceEqual("x-request-id"u8))
            {
                // A valid, single client request id is passed through; otherwise the proxy makes one.
                found = found == -1 && IsValidRequestId(fields.GetValue(i)) ? i : -2;
            }
        }

        if (found >= 0)
        {
            ReadOnlySpan<byte> clientId = fields.GetValue(found);
            clientId.CopyTo(stream.RequestId);
            stream.RequestIdLength = clientId.Length;
        }
        else
        {
            // A per-process random prefix and a counter: unique without a random number per request.
            ProcessIdPrefix.CopyTo(stream.RequestId, 0);
            long counter = Interlocked.Increment(ref s_requestCounter);
            Span<byte> digits = stream.RequestId.AsSpan(ProcessIdPrefix.Length, 16);
            for (int i = 15; i >= 0; i--)
            {
                digits[i] = (byte)"0123456789abcdef"[(int)(counter & 0xF)];
                counter >>= 4;
            }

            stream.RequestIdLength = ProcessIdPrefix.Length + 16;
        }

        stream.Audit?.SetRequestId(stream.RequestIdText);
    }

    // The same rule as for HTTP/1.1 request ids: 1 to 128 characters from a conservative set.
    private static bool IsValidRequestId(ReadOnlySpan<byte> value) =>
        value.Length is > 0 and <= 128 && !value.ContainsAnyExcept(RequestIdChars);

    private static readonly System.Buffers.SearchValues<byte> RequestIdChars =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._:"u8);

    private static byte[] CreateProcessIdPrefix()
    {
        Span<byte> random = stackalloc byte[8];
        System.Security.Cryptography.RandomNumberGenerator.Fill(random);
        return Encoding.ASCII.GetBytes(Convert.ToHexStringLower(random));
    }
}
