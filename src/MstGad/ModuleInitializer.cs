using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using MstGad.Model;

namespace MstGad;

/// <summary>Makes libtorch's results reproducible before the facade's first libtorch call (see <see cref="Reproducibility"/>).</summary>
internal static class FacadeModuleInitializer
{
    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255:The 'ModuleInitializer' attribute should not be used in libraries", Justification = "MKL reads MKL_CBWR once, when it initialises; the library must set it before the application's first libtorch call.")]
    internal static void Initialize() => Reproducibility.Ensure();
}
