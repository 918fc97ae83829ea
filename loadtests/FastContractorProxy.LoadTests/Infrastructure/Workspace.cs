namespace FastContractorProxy.LoadTests.Infrastructure;

/// <summary>A temporary folder for one run: configurations, logs, published builds. Deleted on dispose.</summary>
internal sealed class Workspace : IDisposable
{
    private Workspace(string root) => Root = root;

    public string Root { get; }

    public static Workspace Create() => new(Directory.CreateTempSubdirectory("fcp-loadtests-").FullName);

    /// <summary>Creates (if needed) and returns a subfolder.</summary>
    public string Folder(params string[] parts)
    {
        string path = Path.Combine([Root, .. parts]);
        Directory.CreateDirectory(path);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException error)
        {
            Console.Error.WriteLine($"could not delete the temporary folder {Root}: {error.Message}");
        }
        catch (UnauthorizedAccessException error)
        {
            Console.Error.WriteLine($"could not delete the temporary folder {Root}: {error.Message}");
        }
    }
}
