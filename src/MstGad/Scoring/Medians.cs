using System.Numerics;

namespace MstGad.Scoring;

/// <summary>The median of a few values, as the scores use it: the middle value, or the mean of the middle two.</summary>
internal static class Medians
{
    /// <summary>Sorts <paramref name="values"/> in place and returns their median (0 when there are none).</summary>
    public static T Sort<T>(Span<T> values)
        where T : IFloatingPoint<T>
    {
        if (values.IsEmpty)
        {
            return T.Zero;
        }

        values.Sort();
        var mid = values.Length / 2;
        return values.Length % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / (T.One + T.One);
    }
}
