using System.Text.Json;
using System.Text.Json.Serialization;

namespace FastContractorProxy.LoadTests.Report;

internal static class JsonReport
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        // Missing figures (a target that did not run) are NaN.
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    public static Task WriteAsync(RunReport report, string path, CancellationToken cancellationToken) =>
        File.WriteAllTextAsync(path, JsonSerializer.Serialize(report, Options), cancellationToken);
}
