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
    private readonly ConcurrentDictionary<string, long> _ignoredColumns = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly List<SkippedFile> _skippedFiles = [];
    private readonly List<string> _absent = [];
    private long _files;
    private long _rows;
    private long _records;

    /// <summary>Files (or other sources) opened, including those then skipped as a whole (<see cref="SkippedFiles"/>).</summary>
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

    /// <summary>
    /// Files skipped as a whole because they are not telemetry of this kind (a CSV header without the
    /// required columns, for example), in the order met. Their rows are not read, so they count in no row,
    /// record or <see cref="Skipped"/> total.
    /// </summary>
    public IReadOnlyList<SkippedFile> SkippedFiles
    {
        get
        {
            lock (_lock)
            {
                return [.. _skippedFiles];
            }
        }
    }

    /// <summary>
    /// Columns that a reader ignored because they hold text rather than values (a metric file's extra text
    /// columns), each with the number of files in which it was ignored; ordinal order.
    /// </summary>
    public IReadOnlyDictionary<string, long> IgnoredColumns => new SortedDictionary<string, long>(_ignoredColumns, StringComparer.Ordinal);

    /// <summary>
    /// What the source expected and did not find, such as a date's <c>log</c> folder or a fault list: a path,
    /// or a path pattern such as <c>…/trace/*.csv</c>, once each. Telemetry may lack a kind; this says so.
    /// </summary>
    public IReadOnlyList<string> Absent
    {
        get
        {
            lock (_lock)
            {
                return [.. _absent];
            }
        }
    }

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

    /// <summary>Names a file skipped as a whole because it is not telemetry of this kind.</summary>
    /// <param name="path">The file.</param>
    /// <param name="reason">Why, such as <c>not a metric file: its header lacks 'Time'</c>.</param>
    public void SkipFile(string path, string reason)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(reason);
        lock (_lock)
        {
            _skippedFiles.Add(new SkippedFile(path, reason));
        }
    }

    /// <summary>Counts one file in which a text column was ignored.</summary>
    /// <param name="column">The column name.</param>
    public void IgnoreColumn(string column)
    {
        ArgumentNullException.ThrowIfNull(column);
        _ignoredColumns.AddOrUpdate(column, 1, static (_, n) => n + 1);
    }

    /// <summary>Notes something the source expected and did not find (once: a repeated note is ignored).</summary>
    /// <param name="what">A path or path pattern, such as <c>/data/rca_data/2023-01-29/log</c>.</param>
    public void NoteAbsent(string what)
    {
        ArgumentNullException.ThrowIfNull(what);
        lock (_lock)
        {
            if (!_absent.Contains(what, StringComparer.Ordinal))
            {
                _absent.Add(what);
            }
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

        foreach (var (column, count) in other._ignoredColumns)
        {
            _ignoredColumns.AddOrUpdate(column, count, (_, n) => n + count);
        }

        foreach (var file in other.SkippedFiles)
        {
            SkipFile(file.Path, file.Reason);
        }

        foreach (var what in other.Absent)
        {
            NoteAbsent(what);
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

        var files = SkippedFiles;
        if (files.Count > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $", skipped {files.Count} {(files.Count == 1 ? "file" : "files")} (");
            text.AppendJoin(", ", files.Select(f => Path.GetFileName(f.Path)));
            text.Append(')');
        }

        var columns = IgnoredColumns;
        if (columns.Count > 0)
        {
            text.Append(columns.Count == 1 ? ", ignored text column " : ", ignored text columns ");
            text.AppendJoin(", ", columns.Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Key} ({c.Value} {(c.Value == 1 ? "file" : "files")})")));
        }

        var absent = Absent;
        if (absent.Count > 0)
        {
            text.Append(", absent: ");
            text.AppendJoin(", ", absent);
        }

        return text.ToString();
    }
}

/// <summary>A file that a reader skipped as a whole because it is not telemetry of the kind it reads.</summary>
/// <param name="Path">The file.</param>
/// <param name="Reason">Why, such as <c>not a metric file: its header lacks 'Time' and 'PodName' (or 'ServiceName')</c>.</param>
public sealed record SkippedFile(string Path, string Reason);

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
        : this(source, line, field, value, problem, null, innerException)
    {
    }

    /// <summary>Creates the exception with a hint on what to do.</summary>
    /// <param name="source">The file or source name.</param>
    /// <param name="line">The 1-based line (or record) number; 0 when unknown.</param>
    /// <param name="field">The field (column) name, when known.</param>
    /// <param name="value">The offending value.</param>
    /// <param name="problem">What is wrong, such as <c>not a metric file: its header lacks 'Time'</c>.</param>
    /// <param name="hint">What to do, such as <c>use lenient mode to skip it</c>; it ends the message after <c>; </c>.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public TelemetryFormatException(string source, long line, string? field, string? value, string problem, string? hint, Exception? innerException)
        : base(BuildMessage(source, line, field, value, problem, hint), innerException)
    {
        SourceName = source;
        Line = line;
        Field = field;
        Value = value;
        Problem = problem;
        Hint = hint;
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

    /// <summary>What to do, when the reader knows (it ends <see cref="Exception.Message"/>); otherwise <see langword="null"/>.</summary>
    public string? Hint { get; }

    internal static string Shorten(string? value) =>
        value is null ? "" : value.Length <= MaxValueLength ? value : string.Concat(value.AsSpan(0, MaxValueLength), "…");

    private static string BuildMessage(string source, long line, string? field, string? value, string problem, string? hint)
    {
        var where = line > 0 ? string.Create(CultureInfo.InvariantCulture, $"{source}:{line}") : source;
        var what = field is null ? string.Empty : $" field '{field}'";
        return hint is null ? $"{where}:{what} {problem}: '{Shorten(value)}'" : $"{where}:{what} {problem}: '{Shorten(value)}'; {hint}";
    }
}
