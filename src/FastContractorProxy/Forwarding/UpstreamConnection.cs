using System.IO.Pipelines;
using System.Net.Sockets;
using FastContractorProxy.Http1;

namespace FastContractorProxy.Forwarding;

/// <summary>One keep-alive connection to an upstream destination, with pipes over its socket.</summary>
internal sealed class UpstreamConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private volatile bool _aborted;

    public UpstreamConnection(Socket socket, UpstreamDestination destination)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        Destination = destination;
        Input = PipeReader.Create(_stream, new StreamPipeReaderOptions(bufferSize: 16 * 1024, minimumReadSize: 4 * 1024, leaveOpen: true));
        Output = PipeWriter.Create(_stream, new StreamPipeWriterOptions(minimumBufferSize: 4 * 1024, leaveOpen: true));
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
    /// unsolicited. Bytes already buffered past the last response, or a readable idle socket, mean either, so
    /// the connection is discarded. Must not run while an exchange reads <see cref="Input"/>.
    /// </summary>
    public bool IsHealthyForReuse()
    {
        // Such bytes (a body after a HEAD response, more than Content-Length declared) would otherwise be read
        // as the start of the next client's response.
        if (Input.TryRead(out ReadResult buffered))
        {
            Input.AdvanceTo(buffered.Buffer.Start);
            if (!buffered.Buffer.IsEmpty || buffered.IsCompleted)
            {
                return false;
            }
        }

        try
        {
            return _socket.Connected && !_socket.Poll(0, SelectMode.SelectRead);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }

    /// <summary>Closes the socket at once (linger 0); a later <see cref="DisposeAsync"/> discards any unsent bytes.</summary>
    public void Abort()
    {
        _aborted = true;
        try
        {
            _socket.Close(0);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        HeadBuffer.Release();
        await Input.CompleteAsync().ConfigureAwait(false);

        // Completing with an error skips the final flush of unsent bytes from a failed exchange, such as a request
        // head still waiting for its body. Writing them to the closed socket would throw, and that exception
        // would replace the client's error response with a dropped connection.
        await Output.CompleteAsync(_aborted ? new OperationCanceledException("The upstream connection was aborted.") : null).ConfigureAwait(false);
        await _stream.DisposeAsync().ConfigureAwait(false);
    }
}
