using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace MstGad.Features;

/// <summary>How readers treat bad records.</summary>
public enum ReadMode
{
    /// <summary>Throw a <see cref="TelemetryFormatException"/> at the first bad record (the default).</summary>
    Strict = 0,

    /// <summary>Skip bad records, counting each under its reason in the <see cref="RecordReport"/>.</summary>
    Lenient = 1,
}

/// <summary>
/// What a reader read and skipped for one kind of record. Every data row is either turned into
/// records or counted under a skip reason: nothing is dropped silently.
/// </summary>
/// <remarks>Counters are safe to update from several threads.</remarks>
public sealed class RecordReport
{
    private const int MaxExamples = 10;
    private readonly ConcurrentDictionary<string, long> _skipped = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _examples = new();
    private long _files;
    private long _rows;
    private long _records;

    /// <summary>Files (or other sources) opened.</summary>
    public long Files => Interlocked.Read(ref _files);

    /// <summary>Data rows read (header rows excluded).</summary>
    public long Rows => Interlocked.Read(ref _rows);

    /// <summary>Records produced (a metric row produces one record per valid metric column).</summary>
    public long Records => Interlocked.Read(ref _records);

    /// <summary>Skipped rows or values per reason.</summary>
    public IReadOnlyDictionary<string, long> Skipped => new SortedDictionary<string, long>(_skipped, StringComparer.Ordinal);

    /// <summary>The total of <see cref="Skipped"/>.</summary>
    public long SkippedTotal => _skipped.Values.Sum();

    /// <summary>Up to ten skipped items as <c>file:line: reason: value</c>.</summary>
    public IReadOnlyList<string> Examples => [.. _examples];

    /// <summary>Counts an opened file.</summary>
    public void CountFile() => Interlocked.Increment(ref _files);

    /// <summary>Counts a data row.</summary>
    public void CountRow() => Interlocked.Increment(ref _rows);

    /// <summary>Counts produced records.</summary>
    /// <param name="count">How many.</param>
    public void CountRecords(long count = 1) => Interlocked.Add(ref _records, count);

    /// <summary>Counts a skipped row or value under a reason and keeps an example.</summary>
    /// <param name="reason">A short stable reason, such as <c>NaN value</c>.</param>
    /// <param name="location">Where, such as <c>file:line</c>.</param>
    /// <param name="value">The offending value (shortened for the example).</param>
    public void Skip(string reason, string? location = null, string? value = null)
    {
        ArgumentNullException.ThrowIfNull(reason);
        _skipped.AddOrUpdate(reason, 1, static (_, n) => n + 1);
        if (_examples.Count < MaxExamples)
        {
            _examples.Enqueue($"{location}: {reason}: {TelemetryFormatException.Shorten(value)}");
        }
    }

    /// <summary>Adds another report's counts to this one.</summary>
    /// <param name="other">The report to add.</param>
    public void Add(RecordReport other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Interlocked.Add(ref _files, other.Files);
        Interlocked.Add(ref _rows, other.Rows);
        Interlocked.Add(ref _records, other.Records);
        foreach (var (reason, count) in other._skipped)
        {
            _skipped.AddOrUpdate(reason, count, (_, n) => n + count);
        }

        foreach (var e in other._examples)
        {
            if (_examples.Count < MaxExamples)
            {
                _examples.Enqueue(e);
            }
        }
    }

    /// <inheritdoc/>
    public override string ToString()
    {
        var text = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"files {Files}, rows {Rows}, records {Records}"));
        foreach (var (reason, count) in Skipped)
        {
            text.Append(CultureInfo.InvariantCulture, $", skipped {count} ({reason})");
        }

        return text.ToString();
    }
}

/// <summary>Reports of one read, per kind of record.</summary>
public sealed class TelemetryReadReport
{
    /// <summary>Metric rows and samples.</summary>
    public RecordReport Metrics { get; } = new();

    /// <summary>Log rows.</summary>
    public RecordReport Logs { get; } = new();

    /// <summary>Span rows.</summary>
    public RecordReport Spans { get; } = new();

    /// <summary>Fault labels.</summary>
    public RecordReport Faults { get; } = new();
}

/// <summary>A bad telemetry record in strict mode: names the source, the line, the field and the value.</summary>
public sealed class TelemetryFormatException : FormatException
{
    private const int MaxValueLength = 200;

    /// <summary>Creates the exception.</summary>
    /// <param name="source">The file or source name.</param>
    /// <param name="line">The 1-based line (or record) number; 0 when unknown.</param>
    /// <param name="field">The field (column) name, when known.</param>
    /// <param name="value">The offending value.</param>
    /// <param name="problem">What is wrong, such as <c>not a number</c>.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public TelemetryFormatException(string source, long line, string? field, string? value, string problem, Exception? innerException = null)
        : base(BuildMessage(source, line, field, value, problem), innerException)
    {
        SourceName = source;
        Line = line;
        Field = field;
        Value = value;
        Problem = problem;
    }

    /// <summary>The file or source name.</summary>
    public string SourceName { get; }

    /// <summary>The 1-based line (or record) number; 0 when unknown.</summary>
    public long Line { get; }

    /// <summary>The field (column) name, when known.</summary>
    public string? Field { get; }

    /// <summary>The offending value.</summary>
    public string? Value { get; }

    /// <summary>What is wrong.</summary>
    public string Problem { get; }

    internal static string Shorten(string? value) =>
        value is null ? "" : value.Length <= MaxValueLength ? value : string.Concat(value.AsSpan(0, MaxValueLength), "…");

    private static string BuildMessage(string source, long line, string? field, string? value, string problem)
    {
        var where = line > 0 ? string.Create(CultureInfo.InvariantCulture, $"{source}:{line}") : source;
        var what = field is null ? string.Empty : $" field '{field}'";
        return $"{where}:{what} {problem}: '{Shorten(value)}'";
    }
}
