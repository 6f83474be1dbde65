using System.Text;

namespace MstGad.Cli;

/// <summary>Minimal RFC 4180 CSV helpers (quoted fields, doubled quotes, commas and line breaks in quotes).</summary>
internal static class Csv
{
    /// <summary>Reads all records of a CSV file; the first record is the header.</summary>
    public static IEnumerable<string[]> ReadRecords(TextReader reader, string source)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var lineNumber = 0L;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            var startLine = lineNumber;
            fields.Clear();
            field.Clear();
            var i = 0;
            var quoted = false;
            while (true)
            {
                if (quoted)
                {
                    if (i >= line.Length)
                    {
                        // A line break inside quotes: continue with the next physical line.
                        line = reader.ReadLine() ?? throw new FormatException($"{source}:{startLine}: a quoted field is not closed before the end of the file.");
                        lineNumber++;
                        field.Append('\n');
                        i = 0;
                        continue;
                    }

                    var c = line[i++];
                    if (c == '"')
                    {
                        if (i < line.Length && line[i] == '"')
                        {
                            field.Append('"');
                            i++;
                        }
                        else
                        {
                            quoted = false;
                        }
                    }
                    else
                    {
                        field.Append(c);
                    }

                    continue;
                }

                if (i >= line.Length)
                {
                    fields.Add(field.ToString());
                    break;
                }

                var ch = line[i++];
                if (ch == ',')
                {
                    fields.Add(field.ToString());
                    field.Clear();
                }
                else if (ch == '"' && field.Length == 0)
                {
                    quoted = true;
                }
                else
                {
                    field.Append(ch);
                }
            }

            yield return [.. fields];
        }
    }

    /// <summary>Writes one field, quoting it when needed.</summary>
    public static void WriteField(TextWriter writer, string value)
    {
        if (value.AsSpan().IndexOfAny(",\"\r\n") < 0)
        {
            writer.Write(value);
            return;
        }

        writer.Write('"');
        writer.Write(value.Replace("\"", "\"\"", StringComparison.Ordinal));
        writer.Write('"');
    }

    /// <summary>Writes one <c>LineId,EventId,EventTemplate</c> row of parsed log output.</summary>
    public static void WriteParsedLine(TextWriter writer, long lineId, int templateId, string template)
    {
        writer.Write(lineId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        writer.Write(",T");
        writer.Write(templateId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        writer.Write(',');
        WriteField(writer, template);
        writer.Write('\n');
    }
}
