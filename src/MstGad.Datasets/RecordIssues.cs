using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using MstGad.Features;

namespace MstGad.Datasets;

/// <summary>
/// Counts files and bad records of one read of one kind: in strict mode a bad record throws a
/// <see cref="TelemetryFormatException"/>; in lenient mode (and for skips that are not errors, such as
/// NaN metric values in Nezha) it is counted under its reason, and each file with skips is logged once
/// as a warning.
/// </summary>
internal sealed class RecordIssues
{
    private const int MaxExamples = 10;
    private readonly Dictionary<string, long> _fileSkips = new(StringComparer.Ordinal);
    private readonly ILogger _logger;
    private readonly string _kind;
    private int _examples;

    public RecordIssues(RecordReport report, ReadMode mode, ILogger logger, string kind)
    {
        Report = report;
        Mode = mode;
        _logger = logger;
        _kind = kind;
    }

    /// <summary>The report that counts are added to.</summary>
    public RecordReport Report { get; }

    /// <summary>The read mode.</summary>
    public ReadMode Mode { get; }

    /// <summary>The file being read.</summary>
    public string File { get; private set; } = string.Empty;

    /// <summary>The kind read, such as <c>metric</c>.</summary>
    public string Kind => _kind;

    /// <summary>Starts a file: counts it and resets the per-file skip tally.</summary>
    /// <param name="file">The file path.</param>
    public void BeginFile(string file)
    {
        File = file;
        _fileSkips.Clear();
        Report.CountFile();
        Log.ReadingFile(_logger, _kind, file);
    }

    /// <summary>Ends a file: logs its skips, if any, as one warning.</summary>
    public void EndFile()
    {
        if (_fileSkips.Count == 0)
        {
            return;
        }

        var total = _fileSkips.Values.Sum();
        var reasons = string.Join(", ", _fileSkips.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Value} {p.Key}")));
        Log.SkippedInFile(_logger, total, _kind, File, reasons);
        _fileSkips.Clear();
    }

    /// <summary>A bad record or value: throws in strict mode, counts it in lenient mode.</summary>
    public void Bad(long line, string reason, string? field, ReadOnlySpan<byte> value, string problem)
    {
        if (Mode == ReadMode.Strict)
        {
            throw new TelemetryFormatException(File, line, field, Decode(value), problem);
        }

        Skip(line, reason, value);
    }

    /// <summary>A bad record or value: throws in strict mode, counts it in lenient mode.</summary>
    public void Bad(long line, string reason, string? field, string? value, string problem, Exception? inner = null)
    {
        if (Mode == ReadMode.Strict)
        {
            throw new TelemetryFormatException(File, line, field, value, problem, inner);
        }

        Skip(line, reason, value);
    }

    /// <summary>Counts a skipped record or value in both modes.</summary>
    public void Skip(long line, string reason, ReadOnlySpan<byte> value)
    {
        if (_examples < MaxExamples)
        {
            Skip(line, reason, Decode(value));
            return;
        }

        Count(reason);
        Report.Skip(reason);
    }

    /// <summary>Counts a skipped record or value in both modes.</summary>
    public void Skip(long line, string reason, string? value)
    {
        Count(reason);
        if (_examples < MaxExamples)
        {
            _examples++;
            Report.Skip(reason, Location(line), value);
        }
        else
        {
            Report.Skip(reason);
        }
    }

    /// <summary>
    /// The current file is not telemetry of this kind (decided from its header or first record): strict mode
    /// throws, naming the file and why, with the hint to use lenient mode; lenient mode names the file in
    /// <see cref="RecordReport.SkippedFiles"/> and logs a warning, and the caller skips the file.
    /// </summary>
    /// <param name="line">The line of the header or first record.</param>
    /// <param name="evidence">The header or first record.</param>
    /// <param name="problem">Why, such as <c>not a metric file: its header lacks 'Time'</c>.</param>
    public void NotTelemetry(long line, string? evidence, string problem)
    {
        if (Mode == ReadMode.Strict)
        {
            throw new TelemetryFormatException(File, line, null, evidence, problem, Messages.UseLenientMode, null);
        }

        Report.SkipFile(File, problem);
        Log.SkippedFile(_logger, File, _kind, problem);
    }

    /// <summary>A text column of the current file is ignored (both modes): counted in the report and logged as a warning.</summary>
    /// <param name="column">The column name.</param>
    public void IgnoreColumn(string column)
    {
        Report.IgnoreColumn(column);
        Log.IgnoredColumn(_logger, column, File);
    }

    /// <summary>Throws the exception for a problem that no mode can skip (a missing column, an unreadable file).</summary>
    public TelemetryFormatException Fatal(long line, string? field, string? value, string problem, Exception? inner = null) =>
        new(File, line, field, value, problem, inner);

    private static string Decode(ReadOnlySpan<byte> value) =>
        Encoding.UTF8.GetString(value.Length > 256 ? value[..256] : value);

    private string Location(long line) =>
        line > 0 ? string.Create(CultureInfo.InvariantCulture, $"{File}:{line}") : File;

    private void Count(string reason) =>
        _fileSkips[reason] = _fileSkips.TryGetValue(reason, out var n) ? n + 1 : 1;
}
