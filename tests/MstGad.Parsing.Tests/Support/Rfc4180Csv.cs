using System.Text;

namespace MstGad.Parsing.Tests.Support;

/// <summary>
/// A small RFC 4180 CSV reader for the Loghub ground truth: fields may be quoted, a quoted field may
/// hold commas, line breaks and doubled quotes (<c>""</c>); records end at CRLF or LF.
/// </summary>
internal static class Rfc4180Csv
{
    /// <summary>Reads every record of a CSV text, the header included.</summary>
    public static List<string[]> Parse(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var records = new List<string[]>();
        var fields = new List<string>();
        var field = new StringBuilder();
        var inQuotes = false;
        var fieldStarted = false;
        var recordStarted = false;
        int c;
        while ((c = reader.Read()) >= 0)
        {
            var ch = (char)c;
            if (inQuotes)
            {
                if (ch != '"')
                {
                    field.Append(ch);
                }
                else if (reader.Peek() == '"')
                {
                    reader.Read();
                    field.Append('"');
                }
                else
                {
                    inQuotes = false;
                }

                continue;
            }

            switch (ch)
            {
                case '"' when !fieldStarted:
                    inQuotes = true;
                    fieldStarted = true;
                    recordStarted = true;
                    break;
                case '"':
                    throw new FormatException($"A quote inside an unquoted field, after '{field}'.");
                case ',':
                    fields.Add(field.ToString());
                    field.Clear();
                    fieldStarted = false;
                    recordStarted = true;
                    break;
                case '\r' when reader.Peek() == '\n':
                    break;
                case '\n':
                    fields.Add(field.ToString());
                    records.Add([.. fields]);
                    fields.Clear();
                    field.Clear();
                    fieldStarted = false;
                    recordStarted = false;
                    break;
                default:
                    field.Append(ch);
                    fieldStarted = true;
                    recordStarted = true;
                    break;
            }
        }

        if (inQuotes)
        {
            throw new FormatException("The input ends inside a quoted field.");
        }

        if (recordStarted)
        {
            fields.Add(field.ToString());
            records.Add([.. fields]);
        }

        return records;
    }

    /// <summary>Reads a CSV file with a header and returns the values of one column, in order.</summary>
    public static List<string> ReadColumn(string path, string column)
    {
        using var reader = new StreamReader(path, Encoding.UTF8);
        var records = Parse(reader);
        var index = Array.IndexOf(records[0], column);
        if (index < 0)
        {
            throw new InvalidDataException($"{path} has no column '{column}'.");
        }

        var values = new List<string>(records.Count - 1);
        for (var i = 1; i < records.Count; i++)
        {
            if (records[i].Length != records[0].Length)
            {
                throw new InvalidDataException($"{path}: record {i} has {records[i].Length} fields, the header {records[0].Length}.");
            }

            values.Add(records[i][index]);
        }

        return values;
    }
}
