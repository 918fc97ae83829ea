using FastContractorProxy.Cli;

namespace FastContractorProxy;

internal static class Program
{
    public static Task<int> Main(string[] args) => Commands.Build().Parse(args).InvokeAsync();
}
