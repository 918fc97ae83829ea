using System.Net;
using System.Net.Sockets;
using System.Text;

namespace FastContractorProxy.Tests.Infrastructure;

/// <summary>A response as the raw client parsed it.</summary>
public sealed record RawResponse(int StatusCode, string Head, byte[] Body)
{
    public IReadOnlyList<string> Values(string name) =>
        Head.Split("\r\n").Skip(1).Where(l => l.Contains(':', StringComparison.Ordinal))
            .Where(l => string.Equals(l[..l.IndexOf(':', StringComparison.Ordinal)], name, StringComparison.OrdinalIgnoreCase))
            .Select(l => l[(l.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim()).ToList();

    public string? Value(string name) => Values(name).SingleOrDefault();

    public string BodyText => Encoding.UTF8.GetString(Body);

    public bool ClosesConnection => Values("Connection").Any(v => v.Contains("close", StringComparison.OrdinalIgnoreCase));
}

/// <summary>
/// A raw-socket client that sends exact bytes and parses responses strictly, so tests can send what no
/// well-behaved client library would.
/// </summary>
public sealed class RawHttpClient : IDisposable
{
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private readonly List<byte> _pending = [];
    private readonly List<byte> _received = [];
    private readonly byte[] _buffer = new byte[16 * 1024];

    private RawHttpClient(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
    }

    public static RawHttpClient Connect(int port)
    {
        var client = new TcpClient();
        client.Connect(IPAddress.Loopback, port);
        client.NoDelay = true;
        return new RawHttpClient(client);
    }

    public Task SendAsync(string text) => SendAsync(Encoding.Latin1.GetBytes(text));

    public async Task SendAsync(byte[] bytes) => await _stream.WriteAsync(bytes);

    /// <summary>Reads one response; HEAD responses must be read with <paramref name="headRequest"/> set.</summary>
    public async Task<RawResponse> ReadResponseAsync(int timeoutMs = 5000, bool headRequest = false)
    {
        using var timeout = new CancellationTokenSource(timeoutMs);
        int headEnd;
        while ((headEnd = IndexOf("\r\n\r\n"u8)) < 0)
        {
            await FillAsync(timeout.Token, throwOnEnd: true);
        }

        string head = Encoding.Latin1.GetString(_pending.GetRange(0, headEnd + 2).ToArray());
        _pending.RemoveRange(0, headEnd + 4);
        int status = int.Parse(head.AsSpan(9, 3), System.Globalization.CultureInfo.InvariantCulture);
        var response = new RawResponse(status, head, []);

        if (headRequest || status is 204 or 304 || status < 200)
        {
            return response;
        }

        if (response.Value("Content-Length") is { } lengthText)
        {
            int length = int.Parse(lengthText, System.Globalization.CultureInfo.InvariantCulture);
            while (_pending.Count < length)
            {
                await FillAsync(timeout.Token, throwOnEnd: true);
            }

            byte[] body = _pending.GetRange(0, length).ToArray();
            _pending.RemoveRange(0, length);
            return response with { Body = body };
        }

        if (response.Values("Transfer-Encoding").Any(v => v.Equals("chunked", StringComparison.OrdinalIgnoreCase)))
        {
            var body = new List<byte>();
            while (true)
            {
                int lineEnd;
                while ((lineEnd = IndexOf("\r\n"u8)) < 0)
                {
                    await FillAsync(timeout.Token, throwOnEnd: true);
                }

                int size = Convert.ToInt32(Encoding.Latin1.GetString(_pending.GetRange(0, lineEnd).ToArray()), 16);
                while (_pending.Count < lineEnd + 2 + size + 2)
                {
                    await FillAsync(timeout.Token, throwOnEnd: true);
                }

                body.AddRange(_pending.GetRange(lineEnd + 2, size));
                _pending.RemoveRange(0, lineEnd + 2 + size + 2);
                if (size == 0)
                {
                    return response with { Body = body.ToArray() };
                }
            }
        }

        // Close-delimited.
        while (await FillAsync(timeout.Token, throwOnEnd: false))
        {
        }

        byte[] rest = _pending.ToArray();
        _pending.Clear();
        return response with { Body = rest };
    }

    /// <summary>True when the peer closes the connection (or resets it) within the timeout with no more bytes.</summary>
    public async Task<bool> IsClosedByPeerAsync(int timeoutMs = 3000)
    {
        using var timeout = new CancellationTokenSource(timeoutMs);
        try
        {
            while (true)
            {
                if (!await FillAsync(timeout.Token, throwOnEnd: false))
                {
                    return true;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    /// <summary>Shuts down the sending side (a TCP half-close), as `nc` does when its input ends.</summary>
    public void ShutdownSend() => _client.Client.Shutdown(SocketShutdown.Send);

    /// <summary>Bytes received but not yet consumed by a response read.</summary>
    public int PendingByteCount => _pending.Count;

    /// <summary>Every byte received so far, as Latin-1 text, for checks on the exact wire form of responses.</summary>
    public string AllReceivedText => Encoding.Latin1.GetString(_received.ToArray());

    /// <summary>Reads exactly <paramref name="count"/> bytes that follow the last response, such as tunneled data.</summary>
    public async Task<byte[]> ReadBytesAsync(int count, int timeoutMs = 5000)
    {
        using var timeout = new CancellationTokenSource(timeoutMs);
        while (_pending.Count < count)
        {
            await FillAsync(timeout.Token, throwOnEnd: true);
        }

        byte[] bytes = _pending.GetRange(0, count).ToArray();
        _pending.RemoveRange(0, count);
        return bytes;
    }

    /// <summary>Reads until <paramref name="marker"/> was received; false when the connection closed or the timeout passed first.</summary>
    public async Task<bool> ReadUntilAsync(string marker, int timeoutMs = 5000)
    {
        using var timeout = new CancellationTokenSource(timeoutMs);
        try
        {
            while (!AllReceivedText.Contains(marker, StringComparison.Ordinal))
            {
                if (!await FillAsync(timeout.Token, throwOnEnd: false))
                {
                    return false;
                }
            }

            return true;
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            return false;
        }
    }

    /// <summary>Resets the connection (linger 0) the way a crashing client or a killed process would.</summary>
    public void Abort()
    {
        _client.LingerState = new LingerOption(true, 0);
        _client.Client.Close();
        Dispose();
    }

    private async Task<bool> FillAsync(CancellationToken cancellationToken, bool throwOnEnd)
    {
        int read = await _stream.ReadAsync(_buffer, cancellationToken);
        if (read == 0)
        {
            if (throwOnEnd)
            {
                throw new IOException("The proxy closed the connection before the response was complete.");
            }

            return false;
        }

        _pending.AddRange(_buffer.AsSpan(0, read));
        _received.AddRange(_buffer.AsSpan(0, read));
        return true;
    }

    private int IndexOf(ReadOnlySpan<byte> value) => _pending.ToArray().AsSpan().IndexOf(value);

    public void Dispose()
    {
        _stream.Dispose();
        _client.Dispose();
    }
}
