using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using FastContractorProxy.Forwarding;
using FastContractorProxy.Http1;
using FastContractorProxy.Routing;

namespace FastContractorProxy.Hosting;

internal sealed partial class Http1Connection
{
    /// <summary>Largest upstream response head accepted. A larger one fails the exchange with 502.</summary>
    private const int MaxResponseHeadBytes = 64 * 1024;

    private enum ExchangeResult : byte
    {
        KeepClient,
        CloseClient,

        /// <summary>A reused pooled connection failed before the upstream saw anything usable; try a new one.</summary>
        RetryOnNewConnection,
    }

    private enum ResponseHeadResult : byte
    {
        Received,
        TimedOut,
        Invalid,

        /// <summary>The upstream closed the connection before sending a byte of a response.</summary>
        ClosedBeforeResponse,

        /// <summary>The upstream closed the connection in the middle of the response head.</summary>
        ClosedDuringHead,
    }

    private async ValueTask<bool> ForwardAsync(Route route)
    {
        UpstreamCluster cluster = _access.Cluster!;
        bool allowReuse = true;

        while (true)
        {
            (UpstreamConnection? upstream, LeaseError error) = await cluster.LeaseAsync(allowReuse, _clientGone.Token).ConfigureAwait(false);
            if (upstream is null)
            {
                if (error == LeaseError.Canceled)
                {
                    return false;
                }

                RejectReason reason = error == LeaseError.ConnectTimedOut ? RejectReason.UpstreamConnectTimeout : RejectReason.UpstreamConnectFailed;
                _runtime.Metrics.RecordUpstreamFailure(cluster.Id,
                    error == LeaseError.ConnectTimedOut ? Admin.UpstreamErrorType.ConnectTimeout : Admin.UpstreamErrorType.ConnectRefused);
                ProxyLog.UpstreamExchangeFailed(_logger, cluster.Id, route.Id, reason.ToString());
                return await RejectAsync(reason, close: _head.HasBody || !_head.KeepAlive).ConfigureAwait(false);
            }

            // Only a request without a body can be replayed: its bytes are still all in the head buffer.
            bool replayable = upstream.IsReused && !_head.HasBody;
            long exchangeStarted = Stopwatch.GetTimestamp();
            string destination = upstream.Destination.Label;
            ExchangeResult result;
            try
            {
                result = await ExchangeAsync(route, upstream, replayable).ConfigureAwait(false);
            }
            catch
            {
                upstream.Abort();
                await upstream.DisposeAsync().ConfigureAwait(false);
                AuditUpstream(destination, exchangeStarted);
                throw;
            }

            AuditUpstream(destination, exchangeStarted);

            if (result == ExchangeResult.RetryOnNewConnection)
            {
                allowReuse = false;
                continue;
            }

            return result == ExchangeResult.KeepClient;
        }
    }

    /// <summary>
    /// Sends the request and relays the response. On return the upstream connection was either returned to the
    /// pool (clean exchange, both sides framed, upstream keep-alive) or disposed.
    /// </summary>
    private async ValueTask<ExchangeResult> ExchangeAsync(Route route, UpstreamConnection upstream, bool replayable)
    {
        UpstreamCluster cluster = _access.Cluster!;
        var values = new ForwardedValues
        {
            CanonicalPath = CanonicalPath,
            PeerAddress = _peerAddress,
            PeerIsTrustedProxy = _peerIsTrustedProxy,
            Scheme = "http"u8,
            RequestId = RequestId,
        };
        SetIdentityValues(ref values);
        RequestWriter.WriteHead(upstream.Output, _head, _runtime.FieldFilter, values);

        if (!_head.HasBody)
        {
            if (!await FlushUpstreamAsync(upstream, cluster.Settings.ResponseHeaderTimeout).ConfigureAwait(false))
            {
                return await FailExchangeAsync(upstream, route, replayable, RejectReason.UpstreamClosed, "request write failed").ConfigureAwait(false);
            }
        }
        else
        {
            if (_head.Expect100Continue)
            {
                // The proxy sends 100 Continue itself once the request passed every check.
                _output.Write("HTTP/1.1 100 Continue\r\n\r\n"u8);
                await FlushClientAsync().ConfigureAwait(false);
            }

            (BodyResult bodyResult, RejectReason bodyReason) = await CopyRequestBodyAsync(upstream, route).ConfigureAwait(false);
            if (bodyResult != BodyResult.Complete)
            {
                return await FailRequestBodyAsync(upstream, route, bodyResult, bodyReason).ConfigureAwait(false);
            }
        }

        ResponseHeadResult headResult = await ReadResponseHeadAsync(upstream, cluster.Settings.ResponseHeaderTimeout).ConfigureAwait(false);
        switch (headResult)
        {
            case ResponseHeadResult.TimedOut:
                return await FailExchangeAsync(upstream, route, false, RejectReason.UpstreamResponseTimeout, "response header timeout").ConfigureAwait(false);
            case ResponseHeadResult.ClosedBeforeResponse:
                return await FailExchangeAsync(upstream, route, replayable, RejectReason.UpstreamClosed, "closed before responding").ConfigureAwait(false);
            case ResponseHeadResult.ClosedDuringHead:
                return await FailExchangeAsync(upstream, route, false, RejectReason.UpstreamClosed, "closed during the response head").ConfigureAwait(false);
            case ResponseHeadResult.Invalid:
                ProxyLog.UpstreamInvalidResponse(_logger, upstream.Destination.Label, upstream.ResponseHead.SectionLength);
                return await FailExchangeAsync(upstream, route, false, RejectReason.UpstreamInvalidResponse, "invalid response head").ConfigureAwait(false);
        }

        ResponseHead response = upstream.ResponseHead;
        if (response.StatusCode == 101)
        {
            if (!_head.WebSocketUpgrade)
            {
                return await FailExchangeAsync(upstream, route, false, RejectReason.UpstreamInvalidResponse, "101 without an upgrade request").ConfigureAwait(false);
            }

            await TunnelAsync(upstream).ConfigureAwait(false);
            return ExchangeResult.CloseClient;
        }

        return await RelayResponseAsync(upstream, route, response).ConfigureAwait(false);
    }

    private async ValueTask<ExchangeResult> RelayResponseAsync(UpstreamConnection upstream, Route route, ResponseHead response)
    {
        bool clientIsHttp11 = _head.Version == HttpVersion.Http11;
        bool unknownLength = response.Framing is ResponseFraming.Chunked or ResponseFraming.CloseDelimited;

        // An HTTP/1.0 client cannot receive chunked data: such a response is delimited by closing the connection.
        bool closeClient = !_head.KeepAlive || (unknownLength && !clientIsHttp11) || _draining;
        WriteResponseHead(response, chunked: unknownLength && clientIsHttp11, closeClient);

        RelayResult relay = await RelayResponseBodyAsync(upstream, response, chunkToClient: unknownLength && clientIsHttp11,
            _access.Cluster!.Settings.ResponseHeaderTimeout).ConfigureAwait(false);

        if (relay == RelayResult.Complete)
        {
            await FlushClientAsync().ConfigureAwait(false);
            upstream.HeadBuffer.Reset();
            if (response.KeepAlive && upstream.IsHealthyForReuse())
            {
                await _access.Cluster!.ReturnAsync(upstream).ConfigureAwait(false);
            }
            else
            {
                await upstream.DisposeAsync().ConfigureAwait(false);
            }

            return closeClient ? ExchangeResult.CloseClient : ExchangeResult.KeepClient;
        }

        // The response already started, so the only honest signal left for the client is an aborted connection.
        ProxyLog.UpstreamExchangeFailed(_logger, upstream.Destination.Label, route.Id, relay.ToString());
        _runtime.Metrics.RecordUpstreamFailure(upstream.Destination.Label, relay switch
        {
            RelayResult.UpstreamTimedOut => Admin.UpstreamErrorType.ResponseTimeout,
            RelayResult.UpstreamInvalidBody => Admin.UpstreamErrorType.InvalidResponse,
            _ => Admin.UpstreamErrorType.Closed,
        });
        AuditUpstreamFailure(relay switch
        {
            RelayResult.UpstreamTimedOut => "upstream_body_timeout",
            RelayResult.UpstreamInvalidBody => "upstream_invalid_body",
            _ => "upstream_closed_during_body",
        });
        upstream.Abort();
        await upstream.DisposeAsync().ConfigureAwait(false);
        _connection.Abort();
        return ExchangeResult.CloseClient;
    }

    private async ValueTask<ExchangeResult> FailExchangeAsync(UpstreamConnection upstream, Route route, bool replayable, RejectReason reason, string failure)
    {
        _runtime.Metrics.RecordUpstreamFailure(upstream.Destination.Label, reason switch
        {
            RejectReason.UpstreamResponseTimeout => Admin.UpstreamErrorType.ResponseTimeout,
            RejectReason.UpstreamInvalidResponse => Admin.UpstreamErrorType.InvalidResponse,
            _ => Admin.UpstreamErrorType.Closed,
        });
        upstream.Abort();
        await upstream.DisposeAsync().ConfigureAwait(false);
        if (ClientGone)
        {
            return ExchangeResult.CloseClient;
        }

        if (replayable)
        {
            return ExchangeResult.RetryOnNewConnection;
        }

        ProxyLog.UpstreamExchangeFailed(_logger, upstream.Destination.Label, route.Id, failure);
        bool keep = await RejectAsync(reason, close: !_head.KeepAlive).ConfigureAwait(false);
        return keep ? ExchangeResult.KeepClient : ExchangeResult.CloseClient;
    }

    private async ValueTask<ExchangeResult> FailRequestBodyAsync(UpstreamConnection upstream, Route route, BodyResult result, RejectReason reason)
    {
        // The upstream received a partial request, so its connection can never be reused.
        upstream.Abort();
        await upstream.DisposeAsync().ConfigureAwait(false);

        switch (result)
        {
            case BodyResult.ClientClosed:
                return ExchangeResult.CloseClient;
            case BodyResult.UpstreamWriteFailed:
                ProxyLog.UpstreamExchangeFailed(_logger, upstream.Destination.Label, route.Id, "request body write failed");
                await RejectAsync(RejectReason.UpstreamClosed, close: true).ConfigureAwait(false);
                return ExchangeResult.CloseClient;
            default:
                await RejectAsync(reason, close: true).ConfigureAwait(false);
                return ExchangeResult.CloseClient;
        }
    }

    /// <summary>Reads the final response head, skipping interim 1xx responses other than 101.</summary>
    private async ValueTask<ResponseHeadResult> ReadResponseHeadAsync(UpstreamConnection upstream, TimeSpan timeout)
    {
        PipeReader input = upstream.Input;
        HeadBuffer headBuffer = upstream.HeadBuffer;
        headBuffer.Reset();
        CancellationToken token = ResetUpstreamTimeout(timeout);
        bool anyByte = false;

        while (true)
        {
            ReadResult result;
            try
            {
                result = await input.ReadAsync(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ClientGone)
            {
                return ResponseHeadResult.TimedOut;
            }
            catch (IOException)
            {
                return anyByte ? ResponseHeadResult.ClosedDuringHead : ResponseHeadResult.ClosedBeforeResponse;
            }

            ReadOnlySequence<byte> buffer = result.Buffer;
            anyByte |= !buffer.IsEmpty;
            ParseStatus status = headBuffer.Accumulate(buffer, 8 * 1024, MaxResponseHeadBytes, out int consumed, out _);
            if (status == ParseStatus.Invalid)
            {
                input.AdvanceTo(buffer.Start, buffer.End);
                return ResponseHeadResult.Invalid;
            }

            if (status == ParseStatus.NeedMoreData)
            {
                input.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    return anyByte ? ResponseHeadResult.ClosedDuringHead : ResponseHeadResult.ClosedBeforeResponse;
                }

                continue;
            }

            ResponseHead response = upstream.ResponseHead;
            response.Attach(headBuffer.Buffer, headBuffer.LeadingBytes, headBuffer.SectionLength);
            bool valid = ResponseHeadParser.TryParse(response, _head.Method, out _);
            input.AdvanceTo(buffer.GetPosition(consumed));
            if (!valid)
            {
                return ResponseHeadResult.Invalid;
            }

            if (response.StatusCode is >= 100 and < 200 and not 101)
            {
                // Interim responses (100, 102, 103) are not relayed; the proxy handled any expectation itself.
                headBuffer.Reset();
                continue;
            }

            return ResponseHeadResult.Received;
        }
    }

    private async ValueTask<bool> FlushUpstreamAsync(UpstreamConnection upstream, TimeSpan timeout)
    {
        try
        {
            FlushResult result = await upstream.Output.FlushAsync(ResetUpstreamTimeout(timeout)).ConfigureAwait(false);
            return !result.IsCanceled && !result.IsCompleted;
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
        {
            return false;
        }
    }

    private async ValueTask FlushClientAsync()
    {
        FlushResult result = await _output.FlushAsync(ResetClientTimeout(_runtime.Limits.ResponseSendTimeout)).ConfigureAwait(false);
        if (result.IsCompleted)
        {
            throw new Microsoft.AspNetCore.Connections.ConnectionAbortedException("The client closed the connection.");
        }
    }
}
