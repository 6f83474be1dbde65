using MstGad.Methods.Hades;

namespace MstGad;

/// <summary>Chooses Hades on a <see cref="DetectorBuilder"/>.</summary>
public static class HadesBuilderExtensions
{
    /// <summary>Detects with Hades (<see cref="HadesMethod"/>) instead of MSTGAD.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Changes Hades's settings (its defaults otherwise); problems are listed at <see cref="DetectorBuilder.Build"/>.</param>
    /// <returns>The builder.</returns>
    public static DetectorBuilder UseHades(this DetectorBuilder builder, Action<HadesOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new HadesOptions();
        configure?.Invoke(options);
        return builder.UseMethod(new HadesMethod(options));
    }
}
