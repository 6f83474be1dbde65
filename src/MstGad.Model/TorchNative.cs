using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace MstGad.Model;

/// <summary>
/// Makes TorchSharp's native library loadable on Linux distributions whose libstdc++ is older than
/// the one it was linked against (Debian 12, Ubuntu 22.04).
/// </summary>
/// <remarks>
/// <para>
/// <c>libLibTorchSharp.so</c> of TorchSharp 0.107 declares a need for the symbol version
/// <c>GLIBCXX_3.4.32</c> (GCC 13's libstdc++), whose only symbol, <c>std::ios_base_library_init</c>, nothing
/// relocates against. On an older libstdc++ the loader refuses the library and TorchSharp reports,
/// misleadingly, that the app "doesn't contain a reference to libtorch-cpu-linux-x64".
/// <see cref="EnsureLoadable"/> marks that version requirement weak (<c>VER_FLG_WEAK</c>) in the copy
/// of the library in the application's folder — only when the system's libstdc++ lacks it — after
/// which the loader accepts it. Systems with GCC 13 or newer (Debian 13, Ubuntu 24.04) need nothing.
/// </para>
/// <para>The assembly runs it when it is first used (before any of its TorchSharp calls); an application that calls
/// TorchSharp itself before using any MstGad type calls it first. It is idempotent.</para>
/// </remarks>
public static class TorchNative
{
    private const string Library = "libLibTorchSharp.so";
    private const string Version = "GLIBCXX_3.4.32";
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlagWeak = 2;
    private static readonly Lock Sync = new();
    private static string? _first;

    /// <summary>
    /// Patches the application's copy of <c>libLibTorchSharp.so</c> if the system needs it, after making
    /// libtorch's results reproducible (<see cref="Reproducibility.Ensure"/>).
    /// </summary>
    /// <returns>A short description of what was done, for logs; on later calls "already checked: " and that of the first.</returns>
    public static string EnsureLoadable()
    {
        Reproducibility.Ensure();
        lock (Sync)
        {
            if (_first is not null)
            {
                return "already checked: " + _first;
            }

            _first = Check();
            return _first;
        }
    }

    private static string Check()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "not Linux: nothing to do";
        }

        var path = FindLibrary();
        if (path is null)
        {
            return $"{Library} not found beside the application: nothing to do";
        }

        if (SystemHasVersion(Version))
        {
            return $"the system's libstdc++ provides {Version}: nothing to do";
        }

        // Keep the file's timestamp so that an incremental build does not copy a fresh library over
        // one that a running process has loaded.
        var written = File.GetLastWriteTimeUtc(path);
        var result = PatchWeak(path, Version);
        if (result == PatchResult.Patched)
        {
            File.SetLastWriteTimeUtc(path, written);
        }

        return result switch
        {
            PatchResult.Patched => $"marked {Version} weak in {path}",
            PatchResult.AlreadyWeak => $"{Version} already weak in {path}",
            _ => $"{path} does not require {Version}: nothing to do",
        };
    }

    internal enum PatchResult
    {
        NotRequired,
        AlreadyWeak,
        Patched,
    }

    /// <summary>Sets VER_FLG_WEAK on the version requirement <paramref name="version"/> of an ELF64 little-endian file.</summary>
    internal static PatchResult PatchWeak(string path, string version)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
        var header = new byte[64];
        file.ReadExactly(header);
        if (header[0] != 0x7f || header[1] != (byte)'E' || header[2] != (byte)'L' || header[3] != (byte)'F' || header[4] != 2 || header[5] != 1)
        {
            throw new InvalidDataException($"{path} is not a 64-bit little-endian ELF file.");
        }

        var sectionOffset = (long)BinaryPrimitives.ReadUInt64LittleEndian(header.AsSpan(0x28));
        var sectionSize = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(0x3A));
        var sectionCount = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(0x3C));
        var sections = new byte[sectionSize * sectionCount];
        file.Position = sectionOffset;
        file.ReadExactly(sections);
        for (var s = 0; s < sectionCount; s++)
        {
            var sh = sections.AsSpan(s * sectionSize, sectionSize);
            if (BinaryPrimitives.ReadUInt32LittleEndian(sh[4..]) != ShtGnuVerneed)
            {
                continue;
            }

            var offset = (long)BinaryPrimitives.ReadUInt64LittleEndian(sh[0x18..]);
            var size = (int)BinaryPrimitives.ReadUInt64LittleEndian(sh[0x20..]);
            var link = (int)BinaryPrimitives.ReadUInt32LittleEndian(sh[0x28..]);
            var entries = (int)BinaryPrimitives.ReadUInt32LittleEndian(sh[0x2C..]);
            var strings = sections.AsSpan(link * sectionSize, sectionSize);
            var stringOffset = (long)BinaryPrimitives.ReadUInt64LittleEndian(strings[0x18..]);
            var stringSize = (int)BinaryPrimitives.ReadUInt64LittleEndian(strings[0x20..]);
            var verneed = new byte[size];
            var names = new byte[stringSize];
            file.Position = offset;
            file.ReadExactly(verneed);
            file.Position = stringOffset;
            file.ReadExactly(names);

            var need = 0;
            for (var i = 0; i < entries; i++)
            {
                var count = BinaryPrimitives.ReadUInt16LittleEndian(verneed.AsSpan(need + 2));
                var aux = need + (int)BinaryPrimitives.ReadUInt32LittleEndian(verneed.AsSpan(need + 8));
                for (var j = 0; j < count; j++)
                {
                    var nameOffset = (int)BinaryPrimitives.ReadUInt32LittleEndian(verneed.AsSpan(aux + 8));
                    var end = Array.IndexOf(names, (byte)0, nameOffset);
                    if (Encoding.ASCII.GetString(names, nameOffset, end - nameOffset) == version)
                    {
                        var flags = BinaryPrimitives.ReadUInt16LittleEndian(verneed.AsSpan(aux + 4));
                        if ((flags & VerFlagWeak) != 0)
                        {
                            return PatchResult.AlreadyWeak;
                        }

                        var patched = new byte[2];
                        BinaryPrimitives.WriteUInt16LittleEndian(patched, (ushort)(flags | VerFlagWeak));
                        file.Position = offset + aux + 4;
                        file.Write(patched);
                        return PatchResult.Patched;
                    }

                    aux += (int)BinaryPrimitives.ReadUInt32LittleEndian(verneed.AsSpan(aux + 12));
                }

                need += (int)BinaryPrimitives.ReadUInt32LittleEndian(verneed.AsSpan(need + 12));
            }
        }

        return PatchResult.NotRequired;
    }

    private static string? FindLibrary()
    {
        var rid = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "linux-arm64" : "linux-x64";
        foreach (var candidate in new[]
        {
            Path.Combine(AppContext.BaseDirectory, "runtimes", rid, "native", Library),
            Path.Combine(AppContext.BaseDirectory, Library),
        })
        {
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static bool SystemHasVersion(string version)
    {
        var marker = Encoding.ASCII.GetBytes(version + "\0");
        foreach (var dir in new[] { "/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib", "/lib/x86_64-linux-gnu" })
        {
            var path = Path.Combine(dir, "libstdc++.so.6");
            if (File.Exists(path))
            {
                return File.ReadAllBytes(path).AsSpan().IndexOf(marker) >= 0;
            }
        }

        return false;
    }
}
