using System.Text;
using System.Text.Json;

namespace FastContractorProxy.Audit;

internal enum AuditVerifyStatus
{
    /// <summary>Every line links to the one before it.</summary>
    Valid,

    /// <summary>A line does not link to the line before it, or is not an audit record.</summary>
    Broken,

    /// <summary>The last line of a file has no newline: the file was cut off or a write was interrupted.</summary>
    Truncated,

    /// <summary>A file could not be opened or read.</summary>
    Unreadable,
}

/// <summary>
/// The outcome of <see cref="AuditVerifier.Verify"/>. Unless the chain is valid, <see cref="File"/> and
/// <see cref="Line"/> name the first line where verification failed.
/// </summary>
internal sealed record AuditVerifyResult
{
    public required AuditVerifyStatus Status { get; init; }

    /// <summary>Lines verified before the first failure, or all of them.</summary>
    public required long RecordCount { get; init; }

    public required string Message { get; init; }

    public string? File { get; init; }

    /// <summary>1-based line number within <see cref="File"/>.</summary>
    public long Line { get; init; }

    /// <summary>The <c>fcp.prev_hash</c> the line should have: the hash of the line before it.</summary>
    public string? ExpectedHash { get; init; }

    /// <summary>The <c>fcp.prev_hash</c> the line has, or null when the line is not a readable record.</summary>
    public string? FoundHash { get; init; }

    /// <summary>Hash of the last verified line, which a valid chain's next record will link to.</summary>
    public string? LastHash { get; init; }

    public bool IsValid => Status == AuditVerifyStatus.Valid;
}

/// <summary>
/// Checks the hash chain of audit log files. The chain shows edited, deleted, inserted and reordered lines, and a
/// cut-off last line. It cannot show whole lines removed from the end of the newest file, so compare
/// <see cref="AuditVerifyResult.LastHash"/> with a copy kept outside the log host to detect that too.
/// </summary>
internal static class AuditVerifier
{
    private const int ReadBufferBytes = 64 * 1024;

    /// <summary>
    /// Verifies <paramref name="files"/>, oldest first, as one chain. The first line must link to
    /// <paramref name="firstPreviousHash"/>, which is 64 zeros for a log that has not lost any rotated files.
    /// </summary>
    public static AuditVerifyResult Verify(IReadOnlyList<string> files, string? firstPreviousHash = null)
    {
        var chain = new ChainState(firstPreviousHash ?? Encoding.ASCII.GetString(AuditHash.GenesisHash));
        for (int i = 0; i < files.Count; i++)
        {
            AuditVerifyResult? failure;
            try
            {
                failure = VerifyFile(files[i], chain, i > 0 ? files[i - 1] : null);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                return new AuditVerifyResult
                {
                    Status = AuditVerifyStatus.Unreadable,
                    RecordCount = chain.RecordCount,
                    File = files[i],
                    Message = $"Reading {files[i]} failed: {exception.Message}",
                };
            }

            if (failure is not null)
            {
                return failure;
            }
        }

        return new AuditVerifyResult
        {
            Status = AuditVerifyStatus.Valid,
            RecordCount = chain.RecordCount,
            LastHash = chain.ExpectedHash,
            Message = $"{chain.RecordCount} records in {files.Count} files; the hash chain is intact.",
        };
    }

    private static AuditVerifyResult? VerifyFile(string file, ChainState chain, string? previousFile)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1);
        byte[] buffer = new byte[ReadBufferBytes];
        int start = 0;
        int end = 0;
        long lineNumber = 0;
        while (true)
        {
            if (end == buffer.Length)
            {
                if (start > 0)
                {
                    buffer.AsSpan(start, end - start).CopyTo(buffer);
                    end -= start;
                    start = 0;
                }
                else
                {
                    // One line fills the whole buffer, so the buffer grows to fit it.
                    Array.Resize(ref buffer, buffer.Length * 2);
                }
            }

            int read = stream.Read(buffer, end, buffer.Length - end);
            if (read == 0)
            {
                break;
            }

            end += read;
            int newline;
            while ((newline = buffer.AsSpan(start, end - start).IndexOf((byte)'\n')) >= 0)
            {
                lineNumber++;
                AuditVerifyResult? failure = VerifyLine(buffer.AsSpan(start, newline), file, lineNumber, chain, previousFile);
                if (failure is not null)
                {
                    return failure;
                }

                start += newline + 1;
            }
        }

        if (end > start)
        {
            return new AuditVerifyResult
            {
                Status = AuditVerifyStatus.Truncated,
                RecordCount = chain.RecordCount,
                File = file,
                Line = lineNumber + 1,
                Message = $"{file} line {lineNumber + 1} has no newline at the end: the file was cut off or a write was interrupted.",
            };
        }

        return null;
    }

    private static AuditVerifyResult? VerifyLine(ReadOnlySpan<byte> line, string file, long lineNumber, ChainState chain, string? previousFile)
    {
        string? found = ReadPreviousHash(line);
        if (found is null)
        {
            return new AuditVerifyResult
            {
                Status = AuditVerifyStatus.Broken,
                RecordCount = chain.RecordCount,
                File = file,
                Line = lineNumber,
                ExpectedHash = chain.ExpectedHash,
                Message = $"{file} line {lineNumber} is not a JSON audit record with a 64-digit fcp.prev_hash: the line was changed or damaged.",
            };
        }

        if (!string.Equals(found, chain.ExpectedHash, StringComparison.Ordinal))
        {
            return new AuditVerifyResult
            {
                Status = AuditVerifyStatus.Broken,
                RecordCount = chain.RecordCount,
                File = file,
                Line = lineNumber,
                ExpectedHash = chain.ExpectedHash,
                FoundHash = found,
                Message = $"{file} line {lineNumber}: fcp.prev_hash is {found}, expected {chain.ExpectedHash}. {ExplainMismatch(lineNumber, chain, previousFile)}",
            };
        }

        chain.ExpectedHash = AuditHash.ComputeLineHash(line);
        chain.RecordCount++;
        return null;
    }

    private static string ExplainMismatch(long lineNumber, ChainState chain, string? previousFile)
    {
        if (lineNumber > 1)
        {
            return $"Line {lineNumber - 1} was changed, or records between lines {lineNumber - 1} and {lineNumber} were deleted or reordered.";
        }

        if (previousFile is not null)
        {
            return $"The file does not continue {previousFile}: a file between them is missing, the files are out of order, or the last line of {previousFile} was changed.";
        }

        return chain.ExpectedHash.All(c => c == '0')
            ? "The first record links to an earlier one, so older files are missing: pass them first, oldest first."
            : "The first record does not link to the given starting hash.";
    }

    /// <summary>Returns the top-level <c>fcp.prev_hash</c> of a JSON object line, or null when the line is not one or the value is not 64 lowercase hex digits.</summary>
    private static string? ReadPreviousHash(ReadOnlySpan<byte> line)
    {
        var reader = new Utf8JsonReader(line);
        string? previousHash = null;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isPreviousHash = reader.ValueTextEquals("fcp.prev_hash"u8);
                reader.Read();
                if (isPreviousHash && reader.TokenType == JsonTokenType.String)
                {
                    previousHash = reader.GetString();
                }
                else
                {
                    reader.Skip();
                }
            }

            // Reading to the end rejects trailing content after the object.
            while (reader.Read())
            {
            }
        }
        catch (JsonException)
        {
            return null;
        }

        bool wellFormed = previousHash is { Length: AuditHash.HexLength } && previousHash.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');
        return wellFormed ? previousHash : null;
    }

    /// <summary>The hash the next line must link to, and the count of lines verified so far.</summary>
    private sealed class ChainState(string expectedHash)
    {
        public string ExpectedHash { get; set; } = expectedHash;

        public long RecordCount { get; set; }
    }
}
