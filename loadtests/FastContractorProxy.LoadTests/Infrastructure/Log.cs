namespace FastContractorProxy.LoadTests.Infrastructure;

/// <summary>Progress lines on standard output, each with the UTC time.</summary>
internal static class Log
{
    public static void Info(string message) => Console.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {message}");

    public static void Warning(string message) => Console.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] WARNING: {message}");
}
