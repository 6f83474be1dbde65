using MstGad.Datasets;
using MstGad.Features;

namespace MstGad.Cli;

/// <summary>Opening the <c>--data</c> folder of a command.</summary>
internal static class DataFolder
{
    /// <summary>Opens a telemetry folder in whichever layout it uses.</summary>
    /// <exception cref="CliException">The folder does not exist, is a file, or holds no telemetry in a known layout.</exception>
    public static ITelemetrySource Open(DirectoryInfo data, ReadMode mode)
    {
        if (!data.Exists)
        {
            throw File.Exists(data.FullName)
                ? new CliException($"the --data path is a file, not a folder: {data.FullName}", "pass the folder that holds the telemetry")
                : new CliException($"the --data folder does not exist: {data.FullName}", "check the path");
        }

        try
        {
            return TelemetryDirectory.Open(data.FullName, mode);
        }
        catch (InvalidDataException ex)
        {
            throw new CliException(ex.Message, "point --data at a folder in one of these layouts (docs/formats.md)", CliErrors.Failed, ex);
        }
    }
}

/// <summary>What a command prints of a read report beyond its counts.</summary>
internal static class ReadReports
{
    /// <summary>
    /// One line per file skipped as a whole (<c>skipped PATH: not a metric file: …</c>, once per file even when
    /// several kinds skipped it) and per ignored text column (<c>ignored the text column Node in 3 metric files</c>).
    /// </summary>
    public static IReadOnlyList<string> Notes(TelemetryReadReport report)
    {
        var kinds = new[] { ("metric", report.Metrics), ("log", report.Logs), ("span", report.Spans), ("fault", report.Faults) };
        var skipped = kinds.SelectMany(k => k.Item2.SkippedFiles).DistinctBy(f => f.Path).Select(f => $"skipped {f.Path}: {f.Reason}");
        var ignored = kinds.SelectMany(k => k.Item2.IgnoredColumns.Select(c =>
            $"ignored the text column {c.Key} in {c.Value} {k.Item1} {(c.Value == 1 ? "file" : "files")}"));
        return [.. skipped, .. ignored];
    }
}

/// <summary>Files a command writes.</summary>
internal static class OutputFiles
{
    /// <summary>Checks, before any work, that an output file can be created where it is asked for.</summary>
    /// <exception cref="CliException">The path is a folder, or its folder does not exist.</exception>
    public static string Check(FileInfo file, string option)
    {
        if (Directory.Exists(file.FullName))
        {
            throw new CliException($"{option} names a folder, not a file: {file.FullName}", "give a file name");
        }

        var folder = file.DirectoryName;
        if (folder is not null && !Directory.Exists(folder))
        {
            throw new CliException($"the folder of {option} does not exist: {folder}", "create it or choose another path");
        }

        return file.FullName;
    }

    /// <summary>Writes a file; failures become one error line.</summary>
    /// <exception cref="CliException">The file cannot be written.</exception>
    public static void Write(string path, string option, Action<string> write)
    {
        try
        {
            write(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot write {option} {path}: {ex.Message}", "choose a path that can be written", CliErrors.Failed, ex);
        }
    }
}
