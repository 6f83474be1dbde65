using System.Globalization;

namespace MstGad.Datasets;

/// <summary>The problem texts of <see cref="MstGad.Features.TelemetryFormatException"/>s thrown by the readers, in one place.</summary>
internal static class Messages
{
    public const string UnparsableIsoOrUnixTime = "not an ISO-8601 time or Unix epoch seconds";
    public const string UnparsableIsoTime = "not an ISO-8601 time";
    public const string UnparsableGoTime = "not a time such as '2023-01-29 08:41:09.104907624 +0000 UTC'";
    public const string UnparsableUnixNanoseconds = "not an integer number of Unix epoch nanoseconds";
    public const string UnparsableNumber = "not a number";
    public const string NaNValue = "NaN value";
    public const string InfiniteValue = "infinite value";
    public const string NegativeDuration = "negative duration (the end is before the start)";
    public const string NegativeCoverage = "negative coverage";
    public const string MissingValue = "missing value";
    public const string MissingColumn = "required column missing from the header";
    public const string EmptyFile = "empty file (no header row)";
    public const string CharacterAfterClosingQuote = "malformed CSV: a character follows a closing quote";
    public const string UnterminatedQuote = "malformed CSV: unterminated quoted field";
    public const string InvalidJson = "invalid JSON";
    public const string NotAJsonObject = "not a JSON object";
    public const string UnexpectedJsonType = "unexpected JSON value type";
    public const string MissingLogText = "the Docker JSON has no 'log' string";
    public const string InvalidStatus = "not a span status (ok, error or unset)";
    public const string InvalidKind = "not a span kind (internal, server, client, producer, consumer or unspecified)";
    public const string InvalidTargetKind = "not a fault target kind (instance or service)";
    public const string MissingInstance = "the resource has none of the instance attributes";
    public const string UnsupportedMetricType = "unsupported metric type (not gauge, sum, histogram, exponentialHistogram or summary)";
    public const string EmptyHistogram = "histogram point with count 0 has no mean";
    public const string UnreadableFile = "unreadable file";

    public static string WrongFieldCount(int expected, int actual) =>
        string.Create(CultureInfo.InvariantCulture, $"wrong field count: expected {expected} fields as in the header, found {actual}");

    public static string MissingOneOfValue(string first, string second) =>
        $"missing value (need '{first}' or '{second}')";

    public static string MissingOneOf(string first, string second) =>
        $"required column missing from the header (need '{first}' or '{second}')";
}
