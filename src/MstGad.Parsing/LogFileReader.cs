using System.IO.Compression;
using System.Text;

namespace MstGad.Parsing;

/// <summary>One line read by <see cref="LogFileReader"/>.</summary>
/// <param name="LineNumber">The 1-based line number in the source.</param>
/// <param name="Content">The message content (the whole line when no format is used).</param>
/// <param name="Fields">The header fields, when a format is used.</param>
public readonly record struct LogFileLine(long LineNumber, string Content, LogLine? Fields);

/// <summary>What a <see cref="LogFileReader"/> read and what it skipped, per reason.</summary>
public sealed class LogReadReport
{
    private const int MaxExamples = 10;
    private readonly List<string> _examples = [];

    /// <summary>Lines read from the source.</summary>
    public long Lines { get; internal set; }

    /// <summary>Lines returned to the caller.</summary>
    public long Returned { get; internal set; }

    /// <summary>Empty or white-space-only lines, skipped.</summary>
    public long SkippedEmpty { get; internal set; }

    /// <summary>Lines that did not match the format, skipped (lenient mode only; strict mode throws).</summary>
    public long SkippedMismatched { get; internal set; }

    /// <summary>Returned lines that held bytes that are not valid UTF-8 (decoded as U+FFFD and kept).</summary>
    public long InvalidUtf8 { get; internal set; }

    /// <summary>Up to ten skipped lines, as <c>source:line: preview</c>.</summary>
    public IReadOnlyList<string> Examples => _examples;

    internal void AddExample(string example)
    {
        if (_examples.Count < MaxExamples)
        {
            _examples.Add(example);
        }
    }
}

/// <summary>
/// Reads a log file line by line (streaming, bounded memory, transparent to <c>.gz</c>), optionally
/// splitting each line with a <see cref="LogFormat"/>.
/// </summary>
/// <remarks>
/// Bytes that are not valid UTF-8 become U+FFFD and the line is kept (and counted in
/// <see cref="LogReadReport.InvalidUtf8"/>). Empty lines are skipped and counted. A line that does not
/// match the format throws a <see cref="LogFormatException"/> in strict mode (the default) or is
/// skipped and counted in lenient mode. Nothing is dropped without being counted.
/// </remarks>
public sealed class LogFileReader
{
    private readonly LogFormat? _format;
    private readonly bool _lenient;

    /// <summary>Creates a reader.</summary>
    /// <param name="format">The line layout, or <see langword="null"/> to use whole lines as content.</param>
    /// <param name="lenient">Skip and count lines that do not match the format instead of throwing.</param>
    public LogFileReader(LogFormat? format = null, bool lenient = false)
    {
        _format = format;
        _lenient = lenient;
    }

    /// <summary>What was read so far.</summary>
    public LogReadReport Report { get; } = new();

    /// <summary>Reads a file (UTF-8, gzip when the name ends in <c>.gz</c>).</summary>
    /// <param name="path">The file path.</param>
    /// <returns>The lines, lazily.</returns>
    /// <exception cref="LogFormatException">Strict mode, and a line does not match the format.</exception>
    public IEnumerable<LogFileLine> Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return ReadFile(path);
    }

    /// <summary>Reads lines from a text reader. Lines holding U+FFFD count as invalid UTF-8.</summary>
    /// <param name="reader">The reader; not disposed.</param>
    /// <param name="source">A name for error messages, such as the file name.</param>
    /// <returns>The lines, lazily.</returns>
    /// <exception cref="LogFormatException">Strict mode, and a line does not match the format.</exception>
    public IEnumerable<LogFileLine> Read(TextReader reader, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return ReadLines(reader, source);
    }

    /// <summary>
    /// Reads a file and hands each accepted line's content to <paramref name="handler"/> without
    /// allocating a string per line (when no format is used). The fastest way to feed a parser.
    /// </summary>
    /// <param name="path">The file path (gzip when it ends in <c>.gz</c>).</param>
    /// <param name="handler">Called with the line number, the content (valid during the call only)
    /// and the header fields (when a format is used).</param>
    /// <exception cref="LogFormatException">Strict mode, and a line does not match the format.</exception>
    public void Process(string path, LogContentHandler handler)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(handler);
        using var reader = Utf8LineReader.Open(path);
        while (reader.TryReadLine(out var line))
        {
            string? text = null;
            if (Accept(line, reader.LineNumber, reader.LastLineHadInvalidUtf8, path, ref text, out var fields))
            {
                handler(reader.LineNumber, fields is null ? line : fields.Content.AsSpan(), fields);
            }
        }
    }

    /// <summary>Opens a file as UTF-8 text, decompressing <c>.gz</c>.</summary>
    /// <param name="path">The file path.</param>
    /// <returns>A reader that the caller disposes.</returns>
    public static StreamReader OpenText(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Stream stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        if (path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
        {
            stream = new GZipStream(stream, CompressionMode.Decompress);
        }

        return new StreamReader(stream, new UTF8Encoding(false, false), detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
    }

    private IEnumerable<LogFileLine> ReadFile(string path)
    {
        using var reader = Utf8LineReader.Open(path);
        while (reader.TryReadLine(out var span))
        {
            var line = new string(span);
            string? text = line;
            if (Accept(line, reader.LineNumber, reader.LastLineHadInvalidUtf8, path, ref text, out var fields))
            {
                yield return new LogFileLine(reader.LineNumber, fields?.Content ?? line, fields);
            }
        }
    }

    private IEnumerable<LogFileLine> ReadLines(TextReader reader, string? source)
    {
        long number = 0;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            number++;
            string? text = line;
            if (Accept(line, number, line.Contains('\uFFFD', StringComparison.Ordinal), source, ref text, out var fields))
            {
                yield return new LogFileLine(number, fields?.Content ?? line, fields);
            }
        }
    }

    /// <summary>Counts the line and decides whether it is handed on; <paramref name="text"/> caches the line as a string.</summary>
    private bool Accept(ReadOnlySpan<char> line, long number, bool invalidUtf8, string? source, ref string? text, out LogLine? fields)
    {
        var report = Report;
        report.Lines++;
        fields = null;
        if (line.IsWhiteSpace())
        {
            report.SkippedEmpty++;
            return false;
        }

        if (_format is not null)
        {
            text ??= new string(line);
            if (!_format.TryParse(text, out fields))
            {
                if (!_lenient)
                {
                    throw new LogFormatException(source, number, text, _format.Format);
                }

                report.SkippedMismatched++;
                report.AddExample($"{source}:{number}: {LogFormatException.Preview(text)}");
                return false;
            }
        }

        if (invalidUtf8)
        {
            report.InvalidUtf8++;
        }

        report.Returned++;
        return true;
    }
}

/// <summary>Receives one accepted line from <see cref="LogFileReader.Process(string, LogContentHandler)"/>.</summary>
/// <param name="lineNumber">The 1-based line number.</param>
/// <param name="content">The message content; valid during the call only.</param>
/// <param name="fields">The header fields when a format is used, otherwise <see langword="null"/>.</param>
public delegate void LogContentHandler(long lineNumber, ReadOnlySpan<char> content, LogLine? fields);
