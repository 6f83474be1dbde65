using System.Text;
using MstGad.Features;

namespace MstGad.Datasets.Csv;

/// <summary>
/// One CSV file being read by a telemetry reader: the header, column lookup by name, record reads
/// that turn I/O-level corruption into <see cref="TelemetryFormatException"/>, and the structural checks
/// (malformed record, wrong field count) every reader applies before converting a row.
/// </summary>
internal sealed class CsvFile : IDisposable
{
    private readonly RecordIssues _issues;
    private readonly StringComparison _headerComparison;

    private CsvFile(CsvReader reader, string[] header, RecordIssues issues, StringComparison headerComparison)
    {
        Reader = reader;
        Header = header;
        HeaderLine = reader.Line;
        _issues = issues;
        _headerComparison = headerComparison;
    }

    /// <summary>The reader, positioned on the current record.</summary>
    public CsvReader Reader { get; }

    /// <summary>The column names.</summary>
    public string[] Header { get; }

    /// <summary>The physical line of the header.</summary>
    public long HeaderLine { get; }

    /// <summary>The physical line of the current record.</summary>
    public long Line => Reader.Line;

    /// <summary>
    /// Opens a file and reads its header. An empty file throws in strict mode and is counted under
    /// <see cref="SkipReasons.EmptyFile"/> in lenient mode (then <see langword="null"/> is returned).
    /// The caller has already called <see cref="RecordIssues.BeginFile"/>.
    /// </summary>
    public static async Task<CsvFile?> OpenAsync(string path, RecordIssues issues, StringComparison headerComparison, CancellationToken cancellationToken)
    {
        var reader = new CsvReader(TelemetryFile.Open(path));
        try
        {
            if (!await ReadAsync(reader, issues, cancellationToken).ConfigureAwait(false))
            {
                issues.Bad(0, SkipReasons.EmptyFile, null, string.Empty, Messages.EmptyFile);
                reader.Dispose();
                return null;
            }

            if (reader.Error != CsvError.None)
            {
                throw issues.Fatal(reader.Line, null, Encoding.UTF8.GetString(reader.RawRecord), ErrorProblem(reader.Error));
            }

            var header = new string[reader.FieldCount];
            for (var i = 0; i < header.Length; i++)
            {
                header[i] = reader.GetString(i).Trim();
            }

            return new CsvFile(reader, header, issues, headerComparison);
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Whether the header has every required column, each given as its alternatives (<c>["PodName", "ServiceName"]</c>).
    /// When it has not, the file is not telemetry of the kind being read: strict mode throws, lenient mode
    /// names the file in the report (<see cref="RecordIssues.NotTelemetry"/>) and <see langword="false"/> is returned.
    /// </summary>
    public bool HasColumns(IReadOnlyList<string[]> required)
    {
        var missing = required.Where(names => names.All(n => Optional(n) < 0)).ToList();
        if (missing.Count == 0)
        {
            return true;
        }

        _issues.NotTelemetry(HeaderLine, string.Join(',', Header), Messages.HeaderLacks(_issues.Kind, missing));
        return false;
    }

    /// <summary>The index of a required column; throws (in both modes) when it is missing.</summary>
    public int Required(string name)
    {
        var index = Optional(name);
        return index >= 0 ? index : throw _issues.Fatal(HeaderLine, name, string.Join(',', Header), Messages.MissingColumn);
    }

    /// <summary>The index of a column, or -1.</summary>
    public int Optional(string name)
    {
        for (var i = 0; i < Header.Length; i++)
        {
            if (string.Equals(Header[i], name, _headerComparison))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Reads the next record.</summary>
    public ValueTask<bool> NextAsync(CancellationToken cancellationToken) => ReadAsync(Reader, _issues, cancellationToken);

    /// <summary>
    /// Checks the current record's structure; a malformed record or one with the wrong field count is
    /// reported (strict: thrown) and <see langword="false"/> returned.
    /// </summary>
    public bool CheckStructure()
    {
        if (Reader.Error != CsvError.None)
        {
            var field = Reader.ErrorField < Header.Length ? Header[Reader.ErrorField] : null;
            _issues.Bad(Line, SkipReasons.MalformedCsv, field, Reader.RawRecord, ErrorProblem(Reader.Error));
            return false;
        }

        if (Reader.FieldCount != Header.Length)
        {
            _issues.Bad(Line, SkipReasons.WrongFieldCount, null, Reader.RawRecord, Messages.WrongFieldCount(Header.Length, Reader.FieldCount));
            return false;
        }

        return true;
    }

    /// <inheritdoc/>
    public void Dispose() => Reader.Dispose();

    private static string ErrorProblem(CsvError error) => error switch
    {
        CsvError.CharacterAfterClosingQuote => Messages.CharacterAfterClosingQuote,
        _ => Messages.UnterminatedQuote,
    };

    private static async ValueTask<bool> ReadAsync(CsvReader reader, RecordIssues issues, CancellationToken cancellationToken)
    {
        try
        {
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidDataException e)
        {
            throw issues.Fatal(reader.Line, null, null, $"{Messages.UnreadableFile}: {e.Message}", e);
        }
    }
}
