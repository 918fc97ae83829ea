using System.IO.Pipelines;
using FastContractorProxy.Http1;
using Microsoft.AspNetCore.Connections;

namespace FastContractorProxy.Forwarding;

/// <summary>
/// One keep-alive connection to an upstream destination. Its pipes come from Kestrel's socket transport, the
/// same one that serves clients, so both sides share its buffer pool and scheduling.
/// </summary>
internal sealed class UpstreamConnection : IAsyncDisposable
{
    private readonly ConnectionContext _transport;
    private volatile bool _aborted;

    public UpstreamConnection(ConnectionContext transport, UpstreamDestination destination)
    {
        _transport = transport;
        Destination = destination;
        Input = transport.Transport.Input;
        Output = transport.Transport.Output;
    }

    public UpstreamDestination Destination { get; }

    public PipeReader Input { get; }

    public PipeWriter Output { get; }

    /// <summary>Buffers for the response head, reused for every response on this connection.</summary>
    public HeadBuffer HeadBuffer { get; } = new();

    public ResponseHead ResponseHead { get; } = new();

    /// <summary>True once the connection served at least one exchange (it came from the pool).</summary>
    public bool IsReused { get; set; }

    public long IdleSinceTicks { get; set; }

    /// <summary>
    /// Checks that an idle pooled connection is still usable: the peer has not closed it and sent nothing
    /// unsolicited. The transport keeps receiving while the connection is idle, so either shows up in
    /// <see cref="Input"/>. Must not run while an exchange reads <see cref="Input"/>.
    /// </summary>
    public bool IsHealthyForReuse()
    {
        // Such bytes (a body after a HEAD response, more than Content-Length declared) would otherwise be read
        // as the start of the next client's response.
        if (Input.TryRead(out ReadResult buffered))
        {
            Input.AdvanceTo(buffered.Buffer.Start);
            if (!buffered.Buffer.IsEmpty || buffered.IsCompleted || buffered.IsCanceled)
            {
                return false;
            }
        }

        return !_transport.ConnectionClosed.IsCancellationRequested;
    }

    /// <summary>Closes the connection at once; a later <see cref="DisposeAsync"/> discards any unsent bytes.</summary>
    public void Abort()
    {
        _aborted = true;
        _transport.Abort(new ConnectionAbortedException("The proxy aborted the upstream exchange."));
    }

    public async ValueTask DisposeAsync()
    {
        HeadBuffer.Release();
        await Input.CompleteAsync().ConfigureAwait(false);

        // Completing with an error skips the final flush of unsent bytes from a failed exchange, such as a request
        // head still waiting for its body. Writing them to the closed socket would throw, and that exception
        // would replace the client's error response with a dropped connection.
        await Output.CompleteAsync(_aborted ? new OperationCanceledException("The upstream connection was aborted.") : null).ConfigureAwait(false);
        await _transport.DisposeAsync().ConfigureAwait(false);
    }
}
