using System.Net;
using System.Net.Sockets;
using System.Text;

namespace FastContractorProxy.LoadTests.Scenarios;

/// <summary>
/// Holds many idle keep-alive connections to one server. Each connection sends one authorized GET, reads the
/// whole response and then stays open without traffic, as an idle client of a connection pool would. This opens
/// sockets; it is not a load generator, so it sends one request per connection and no more.
/// </summary>
internal sealed class IdleConnections : IDisposable
{
    private const int Concurrency = 64;
    private static readonly TimeSpan PerConnectionTimeout = TimeSpan.FromSeconds(10);

    private readonly List<Socket> _sockets = [];

    public int Opened => _sockets.Count;

    public int Failed { get; private set; }

    public string? FirstError { get; private set; }

    public TimeSpan Elapsed { get; private set; }

    /// <summary>Opens up to <paramref name="count"/> connections, 64 at a time, and stops early when <paramref name="budget"/> has passed.</summary>
    public static async Task<IdleConnections> OpenAsync(int port, string path, string token, int count, TimeSpan budget, CancellationToken cancellationToken)
    {
        var connections = new IdleConnections();
        byte[] request = Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n\r\n");
        var started = System.Diagnostics.Stopwatch.StartNew();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(budget);
        var gate = new object();
        try
        {
            await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = deadline.Token }, async (_, token) =>
            {
                Socket? socket = null;
                try
                {
                    socket = await OpenOneAsync(port, request, token);
                    lock (gate)
                    {
                        connections._sockets.Add(socket);
                    }
                }
                catch (Exception error) when (error is SocketException or IOException or InvalidDataException or OperationCanceledException)
                {
                    socket?.Dispose();
                    lock (gate)
                    {
                        connections.Failed++;
                        connections.FirstError ??= error.Message;
                    }
                }
            });
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            connections.FirstError ??= $"stopped after the budget of {budget.TotalSeconds:0} s";
        }

        connections.Elapsed = started.Elapsed;
        return connections;
    }

    private static async Task<Socket> OpenOneAsync(int port, byte[] request, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(PerConnectionTimeout);
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), timeout.Token);
            await socket.SendAsync(request, SocketFlags.None, timeout.Token);
            await ReadResponseAsync(socket, timeout.Token);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    // Reads one response with a Content-Length body and checks that its status is 200.
    private static async Task ReadResponseAsync(Socket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        int filled = 0;
        while (true)
        {
            int read = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, cancellationToken);
            if (read == 0)
            {
                throw new InvalidDataException("the server closed the connection before the response ended");
            }

            filled += read;
            string text = Encoding.ASCII.GetString(buffer, 0, filled);
            int headEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (headEnd < 0)
            {
                if (filled == buffer.Length)
                {
                    throw new InvalidDataException("response head larger than 16 KiB");
                }

                continue;
            }

            if (!text.StartsWith("HTTP/1.1 200 ", StringComparison.Ordinal))
            {
                throw new InvalidDataException($"unexpected response: {text[..Math.Min(text.Length, 40)]}");
            }

            int length = ContentLength(text[..headEnd]);
            if (filled >= headEnd + 4 + length)
            {
                return;
            }

            if (filled == buffer.Length)
            {
                throw new InvalidDataException("response larger than 16 KiB");
            }
        }
    }

    private static int ContentLength(string head)
    {
        foreach (string line in head.Split("\r\n"))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && line[..colon].Trim().Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                return int.Parse(line[(colon + 1)..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidDataException("response without Content-Length");
    }

    /// <summary>Returns how many held connections the server has not closed (a closed one is readable with 0 bytes).</summary>
    public int CountStillOpen()
    {
        int open = 0;
        foreach (Socket socket in _sockets)
        {
            try
            {
                bool closed = socket.Poll(0, SelectMode.SelectRead) && socket.Available == 0;
                open += closed ? 0 : 1;
            }
            catch (SocketException)
            {
            }
            catch (ObjectDisposedException)
            {
            }
        }

        return open;
    }

    public void Dispose()
    {
        foreach (Socket socket in _sockets)
        {
            socket.Dispose();
        }

        _sockets.Clear();
    }
}
