namespace FastContractorProxy.Audit;

/// <summary>The core of <c>fcp audit verify FILE...</c>: verifies the hash chain and prints the outcome.</summary>
internal static class AuditVerifyCommand
{
    public const int ExitValid = 0;
    public const int ExitBroken = 1;
    public const int ExitUnreadable = 2;

    /// <summary>
    /// Verifies <paramref name="files"/>, oldest first, writes the outcome to <paramref name="output"/>, and returns
    /// 0 when the chain is intact, 1 when a line is broken, missing or cut off, and 2 when a file cannot be read.
    /// </summary>
    public static int Run(IReadOnlyList<string> files, TextWriter output)
    {
        if (files.Count == 0)
        {
            output.WriteLine("No audit log files given; pass the rotated files oldest first, then the current file.");
            return ExitUnreadable;
        }

        AuditVerifyResult result = AuditVerifier.Verify(files);
        switch (result.Status)
        {
            case AuditVerifyStatus.Valid:
                output.WriteLine($"OK: {result.Message}");
                output.WriteLine($"Hash of the last line: {result.LastHash}");
                output.WriteLine("Compare it with a copy kept elsewhere to detect lines removed from the end.");
                return ExitValid;
            case AuditVerifyStatus.Unreadable:
                output.WriteLine($"ERROR: {result.Message}");
                return ExitUnreadable;
            default:
                output.WriteLine($"FAILED: {result.Message}");
                output.WriteLine($"{result.RecordCount} records before {result.File} line {result.Line} are intact.");
                return ExitBroken;
        }
    }
}
