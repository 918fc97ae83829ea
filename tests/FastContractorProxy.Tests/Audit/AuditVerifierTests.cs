using FastContractorProxy.Audit;

namespace FastContractorProxy.Tests.Audit;

public sealed class AuditVerifierTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void IntactChain_Valid()
    {
        List<string> lines = AuditTestData.ChainedLines(6);
        string file = Write("audit.log", lines);

        AuditVerifyResult result = AuditVerifier.Verify([file]);

        Assert.Equal(AuditVerifyStatus.Valid, result.Status);
        Assert.Equal(6, result.RecordCount);
        Assert.Equal(AuditTestData.Hash(lines[5]), result.LastHash);
    }

    [Fact]
    public void EmptyFile_ValidWithNoRecords()
    {
        string file = Write("audit.log", []);

        AuditVerifyResult result = AuditVerifier.Verify([file]);

        Assert.Equal(AuditVerifyStatus.Valid, result.Status);
        Assert.Equal(0, result.RecordCount);
    }

    [Fact]
    public void EditedLine_BreaksNextLine()
    {
        List<string> lines = AuditTestData.ChainedLines(6);
        string original = lines[2];
        lines[2] = lines[2].Replace("contractor-7", "contractor-8", StringComparison.Ordinal);
        string file = Write("audit.log", lines);

        AuditVerifyResult result = AuditVerifier.Verify([file]);

        Assert.Equal(AuditVerifyStatus.Broken, result.Status);
        Assert.Equal(file, result.File);
        Assert.Equal(4, result.Line);
        Assert.Equal(AuditTestData.Hash(lines[2]), result.ExpectedHash);
        Assert.Equal(AuditTestData.Hash(original), result.FoundHash);
        Assert.Equal(3, result.RecordCount);
        Assert.Contains("Line 3 was changed", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EditedPreviousHash_BreaksThatLine()
    {
        List<string> lines = AuditTestData.ChainedLines(4);
        string forged = new('a', 64);
        lines[1] = lines[1].Replace(AuditTestData.Hash(lines[0]), forged, StringComparison.Ordinal);
        string file = Write("audit.log", lines);

        AuditVerifyResult result = AuditVerifier.Verify([file]);

        Assert.Equal(AuditVerifyStatus.Broken, result.Status);
        Assert.Equal(2, result.Line);
        Assert.Equal(forged, result.FoundHash);
    }

    [Fact]
    public void DeletedLine_Found()
    {
        List<string> lines = AuditTestData.ChainedLines(6);
        lines.RemoveAt(2);
        string file = Write("audit.log", lines);

        AuditVerifyResult result = AuditVerifier.Verify([file]);

        Assert.Equal(AuditVerifyStatus.Broken, result.Status);
        Assert.Equal(3, result.Line);
        Assert.Equal(AuditTestData.Hash(lines[1]), result.ExpectedHash);
    }

    [Fact]
    public void ReorderedLines_Found()
    {
        List<string> lines = AuditTestData.ChainedLines(6);
        (lines[3], lines[4]) = (lines[4], lines[3]);
        string file = Write("audit.log", lines);

        AuditVerifyResult result = AuditVerifier.Verify([file]);

        Assert.Equal(AuditVerifyStatus.Broken, result.Status);
        Assert.Equal(4, result.Line);
    }

    [Fact]
    public void InsertedLine_Found()
    {
        List<string> lines = AuditTestData.ChainedLines(4);
        lines.Insert(2, lines[1]);
        string file = Write("audit.log", lines);

        AuditVerifyResult result = AuditVerifier.Verify([file]);

        Assert.Equal(AuditVerifyStatus.Broken, result.Status);
        Assert.Equal(3, result.Line);
    }

    [Fact]
    public void TruncatedFile_LastLineReported()
    {
        List<string> lines = AuditTestData.ChainedLines(5);
        lines[4] = lines[4][..40];
        string file = Write("audit.log", lines);

        AuditVerifyResult result = AuditVerifier.Verify([file]);

        Assert.Equal(AuditVerifyStatus.Truncated, result.Status);
        Assert.Equal(5, result.Line);
        Assert.Equal(4, result.RecordCount);
    }

    [Fact]
    public void GarbageLine_Broken()
    {
        List<string> lines = AuditTestData.ChainedLines(3);
        lines.Insert(1, "not json\n");
        string file = Write("audit.log", lines);

        AuditVerifyResult result = AuditVerifier.Verify([file]);

        Assert.Equal(AuditVerifyStatus.Broken, result.Status);
        Assert.Equal(2, result.Line);
        Assert.Null(result.FoundHash);
    }

    [Theory]
    [InlineData("{\"timestamp\":\"x\"}\n")]
    [InlineData("{\"fcp.prev_hash\":\"abc\"}\n")]
    [InlineData("{\"fcp.prev_hash\":\"0000000000000000000000000000000000000000000000000000000000000000\"} {}\n")]
    [InlineData("\n")]
    [InlineData("[]\n")]
    public void MalformedRecord_Broken(string line)
    {
        string file = Write("audit.log", [line]);

        AuditVerifyResult result = AuditVerifier.Verify([file]);

        Assert.Equal(AuditVerifyStatus.Broken, result.Status);
        Assert.Equal(1, result.Line);
    }

    [Fact]
    public void ChainAcrossFiles_Valid()
    {
        List<string> lines = AuditTestData.ChainedLines(7);
        string first = Write("audit.log.1", lines[..3]);
        string second = Write("audit.log.2", lines[3..5]);
        string third = Write("audit.log", lines[5..]);

        AuditVerifyResult result = AuditVerifier.Verify([first, second, third]);

        Assert.Equal(AuditVerifyStatus.Valid, result.Status);
        Assert.Equal(7, result.RecordCount);
    }

    [Fact]
    public void MissingMiddleFile_NextFileBroken()
    {
        List<string> lines = AuditTestData.ChainedLines(7);
        string first = Write("audit.log.1", lines[..3]);
        string third = Write("audit.log", lines[5..]);

        AuditVerifyResult result = AuditVerifier.Verify([first, third]);

        Assert.Equal(AuditVerifyStatus.Broken, result.Status);
        Assert.Equal(third, result.File);
        Assert.Equal(1, result.Line);
        Assert.Contains("does not continue", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingOldestFile_FirstLineBroken()
    {
        List<string> lines = AuditTestData.ChainedLines(7);
        string second = Write("audit.log", lines[3..]);

        AuditVerifyResult result = AuditVerifier.Verify([second]);

        Assert.Equal(AuditVerifyStatus.Broken, result.Status);
        Assert.Equal(1, result.Line);
        Assert.Contains("older files are missing", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GivenStartingHash_LaterFileVerifies()
    {
        List<string> lines = AuditTestData.ChainedLines(7);
        string second = Write("audit.log", lines[3..]);

        AuditVerifyResult result = AuditVerifier.Verify([second], AuditTestData.Hash(lines[2]));

        Assert.Equal(AuditVerifyStatus.Valid, result.Status);
        Assert.Equal(4, result.RecordCount);
    }

    [Fact]
    public void MissingFile_Unreadable()
    {
        AuditVerifyResult result = AuditVerifier.Verify([_directory.File("absent.log")]);

        Assert.Equal(AuditVerifyStatus.Unreadable, result.Status);
        Assert.Equal(_directory.File("absent.log"), result.File);
    }

    [Fact]
    public void LongLine_BeyondReadBuffer()
    {
        var serializer = new AuditRecordSerializer(includeQuery: true);
        var record = new AuditRecord { Timestamp = AuditTestData.Start, UserId = new string('u', 200_000) };
        string line = System.Text.Encoding.ASCII.GetString(serializer.Serialize(record, AuditHash.GenesisHash)) + "\n";
        string file = Write("audit.log", [line]);

        AuditVerifyResult result = AuditVerifier.Verify([file]);

        Assert.Equal(AuditVerifyStatus.Valid, result.Status);
        Assert.Equal(AuditTestData.Hash(line), result.LastHash);
    }

    [Fact]
    public void Command_ValidExitsZero()
    {
        string file = Write("audit.log", AuditTestData.ChainedLines(2));
        var output = new StringWriter();

        int exitCode = AuditVerifyCommand.Run([file], output);

        Assert.Equal(0, exitCode);
        Assert.StartsWith("OK: 2 records in 1 files", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Command_BrokenExitsOne()
    {
        List<string> lines = AuditTestData.ChainedLines(3);
        lines.RemoveAt(1);
        string file = Write("audit.log", lines);
        var output = new StringWriter();

        int exitCode = AuditVerifyCommand.Run([file], output);

        Assert.Equal(1, exitCode);
        Assert.Contains($"FAILED: {file} line 2", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Command_TruncatedExitsOne()
    {
        List<string> lines = AuditTestData.ChainedLines(2);
        lines[1] = lines[1].TrimEnd('\n');
        string file = Write("audit.log", lines);

        int exitCode = AuditVerifyCommand.Run([file], new StringWriter());

        Assert.Equal(1, exitCode);
    }

    [Fact]
    public void Command_UnreadableExitsTwo()
    {
        var output = new StringWriter();

        int exitCode = AuditVerifyCommand.Run([_directory.File("absent.log")], output);

        Assert.Equal(2, exitCode);
        Assert.StartsWith("ERROR: Reading", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Command_NoFilesExitsTwo()
    {
        int exitCode = AuditVerifyCommand.Run([], new StringWriter());

        Assert.Equal(2, exitCode);
    }

    private string Write(string name, IEnumerable<string> lines)
    {
        string path = _directory.File(name);
        File.WriteAllText(path, string.Concat(lines));
        return path;
    }
}
