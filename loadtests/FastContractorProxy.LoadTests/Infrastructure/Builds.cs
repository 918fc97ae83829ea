namespace FastContractorProxy.LoadTests.Infrastructure;

/// <summary>Release builds of fcp and of the YARP comparison proxy, published once per run into the workspace.</summary>
internal static class Builds
{
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromMinutes(8);

    /// <summary>
    /// Publishes fcp from the committed HEAD, not from the working tree, because other work in progress may be
    /// half-written there. Returns the path of the <c>fcp</c> executable and the commit it was built from.
    /// </summary>
    public static async Task<(string Executable, string Commit)> PublishFcpAsync(string repositoryRoot, Workspace workspace, CancellationToken cancellationToken)
    {
        string source = workspace.Folder("fcp-source");
        string output = workspace.Folder("fcp-publish");
        string commit = (await CommandRunner.RunBashAsync($"git -C '{repositoryRoot}' rev-parse --short HEAD", TimeSpan.FromSeconds(30), cancellationToken)).Trim();
        await CommandRunner.RunBashAsync($"git -C '{repositoryRoot}' archive HEAD | tar -x -C '{source}'", TimeSpan.FromMinutes(2), cancellationToken);
        await CommandRunner.RunBashAsync($"dotnet publish '{source}/src/FastContractorProxy' -c Release -o '{output}' --nologo -v quiet",
            PublishTimeout, cancellationToken);
        return (Path.Combine(output, "fcp"), commit);
    }

    /// <summary>Publishes loadtests/YarpProxy from the working tree and returns the path of its executable.</summary>
    public static async Task<string> PublishYarpAsync(string repositoryRoot, Workspace workspace, CancellationToken cancellationToken)
    {
        string output = workspace.Folder("yarp-publish");
        await CommandRunner.RunBashAsync($"dotnet publish '{repositoryRoot}/loadtests/YarpProxy' -c Release -o '{output}' --nologo -v quiet",
            PublishTimeout, cancellationToken);
        return Path.Combine(output, "YarpProxy");
    }
}
