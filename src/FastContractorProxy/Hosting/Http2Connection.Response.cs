using System.Buffers;
using System.IO.Pipelines;
using FastContractorProxy.Forwarding;
using FastContractorProxy.Http1;
using FastContractorProxy.Http2;
using FastContractorProxy.Routing;

namespace FastContractorProxy.Hosting;

internal sealed partial class Http2Connection
{
    private enum ResponseHeadResult : byte
    {
        Received,
        TimedOut,
        Invalid,

        /// <summary>The upstream closed the connection before the end of the response head.</summary>
        Closed,
    }

    private enum RelayResult : byte
    {
        Complete,
        UpstreamClosedEarly,
        UpstreamInvalidBody,
        UpstreamTimedOut,

        /// <summary>The stream was reset or the client output is gone; nothing more can be sent.</summary>
        ClientGone,
    }

    /// <summary>Reads the final response head, skipping interim 1xx responses other than 101.</summary>
    private async ValueTask<(ResponseHeadResult Result, bool AnyByte)> ReadResponseHeadAsync(Http2Stream stream, UpstreamConnection upstream, TimeSpan timeout)
    {
        PipeReader input = upstream.Input;
        HeadBuffer headBuffer = upstream.HeadBuffer;
        headBuffer.Reset();
        CancellationToken token = stream.ArmTimer(timeout);
        bool anyByte = false;

        while (true)
        {
            ReadResult result;
            try
            {
                result = await input.ReadAsync(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!stream.IsAborted)
            {
                return (ResponseHeadResult.TimedOut, anyByte);
            }
            catch (IOException)
            {
                return (ResponseHeadResult.Closed, anyByte);
            }

            ReadOnlySequence<byte> buffer = result.Buffer;
            anyByte |= !buffer.IsEmpty;
            ParseStatus status = headBuffer.Accumulate(buffer, 8 * 1024, MaxResponseHeadBytes, out int consumed, out _);
            if (status == ParseStatus.Invalid)
            {
                input.AdvanceTo(buffer.Start, buffer.End);
                return (ResponseHeadResult.Invalid, anyByte);
            }

            if (status == ParseStatus.NeedMoreData)
            {
                input.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    return (ResponseHeadResult.Closed, anyByte);
                }

                continue;
            }

            ResponseHead response = upstream.ResponseHead;
            response.Attach(headBuffer.Buffer, headBuffer.LeadingBytes, headBuffer.SectionLength);
            bool valid = ResponseHeadParser.TryParse(response, stream.Method, out _);
            input.AdvanceTo(buffer.GetPosition(consumed));
            if (!valid)
            {
                return (ResponseHeadResult.Invalid, anyByte);
            }

            if (response.StatusCode is >= 100 and < 200 and not 101)
            {
                // Interim responses are not relayed; the proxy handled any expectation itself.
                headBuffer.Reset();
                continue;
            }

            return (ResponseHeadResult.Received, anyByte);
        }
    }

    /// <summary>Converts the upstream response to HEADERS and DATA frames and returns or closes the upstream connection.</summary>
    private async ValueTask RelayResponseAsync(Http2Stream stream, UpstreamConnection upstream, Route route, ResponseHead response, TimeSpan idleTimeout)
    {
        bool hasBody = response.Framing switch
        {
            ResponseFraming.NoBody => false,
            ResponseFraming.ContentLength => response.ContentLength > 0,
            _ => true,
        };

        stream.StatusCode = response.StatusCode;
        if (stream.Audit is { } record)
        {
            record.StatusCode = response.StatusCode;
        }

        RelayResult relay = await WriteResponseHeadersAsync(stream, response, endStream: !hasBody).ConfigureAwait(false)
            ? hasBody ? await RelayResponseBodyAsync(stream, upstream, response, idleTimeout).ConfigureAwait(false) : RelayResult.Complete
            : RelayResult.ClientGone;

        if (relay == RelayResult.Complete)
        {
            upstream.HeadBuffer.Reset();
            if (response.KeepAlive && upstream.IsHealthyForReuse())
            {
                await stream.Access.Cluster!.ReturnAsync(upstream).ConfigureAwait(false);
            }
            else
            {
                await upstream.DisposeAsync().ConfigureAwait(false);
            }

            return;
        }

        // The response already started, so the only signal left for the client is a reset of the stream.
        if (relay != RelayResult.ClientGone)
        {
            ProxyLog.UpstreamExchangeFailed(_logger, upstream.Destination.Label, route.Id, relay.ToString());
            AuditFailure(stream, relay switch
            {
                RelayResult.UpstreamTimedOut => "upstream_body_timeout",
                RelayResult.UpstreamInvalidBody => "upstream_invalid_body",
                _ => "upstream_closed_during_body",
            });
        }

        upstream.Abort();
        await upstream.DisposeAsync().ConfigureAwait(false);
        await SendStreamResetAsync(stream, Http2ErrorCode.InternalError).ConfigureAwait(false);
    }

    private async ValueTask<RelayResult> RelayResponseBodyAsync(Http2Stream stream, UpstreamConnection upstream, ResponseHead response, TimeSpan idleTimeout)
    {
        PipeReader source = upstream.Input;
        long remaining = response.ContentLength;
        ChunkedDecoder decoder = default;

        while (true)
        {
            ReadResult result;
            try
            {
                result = await source.ReadAsync(stream.ArmTimer(idleTimeout)).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!stream.IsAborted)
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
                    bool last = take == remaining;
                    if (take > 0 && !await WriteDataAsync(stream, buffer.Slice(0, take), endStream: last).ConfigureAwait(false))
                    {
                        source.AdvanceTo(buffer.Start);
                        return RelayResult.ClientGone;
                    }

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
                    while (true)
                    {
                        ChunkedStatus status = ReadChunk(ref decoder, buffer, out ReadOnlySequence<byte> data, out SequencePosition position);
                        if (status == ChunkedStatus.Data)
                        {
                            if (!await WriteDataAsync(stream, data, endStream: false).ConfigureAwait(false))
                            {
                                source.AdvanceTo(buffer.Start);
                                return RelayResult.ClientGone;
                            }

                            buffer = buffer.Slice(position);
                            continue;
                        }

                        if (status == ChunkedStatus.Invalid)
                        {
                            source.AdvanceTo(buffer.Start);
                            return RelayResult.UpstreamInvalidBody;
                        }

                        if (status == ChunkedStatus.Completed)
                        {
                            // Nothing after the last chunk is examined, so stray bytes stay visible to the reuse check.
                            source.AdvanceTo(position);
                            return await WriteDataAsync(stream, ReadOnlySequence<byte>.Empty, endStream: true).ConfigureAwait(false)
                                ? RelayResult.Complete
                                : RelayResult.ClientGone;
                        }

                        source.AdvanceTo(position, buffer.End);
                        break;
                    }

                    break;
                }

                default:
                {
                    if (!buffer.IsEmpty && !await WriteDataAsync(stream, buffer, endStream: false).ConfigureAwait(false))
                    {
                        source.AdvanceTo(buffer.Start);
                        return RelayResult.ClientGone;
                    }

                    source.AdvanceTo(buffer.End);
                    if (result.IsCompleted)
                    {
                        return await WriteDataAsync(stream, ReadOnlySequence<byte>.Empty, endStream: true).ConfigureAwait(false)
                            ? RelayResult.Complete
                            : RelayResult.ClientGone;
                    }

                    break;
                }
            }

            if (result.IsCompleted)
            {
                return RelayResult.UpstreamClosedEarly;
            }
        }
    }

    // Decodes chunk framing up to the next piece of data. The decoder is a ref-struct reader, which cannot live
    // across the awaits of the caller, so each call starts a new reader at the front of the buffer.
    private static ChunkedStatus ReadChunk(ref ChunkedDecoder decoder, in ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> data, out SequencePosition position)
    {
        var reader = new SequenceReader<byte>(buffer);
        ChunkedStatus status = decoder.Read(ref reader, MaxResponseHeadBytes, out data, out _);
        position = reader.Position;
        return status;
    }

    /// <summary>
    /// Sends the upstream's status and end-to-end fields as HEADERS. Hop-by-hop fields (connection, keep-alive,
    /// proxy-connection, transfer-encoding, upgrade and those named in Connection) are dropped, names are
    /// lowercased, and content-length stays only where it describes the body.
    /// </summary>
    private async ValueTask<bool> WriteResponseHeadersAsync(Http2Stream stream, ResponseHead response, bool endStream)
    {
        if (!await EnterStreamWriteAsync(stream).ConfigureAwait(false))
        {
            return false;
        }

        try
        {
            _responseBlock.Clear();
            _encoder.WriteStatus(_responseBlock, response.StatusCode);
            bool keepContentLength = response.Framing == ResponseFraming.ContentLength ||
                (response.Framing == ResponseFraming.NoBody && response.StatusCode >= 200 && response.StatusCode != 204);
            ReadOnlySpan<byte> section = response.Section;
            for (int i = 0; i < response.FieldCount; i++)
            {
                FieldLine field = response.Fields[i];
                if (field.Dropped || field.Kind is FieldKind.Connection or FieldKind.TransferEncoding or FieldKind.Upgrade or FieldKind.HopByHop ||
                    (field.Kind == FieldKind.ContentLength && !keepContentLength))
                {
                    continue;
                }

                _encoder.WriteField(_responseBlock, field.Name(section), field.Value(section));
            }

            FrameWriter.WriteHeaders(_output, stream.Id, _responseBlock.WrittenSpan, endStream, _peerMaxFrameSize);
            if (endStream)
            {
                MarkResponseEnded(stream);
            }

            return await FlushOutputAsync(_runtime.Limits.ResponseSendTimeout).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }
}
