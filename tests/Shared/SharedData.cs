namespace MstGad.Testing;

/// <summary>Locates the real data sets in ../shared/data (never copied into the repository).</summary>
internal static class SharedData
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    /// <summary>The absolute path of the shared data folder.</summary>
    public static string Root => RootPath.Value;

    /// <summary>The path of a file or folder under the shared data folder.</summary>
    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("MSTGAD_SHARED_DATA");
        if (!string.IsNullOrEmpty(fromEnvironment) && Directory.Exists(fromEnvironment))
        {
            return fromEnvironment;
        }

        // Walk up from the test binaries to the repository root, whose sibling is shared/.
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "data");
            if (Directory.Exists(Path.Combine(candidate, "loghub_2k")) || Directory.Exists(Path.Combine(candidate, "nezha-trainticket")))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException(
            "The shared data folder was not found: expected ../shared/data beside the repository, or set MSTGAD_SHARED_DATA.");
    }
}
