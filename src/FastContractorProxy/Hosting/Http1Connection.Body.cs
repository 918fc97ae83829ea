using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using FastContractorProxy.Configuration;
using FastContractorProxy.Forwarding;
using FastContractorProxy.Http1;
using FastContractorProxy.Routing;

namespace FastContractorProxy.Hosting;

internal sealed partial class Http1Connection
{
    private enum BodyResult : byte
    {
        Complete,
        ClientClosed,

        /// <summary>The body was invalid, too large or too slow, as the returned reason specifies.</summary>
        Rejected,
        UpstreamWriteFailed,
    }

    private enum RelayResult : byte
    {
        Complete,
        UpstreamClosedEarly,
        UpstreamInvalidBody,
        UpstreamTimedOut,
    }

    /// <summary>
    /// Streams the request body to the upstream, re-framed by the proxy: a Content-Length body byte for byte, a
    /// chunked body chunk by chunk with extensions and trailers dropped. Enforces the route's body limit and the
    /// minimum data rate. Nothing past the end of the body is forwarded.
    /// </summary>
    private async ValueTask<(BodyResult, RejectReason)> CopyRequestBodyAsync(UpstreamConnection upstream, Route route)
    {
        long started = Stopwatch.GetTimestamp();
        long received = 0;
        long remaining = _head.ContentLength;
        ChunkedDecoder decoder = default;
        PipeWriter destination = upstream.Output;
        TimeSpan upstreamTimeout = _access.Cluster!.Settings.ResponseHeaderTimeout;

        while (true)
        {
            TimeSpan wait = BodyReadAllowance(started, received);
            if (wait <= TimeSpan.Zero)
            {
                return (BodyResult.Rejected, RejectReason.RequestBodyTimeout);
            }

            ReadResult result;
            try
            {
                result = await _input.ReadAsync(ResetClientTimeout(wait)).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ClientGone)
            {
                ProxyLog.ClientTimedOut(_logger, _peerLabel, "request body below the minimum data rate");
                return (BodyResult.Rejected, RejectReason.RequestBodyTimeout);
            }

            ReadOnlySequence<byte> buffer = result.Buffer;
            if (!_head.Chunked)
            {
                long take = Math.Min(remaining, buffer.Length);
                foreach (ReadOnlyMemory<byte> segment in buffer.Slice(0, take))
                {
                    destination.Write(segment.Span);
                }

                _input.AdvanceTo(buffer.GetPosition(take));
                remaining -= take;
                received += take;
                _requestBodyBytes = received;
                if (remaining > 0 && result.IsCompleted)
                {
                    return (BodyResult.ClientClosed, RejectReason.UnexpectedEndOfBody);
                }

                if (!await FlushUpstreamAsync(upstream, upstreamTimeout).ConfigureAwait(false))
                {
                    return (BodyResult.UpstreamWriteFailed, RejectReason.UpstreamClosed);
                }

                if (remaining == 0)
                {
                    return (BodyResult.Complete, RejectReason.None);
                }

                continue;
            }

            var reader = new SequenceReader<byte>(buffer);
            ChunkedStatus status;
            RejectReason reason = RejectReason.None;
            while (true)
            {
                status = decoder.Read(ref reader, _runtime.Limits.MaxTrailerBytes, out ReadOnlySequence<byte> data, out reason);
                if (status != ChunkedStatus.Data)
                {
                    break;
                }

                received += data.Length;
                _requestBodyBytes = received;
                if (received > route.MaxRequestBodyBytes)
                {
                    status = ChunkedStatus.Invalid;
                    reason = RejectReason.RequestBodyTooLarge;
                    break;
                }

                HeadWriter.WriteChunkHeader(destination, data.Length);
                foreach (ReadOnlyMemory<byte> segment in data)
                {
                    destination.Write(segment.Span);
                }

                HeadWriter.WriteCrlf(destination);
            }

            // Bytes after the last chunk belong to the next pipelined request. Marking them examined would make
            // the next read wait for more data from the client, and the buffered request would never be served.
            _input.AdvanceTo(reader.Position, status == ChunkedStatus.Completed ? reader.Position : buffer.End);
            if (status == ChunkedStatus.Invalid)
            {
                return (BodyResult.Rejected, reason);
            }

            if (status == ChunkedStatus.Completed)
            {
                destination.Write("0\r\n\r\n"u8);
            }
            else if (result.IsCompleted)
            {
                return (BodyResult.ClientClosed, RejectReason.UnexpectedEndOfBody);
            }

            if (!await FlushUpstreamAsync(upstream, upstreamTimeout).ConfigureAwait(false))
            {
                return (BodyResult.UpstreamWriteFailed, RejectReason.UpstreamClosed);
            }

            if (status == ChunkedStatus.Completed)
            {
                return (BodyResult.Complete, RejectReason.None);
            }
        }
    }

    private TimeSpan BodyReadAllowance(long started, long received) => _runtime.Limits.BodyReadAllowance(started, received);

    /// <summary>Relays the response body as the upstream framed it, re-framed for the client when its length is unknown.</summary>
    private async ValueTask<RelayResult> RelayResponseBodyAsync(UpstreamConnection upstream, ResponseHead response, bool chunkToClient, TimeSpan idleTimeout)
    {
        // Nothing to wait for: reading first would block until the upstream sent more or closed.
        if (response.Framing == ResponseFraming.NoBody ||
            (response.Framing == ResponseFraming.ContentLength && response.ContentLength == 0))
        {
            return RelayResult.Complete;
        }

        PipeReader source = upstream.Input;
        long remaining = response.ContentLength;
        ChunkedDecoder decoder = default;

        while (true)
        {
            ReadResult result;
            try
            {
                result = await source.ReadAsync(ResetUpstreamTimeout(idleTimeout)).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ClientGone)
            {
                return RelayResult.UpstreamTimedOut;
            }
            catch (IOException)
            {
                return RelayResult.UpstreamClosedEarly;
            }

            ReadOnlySequence<byte> buffer = result.Buffer;
            switch (response.Framing)
            {
                case ResponseFraming.ContentLength:
                {
                    long take = Math.Min(remaining, buffer.Length);
                    WriteAll(buffer.Slice(0, take));
                    source.AdvanceTo(buffer.GetPosition(take));
                    remaining -= take;
                    if (remaining == 0)
                    {
                        return RelayResult.Complete;
                    }

                    break;
                }

                case ResponseFraming.Chunked:
                {
                    var reader = new SequenceReader<byte>(buffer);
                    ChunkedStatus status;
                    while ((status = decoder.Read(ref reader, MaxResponseHeadBytes, out ReadOnlySequence<byte> data, out _)) == ChunkedStatus.Data)
                    {
                        WriteData(data, chunkToClient);
                    }

                    // After the last chunk nothing further was examined, so bytes past the body stay visible to
                    // the reuse check instead of hiding in the buffer until the next exchange reads them.
                    source.AdvanceTo(reader.Position, status == ChunkedStatus.Completed ? reader.Position : buffer.End);
                    if (status == ChunkedStatus.Invalid)
                    {
                        return RelayResult.UpstreamInvalidBody;
                    }

                    if (status == ChunkedStatus.Completed)
                    {
                        WriteLastChunk(chunkToClient);
                        return RelayResult.Complete;
                    }

                    break;
                }

                default:
                {
                    WriteData(buffer, chunkToClient);
                    source.AdvanceTo(buffer.End);
                    if (result.IsCompleted)
                    {
                        WriteLastChunk(chunkToClient);
                        return RelayResult.Complete;
                    }

                    break;
                }
            }

            if (result.IsCompleted)
            {
                // Deliver what did arrive before the caller aborts the client, so the client sees a truncated
                // response rather than a bare reset.
                await FlushClientAsync().ConfigureAwait(false);
                return RelayResult.UpstreamClosedEarly;
            }

            await FlushClientAsync().ConfigureAwait(false);
        }
    }

    private void WriteAll(ReadOnlySequence<byte> data)
    {
        _responseBodyBytes += data.Length;
        foreach (ReadOnlyMemory<byte> segment in data)
        {
            _output.Write(segment.Span);
        }
    }

    private void WriteData(ReadOnlySequence<byte> data, bool chunked)
    {
        if (data.IsEmpty)
        {
            return;
        }

        if (chunked)
        {
            HeadWriter.WriteChunkHeader(_output, data.Length);
        }

        WriteAll(data);
        if (chunked)
        {
            HeadWriter.WriteCrlf(_output);
        }
    }

    private void WriteLastChunk(bool chunked)
    {
        if (chunked)
        {
            _output.Write("0\r\n\r\n"u8);
        }
    }

    /// <summary>
    /// After a 101 response to an authorized WebSocket upgrade, copies bytes both ways until either side closes.
    /// </summary>
    private async Task TunnelAsync(UpstreamConnection upstream)
    {
        WriteSwitchingProtocolsHead(upstream.ResponseHead);
        await FlushClientAsync().ConfigureAwait(false);

        // Data in either direction re-arms the idle timer; a tunnel silent for the whole timeout is closed.
        TimeSpan idleTimeout = _runtime.Limits.TunnelIdleTimeout;
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(_clientGone.Token);
        idle.CancelAfter(idleTimeout);
        Task clientToUpstream = PumpAsync(_input, upstream.Output, idle, idleTimeout);
        Task upstreamToClient = PumpAsync(upstream.Input, _output, idle, idleTimeout);
        await Task.WhenAny(clientToUpstream, upstreamToClient).ConfigureAwait(false);
        if (idle.IsCancellationRequested && !ClientGone)
        {
            ProxyLog.ClientTimedOut(_logger, _peerLabel, "idle WebSocket tunnel");
        }

        upstream.Abort();
        await upstream.DisposeAsync().ConfigureAwait(false);
        _connection.Abort();
    }

    private static async Task PumpAsync(PipeReader source, PipeWriter destination, CancellationTokenSource idle, TimeSpan idleTimeout)
    {
        try
        {
            while (true)
            {
                ReadResult result = await source.ReadAsync(idle.Token).ConfigureAwait(false);
                idle.CancelAfter(idleTimeout);
                foreach (ReadOnlyMemory<byte> segment in result.Buffer)
                {
                    destination.Write(segment.Span);
                }

                source.AdvanceTo(result.Buffer.End);
                FlushResult flush = await destination.FlushAsync().ConfigureAwait(false);
                if (result.IsCompleted || flush.IsCompleted)
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // Either side closing ends the tunnel, and no request remains to report the error on.
        }
    }
}
