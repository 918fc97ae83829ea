namespace FastContractorProxy.LoadTests.Infrastructure;

internal static class RepositoryPaths
{
    /// <summary>Walks up from the current folder, then from the program's folder, to the folder that contains FastContractorProxy.sln.</summary>
    public static string FindRoot()
    {
        foreach (string start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (DirectoryInfo? folder = new(start); folder is not null; folder = folder.Parent)
            {
                if (File.Exists(Path.Combine(folder.FullName, "FastContractorProxy.sln")))
                {
                    return folder.FullName;
                }
            }
        }

        throw new InvalidOperationException($"FastContractorProxy.sln not found above {Environment.CurrentDirectory} or {AppContext.BaseDirectory}; run from the repository");
    }
}
