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

    /// <summary>Returned lines that contained U+FFFD, the replacement for bytes that are not valid UTF-8.</summary>
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

    /// <summary>Reads lines from a text reader.</summary>
    /// <param name="reader">The reader; not disposed.</param>
    /// <param name="source">A name for error messages, such as the file name.</param>
    /// <returns>The lines, lazily.</returns>
    /// <exception cref="LogFormatException">Strict mode, and a line does not match the format.</exception>
    public IEnumerable<LogFileLine> Read(TextReader reader, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return ReadLines(reader, source);
    }

    /// <summary>Opens a file for reading as UTF-8 text, decompressing <c>.gz</c>.</summary>
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
        using var reader = OpenText(path);
        foreach (var line in ReadLines(reader, path))
        {
            yield return line;
        }
    }

    private IEnumerable<LogFileLine> ReadLines(TextReader reader, string? source)
    {
        var report = Report;
        long number = 0;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            number++;
            report.Lines++;
            if (string.IsNullOrWhiteSpace(line))
            {
                report.SkippedEmpty++;
                continue;
            }

            LogLine? fields = null;
            var content = line;
            if (_format is not null)
            {
                if (!_format.TryParse(line, out fields))
                {
                    if (!_lenient)
                    {
                        throw new LogFormatException(source, number, line, _format.Format);
                    }

                    report.SkippedMismatched++;
                    report.AddExample($"{source}:{number}: {LogFormatException.Preview(line)}");
                    continue;
                }

                content = fields.Content;
            }

            if (line.Contains('\uFFFD', StringComparison.Ordinal))
            {
                report.InvalidUtf8++;
            }

            report.Returned++;
            yield return new LogFileLine(number, content, fields);
        }
    }
}
