using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace FastContractorProxy.Tests.Infrastructure;

/// <summary>One request as the recorder upstream received it.</summary>
public sealed record RecordedRequest(int ConnectionId, string Head, byte[] Body)
{
    public string RequestLine => Head[..Head.IndexOf("\r\n", StringComparison.Ordinal)];

    public string Target => RequestLine.Split(' ')[1];

    /// <summary>Every field line after the request line, as (name, value) in order.</summary>
    public IReadOnlyList<(string Name, string Value)> Fields =>
        Head.Split("\r\n").Skip(1).Where(l => l.Length > 0)
            .Select(l => (l[..l.IndexOf(':', StringComparison.Ordinal)], l[(l.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim()))
            .ToList();

    public IReadOnlyList<string> Values(string name) =>
        Fields.Where(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase)).Select(f => f.Value).ToList();

    public string? Value(string name) => Values(name).SingleOrDefault();

    public string BodyText => Encoding.Latin1.GetString(Body);
}

/// <summary>What the recorder sends back for one request.</summary>
public sealed record UpstreamReply(byte[] Bytes, bool CloseAfter = false, bool NeverRespond = false, bool StallAfterBytes = false)
{
    public static UpstreamReply Ok(string body = "ok") => Text($"HTTP/1.1 200 OK\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\n\r\n{body}");

    public static UpstreamReply Text(string raw, bool closeAfter = false) => new(Encoding.Latin1.GetBytes(raw), closeAfter);

    /// <summary>Reads the request and never responds. The connection stays open until the proxy closes it.</summary>
    public static readonly UpstreamReply Never = new([], NeverRespond: true);

    /// <summary>Sends <paramref name="raw"/>, then sends nothing more until the proxy closes the connection.</summary>
    public static UpstreamReply Stall(string raw) => new(Encoding.Latin1.GetBytes(raw), StallAfterBytes: true);

    /// <summary>After the reply, send every later byte of the connection straight back, as a WebSocket echo server would.</summary>
    public bool EchoAfterReply { get; init; }

    /// <summary>With <see cref="CloseAfter"/>: how long to wait after the reply before closing.</summary>
    public TimeSpan CloseDelay { get; init; }
}

/// <summary>
/// A raw-socket HTTP/1.1 upstream on loopback that records exactly what it receives, request by request and
/// byte by byte, and replies with a scripted response. Its own small parser is independent of the product's,
/// so a framing bug in the proxy shows up as a difference in what was recorded.
/// </summary>
public sealed class RecorderUpstream : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly Func<RecordedRequest, UpstreamReply> _reply;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly ConcurrentDictionary<int, MemoryStream> _raw = new();
    private readonly ConcurrentBag<TcpClient> _clients = [];
    private readonly Task _acceptLoop;
    private int _connectionCount;
    private int _openConnections;

    private RecorderUpstream(Func<RecordedRequest, UpstreamReply> reply)
    {
        _reply = reply;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _acceptLoop = AcceptLoopAsync();
    }

    public static RecorderUpstream Start(Func<RecordedRequest, UpstreamReply>? reply = null) =>
        new(reply ?? (_ => UpstreamReply.Ok()));

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public IReadOnlyList<RecordedRequest> Requests => _requests.ToArray();

    public int ConnectionCount => Volatile.Read(ref _connectionCount);

    public int OpenConnections => Volatile.Read(ref _openConnections);

    /// <summary>Every byte received on every connection, as Latin-1 text, for "the upstream never saw X" checks.</summary>
    public string AllReceivedText
    {
        get
        {
            var text = new StringBuilder();
            foreach (MemoryStream stream in _raw.Values)
            {
                lock (stream)
                {
                    text.Append(Encoding.Latin1.GetString(stream.ToArray()));
                }
            }

            return text.ToString();
        }
    }

    /// <summary>Waits until at least <paramref name="count"/> requests were recorded, or fails after the timeout.</summary>
    public async Task<IReadOnlyList<RecordedRequest>> WaitForRequestsAsync(int count, int timeoutMs = 5000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (_requests.Count < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Expected {count} upstream requests, saw {_requests.Count}.");
            }

            await Task.Delay(10);
        }

        return Requests;
    }

    /// <summary>Waits until exactly <paramref name="count"/> connections are open; false when that did not happen within the timeout.</summary>
    public async Task<bool> WaitForOpenConnectionsAsync(int count, int timeoutMs = 5000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (OpenConnections != count)
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(10);
        }

        return true;
    }

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client = await _listener.AcceptTcpClientAsync(_stop.Token);
                _clients.Add(client);
                int id = Interlocked.Increment(ref _connectionCount);
                _ = ServeAsync(client, id);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    private async Task ServeAsync(TcpClient client, int connectionId)
    {
        Interlocked.Increment(ref _openConnections);
        var raw = new MemoryStream();
        _raw[connectionId] = raw;
        var pending = new List<byte>();
        var buffer = new byte[16 * 1024];
        try
        {
            NetworkStream stream = client.GetStream();
            while (true)
            {
                while (TryTakeRequest(pending, connectionId, out RecordedRequest? request))
                {
                    _requests.Enqueue(request);
                    UpstreamReply reply = _reply(request);
                    if (reply.NeverRespond)
                    {
                        await ReadUntilClosedAsync(stream, raw, buffer);
                        return;
                    }

                    await stream.WriteAsync(reply.Bytes, _stop.Token);
                    if (reply.StallAfterBytes)
                    {
                        await ReadUntilClosedAsync(stream, raw, buffer);
                        return;
                    }

                    if (reply.CloseAfter)
                    {
                        // A pause lets the proxy relay the bytes before it reads the close, as with a crash mid-response.
                        await Task.Delay(reply.CloseDelay, _stop.Token);
                        return;
                    }

                    if (reply.EchoAfterReply)
                    {
                        await EchoAsync(stream, pending, raw, buffer);
                        return;
                    }
                }

                int read = await stream.ReadAsync(buffer, _stop.Token);
                if (read == 0)
                {
                    return;
                }

                lock (raw)
                {
                    raw.Write(buffer, 0, read);
                }

                pending.AddRange(buffer.AsSpan(0, read));
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
        finally
        {
            client.Dispose();
            Interlocked.Decrement(ref _openConnections);
        }
    }

    // Records what arrives without answering until the peer closes, so OpenConnections shows when the proxy gives up.
    private async Task ReadUntilClosedAsync(NetworkStream stream, MemoryStream raw, byte[] buffer)
    {
        while (true)
        {
            int read = await stream.ReadAsync(buffer, _stop.Token);
            if (read == 0)
            {
                return;
            }

            lock (raw)
            {
                raw.Write(buffer, 0, read);
            }
        }
    }

    // Echoes the bytes left after the request, then everything that arrives, until the peer closes.
    private async Task EchoAsync(NetworkStream stream, List<byte> pending, MemoryStream raw, byte[] buffer)
    {
        await stream.WriteAsync(pending.ToArray(), _stop.Token);
        pending.Clear();
        while (true)
        {
            int read = await stream.ReadAsync(buffer, _stop.Token);
            if (read == 0)
            {
                return;
            }

            lock (raw)
            {
                raw.Write(buffer, 0, read);
            }

            await stream.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
        }
    }

    // Takes one complete request (head and body by Content-Length or chunked) off the front of the buffer.
    private static bool TryTakeRequest(List<byte> pending, int connectionId, out RecordedRequest request)
    {
        request = null!;
        byte[] bytes = pending.ToArray();
        int headEnd = IndexOf(bytes, "\r\n\r\n"u8, 0);
        if (headEnd < 0)
        {
            return false;
        }

        string head = Encoding.Latin1.GetString(bytes, 0, headEnd + 2);
        int bodyStart = headEnd + 4;
        string? contentLength = null;
        bool chunked = false;
        foreach (string line in head.Split("\r\n").Skip(1))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }

            string name = line[..colon];
            string value = line[(colon + 1)..].Trim();
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                contentLength = value;
            }
            else if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) && value.Equals("chunked", StringComparison.OrdinalIgnoreCase))
            {
                chunked = true;
            }
        }

        byte[] body;
        int end;
        if (chunked)
        {
            var decoded = new List<byte>();
            int position = bodyStart;
            while (true)
            {
                int lineEnd = IndexOf(bytes, "\r\n"u8, position);
                if (lineEnd < 0)
                {
                    return false;
                }

                string sizeText = Encoding.Latin1.GetString(bytes, position, lineEnd - position).Split(';')[0];
                int size = Convert.ToInt32(sizeText, 16);
                position = lineEnd + 2;
                if (size == 0)
                {
                    int trailerEnd = IndexOf(bytes, "\r\n"u8, position);
                    while (trailerEnd >= 0 && trailerEnd != position)
                    {
                        position = trailerEnd + 2;
                        trailerEnd = IndexOf(bytes, "\r\n"u8, position);
                    }

                    if (trailerEnd < 0)
                    {
                        return false;
                    }

                    end = trailerEnd + 2;
                    break;
                }

                if (bytes.Length < position + size + 2)
                {
                    return false;
                }

                decoded.AddRange(bytes.AsSpan(position, size));
                position += size + 2;
            }

            body = decoded.ToArray();
        }
        else
        {
            int length = contentLength is null ? 0 : int.Parse(contentLength, System.Globalization.CultureInfo.InvariantCulture);
            if (bytes.Length < bodyStart + length)
            {
                return false;
            }

            body = bytes.AsSpan(bodyStart, length).ToArray();
            end = bodyStart + length;
        }

        pending.RemoveRange(0, end);
        request = new RecordedRequest(connectionId, head, body);
        return true;
    }

    private static int IndexOf(byte[] bytes, ReadOnlySpan<byte> value, int start)
    {
        int index = bytes.AsSpan(start).IndexOf(value);
        return index < 0 ? -1 : start + index;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        foreach (TcpClient client in _clients)
        {
            client.Dispose();
        }

        await _acceptLoop;
        _stop.Dispose();
    }
}
