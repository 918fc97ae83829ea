using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using FastContractorProxy.Http2;

namespace FastContractorProxy.Tests.Http2Proxy;

/// <summary>One received frame, with its payload copied.</summary>
internal sealed record H2Frame(FrameHeader Header, byte[] Payload)
{
    public FrameType Type => Header.Type;

    public int StreamId => Header.StreamId;

    public bool HasFlag(byte flag) => Header.HasFlag(flag);

    /// <summary>The error code of a RST_STREAM or GOAWAY frame.</summary>
    public Http2ErrorCode ErrorCode => Type switch
    {
        FrameType.RstStream => (Http2ErrorCode)BinaryPrimitives.ReadUInt32BigEndian(Payload),
        FrameType.GoAway => (Http2ErrorCode)BinaryPrimitives.ReadUInt32BigEndian(Payload.AsSpan(4)),
        _ => throw new InvalidOperationException($"A {Type} frame has no error code."),
    };

    public override string ToString() => Header.ToString();
}

/// <summary>A response read from one stream: decoded fields, body, and how the stream ended.</summary>
internal sealed record H2Response(int Status, IReadOnlyList<(string Name, string Value)> Fields, byte[] Body, Http2ErrorCode? ResetCode)
{
    public string BodyText => Encoding.UTF8.GetString(Body);

    public string? Value(string name) => Fields.Where(f => f.Name == name).Select(f => f.Value).SingleOrDefault();
}

/// <summary>
/// A frame-level HTTP/2 client over a raw loopback socket for tests. It sends any frame sequence, valid or not,
/// encodes requests with the product's <see cref="HpackEncoder"/> and decodes responses with its <see cref="HpackDecoder"/>.
/// </summary>
internal sealed class H2TestClient : IDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly HpackEncoder _encoder = new(useHuffman: false);
    private readonly HpackDecoder _decoder = new(maxHeaderListSize: 1 << 20);
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private byte[] _readBuffer = new byte[64 * 1024];
    private int _readStart;
    private int _readEnd;

    // The server's flow-control windows for DATA this client sends, updated as WINDOW_UPDATE frames are read.
    private readonly Lock _windowLock = new();
    private readonly Dictionary<int, long> _streamSendWindows = [];
    private long _connectionSendWindow = Http2Settings.DefaultInitialWindowSize;
    private TaskCompletionSource _windowChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private H2TestClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    /// <summary>The server's SETTINGS, as received during the handshake.</summary>
    public Http2Settings ServerSettings { get; private set; } = Http2Settings.Default;

    /// <summary>When true, every DATA frame read is acknowledged at once with WINDOW_UPDATE on its stream and the connection.</summary>
    public bool AutoWindowUpdate { get; set; } = true;

    public static async Task<H2TestClient> ConnectAsync(int port)
    {
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(System.Net.IPAddress.Loopback, port);
        return new H2TestClient(tcp);
    }

    /// <summary>Sends the preface and SETTINGS, then reads until the server's SETTINGS arrived and acknowledges it.</summary>
    public async Task HandshakeAsync(int? initialWindowSize = null)
    {
        await SendPrefaceAsync();
        byte[] settings = initialWindowSize is int size ? SettingsPayload((Http2SettingId.InitialWindowSize, (uint)size)) : [];
        await SendFrameAsync(FrameType.Settings, FrameFlags.None, 0, settings);
        while (true)
        {
            H2Frame frame = await ReadFrameAsync() ?? throw new IOException("The server closed the connection during the handshake.");
            if (frame.Type == FrameType.Settings && !frame.HasFlag(FrameFlags.Ack))
            {
                Http2Settings.Apply(new ReadOnlySequence<byte>(frame.Payload), Http2Settings.Default, out Http2Settings applied);
                ServerSettings = applied;
                await SendFrameAsync(FrameType.Settings, FrameFlags.Ack, 0, []);
                return;
            }
        }
    }

    public Task SendPrefaceAsync() => SendRawAsync(FrameReader.ClientPreface.ToArray());

    public async Task SendRawAsync(byte[] bytes)
    {
        await _sendLock.WaitAsync();
        try
        {
            await _stream.WriteAsync(bytes);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    public Task SendFrameAsync(FrameType type, byte flags, int streamId, ReadOnlySpan<byte> payload) =>
        SendRawAsync(Frame(type, flags, streamId, payload));

    /// <summary>Returns the bytes of one frame, for tests that send many frames in one write.</summary>
    public static byte[] Frame(FrameType type, byte flags, int streamId, ReadOnlySpan<byte> payload)
    {
        var frame = new byte[FrameHeader.Size + payload.Length];
        new FrameHeader(payload.Length, type, flags, streamId).Write(frame);
        payload.CopyTo(frame.AsSpan(FrameHeader.Size));
        return frame;
    }

    public static byte[] SettingsPayload(params (Http2SettingId Id, uint Value)[] settings)
    {
        var payload = new byte[settings.Length * 6];
        for (int i = 0; i < settings.Length; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(payload.AsSpan(i * 6), (ushort)settings[i].Id);
            BinaryPrimitives.WriteUInt32BigEndian(payload.AsSpan((i * 6) + 2), settings[i].Value);
        }

        return payload;
    }

    public static byte[] UInt32Payload(uint value)
    {
        var payload = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(payload, value);
        return payload;
    }

    /// <summary>Encodes a request field block: the four pseudo-header fields, then <paramref name="fields"/> in order.</summary>
    public byte[] EncodeRequest(string method, string path, string authority = "api.example.test", params (string Name, string Value)[] fields)
    {
        var block = new ArrayBufferWriter<byte>();
        _encoder.WriteField(block, ":method"u8, Encoding.ASCII.GetBytes(method));
        _encoder.WriteField(block, ":scheme"u8, "http"u8);
        _encoder.WriteField(block, ":path"u8, Encoding.ASCII.GetBytes(path));
        _encoder.WriteField(block, ":authority"u8, Encoding.ASCII.GetBytes(authority));
        foreach ((string name, string value) in fields)
        {
            _encoder.WriteField(block, Encoding.ASCII.GetBytes(name), Encoding.Latin1.GetBytes(value));
        }

        return block.WrittenSpan.ToArray();
    }

    /// <summary>Encodes any fields, pseudo-header fields included, exactly in the given order.</summary>
    public byte[] EncodeFields(params (string Name, string Value)[] fields)
    {
        var block = new ArrayBufferWriter<byte>();
        foreach ((string name, string value) in fields)
        {
            _encoder.WriteField(block, Encoding.ASCII.GetBytes(name), Encoding.Latin1.GetBytes(value));
        }

        return block.WrittenSpan.ToArray();
    }

    public Task SendHeadersAsync(int streamId, byte[] block, bool endStream, bool endHeaders = true) =>
        SendFrameAsync(FrameType.Headers, (byte)((endStream ? FrameFlags.EndStream : 0) | (endHeaders ? FrameFlags.EndHeaders : 0)), streamId, block);

    public Task SendDataAsync(int streamId, byte[] data, bool endStream) =>
        SendFrameAsync(FrameType.Data, endStream ? FrameFlags.EndStream : FrameFlags.None, streamId, data);

    public Task SendRstStreamAsync(int streamId, Http2ErrorCode code) =>
        SendFrameAsync(FrameType.RstStream, FrameFlags.None, streamId, UInt32Payload((uint)code));

    public Task SendWindowUpdateAsync(int streamId, int increment) =>
        SendFrameAsync(FrameType.WindowUpdate, FrameFlags.None, streamId, UInt32Payload((uint)increment));

    /// <summary>
    /// Sends <paramref name="data"/> as DATA frames within the server's flow-control windows, waiting for its
    /// WINDOW_UPDATE frames. Another task must be reading frames meanwhile, for example <see cref="ReadResponseAsync"/>.
    /// </summary>
    public async Task SendDataWithinWindowAsync(int streamId, byte[] data, bool endStream, int timeoutMs = 10_000)
    {
        int offset = 0;
        do
        {
            Task changed;
            int length;
            lock (_windowLock)
            {
                long streamWindow = _streamSendWindows.TryGetValue(streamId, out long window) ? window : ServerSettings.InitialWindowSize;
                length = (int)Math.Min(Math.Min(data.Length - offset, 16_384), Math.Min(streamWindow, _connectionSendWindow));
                if (length > 0 || data.Length == 0)
                {
                    _streamSendWindows[streamId] = streamWindow - length;
                    _connectionSendWindow -= length;
                }

                changed = _windowChanged.Task;
            }

            if (length <= 0 && data.Length > 0)
            {
                await changed.WaitAsync(TimeSpan.FromMilliseconds(timeoutMs));
                continue;
            }

            bool last = offset + length == data.Length;
            await SendDataAsync(streamId, data.AsSpan(offset, length).ToArray(), endStream && last);
            offset += length;
        }
        while (offset < data.Length);
    }

    private void OnWindowUpdate(int streamId, int increment)
    {
        lock (_windowLock)
        {
            if (streamId == 0)
            {
                _connectionSendWindow += increment;
            }
            else
            {
                _streamSendWindows[streamId] = (_streamSendWindows.TryGetValue(streamId, out long window) ? window : ServerSettings.InitialWindowSize) + increment;
            }

            TaskCompletionSource changed = _windowChanged;
            _windowChanged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            changed.SetResult();
        }
    }

    /// <summary>Sends a GET with END_STREAM and the given extra fields.</summary>
    public Task SendGetAsync(int streamId, string path, params (string Name, string Value)[] fields) =>
        SendHeadersAsync(streamId, EncodeRequest("GET", path, "api.example.test", fields), endStream: true);

    /// <summary>Reads the next frame; null when the server closed the connection. Fails the test after the timeout.</summary>
    public async Task<H2Frame?> ReadFrameAsync(int timeoutMs = 10_000)
    {
        using var timeout = new CancellationTokenSource(timeoutMs);
        try
        {
            if (!await FillAsync(FrameHeader.Size, timeout.Token))
            {
                return null;
            }

            FrameHeader header = FrameHeader.Read(_readBuffer.AsSpan(_readStart, FrameHeader.Size));
            if (!await FillAsync(FrameHeader.Size + header.Length, timeout.Token))
            {
                return null;
            }

            byte[] payload = _readBuffer.AsSpan(_readStart + FrameHeader.Size, header.Length).ToArray();
            _readStart += FrameHeader.Size + header.Length;
            if (header.Type == FrameType.WindowUpdate && payload.Length == 4)
            {
                OnWindowUpdate(header.StreamId, (int)(BinaryPrimitives.ReadUInt32BigEndian(payload) & 0x7FFFFFFF));
            }

            return new H2Frame(header, payload);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No complete frame from the server within {timeoutMs} ms.");
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Reads one stream's response to its end, acknowledging SETTINGS and, when enabled, returning window for each DATA frame.</summary>
    public async Task<H2Response> ReadResponseAsync(int streamId, int timeoutMs = 10_000)
    {
        int status = 0;
        var fields = new List<(string, string)>();
        var body = new MemoryStream();
        while (true)
        {
            H2Frame frame = await ReadFrameAsync(timeoutMs) ?? throw new IOException($"The connection closed before stream {streamId} ended.");
            if (frame.Type == FrameType.GoAway)
            {
                throw new IOException($"GOAWAY {frame.ErrorCode} before stream {streamId} ended.");
            }

            if (frame.Type == FrameType.Settings && !frame.HasFlag(FrameFlags.Ack))
            {
                await SendFrameAsync(FrameType.Settings, FrameFlags.Ack, 0, []);
                continue;
            }

            if (frame.StreamId != streamId)
            {
                continue;
            }

            switch (frame.Type)
            {
                case FrameType.Headers:
                    List<(string Name, string Value)> decoded = Decode(frame.Payload);
                    int frameStatus = int.Parse(decoded.Single(f => f.Name == ":status").Value, System.Globalization.CultureInfo.InvariantCulture);
                    if (frameStatus >= 200 || status == 0 && frameStatus < 100)
                    {
                        status = frameStatus;
                        fields.AddRange(decoded.Where(f => !f.Name.StartsWith(':')));
                    }

                    break;
                case FrameType.Data:
                    body.Write(frame.Payload);
                    if (AutoWindowUpdate && frame.Payload.Length > 0)
                    {
                        try
                        {
                            await SendWindowUpdateAsync(streamId, frame.Payload.Length);
                            await SendWindowUpdateAsync(0, frame.Payload.Length);
                        }
                        catch (IOException)
                        {
                            // The server may close right after the last frame, for example after a GOAWAY.
                        }
                    }

                    break;
                case FrameType.RstStream:
                    return new H2Response(status, fields, body.ToArray(), frame.ErrorCode);
            }

            if ((frame.Type is FrameType.Headers or FrameType.Data) && frame.HasFlag(FrameFlags.EndStream))
            {
                return new H2Response(status, fields, body.ToArray(), null);
            }
        }
    }

    /// <summary>Reads frames until RST_STREAM on <paramref name="streamId"/> or GOAWAY, and returns that frame.</summary>
    public async Task<H2Frame> ReadResetOrGoAwayAsync(int streamId, int timeoutMs = 10_000)
    {
        while (true)
        {
            H2Frame frame = await ReadFrameAsync(timeoutMs) ?? throw new IOException($"The connection closed without RST_STREAM on stream {streamId} or GOAWAY.");
            if (frame.Type == FrameType.GoAway || (frame.Type == FrameType.RstStream && frame.StreamId == streamId))
            {
                return frame;
            }
        }
    }

    /// <summary>Reads frames until GOAWAY and returns it with the number of frames read before it; fails if the connection closes first.</summary>
    public async Task<(H2Frame GoAway, int FramesBefore)> ReadUntilGoAwayAsync(int timeoutMs = 10_000)
    {
        int count = 0;
        while (true)
        {
            H2Frame frame = await ReadFrameAsync(timeoutMs) ?? throw new IOException($"The connection closed after {count} frames without GOAWAY.");
            if (frame.Type == FrameType.GoAway)
            {
                return (frame, count);
            }

            count++;
        }
    }

    /// <summary>Reads until the server closes the connection; returns false when it stays open past the timeout.</summary>
    public async Task<bool> WaitForCloseAsync(int timeoutMs = 5_000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await ReadFrameAsync((int)Math.Max(1, (deadline - DateTime.UtcNow).TotalMilliseconds)) is null)
                {
                    return true;
                }
            }
            catch (TimeoutException)
            {
                return false;
            }
        }

        return false;
    }

    public List<(string Name, string Value)> Decode(byte[] block)
    {
        var list = new HeaderFieldList();
        HpackDecodeResult result = _decoder.Decode(block, list);
        Assert.Equal(HpackDecodeResult.Success, result);
        var fields = new List<(string, string)>();
        for (int i = 0; i < list.Count; i++)
        {
            fields.Add((Encoding.ASCII.GetString(list.GetName(i)), Encoding.Latin1.GetString(list.GetValue(i))));
        }

        return fields;
    }

    private async Task<bool> FillAsync(int count, CancellationToken cancellationToken)
    {
        if (_readEnd - _readStart >= count)
        {
            return true;
        }

        if (_readBuffer.Length - _readStart < count)
        {
            var bigger = new byte[Math.Max(_readBuffer.Length, count * 2)];
            _readBuffer.AsSpan(_readStart, _readEnd - _readStart).CopyTo(bigger);
            _readEnd -= _readStart;
            _readStart = 0;
            _readBuffer = bigger;
        }

        while (_readEnd - _readStart < count)
        {
            int read;
            try
            {
                read = await _stream.ReadAsync(_readBuffer.AsMemory(_readEnd), cancellationToken);
            }
            catch (SocketException)
            {
                return false;
            }

            if (read == 0)
            {
                return false;
            }

            _readEnd += read;
        }

        return true;
    }

    public void Dispose()
    {
        _stream.Dispose();
        _tcp.Dispose();
        _sendLock.Dispose();
    }
}
