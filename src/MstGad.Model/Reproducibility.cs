using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MstGad.Model;

/// <summary>
/// Makes libtorch's CPU results reproducible bit for bit: the same model on the same input gives the
/// same numbers in every call and every process.
/// </summary>
/// <remarks>
/// <para>
/// libtorch's CPU kernels call Intel MKL, whose default code paths may depend on the alignment of the
/// buffers, so that two identical calls can differ in the last bits (measured: 393–468 of 34,451
/// verdict rows between two runs of one model on one day, and batch vs online detection likewise).
/// MKL's Conditional Numerical Reproducibility removes this: with <c>MKL_CBWR=AUTO,STRICT</c> in the
/// environment when MKL initialises, runs are byte-identical at no measurable cost.
/// </para>
/// <para>
/// The library sets that variable for the process — unless the application set <c>MKL_CBWR</c>
/// itself — before it first touches libtorch: when any type of <c>MstGad.Model</c> or <c>MstGad</c>
/// is first used (a module initialiser) and in <see cref="TorchNative.EnsureLoadable"/>. It must
/// happen before MKL initialises, so an application that calls TorchSharp before any MstGad type
/// should call <see cref="Ensure"/> (or set the variable) first. Results still depend on the number
/// of intra-op threads (1 vs 2 threads differ in the last bit), which the detector fixes.
/// </para>
/// </remarks>
public static class Reproducibility
{
    /// <summary>The environment variable MKL reads.</summary>
    public const string Variable = "MKL_CBWR";

    /// <summary>The value the library sets: the best code path of the CPU, in strict reproducible mode.</summary>
    public const string Value = "AUTO,STRICT";

    private const int CbwrAll = -1;
    private static readonly Lock Sync = new();
    private static string? _outcome;

    /// <summary>
    /// Sets <c>MKL_CBWR=AUTO,STRICT</c> in the process environment (the native one that MKL reads, and
    /// .NET's view of it) unless <c>MKL_CBWR</c> is already set. Idempotent and thread-safe.
    /// </summary>
    /// <returns>What was done, for logs.</returns>
    public static string Ensure()
    {
        lock (Sync)
        {
            return _outcome ??= Apply();
        }
    }

    /// <summary>
    /// The reproducibility mode MKL inside libtorch reports now (for example <c>AUTO,STRICT</c> or
    /// <c>OFF</c>), or <see langword="null"/> when libtorch is not loaded or does not expose it.
    /// Reading it initialises MKL's setting, so call it only after <see cref="Ensure"/>.
    /// </summary>
    /// <returns>The mode.</returns>
    public static string? MklMode()
    {
        if (!OperatingSystem.IsLinux() || !NativeLibrary.TryLoad("libtorch_cpu.so", out var handle))
        {
            return null;
        }

        if (!NativeLibrary.TryGetExport(handle, "mkl_serv_cbwr_get", out var address))
        {
            return null;
        }

        var get = Marshal.GetDelegateForFunctionPointer<CbwrGet>(address);
        return Describe(get(CbwrAll));
    }

    /// <summary>Names an MKL CBWR mode (the branch, then <c>STRICT</c> when that bit is set).</summary>
    internal static string Describe(int mode)
    {
        const int strict = 0x10000;
        var branch = (mode & 0xFFFF) switch
        {
            0 => "UNSET",
            1 => "OFF",
            2 => "AUTO",
            3 => "COMPATIBLE",
            4 => "SSE2",
            6 => "SSSE3",
            7 => "SSE4_1",
            8 => "SSE4_2",
            9 => "AVX",
            10 => "AVX2",
            12 => "AVX512_MIC",
            13 => "AVX512",
            14 => "AVX512_MIC_E1",
            15 => "AVX512_E1",
            _ => "0x" + (mode & 0xFFFF).ToString("x", System.Globalization.CultureInfo.InvariantCulture),
        };
        return (mode & strict) != 0 ? branch + ",STRICT" : branch;
    }

    private static string Apply()
    {
        var existing = Environment.GetEnvironmentVariable(Variable);
        var native = OperatingSystem.IsWindows() ? existing : NativeGet();
        if (!string.IsNullOrEmpty(native) || !string.IsNullOrEmpty(existing))
        {
            return $"{Variable} already set to '{native ?? existing}': left as it is";
        }

        Environment.SetEnvironmentVariable(Variable, Value);
        if (!OperatingSystem.IsWindows() && NativeSet(Variable, Value) != 0)
        {
            return $"could not set {Variable} in the native environment (setenv failed)";
        }

        return $"set {Variable}={Value}";
    }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int CbwrGet(int which);

    private static string? NativeGet()
    {
        var pointer = getenv(Variable);
        return pointer == IntPtr.Zero ? null : Marshal.PtrToStringUTF8(pointer);
    }

    private static int NativeSet(string name, string value) => setenv(name, value, 0);

    [DllImport("libc", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    [SuppressMessage("Interoperability", "SYSLIB1054:Use LibraryImportAttribute", Justification = "Two libc calls at start-up; no source generator needed.")]
    [SuppressMessage("Globalization", "CA2101:Specify marshaling for P/Invoke string arguments", Justification = "ASCII names and values.")]
    private static extern IntPtr getenv(string name);

    [DllImport("libc", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    [SuppressMessage("Interoperability", "SYSLIB1054:Use LibraryImportAttribute", Justification = "Two libc calls at start-up; no source generator needed.")]
    [SuppressMessage("Globalization", "CA2101:Specify marshaling for P/Invoke string arguments", Justification = "ASCII names and values.")]
    private static extern int setenv(string name, string value, int overwrite);
}

/// <summary>
/// Runs <see cref="Reproducibility.Ensure"/> and <see cref="TorchNative.EnsureLoadable"/> when the assembly is first used,
/// before any of its TorchSharp calls, whatever the application's entry point (the facade's first call into libtorch,
/// a thread count, comes before any model is made).
/// </summary>
internal static class ModelModuleInitializer
{
    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255:The 'ModuleInitializer' attribute should not be used in libraries", Justification = "MKL reads MKL_CBWR once, when it initialises, and libLibTorchSharp.so must be made loadable before TorchSharp first loads it; the library must do both before the application's first libtorch call.")]
    internal static void Initialize()
    {
        try
        {
            TorchNative.EnsureLoadable(); // makes the results reproducible first
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A read-only copy of the library cannot be marked: TorchSharp's own load error then says what failed, as
            // without this step; an explicit EnsureLoadable() call reports this exception.
        }
    }
}
