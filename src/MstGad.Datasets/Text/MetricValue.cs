using System.Globalization;

namespace MstGad.Datasets.Text;

/// <summary>Parses metric values: a bad, NaN or infinite value is reported to the <see cref="RecordIssues"/>.</summary>
internal static class MetricValue
{
    /// <summary>
    /// Parses a metric value (invariant culture). An empty, unparsable or infinite value is a bad value; a
    /// NaN value is a bad value unless <paramref name="skipNaN"/>, when it is counted as skipped in both modes.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> text, long line, string field, RecordIssues issues, bool skipNaN, out double value)
    {
        if (text.IsEmpty)
        {
            issues.Bad(line, SkipReasons.MissingValue, field, text, Messages.MissingValue);
            value = 0;
            return false;
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value))
        {
            issues.Bad(line, SkipReasons.UnparsableNumber, field, text, Messages.UnparsableNumber);
            return false;
        }

        if (double.IsNaN(value))
        {
            if (skipNaN)
            {
                issues.Skip(line, SkipReasons.NaNValue, text);
            }
            else
            {
                issues.Bad(line, SkipReasons.NaNValue, field, text, Messages.NaNValue);
            }

            return false;
        }

        if (double.IsInfinity(value))
        {
            issues.Bad(line, SkipReasons.InfiniteValue, field, text, Messages.InfiniteValue);
            return false;
        }

        return true;
    }
}
