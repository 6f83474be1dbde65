using System.Runtime.InteropServices;

namespace MstGad.Model.Tests;

/// <summary>Memory freed on the native heap goes back to the system (glibc keeps it otherwise).</summary>
public sealed class NativeHeapTests
{
    [Test]
    public void ReleaseFreed_AfterFreeingMuchNativeMemory_TheProcessHoldsLess()
    {
        Assume.That(OperatingSystem.IsLinux(), "glibc's heap: Linux only");
        const int blocks = 2000, size = 64 * 1024; // 125 MiB in blocks below glibc's mmap threshold: they live in the heap
        var pointers = new IntPtr[blocks];
        var ones = Enumerable.Repeat((byte)1, size).ToArray();
        for (var i = 0; i < blocks; i++)
        {
            pointers[i] = Marshal.AllocHGlobal(size);
            Marshal.Copy(ones, 0, pointers[i], size); // touched: resident
        }

        // Every 16th block stays allocated, as live tensors among freed ones do: free() alone cannot give back the
        // freed blocks between them (a heap shrinks only from its top, and is deleted only when all of it is free).
        try
        {
            for (var i = 0; i < blocks; i++)
            {
                if (i % 16 != 0)
                {
                    Marshal.FreeHGlobal(pointers[i]);
                    pointers[i] = IntPtr.Zero;
                }
            }

            var before = AnonymousResidentKiB();
            var released = NativeHeap.ReleaseFreed();
            var after = AnonymousResidentKiB();
            TestContext.Out.WriteLine($"anonymous resident memory {before / 1024} MiB → {after / 1024} MiB");
            Assert.Multiple(() =>
            {
                Assert.That(released, Is.True);
                Assert.That(before - after, Is.GreaterThan(100 * 1024), "at least 100 of the 117 MiB freed went back to the system");
            });
        }
        finally
        {
            foreach (var pointer in pointers.Where(p => p != IntPtr.Zero))
            {
                Marshal.FreeHGlobal(pointer);
            }
        }
    }

    private static long AnonymousResidentKiB()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("RssAnon:", StringComparison.Ordinal));
        return long.Parse(line["RssAnon:".Length..].Replace("kB", string.Empty, StringComparison.Ordinal).Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
