using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace MstGad.Parsing;

/// <summary>
/// A log line layout such as <c>&lt;Date&gt; &lt;Time&gt; &lt;Level&gt; &lt;Component&gt;: &lt;Content&gt;</c>
/// (the convention of the Loghub benchmark) that splits a raw line into header fields and the content.
/// </summary>
/// <remarks>
/// Each <c>&lt;Name&gt;</c> is a field (lazy <c>.*?</c>); the text between fields is a regular
/// expression in which every run of spaces matches any run of white space, so <c>\[</c> and
/// <c>(\[&lt;PID&gt;\])?</c> work as in the Loghub settings. The pattern is anchored at both ends and
/// applied to the line without leading and trailing white space. A <c>Content</c> field is required.
/// </remarks>
public sealed class LogFormat
{
    /// <summary>The name of the field that holds the message.</summary>
    public const string ContentField = "Content";

    private static readonly Regex FieldPattern = new("(<[^<>]+>)", RegexOptions.CultureInvariant);
    private readonly Regex _regex;
    private readonly int[] _groups;
    private readonly int _contentIndex;

    private LogFormat(string format, Regex regex, string[] fields)
    {
        Format = format;
        _regex = regex;
        Fields = fields;
        _groups = [.. fields.Select(regex.GroupNumberFromName)];
        _contentIndex = Array.IndexOf(fields, ContentField);
    }

    /// <summary>The format text it was created from.</summary>
    public string Format { get; }

    /// <summary>The field names, in order.</summary>
    public IReadOnlyList<string> Fields { get; }

    /// <summary>The regular expression the format compiles to.</summary>
    public string Pattern => _regex.ToString();

    /// <summary>Compiles a format.</summary>
    /// <param name="format">The format, for example <c>&lt;Date&gt; &lt;Time&gt; &lt;Level&gt;: &lt;Content&gt;</c>.</param>
    /// <returns>The compiled format.</returns>
    /// <exception cref="ArgumentException">The format has no <c>&lt;Content&gt;</c> field, repeats or
    /// misnames a field, or its literal parts are not a valid regular expression.</exception>
    public static LogFormat Create(string format)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(format);
        var parts = FieldPattern.Split(format);
        var pattern = new StringBuilder("^");
        var fields = new List<string>();
        for (var i = 0; i < parts.Length; i++)
        {
            if (i % 2 == 0)
            {
                pattern.Append(Regex.Replace(parts[i], " +", @"\s+"));
                continue;
            }

            var name = parts[i][1..^1];
            if (name.Length == 0 || !char.IsAsciiLetter(name[0]) || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                throw new ArgumentException($"Log format '{format}': field name '{name}' must start with a letter and contain only letters, digits and '_'.", nameof(format));
            }

            if (fields.Contains(name))
            {
                throw new ArgumentException($"Log format '{format}': field '{name}' appears twice.", nameof(format));
            }

            fields.Add(name);
            pattern.Append("(?<").Append(name).Append(">.*?)");
        }

        pattern.Append('$');
        if (!fields.Contains(ContentField))
        {
            throw new ArgumentException($"Log format '{format}' has no <{ContentField}> field.", nameof(format));
        }

        Regex regex;
        try
        {
            regex = new Regex(pattern.ToString(), RegexOptions.Compiled | RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture, TimeSpan.FromSeconds(2));
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"Log format '{format}' is not a valid pattern: {ex.Message}", nameof(format), ex);
        }

        return new LogFormat(format, regex, [.. fields]);
    }

    /// <summary>Splits a line into its fields.</summary>
    /// <param name="line">The raw line.</param>
    /// <param name="parsed">The fields, or <see langword="null"/> when the line does not match.</param>
    /// <returns>Whether the line matches the format.</returns>
    public bool TryParse(string line, [NotNullWhen(true)] out LogLine? parsed)
    {
        ArgumentNullException.ThrowIfNull(line);
        parsed = null;
        Match match;
        try
        {
            match = _regex.Match(line.Trim());
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }

        if (!match.Success)
        {
            return false;
        }

        var values = new string[_groups.Length];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = match.Groups[_groups[i]].Value;
        }

        parsed = new LogLine(this, values, _contentIndex);
        return true;
    }

    /// <summary>Splits a line into its fields or throws.</summary>
    /// <param name="line">The raw line.</param>
    /// <param name="lineNumber">The 1-based line number, for the error message.</param>
    /// <param name="source">The file name, for the error message.</param>
    /// <returns>The fields.</returns>
    /// <exception cref="LogFormatException">The line does not match the format.</exception>
    public LogLine Parse(string line, long lineNumber = 0, string? source = null)
    {
        if (TryParse(line, out var parsed))
        {
            return parsed;
        }

        throw new LogFormatException(source, lineNumber, line, Format);
    }
}

/// <summary>A raw log line split by a <see cref="LogFormat"/>.</summary>
public sealed class LogLine
{
    private readonly LogFormat _format;
    private readonly string[] _values;

    internal LogLine(LogFormat format, string[] values, int contentIndex)
    {
        _format = format;
        _values = values;
        Content = values[contentIndex];
    }

    /// <summary>The message content (the <c>&lt;Content&gt;</c> field).</summary>
    public string Content { get; }

    /// <summary>The field values, in the order of <see cref="LogFormat.Fields"/>.</summary>
    public IReadOnlyList<string> Values => _values;

    /// <summary>The value of a field.</summary>
    /// <param name="field">A field name of the format.</param>
    /// <returns>The value (empty when an optional part did not match).</returns>
    /// <exception cref="KeyNotFoundException">The format has no such field.</exception>
    public string this[string field]
    {
        get
        {
            for (var i = 0; i < _format.Fields.Count; i++)
            {
                if (_format.Fields[i] == field)
                {
                    return _values[i];
                }
            }

            throw new KeyNotFoundException($"The log format '{_format.Format}' has no field '{field}'.");
        }
    }
}

/// <summary>A log line that does not match its <see cref="LogFormat"/>.</summary>
public sealed class LogFormatException : FormatException
{
    private const int PreviewLength = 200;

    /// <summary>Creates the exception.</summary>
    /// <param name="source">The file (or other source) name, if known.</param>
    /// <param name="lineNumber">The 1-based line number (0 when unknown).</param>
    /// <param name="line">The offending line.</param>
    /// <param name="format">The format it was expected to match.</param>
    public LogFormatException(string? source, long lineNumber, string line, string format)
        : base(BuildMessage(source, lineNumber, line, format))
    {
        SourceName = source;
        LineNumber = lineNumber;
        Line = line;
        LogFormat = format;
    }

    /// <summary>The file (or other source) name, if known.</summary>
    public string? SourceName { get; }

    /// <summary>The 1-based line number, 0 when unknown.</summary>
    public long LineNumber { get; }

    /// <summary>The whole offending line.</summary>
    public string Line { get; }

    /// <summary>The format the line was expected to match.</summary>
    public string LogFormat { get; }

    internal static string Preview(string line) =>
        line.Length <= PreviewLength ? line : string.Create(CultureInfo.InvariantCulture, $"{line.AsSpan(0, PreviewLength)}… ({line.Length} characters)");

    private static string BuildMessage(string? source, long lineNumber, string line, string format)
    {
        var where = (source, lineNumber) switch
        {
            (not null, > 0) => string.Create(CultureInfo.InvariantCulture, $"{source}:{lineNumber}: "),
            (null, > 0) => string.Create(CultureInfo.InvariantCulture, $"line {lineNumber}: "),
            (not null, _) => source + ": ",
            _ => string.Empty,
        };
        return $"{where}the line does not match the log format '{format}': '{Preview(line)}'";
    }
}
