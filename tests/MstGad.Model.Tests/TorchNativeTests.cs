using System.Buffers.Binary;
using System.Text;

namespace MstGad.Model.Tests;

[TestFixture]
public sealed class TorchNativeTests
{
    private const string Version = "GLIBCXX_3.4.32";
    private const ushort Weak = 2;
    private string _directory = "";

    private static string OutputLibrary => Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");

    [SetUp]
    public void CreateDirectory()
    {
        _directory = Path.Combine(Path.GetTempPath(), "mstgad-torchnative-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
    }

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    [Test]
    public void EnsureLoadable_FirstExplicitCall_FindsTheCheckDoneWhenTheAssemblyWasFirstUsed()
    {
        // The set-up fixture's call is this process's first explicit one: the assembly's initializer ran the check before it.
        Assert.Multiple(() =>
        {
            Assert.That(TorchSetUp.LoadReport, Does.StartWith("already checked: "));
            Assert.That(TorchSetUp.LoadReport["already checked: ".Length..], Is.Not.Empty.And.Not.StartWith("already checked"));
            Assert.That(TorchNative.EnsureLoadable(), Is.EqualTo(TorchSetUp.LoadReport));
        });
    }

    [Test]
    public void PatchWeak_CopyOfTheRealLibrary_SetsTheWeakFlagOnceAndChangesNothingElse()
    {
        Assume.That(File.Exists(OutputLibrary), "the Linux x64 native library is not in the test output");
        var copy = Path.Combine(_directory, "libLibTorchSharp.so");
        File.Copy(OutputLibrary, copy);

        // The set-up fixture may already have patched the output copy: clear the bit in our copy first.
        var original = File.ReadAllBytes(copy);
        var offset = FlagsOffset(original, Version);
        Assume.That(offset, Is.GreaterThan(0), $"this build of the library does not require {Version}");
        original[offset] = (byte)(original[offset] & ~Weak);
        File.WriteAllBytes(copy, original);

        var first = TorchNative.PatchWeak(copy, Version);
        var patched = File.ReadAllBytes(copy);
        var second = TorchNative.PatchWeak(copy, Version);
        var again = File.ReadAllBytes(copy);

        var changed = Enumerable.Range(0, original.Length).Where(i => original[i] != patched[i]).ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(first, Is.EqualTo(TorchNative.PatchResult.Patched));
            Assert.That(second, Is.EqualTo(TorchNative.PatchResult.AlreadyWeak));
            Assert.That(changed, Is.EqualTo(new[] { offset }), "only the low byte of vna_flags changes");
            Assert.That(BinaryPrimitives.ReadUInt16LittleEndian(patched.AsSpan(offset)) & Weak, Is.EqualTo(Weak));
            Assert.That(again, Is.EqualTo(patched), "the second call writes nothing");
            Assert.That(patched, Has.Length.EqualTo(original.Length));
        });
    }

    [Test]
    public void PatchWeak_VersionTheLibraryDoesNotNeed_ReportsNotRequiredAndWritesNothing()
    {
        Assume.That(File.Exists(OutputLibrary), "the Linux x64 native library is not in the test output");
        var copy = Path.Combine(_directory, "libLibTorchSharp.so");
        File.Copy(OutputLibrary, copy);
        var before = File.ReadAllBytes(copy);

        var result = TorchNative.PatchWeak(copy, "GLIBCXX_9.9.99");

        Assert.Multiple(() =>
        {
            Assert.That(result, Is.EqualTo(TorchNative.PatchResult.NotRequired));
            Assert.That(File.ReadAllBytes(copy), Is.EqualTo(before));
        });
    }

    [Test]
    public void PatchWeak_NotAnElfFile_ThrowsInvalidDataException()
    {
        var path = Path.Combine(_directory, "not-elf.so");
        File.WriteAllBytes(path, [.. Encoding.ASCII.GetBytes("MZ this is not an ELF file"), .. new byte[100]]);

        var e = Assert.Throws<InvalidDataException>(() => TorchNative.PatchWeak(path, Version));

        Assert.That(e!.Message, Is.EqualTo($"{path} is not a 64-bit little-endian ELF file."));
    }

    [Test]
    public void PatchWeak_32BitElfFile_ThrowsInvalidDataException()
    {
        var path = Path.Combine(_directory, "elf32.so");
        var header = new byte[64];
        header[0] = 0x7f;
        header[1] = (byte)'E';
        header[2] = (byte)'L';
        header[3] = (byte)'F';
        header[4] = 1; // ELFCLASS32
        header[5] = 1;
        File.WriteAllBytes(path, header);

        var e = Assert.Throws<InvalidDataException>(() => TorchNative.PatchWeak(path, Version));

        Assert.That(e!.Message, Is.EqualTo($"{path} is not a 64-bit little-endian ELF file."));
    }

    /// <summary>
    /// The file offset of <c>vna_flags</c> of the version requirement <paramref name="version"/>, found
    /// independently of <see cref="TorchNative"/>, or −1.
    /// </summary>
    private static int FlagsOffset(byte[] elf, string version)
    {
        var span = elf.AsSpan();
        var shoff = (int)BinaryPrimitives.ReadUInt64LittleEndian(span[0x28..]);
        int shentsize = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3A..]), shnum = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3C..]);
        for (var s = 0; s < shnum; s++)
        {
            var sh = span.Slice(shoff + (s * shentsize), shentsize);
            if (BinaryPrimitives.ReadUInt32LittleEndian(sh[4..]) != 0x6ffffffe)
            {
                continue;
            }

            var offset = (int)BinaryPrimitives.ReadUInt64LittleEndian(sh[0x18..]);
            var strings = span.Slice(shoff + ((int)BinaryPrimitives.ReadUInt32LittleEndian(sh[0x28..]) * shentsize), shentsize);
            var strtab = (int)BinaryPrimitives.ReadUInt64LittleEndian(strings[0x18..]);
            var need = offset;
            while (true)
            {
                var aux = need + (int)BinaryPrimitives.ReadUInt32LittleEndian(span[(need + 8)..]);
                for (var j = 0; j < BinaryPrimitives.ReadUInt16LittleEndian(span[(need + 2)..]); j++)
                {
                    var name = strtab + (int)BinaryPrimitives.ReadUInt32LittleEndian(span[(aux + 8)..]);
                    var length = span[name..].IndexOf((byte)0);
                    if (Encoding.ASCII.GetString(span.Slice(name, length)) == version)
                    {
                        return aux + 4;
                    }

                    aux += (int)BinaryPrimitives.ReadUInt32LittleEndian(span[(aux + 12)..]);
                }

                var next = (int)BinaryPrimitives.ReadUInt32LittleEndian(span[(need + 12)..]);
                if (next == 0)
                {
                    return -1;
                }

                need += next;
            }
        }

        return -1;
    }
}
