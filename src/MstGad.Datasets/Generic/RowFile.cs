using System.Text;
using System.Text.Json;
using MstGad.Datasets.Csv;
using MstGad.Datasets.Json;

namespace MstGad.Datasets.Generic;

/// <summary>The columns of one kind of generic file: their names (slots) and which are required.</summary>
/// <param name="Names">The column names; the slot of a column is its index.</param>
/// <param name="Required">The columns a CSV header must have.</param>
/// <param name="OneOf">Pairs of columns of which a CSV header must have at least one.</param>
internal sealed record RowSchema(string[] Names, string[] Required, (string First, string Second)[] OneOf);

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

    /// <summary>Opens a file in the given format; <see langword="null"/> for an empty CSV file in lenient mode.</summary>
    public static async Task<RowFile?> OpenAsync(string path, TelemetryFileFormat format, RowSchema schema, RecordIssues issues, CancellationToken cancellationToken)
    {
        if (format == TelemetryFileFormat.JsonLines)
        {
            return new JsonLinesRowFile(path, schema, issues);
        }

        var csv = await CsvFile.OpenAsync(path, issues, StringComparison.OrdinalIgnoreCase, cancellationToken).ConfigureAwait(false);
        if (csv is null)
        {
            return null;
        }

        try
        {
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
            _file = file;
            foreach (var name in schema.Required)
            {
                file.Required(name);
            }

            foreach (var (first, second) in schema.OneOf)
            {
                if (file.Optional(first) < 0 && file.Optional(second) < 0)
                {
                    throw issues.Fatal(file.HeaderLine, first, string.Join(',', file.Header), Messages.MissingOneOf(first, second));
                }
            }

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

        public override long Line => _stream.Line;

        public override ValueTask<bool> NextAsync(CancellationToken cancellationToken) =>
            _stream.ReadAsync(Issues, cancellationToken);

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
