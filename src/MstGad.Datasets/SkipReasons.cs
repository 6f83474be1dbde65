namespace MstGad.Datasets;

/// <summary>
/// The reasons under which the readers of this assembly count skipped rows, values and files in a
/// <see cref="MstGad.Features.RecordReport"/>.
/// </summary>
public static class SkipReasons
{
    /// <summary>A time that is not in an accepted format.</summary>
    public const string UnparsableTime = "unparsable time";

    /// <summary>A number that does not parse.</summary>
    public const string UnparsableNumber = "unparsable number";

    /// <summary>A metric value that is NaN (one count per value).</summary>
    public const string NaNValue = "NaN value";

    /// <summary>A metric value that is infinite (one count per value).</summary>
    public const string InfiniteValue = "infinite value";

    /// <summary>A span or fault that ends before it starts.</summary>
    public const string NegativeDuration = "negative duration";

    /// <summary>A required value that is empty or absent.</summary>
    public const string MissingValue = "missing value";

    /// <summary>A value outside the allowed set (a span status or kind, a fault target kind, a negative coverage).</summary>
    public const string InvalidValue = "invalid value";

    /// <summary>A CSV record that breaks RFC 4180 (a character after a closing quote, an unterminated quote).</summary>
    public const string MalformedCsv = "malformed CSV";

    /// <summary>A CSV record whose field count differs from the header's.</summary>
    public const string WrongFieldCount = "wrong field count";

    /// <summary>Text that should be JSON and is not (a log cell, a JSON Lines record, part of an OTLP export).</summary>
    public const string InvalidJson = "invalid JSON";

    /// <summary>A JSON record or element of the wrong shape (not an object, a property of the wrong type).</summary>
    public const string UnexpectedJson = "unexpected JSON";

    /// <summary>An OTLP record whose resource has none of the instance attributes.</summary>
    public const string MissingInstance = "missing instance";

    /// <summary>A row of the Nezha front-end metric file when the front end is excluded (one count per row).</summary>
    public const string FrontendExcluded = "frontend file excluded";

    /// <summary>A file with no header row (one count per file).</summary>
    public const string EmptyFile = "empty file";

    /// <summary>An OTLP metric of a type that the reader does not turn into samples (one count per metric).</summary>
    public const string UnsupportedMetricType = "unsupported metric type";

    /// <summary>An OTLP histogram point with a count of zero, whose mean is undefined (one count per point).</summary>
    public const string EmptyHistogram = "empty histogram";
}
