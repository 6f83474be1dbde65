using System.IO.Compression;

namespace MstGad.Datasets;

/// <summary>Opens telemetry files for sequential reading, gzip-decompressed when the name ends in <c>.gz</c>.</summary>
internal static class TelemetryFile
{
    /// <summary>Whether a path names a gzip file.</summary>
    public static bool IsGzip(string path) => path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);

    /// <summary>The file name without a trailing <c>.gz</c>.</summary>
    public static string NameWithoutGzip(string path)
    {
        var name = Path.GetFileName(path);
        return IsGzip(name) ? name[..^3] : name;
    }

    /// <summary>Opens a file.</summary>
    /// <param name="path">The path.</param>
    /// <returns>The stream (decompressing for <c>.gz</c>).</returns>
    public static Stream Open(string path)
    {
        if (IsGzip(path))
        {
            var compressed = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
            return new GZipStream(compressed, CompressionMode.Decompress);
        }

        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
    }
}
