using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using FastContractorProxy.Configuration;
using FastContractorProxy.Forwarding;
using FastContractorProxy.Http1;
using FastContractorProxy.Http2;
using FastContractorProxy.Routing;

namespace FastContractorProxy.Hosting;

internal sealed partial class Http2Connection
{
    /// <summary>Largest upstream response head accepted, as for HTTP/1.1 clients. A larger one fails the exchange with 502.</summary>
    private const int MaxResponseHeadBytes = 64 * 1024;

    private enum ExchangeResult : byte
    {
        Done,

        /// <summary>A reused pooled connection failed before the upstream saw anything usable; try a new one.</summary>
        RetryOnNewConnection,
    }

    private enum BodyResult : byte
    {
        Complete,
        TooLarge,
        TimedOut,
        UpstreamWriteFailed,
    }

    private async ValueTask ForwardAsync(Http2Stream stream, Route route)
    {
        if (stream.Body is { } body)
        {
            // The upstream is contacted once the first body bytes passed the reader's checks, so a body that
            // contradicts content-length is reset before any byte of the request reaches the upstream.
            try
            {
                ReadResult first = await body.Reader.ReadAsync(stream.ArmTimer(BodyReadAllowance(Stopwatch.GetTimestamp(), 0))).ConfigureAwait(false);
                body.Reader.AdvanceTo(first.Buffer.Start);
            }
            catch (OperationCanceledException) when (!stream.IsAborted)
            {
                ProxyLog.ClientTimedOut(_logger, _peerLabel, "HTTP/2 request body did not start in time");
                await RejectAsync(stream, RejectReason.RequestBodyTimeout).ConfigureAwait(false);
                return;
            }
        }

        UpstreamCluster cluster = stream.Access.Cluster!;
        bool allowReuse = true;
        while (true)
        {
            (UpstreamConnection? upstream, LeaseError error) = await cluster.LeaseAsync(allowReuse, stream.AbortedToken).ConfigureAwait(false);
            if (upstream is null)
            {
                if (error == LeaseError.Canceled)
                {
                    return;
                }

                RejectReason reason = error == LeaseError.ConnectTimedOut ? RejectReason.UpstreamConnectTimeout : RejectReason.UpstreamConnectFailed;
                ProxyLog.UpstreamExchangeFailed(_logger, cluster.Id, route.Id, reason.ToString());
                await RejectAsync(stream, reason).ConfigureAwait(false);
                return;
            }

            // Only a request without a body can be replayed: nothing of it was consumed from the client.
            bool replayable = upstream.IsReused && stream.Body is null;
            long exchangeStarted = Stopwatch.GetTimestamp();
            string destination = upstream.Destination.Label;
            ExchangeResult result;
            try
            {
                result = await ExchangeAsync(stream, route, upstream, replayable).ConfigureAwait(false);
            }
            catch
            {
                upstream.Abort();
                await upstream.DisposeAsync().ConfigureAwait(false);
                AuditUpstream(stream, destination, exchangeStarted);
                throw;
            }

            AuditUpstream(stream, destination, exchangeStarted);
            if (result == ExchangeResult.Done)
            {
                return;
            }

            allowReuse = false;
        }
    }

    /// <summary>
    /// Sends the request and relays the response. On return the upstream connection was either returned to the
    /// pool (clean exchange, both sides framed, upstream keep-alive) or disposed.
    /// </summary>
    private async ValueTask<ExchangeResult> ExchangeAsync(Http2Stream stream, Route route, UpstreamConnection upstream, bool replayable)
    {
        ClusterSettings cluster = stream.Access.Cluster!.Settings;
        WriteUpstreamHead(stream, upstream.Output);

        if (stream.Body is null)
        {
            if (!await FlushUpstreamAsync(stream, upstream, cluster.ResponseHeaderTimeout).ConfigureAwait(false))
            {
                return await FailExchangeAsync(stream, upstream, route, replayable, RejectReason.UpstreamClosed, "request write failed").ConfigureAwait(false);
            }
        }
        else
        {
            BodyResult bodyResult = await CopyRequestBodyAsync(stream, upstream, route, cluster.ResponseHeaderTimeout).ConfigureAwait(false);
            if (bodyResult != BodyResult.Complete)
            {
                // The upstream received a partial request, so its connection can never be reused.
                upstream.Abort();
                await upstream.DisposeAsync().ConfigureAwait(false);
                RejectReason reason = bodyResult switch
                {
                    BodyResult.TooLarge => RejectReason.RequestBodyTooLarge,
                    BodyResult.TimedOut => RejectReason.RequestBodyTimeout,
                    _ => RejectReason.UpstreamClosed,
                };
                await RejectAsync(stream, reason).ConfigureAwait(false);
                return ExchangeResult.Done;
            }
        }

        (ResponseHeadResult headResult, bool anyByte) = await ReadResponseHeadAsync(stream, upstream, cluster.ResponseHeaderTimeout).ConfigureAwait(false);
        switch (headResult)
        {
            case ResponseHeadResult.TimedOut:
                return await FailExchangeAsync(stream, upstream, route, false, RejectReason.UpstreamResponseTimeout, "response header timeout").ConfigureAwait(false);
            case ResponseHeadResult.Closed:
                return await FailExchangeAsync(stream, upstream, route, replayable && !anyByte, RejectReason.UpstreamClosed, "closed before the end of the response head").ConfigureAwait(false);
            case ResponseHeadResult.Invalid:
                ProxyLog.UpstreamInvalidResponse(_logger, upstream.Destination.Label, upstream.ResponseHead.SectionLength);
                return await FailExchangeAsync(stream, upstream, route, false, RejectReason.UpstreamInvalidResponse, "invalid response head").ConfigureAwait(false);
        }

        ResponseHead response = upstream.ResponseHead;
        if (response.StatusCode == 101)
        {
            // HTTP/2 has no Upgrade, so a 101 can only be an upstream error.
            return await FailExchangeAsync(stream, upstream, route, false, RejectReason.UpstreamInvalidResponse, "101 without an upgrade request").ConfigureAwait(false);
        }

        await RelayResponseAsync(stream, upstream, route, response, cluster.ResponseHeaderTimeout).ConfigureAwait(false);
        return ExchangeResult.Done;
    }

    private void WriteUpstreamHead(Http2Stream stream, PipeWriter output)
    {
        var values = new ForwardedValues
        {
            CanonicalPath = stream.CanonicalPath,
            PeerAddress = _peerAddress,
            PeerIsTrustedProxy = _peerIsTrustedProxy,
            Scheme = "http"u8,
            RequestId = stream.RequestIdText,
            StripAuthorization = stream.Access.StripAuthorization,
        };

        if (stream.Access.Caller is not null)
        {
            bool hasPolicy = _runtime.Access is not null;
            values.ContractorId = stream.Access.ContractorId(hasPolicy);
            values.Organization = stream.Access.Organization(hasPolicy);
            values.Scopes = stream.Access.Caller.ScopeText;
        }

        Http2UpstreamRequestWriter.WriteHead(output, stream.Head, _runtime.FieldFilter, values, hasBody: stream.Body is not null, stream.Method);
    }

    /// <summary>
    /// Streams the request body from the stream's DATA to the upstream, framed by the proxy: byte for byte under
    /// Content-Length, else as chunks. Returns each consumed byte to the client's flow-control windows.
    /// </summary>
    private async ValueTask<BodyResult> CopyRequestBodyAsync(Http2Stream stream, UpstreamConnection upstream, Route route, TimeSpan upstreamTimeout)
    {
        PipeReader body = stream.Body!.Reader;
        bool chunked = stream.Head.ContentLength < 0;
        long started = Stopwatch.GetTimestamp();
        long received = 0;

        while (true)
        {
            TimeSpan wait = BodyReadAllowance(started, received);
            if (wait <= TimeSpan.Zero)
            {
                return BodyResult.TimedOut;
            }

            ReadResult result;
            try
            {
                result = await body.ReadAsync(stream.ArmTimer(wait)).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!stream.IsAborted)
            {
                ProxyLog.ClientTimedOut(_logger, _peerLabel, "HTTP/2 request body below the minimum data rate");
                return BodyResult.TimedOut;
            }

            ReadOnlySequence<byte> buffer = result.Buffer;
            int consumed = (int)buffer.Length;
            received += consumed;
            stream.RequestBodyBytes = received;
            if (received > route.MaxRequestBodyBytes)
            {
                body.AdvanceTo(buffer.End);
                return BodyResult.TooLarge;
            }

            if (consumed > 0)
            {
                if (chunked)
                {
                    HeadWriter.WriteChunkHeader(upstream.Output, consumed);
                }

                foreach (ReadOnlyMemory<byte> segment in buffer)
                {
                    upstream.Output.Write(segment.Span);
                }

                if (chunked)
                {
                    HeadWriter.WriteCrlf(upstream.Output);
                }
            }

            body.AdvanceTo(buffer.End);
            if (result.IsCompleted && chunked)
            {
                upstream.Output.Write("0\r\n\r\n"u8);
            }

            if (!await FlushUpstreamAsync(stream, upstream, upstreamTimeout).ConfigureAwait(false))
            {
                return BodyResult.UpstreamWriteFailed;
            }

            await ReturnReceiveWindowAsync(stream, consumed).ConfigureAwait(false);
            if (result.IsCompleted)
            {
                return BodyResult.Complete;
            }
        }
    }

    private TimeSpan BodyReadAllowance(long started, long received) => _runtime.Limits.BodyReadAllowance(started, received);

    private async ValueTask<ExchangeResult> FailExchangeAsync(Http2Stream stream, UpstreamConnection upstream, Route route, bool replayable, RejectReason reason, string failure)
    {
        upstream.Abort();
        await upstream.DisposeAsync().ConfigureAwait(false);
        if (stream.IsAborted)
        {
            return ExchangeResult.Done;
        }

        if (replayable)
        {
            return ExchangeResult.RetryOnNewConnection;
        }

        ProxyLog.UpstreamExchangeFailed(_logger, upstream.Destination.Label, route.Id, failure);
        await RejectAsync(stream, reason).ConfigureAwait(false);
        return ExchangeResult.Done;
    }

    private static async ValueTask<bool> FlushUpstreamAsync(Http2Stream stream, UpstreamConnection upstream, TimeSpan timeout)
    {
        try
        {
            FlushResult result = await upstream.Output.FlushAsync(stream.ArmTimer(timeout)).ConfigureAwait(false);
            return !result.IsCanceled && !result.IsCompleted;
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException || (ex is OperationCanceledException && !stream.IsAborted))
        {
            return false;
        }
    }
}
