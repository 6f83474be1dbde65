using System.IO.Compression;
using System.Text;

namespace MstGad.Testing;

/// <summary>A fresh folder under the system temp folder, deleted on disposal.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mstgad-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    /// <summary>The path of a file in the folder (not created).</summary>
    public string File(string relativePath) => System.IO.Path.Combine(Path, relativePath);

    /// <summary>Writes UTF-8 text (no byte order mark) to a file, creating its folders, and returns its path.</summary>
    public string Write(string relativePath, string text) => Write(relativePath, new UTF8Encoding(false).GetBytes(text));

    /// <summary>Writes bytes to a file, creating its folders, and returns its path.</summary>
    public string Write(string relativePath, byte[] bytes)
    {
        var path = File(relativePath);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        System.IO.File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>Writes text gzip-compressed and returns the path.</summary>
    public string WriteGzip(string relativePath, string text) => WriteGzip(relativePath, new UTF8Encoding(false).GetBytes(text));

    /// <summary>Writes bytes gzip-compressed and returns the path.</summary>
    public string WriteGzip(string relativePath, byte[] bytes)
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(bytes);
        }

        return Write(relativePath, compressed.ToArray());
    }

    /// <summary>Copies a file into the folder and returns the copy's path.</summary>
    public string Copy(string source, string relativePath) => Write(relativePath, System.IO.File.ReadAllBytes(source));

    public void Dispose()
    {
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }
}
