using System.Buffers;
using System.IO.Pipelines;
using FastContractorProxy.Http2;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace FastContractorProxy.Hosting;

/// <summary>
/// Kestrel hands every accepted connection here; the ASP.NET request pipeline is never involved. A connection
/// that starts with the HTTP/2 client preface is served as HTTP/2 (prior knowledge), any other as HTTP/1.1.
/// </summary>
internal sealed class ProxyConnectionHandler(ProxyRuntime runtime, ILoggerFactory loggerFactory) : ConnectionHandler
{
    private readonly ILogger _logger = loggerFactory.CreateLogger("FastContractorProxy.Connections");

    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        ConnectionProtocol protocol = await DetectProtocolAsync(connection).ConfigureAwait(false);
        if (protocol == ConnectionProtocol.Http2)
        {
            await new Http2Connection(connection, runtime, runtime.Settings.Http2, _logger).RunAsync().ConfigureAwait(false);
        }
        else if (protocol == ConnectionProtocol.Http1)
        {
            await new Http1Connection(connection, runtime, _logger).RunAsync().ConfigureAwait(false);
        }
    }

    private enum PrefaceMatch : byte
    {
        Complete,
        Partial,
        Differs,
    }

    private static PrefaceMatch MatchPreface(in ReadOnlySequence<byte> buffer)
    {
        ReadOnlySpan<byte> preface = FrameReader.ClientPreface;
        int available = (int)Math.Min(buffer.Length, preface.Length);
        Span<byte> received = stackalloc byte[preface.Length];
        buffer.Slice(0, available).CopyTo(received);
        if (!received[..available].SequenceEqual(preface[..available]))
        {
            return PrefaceMatch.Differs;
        }

        return available == preface.Length ? PrefaceMatch.Complete : PrefaceMatch.Partial;
    }

    private enum ConnectionProtocol : byte
    {
        /// <summary>The connection closed or stayed silent before the protocol was known.</summary>
        None,
        Http1,
        Http2,
    }

    /// <summary>
    /// Reads until 24 bytes are available or the bytes already differ from the client preface, without consuming
    /// any, so the chosen connection reads the same bytes from the start.
    /// </summary>
    private async ValueTask<ConnectionProtocol> DetectProtocolAsync(ConnectionContext connection)
    {
        PipeReader input = connection.Transport.Input;
        using var timeout = new CancellationTokenSource(runtime.Limits.KeepAliveTimeout);
        bool started = false;
        while (true)
        {
            ReadResult result;
            try
            {
                result = await input.ReadAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                if (!started)
                {
                    ProxyLog.ClientTimedOut(_logger, connection.RemoteEndPoint?.ToString() ?? "unknown", "idle connection before the first request");
                    return ConnectionProtocol.None;
                }

                // A slow start that still matches the preface: the HTTP/1.1 connection applies its own header timeout.
                return ConnectionProtocol.Http1;
            }
            catch (Exception ex) when (ex is IOException or ConnectionResetException or ConnectionAbortedException)
            {
                return ConnectionProtocol.None;
            }

            ReadOnlySequence<byte> buffer = result.Buffer;
            PrefaceMatch match = MatchPreface(buffer);
            if (match == PrefaceMatch.Differs)
            {
                input.AdvanceTo(buffer.Start);
                return ConnectionProtocol.Http1;
            }

            if (match == PrefaceMatch.Complete)
            {
                input.AdvanceTo(buffer.Start);
                return ConnectionProtocol.Http2;
            }

            if (result.IsCompleted)
            {
                input.AdvanceTo(buffer.End);
                return ConnectionProtocol.None;
            }

            if (!started && !buffer.IsEmpty)
            {
                // From the first byte on, the header timeout applies, as for an HTTP/1.1 request head.
                started = true;
                timeout.CancelAfter(runtime.Limits.HeadersTimeout);
            }

            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }
}
