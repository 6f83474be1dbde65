using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;

namespace MstGad.Model;

/// <summary>
/// Gives memory that libtorch freed back to the operating system. glibc's allocator keeps freed memory in its arenas
/// for reuse; after training, which peaks at 2–2.5 GB on the TrainTicket day, a process that goes on to detect keeps
/// most of that peak as working set although it is free (measured: 760–1,240 MB for the 200-instance soak, 345–375 MB
/// with it). Only on Linux with glibc; elsewhere, or when the call is missing, nothing happens.
/// </summary>
internal static class NativeHeap
{
    private static int _unavailable;

    /// <summary>Returns free memory at the top and in the middle of glibc's heaps to the system (<c>malloc_trim(0)</c>).</summary>
    /// <returns>Whether memory was returned; false when nothing was free or the call is not available here.</returns>
    public static bool ReleaseFreed()
    {
        if (!OperatingSystem.IsLinux() || Volatile.Read(ref _unavailable) != 0)
        {
            return false;
        }

        try
        {
            return malloc_trim(0) != 0;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            Volatile.Write(ref _unavailable, 1); // not glibc (e.g. musl): no such call
            return false;
        }
    }

    [DllImport("libc")]
    [SuppressMessage("Interoperability", "SYSLIB1054:Use LibraryImportAttribute", Justification = "One libc call after training; no source generator needed.")]
    private static extern int malloc_trim(nuint pad);
}
