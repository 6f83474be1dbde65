using System.Text;
using System.Text.Json;
using MstGad.Datasets.Csv;
using MstGad.Datasets.Json;

namespace MstGad.Datasets.Generic;

/// <summary>The columns of one kind of generic file: their names (slots) and which are required.</summary>
/// <param name="Names">The column names; the slot of a column is its index.</param>
/// <param name="Required">The columns a CSV header must have.</param>
/// <param name="OneOf">Pairs of columns of which a CSV header must have at least one.</param>
internal sealed record RowSchema(string[] Names, string[] Required, (string First, string Second)[] OneOf)
{
    /// <summary>The required columns, each as its alternatives.</summary>
    public IReadOnlyList<string[]> RequiredColumns { get; } = [.. Required.Select(n => new[] { n }), .. OneOf.Select(p => new[] { p.First, p.Second })];
}

/// <summary>A generic telemetry file read row by row into a <see cref="FieldRow"/>: CSV or JSON Lines.</summary>
internal abstract class RowFile : IDisposable
{
    protected RowFile(RowSchema schema, RecordIssues issues)
    {
        Row = new FieldRow(schema.Names);
        Issues = issues;
    }

    /// <summary>The current row.</summary>
    public FieldRow Row { get; }

    /// <summary>The physical line where the current row starts.</summary>
    public abstract long Line { get; }

    protected RecordIssues Issues { get; }

    /// <summary>
    /// Opens a file in the given format; <see langword="null"/> in lenient mode for an empty CSV file and for a
    /// file that is not of the kind (a CSV header without the required columns; a JSON Lines file whose first
    /// record is not an object or has none of the required properties), which strict mode throws for.
    /// </summary>
    public static async Task<RowFile?> OpenAsync(string path, TelemetryFileFormat format, RowSchema schema, RecordIssues issues, CancellationToken cancellationToken)
    {
        if (format == TelemetryFileFormat.JsonLines)
        {
            var json = new JsonLinesRowFile(path, schema, issues);
            try
            {
                if (await json.IsOfTheKindAsync(cancellationToken).ConfigureAwait(false))
                {
                    return json;
                }

                json.Dispose();
                return null;
            }
            catch
            {
                json.Dispose();
                throw;
            }
        }

        var csv = await CsvFile.OpenAsync(path, issues, StringComparison.OrdinalIgnoreCase, cancellationToken).ConfigureAwait(false);
        if (csv is null)
        {
            return null;
        }

        try
        {
            if (!csv.HasColumns(schema.RequiredColumns))
            {
                csv.Dispose();
                return null;
            }

            return new CsvRowFile(csv, schema, issues);
        }
        catch
        {
            csv.Dispose();
            throw;
        }
    }

    /// <summary>Reads the next record (not yet checked).</summary>
    public abstract ValueTask<bool> NextAsync(CancellationToken cancellationToken);

    /// <summary>Checks the current record and fills <see cref="Row"/>; a bad record is reported and <see langword="false"/> returned.</summary>
    public abstract bool TryFillRow();

    /// <inheritdoc/>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected abstract void Dispose(bool disposing);

    private sealed class CsvRowFile : RowFile
    {
        private readonly CsvFile _file;
        private readonly (int Column, int Slot)[] _map;

        public CsvRowFile(CsvFile file, RowSchema schema, RecordIssues issues)
            : base(schema, issues)
        {
            // The header has the required columns (HasColumns).
            _file = file;
            _map = [.. schema.Names.Select((name, slot) => (Column: file.Optional(name), Slot: slot)).Where(p => p.Column >= 0)];
        }

        public override long Line => _file.Line;

        public override ValueTask<bool> NextAsync(CancellationToken cancellationToken) => _file.NextAsync(cancellationToken);

        public override bool TryFillRow()
        {
            if (!_file.CheckStructure())
            {
                return false;
            }

            Row.Clear();
            foreach (var (column, slot) in _map)
            {
                Row.Set(slot, _file.Reader[column]);
            }

            return true;
        }

        protected override void Dispose(bool disposing) => _file.Dispose();
    }

    private sealed class JsonLinesRowFile(string path, RowSchema schema, RecordIssues issues) : RowFile(schema, issues)
    {
        private readonly JsonElementStream _stream = new(TelemetryFile.Open(path), JsonStreamShape.RootValues);
        private readonly string[] _required = [.. schema.RequiredColumns.SelectMany(names => names)];
        private bool? _first;

        public override long Line => _stream.Line;

        // Reads the first record (kept for the first NextAsync): the file is of the kind unless that record is
        // valid JSON that is not an object, or an object with none of the required properties. An empty
        // file, or invalid JSON, is left to the record checks.
        public async ValueTask<bool> IsOfTheKindAsync(CancellationToken cancellationToken)
        {
            _first = await _stream.ReadAsync(Issues, cancellationToken).ConfigureAwait(false);
            if (_first == false || _stream.Error is not null)
            {
                return true;
            }

            var text = _stream.Current.Span;
            if (_stream.TokenType != JsonTokenType.StartObject)
            {
                Issues.NotTelemetry(Line, Encoding.UTF8.GetString(text), $"not a {Issues.Kind} file: {Messages.NotAJsonObjectFirst}");
                return false;
            }

            try
            {
                using var document = JsonDocument.Parse(_stream.Current);
                if (document.RootElement.EnumerateObject().Any(p => _required.Contains(p.Name, StringComparer.OrdinalIgnoreCase)))
                {
                    return true;
                }
            }
            catch (JsonException)
            {
                return true;
            }

            Issues.NotTelemetry(Line, Encoding.UTF8.GetString(text), Messages.FirstRecordHasNone(Issues.Kind, _required));
            return false;
        }

        public override ValueTask<bool> NextAsync(CancellationToken cancellationToken)
        {
            if (_first is { } first)
            {
                _first = null;
                return ValueTask.FromResult(first);
            }

            return _stream.ReadAsync(Issues, cancellationToken);
        }

        public override bool TryFillRow()
        {
            if (_stream.Error is not null)
            {
                Issues.Bad(Line, SkipReasons.InvalidJson, null, Encoding.UTF8.GetString(_stream.Current.Span), _stream.Error, _stream.ErrorException);
                return false;
            }

            if (_stream.TokenType != JsonTokenType.StartObject)
            {
                Issues.Bad(Line, SkipReasons.UnexpectedJson, null, _stream.Current.Span, Messages.NotAJsonObject);
                return false;
            }

            try
            {
                Row.FillFromJsonObject(_stream.Current.Span);
                return true;
            }
            catch (JsonException e)
            {
                Issues.Bad(Line, SkipReasons.InvalidJson, null, Encoding.UTF8.GetString(_stream.Current.Span), Messages.InvalidJson, e);
                return false;
            }
        }

        protected override void Dispose(bool disposing) => _stream.Dispose();
    }
}
