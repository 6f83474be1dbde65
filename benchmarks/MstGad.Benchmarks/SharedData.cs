namespace MstGad.Benchmarks;

/// <summary>Finds ../shared/data from wherever BenchmarkDotNet runs the benchmark process.</summary>
public static class SharedData
{
    /// <summary>The path of a file under the shared data folder.</summary>
    public static string PathOf(params string[] parts)
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("MSTGAD_SHARED_DATA");
        if (!string.IsNullOrEmpty(fromEnvironment) && Directory.Exists(fromEnvironment))
        {
            return Path.Combine([fromEnvironment, .. parts]);
        }

        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "shared", "data");
                if (Directory.Exists(Path.Combine(candidate, "loghub_2k")))
                {
                    return Path.Combine([candidate, .. parts]);
                }
            }
        }

        throw new DirectoryNotFoundException("The shared data folder was not found: expected ../shared/data beside the repository, or set MSTGAD_SHARED_DATA.");
    }
}
