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

    public const string UseLenientMode = "use lenient mode to skip it";
    public const string NotAJsonObjectFirst = "its first record is not a JSON object";
    public const string NotAnOtlpExport = "not an OTLP/JSON export";

    /// <summary><c>not a metric file: its header lacks 'Time' and 'PodName' (or 'ServiceName')</c>.</summary>
    /// <param name="kind">The kind, such as <c>metric</c>.</param>
    /// <param name="missing">The missing columns, each as its alternatives.</param>
    public static string HeaderLacks(string kind, IReadOnlyList<string[]> missing) =>
        $"not a {kind} file: its header lacks {List([.. missing.Select(Alternatives)], "and")}";

    /// <summary><c>not a log file: its first record has none of the properties 'time', 'instance' or 'message'</c>.</summary>
    public static string FirstRecordHasNone(string kind, IEnumerable<string> names) =>
        $"not a {kind} file: its first record has none of the properties {List([.. names.Select(n => $"'{n}'")], "or")}";

    /// <summary><c>not an OTLP/JSON export: its first property is 'x', not resourceSpans, resourceLogs or resourceMetrics</c>.</summary>
    public static string NotOtlpProperty(string property) =>
        $"{NotAnOtlpExport}: its first property is '{property}', not resourceSpans, resourceLogs or resourceMetrics";

    public const string NotOtlpStart = NotAnOtlpExport + ": it does not start with a JSON object";

    public static string WrongFieldCount(int expected, int actual) =>
        string.Create(CultureInfo.InvariantCulture, $"wrong field count: expected {expected} fields as in the header, found {actual}");

    public static string MissingOneOfValue(string first, string second) =>
        $"missing value (need '{first}' or '{second}')";

    // 'A' or 'A' (or 'B').
    private static string Alternatives(string[] names) =>
        names.Length == 1 ? $"'{names[0]}'" : $"'{names[0]}' (or {List([.. names.Skip(1).Select(n => $"'{n}'")], "or")})";

    // a; a and b; a, b and c.
    private static string List(string[] items, string conjunction) =>
        items.Length == 1 ? items[0] : $"{string.Join(", ", items.Take(items.Length - 1))} {conjunction} {items[^1]}";
}
