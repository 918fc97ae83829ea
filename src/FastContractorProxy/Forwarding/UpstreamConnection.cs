using System.IO.Pipelines;
using System.Net.Sockets;
using FastContractorProxy.Http1;

namespace FastContractorProxy.Forwarding;

/// <summary>One keep-alive connection to an upstream destination, with pipes over its socket.</summary>
internal sealed class UpstreamConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;

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
    /// unsolicited. A readable idle socket means either, so the connection is discarded.
    /// </summary>
    public bool IsHealthyForReuse()
    {
        try
        {
            return _socket.Connected && !_socket.Poll(0, SelectMode.SelectRead);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }

    public void Abort()
    {
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
        await Output.CompleteAsync().ConfigureAwait(false);
        await _stream.DisposeAsync().ConfigureAwait(false);
    }
}
