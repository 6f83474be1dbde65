using System.Text.Json;

namespace MstGad.Datasets.Text;

/// <summary>Reads Docker's JSON log lines (<c>{"log":"…\n","stream":"stdout","time":"…"}</c>) and splits their text.</summary>
internal static class DockerLog
{
    /// <summary>The outcome of <see cref="TryReadLogText"/>.</summary>
    public enum Status
    {
        /// <summary>The <c>log</c> text was read.</summary>
        Ok,

        /// <summary>The cell is not valid JSON.</summary>
        InvalidJson,

        /// <summary>The JSON is not an object with a <c>log</c> string.</summary>
        MissingLog,
    }

    /// <summary>
    /// Validates the whole JSON object and copies the unescaped UTF-8 <c>log</c> string into
    /// <paramref name="scratch"/> (grown when needed).
    /// </summary>
    public static Status TryReadLogText(ReadOnlySpan<byte> json, ref byte[] scratch, out int length, out JsonException? error)
    {
        length = 0;
        error = null;
        var found = false;
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                if (reader.TokenType != JsonTokenType.None)
                {
                    reader.Skip();
                    while (reader.Read())
                    {
                        // Reading to the end validates the rest.
                    }
                }

                return Status.MissingLog;
            }

            while (reader.Read())
            {
                if (reader.TokenType != JsonTokenType.PropertyName)
                {
                    continue; // the closing brace; a trailing value would throw on the next read
                }

                var isLog = reader.CurrentDepth == 1 && reader.ValueTextEquals("log"u8);
                reader.Read();
                if (isLog && reader.TokenType == JsonTokenType.String)
                {
                    var raw = reader.HasValueSequence ? (int)reader.ValueSequence.Length : reader.ValueSpan.Length;
                    if (scratch.Length < raw)
                    {
                        scratch = new byte[Math.Max(raw, scratch.Length * 2)];
                    }

                    length = reader.CopyString(scratch);
                    found = true;
                }
                else
                {
                    reader.Skip();
                }
            }
        }
        catch (JsonException e)
        {
            error = e;
            return Status.InvalidJson;
        }

        return found ? Status.Ok : Status.MissingLog;
    }

    /// <summary>
    /// Splits a log text <c>HH:mm:ss[.fff] LEVEL  rest</c>: the trailing line break is removed; when the text
    /// starts with a clock time followed by an upper-case level token, <paramref name="level"/> is that token and
    /// <paramref name="message"/> the rest (leading spaces removed); otherwise the level is empty and the message
    /// the whole text.
    /// </summary>
    public static void Split(ReadOnlySpan<byte> text, out ReadOnlySpan<byte> level, out ReadOnlySpan<byte> message)
    {
        while (text.Length > 0 && (text[^1] == (byte)'\n' || text[^1] == (byte)'\r'))
        {
            text = text[..^1];
        }

        level = default;
        message = text;
        if (text.Length < 10 || !IsDigit(text[0]) || !IsDigit(text[1]) || text[2] != (byte)':' || !IsDigit(text[3])
            || !IsDigit(text[4]) || text[5] != (byte)':' || !IsDigit(text[6]) || !IsDigit(text[7]))
        {
            return;
        }

        var i = 8;
        if (text[i] == (byte)'.' || text[i] == (byte)',')
        {
            i++;
            while (i < text.Length && IsDigit(text[i]))
            {
                i++;
            }
        }

        var spaces = i;
        while (i < text.Length && (text[i] == (byte)' ' || text[i] == (byte)'\t'))
        {
            i++;
        }

        if (i == spaces)
        {
            return;
        }

        var levelStart = i;
        while (i < text.Length && (uint)(text[i] - 'A') <= 'Z' - 'A')
        {
            i++;
        }

        if (i == levelStart || (i < text.Length && text[i] != (byte)' ' && text[i] != (byte)'\t'))
        {
            return;
        }

        level = text[levelStart..i];
        while (i < text.Length && (text[i] == (byte)' ' || text[i] == (byte)'\t'))
        {
            i++;
        }

        message = text[i..];
    }

    private static bool IsDigit(byte b) => (uint)(b - '0') <= 9;
}
