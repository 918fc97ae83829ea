using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;

namespace FastContractorProxy.Audit;

/// <summary>
/// The audit log file: appends at a tracked offset, rotates by renaming, and recovers the hash chain from an
/// existing file. Every method may throw <see cref="IOException"/> or <see cref="UnauthorizedAccessException"/>.
/// The writer then calls <see cref="Close"/> and retries the same step later, so each step can be repeated safely.
/// Not thread-safe: only the writer's background task uses it.
/// </summary>
internal sealed class AuditFileSink : IDisposable
{
    private const int TailChunkBytes = 4096;

    private SafeFileHandle? _handle;
    private bool _movedAside;

    public AuditFileSink(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
    }

    public string Path { get; }

    /// <summary>Bytes of the current file that are known to be written completely.</summary>
    public long Length { get; private set; }

    /// <summary>Timestamp of the last record found by <see cref="Recover"/>, or null for a new or empty file.</summary>
    public DateTimeOffset? LastRecordTime { get; private set; }

    /// <summary>
    /// Opens the existing file or creates it, with its directory, and writes the lowercase hex hash of its last
    /// line into <paramref name="previousHash"/>, or the genesis hash when the file is empty. Returns true when
    /// the last line had no newline: an earlier write was interrupted, and a newline is appended so the next
    /// record starts on a line of its own.
    /// </summary>
    public bool Recover(Span<byte> previousHash)
    {
        OpenHandle();
        Length = RandomAccess.GetLength(_handle!);
        LastRecordTime = null;
        if (Length == 0)
        {
            AuditHash.GenesisHash.CopyTo(previousHash);
            return false;
        }

        Span<byte> lastByte = stackalloc byte[1];
        RandomAccess.Read(_handle!, lastByte, Length - 1);
        bool incomplete = lastByte[0] != (byte)'\n';
        long lineEnd = incomplete ? Length : Length - 1;
        long lineStart = FindLineStart(lineEnd);
        HashRange(lineStart, lineEnd, previousHash);
        LastRecordTime = ReadTimestamp(lineStart, lineEnd);

        if (incomplete)
        {
            Write("\n"u8);
        }

        return incomplete;
    }

    /// <summary>Opens the file after a failure, cutting off any partial write beyond <see cref="Length"/>.</summary>
    public void EnsureOpen()
    {
        if (_handle is not null)
        {
            return;
        }

        OpenHandle();
        _movedAside = false;
        long actual = RandomAccess.GetLength(_handle!);
        if (actual > Length)
        {
            RandomAccess.SetLength(_handle!, Length);
        }
        else if (actual < Length)
        {
            // NOTE: the file was truncated or replaced by someone else while it was closed. Appending continues
            // at its end, and verification reports the gap.
            Length = actual;
        }
    }

    /// <summary>Appends <paramref name="data"/> at <see cref="Length"/>, which advances only after the write succeeded.</summary>
    public void Write(ReadOnlySpan<byte> data)
    {
        EnsureOpen();
        RandomAccess.Write(_handle!, data, Length);
        Length += data.Length;
    }

    public void FlushToDisk()
    {
        EnsureOpen();
        RandomAccess.FlushToDisk(_handle!);
    }

    /// <summary>
    /// Renames the current file to its path plus a UTC timestamp suffix and starts an empty file, and returns the new
    /// name of the old file. Returns null when there was no file to rename, or when an earlier call renamed it and then
    /// failed to open the new file, so the repeated call only opens it.
    /// </summary>
    public string? Rotate(DateTimeOffset now)
    {
        string? rotatedPath = null;
        if (!_movedAside)
        {
            Close();
            if (File.Exists(Path))
            {
                rotatedPath = RotatedPath(now);
                File.Move(Path, rotatedPath);
            }

            _movedAside = true;
            Length = 0;
        }

        OpenHandle();
        _movedAside = false;
        return rotatedPath;
    }

    /// <summary>Closes the handle, so the next write reopens the file.</summary>
    public void Close()
    {
        _handle?.Dispose();
        _handle = null;
    }

    public void Dispose() => Close();

    private void OpenHandle()
    {
        if (_handle is not null)
        {
            return;
        }

        string? directory = System.IO.Path.GetDirectoryName(Path);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        // FileShare.Read lets readers such as the verify command or tail open the file while it is written.
        _handle = File.OpenHandle(Path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
    }

    /// <summary>Returns <c>{path}.{yyyyMMddTHHmmssfffZ}</c>, with <c>-001</c>, <c>-002</c>… added when that name exists.</summary>
    private string RotatedPath(DateTimeOffset now)
    {
        string stamped = $"{Path}.{now.UtcDateTime.ToString("yyyyMMdd'T'HHmmssfff'Z'", CultureInfo.InvariantCulture)}";
        string candidate = stamped;
        for (int counter = 1; File.Exists(candidate); counter++)
        {
            candidate = $"{stamped}-{counter.ToString("D3", CultureInfo.InvariantCulture)}";
        }

        return candidate;
    }

    /// <summary>Returns the offset after the last '\n' before <paramref name="lineEnd"/>, or 0.</summary>
    private long FindLineStart(long lineEnd)
    {
        Span<byte> chunk = stackalloc byte[TailChunkBytes];
        long chunkEnd = lineEnd;
        while (chunkEnd > 0)
        {
            long chunkStart = Math.Max(0, chunkEnd - TailChunkBytes);
            Span<byte> read = chunk[..(int)(chunkEnd - chunkStart)];
            ReadExactly(read, chunkStart);
            int newline = read.LastIndexOf((byte)'\n');
            if (newline >= 0)
            {
                return chunkStart + newline + 1;
            }

            chunkEnd = chunkStart;
        }

        return 0;
    }

    private void HashRange(long start, long end, Span<byte> hexDestination)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> chunk = stackalloc byte[TailChunkBytes];
        for (long offset = start; offset < end;)
        {
            Span<byte> read = chunk[..(int)Math.Min(TailChunkBytes, end - offset)];
            ReadExactly(read, offset);
            hash.AppendData(read);
            offset += read.Length;
        }

        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        hash.GetHashAndReset(digest);
        AuditHash.WriteLowerHex(digest, hexDestination);
    }

    /// <summary>Reads the <c>timestamp</c> field, which the serializer writes first, from the start of a line.</summary>
    private DateTimeOffset? ReadTimestamp(long start, long end)
    {
        Span<byte> head = stackalloc byte[128];
        head = head[..(int)Math.Min(head.Length, end - start)];
        ReadExactly(head, start);
        var reader = new Utf8JsonReader(head, isFinalBlock: false, state: default);
        try
        {
            if (reader.Read() && reader.TokenType == JsonTokenType.StartObject &&
                reader.Read() && reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("timestamp"u8) &&
                reader.Read() && reader.TokenType == JsonTokenType.String && reader.TryGetDateTimeOffset(out DateTimeOffset timestamp))
            {
                return timestamp;
            }
        }
        catch (JsonException)
        {
            // A damaged line has no usable timestamp, so the caller falls back to the file's modification time.
        }

        return null;
    }

    private void ReadExactly(Span<byte> destination, long offset)
    {
        while (destination.Length > 0)
        {
            int read = RandomAccess.Read(_handle!, destination, offset);
            if (read == 0)
            {
                throw new IOException($"The audit log {Path} ended early at byte {offset}; it was truncated while being read.");
            }

            destination = destination[read..];
            offset += read;
        }
    }
}
