using System.Globalization;
using System.Text;

namespace MstGad.Cli;

/// <summary>
/// Text helpers of <c>mstgad inject</c> for the Nezha files: one CSV record per physical line (true of every
/// trace, log and metric row of the real day, apart from two corrupted log rows), ISO-8601 and Unix
/// nanosecond times, and the Docker JSON of the log column.
/// </summary>
internal static class NezhaText
{
    /// <summary>Nanoseconds per second.</summary>
    public const long NanosecondsPerSecond = 1_000_000_000L;

    /// <summary>UTF-8 without a byte order mark, as the Nezha files are written.</summary>
    public static readonly Encoding Utf8 = new UTF8Encoding(false);

    /// <summary>
    /// Splits one physical line into its CSV fields (RFC 4180: quoted fields with doubled quotes).
    /// Returns <see langword="false"/> for a line that is not a whole record (an unterminated quote, a
    /// character after a closing quote).
    /// </summary>
    public static bool TrySplit(string line, List<string> fields)
    {
        fields.Clear();
        var field = new StringBuilder();
        var i = 0;
        while (true)
        {
            field.Clear();
            if (i < line.Length && line[i] == '"')
            {
                i++;
                while (true)
                {
                    if (i >= line.Length)
                    {
                        return false;
                    }

                    var c = line[i++];
                    if (c != '"')
                    {
                        field.Append(c);
                    }
                    else if (i < line.Length && line[i] == '"')
                    {
                        field.Append('"');
                        i++;
                    }
                    else
                    {
                        break;
                    }
                }

                if (i < line.Length && line[i] != ',')
                {
                    return false;
                }
            }
            else
            {
                var next = line.IndexOf(',', i);
                var end = next < 0 ? line.Length : next;
                field.Append(line, i, end - i);
                i = end;
            }

            fields.Add(field.ToString());
            if (i >= line.Length)
            {
                return true;
            }

            i++; // the comma
        }
    }

    /// <summary>Writes one record and a <c>\n</c>, quoting the fields that need it.</summary>
    public static void WriteRow(TextWriter writer, IReadOnlyList<string> fields)
    {
        for (var i = 0; i < fields.Count; i++)
        {
            if (i > 0)
            {
                writer.Write(',');
            }

            Csv.WriteField(writer, fields[i]);
        }

        writer.Write('\n');
    }

    /// <summary>The index of a header column, or −1.</summary>
    public static int Column(IReadOnlyList<string> header, string name)
    {
        for (var i = 0; i < header.Count; i++)
        {
            if (header[i] == name)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Parses an ISO-8601 time (<c>2023-01-29T08:48:16.546346267Z</c>, 0–9 fractional digits, <c>Z</c> optional: UTC) to Unix nanoseconds.</summary>
    public static bool TryParseIso(string text, out long unixNanoseconds)
    {
        unixNanoseconds = 0;
        if (text.Length < 19 ||
            !DateTime.TryParseExact(text.AsSpan(0, 19), "yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var seconds))
        {
            return false;
        }

        var rest = text.AsSpan(19);
        if (rest.EndsWith("Z"))
        {
            rest = rest[..^1];
        }

        long fraction = 0;
        if (!rest.IsEmpty)
        {
            if (rest[0] != '.' || rest.Length > 10 || rest.Length < 2)
            {
                return false;
            }

            var digits = rest[1..];
            foreach (var d in digits)
            {
                if (d is < '0' or > '9')
                {
                    return false;
                }

                fraction = (fraction * 10) + (d - '0');
            }

            for (var k = digits.Length; k < 9; k++)
            {
                fraction *= 10;
            }
        }

        unixNanoseconds = ((seconds.Ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerSecond * NanosecondsPerSecond) + fraction;
        return true;
    }

    /// <summary>
    /// Moves an ISO-8601 time by whole seconds, keeping its fractional digits and its <c>Z</c> (or its
    /// absence) as they are; returns the text unchanged when it is not such a time.
    /// </summary>
    public static string ShiftIso(string text, long seconds)
    {
        if (text.Length < 19 ||
            !DateTime.TryParseExact(text.AsSpan(0, 19), "yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var time))
        {
            return text;
        }

        return time.AddSeconds(seconds).ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture) + text[19..];
    }

    /// <summary>Unix nanoseconds as ISO-8601 with nine fractional digits and <c>Z</c>.</summary>
    public static string FormatIso(long unixNanoseconds)
    {
        var seconds = Math.DivRem(unixNanoseconds, NanosecondsPerSecond, out var fraction);
        var time = DateTime.UnixEpoch.AddSeconds(seconds);
        return time.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture) + "." + fraction.ToString("D9", CultureInfo.InvariantCulture) + "Z";
    }

    /// <summary>Moves a Unix-nanosecond text by whole seconds; returns it unchanged when it is not an integer.</summary>
    public static string ShiftUnixNanoseconds(string text, long seconds) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? (value + (seconds * NanosecondsPerSecond)).ToString(CultureInfo.InvariantCulture)
            : text;

    /// <summary>
    /// Moves the times inside a Docker JSON log cell by whole seconds: the clock time at the start of the
    /// <c>log</c> text (<c>HH:MM:SS.mmm</c>, the containers' local clock) and the <c>time</c> field.
    /// Only those characters change; the rest of the cell stays byte for byte.
    /// </summary>
    public static string ShiftDockerLog(string json, long seconds)
    {
        var text = json;
        var clock = ClockStart(text);
        if (clock >= 0 && TryParseClock(text.AsSpan(clock, 12), out var milliseconds))
        {
            var shifted = Mod(milliseconds + (seconds * 1000), 86_400_000L);
            text = string.Concat(text.AsSpan(0, clock), FormatClock(shifted), text.AsSpan(clock + 12));
        }

        var time = text.LastIndexOf("\"time\":\"", StringComparison.Ordinal);
        if (time >= 0)
        {
            var start = time + 8;
            var end = text.IndexOf('"', start);
            if (end > start)
            {
                text = string.Concat(text.AsSpan(0, start), ShiftIso(text[start..end], seconds), text.AsSpan(end));
            }
        }

        return text;
    }

    /// <summary>Replaces the value of the <c>time</c> field of a Docker JSON log cell.</summary>
    public static string SetDockerTime(string json, string iso)
    {
        var time = json.LastIndexOf("\"time\":\"", StringComparison.Ordinal);
        if (time < 0)
        {
            return json;
        }

        var start = time + 8;
        var end = json.IndexOf('"', start);
        return end < start ? json : string.Concat(json.AsSpan(0, start), iso, json.AsSpan(end));
    }

    /// <summary>Where the <c>HH:MM:SS.mmm</c> clock at the start of the <c>log</c> text begins, or −1.</summary>
    public static int ClockStart(string json)
    {
        var log = json.IndexOf("\"log\":\"", StringComparison.Ordinal);
        if (log < 0)
        {
            return -1;
        }

        var start = log + 7;
        return start + 12 <= json.Length && TryParseClock(json.AsSpan(start, 12), out _) ? start : -1;
    }

    /// <summary>Parses <c>HH:MM:SS.mmm</c> to milliseconds of the day.</summary>
    public static bool TryParseClock(ReadOnlySpan<char> text, out long milliseconds)
    {
        milliseconds = 0;
        if (text.Length != 12 || text[2] != ':' || text[5] != ':' || text[8] != '.')
        {
            return false;
        }

        ReadOnlySpan<int> digits = [0, 1, 3, 4, 6, 7, 9, 10, 11];
        foreach (var i in digits)
        {
            if (text[i] is < '0' or > '9')
            {
                return false;
            }
        }

        var hours = Two(text, 0);
        var minutes = Two(text, 3);
        var seconds = Two(text, 6);
        var ms = ((text[9] - '0') * 100) + ((text[10] - '0') * 10) + (text[11] - '0');
        milliseconds = (((((hours * 60L) + minutes) * 60) + seconds) * 1000) + ms;
        return hours < 24 && minutes < 60 && seconds < 60;
    }

    private static int Two(ReadOnlySpan<char> text, int i) => ((text[i] - '0') * 10) + (text[i + 1] - '0');

    /// <summary>Milliseconds of the day as <c>HH:MM:SS.mmm</c>.</summary>
    public static string FormatClock(long milliseconds)
    {
        var ms = Mod(milliseconds, 86_400_000L);
        return string.Create(CultureInfo.InvariantCulture, $"{ms / 3_600_000:00}:{ms / 60_000 % 60:00}:{ms / 1000 % 60:00}.{ms % 1000:000}");
    }

    /// <summary>Unix nanoseconds as a UTC time.</summary>
    public static DateTimeOffset ToTime(long unixNanoseconds) => DateTimeOffset.UnixEpoch.AddTicks(unixNanoseconds / 100);

    /// <summary>A UTC time as Unix nanoseconds.</summary>
    public static long ToUnixNanoseconds(DateTimeOffset time) => (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;

    /// <summary>A non-negative remainder.</summary>
    public static long Mod(long value, long modulus) => ((value % modulus) + modulus) % modulus;
}
