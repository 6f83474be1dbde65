using System.Buffers.Text;

namespace MstGad.Datasets.Text;

/// <summary>Allocation-free, culture-independent parsing of the time formats the readers accept (UTF-8 input).</summary>
internal static class Utf8Time
{
    private static readonly long MaxUnixSeconds = (DateTimeOffset.MaxValue - DateTimeOffset.UnixEpoch).Ticks / TimeSpan.TicksPerSecond;
    private static readonly long MinUnixSeconds = (DateTimeOffset.MinValue - DateTimeOffset.UnixEpoch).Ticks / TimeSpan.TicksPerSecond;

    /// <summary>
    /// Parses ISO-8601 <c>yyyy-MM-dd[T| ]HH:mm[:ss[.f…]][Z|±HH:mm|±HHmm|±HH]</c> with up to nine fractional
    /// digits (digits beyond the seventh, below 100 ns, are dropped); without an offset the time is UTC.
    /// </summary>
    /// <param name="text">The text.</param>
    /// <param name="value">The time, converted to UTC (offset zero).</param>
    /// <returns>Whether the text is such a time.</returns>
    public static bool TryParseIso(ReadOnlySpan<byte> text, out DateTimeOffset value)
    {
        value = default;
        if (!TryParseDateTime(text, out var ticks, out var consumed))
        {
            return false;
        }

        var rest = text[consumed..];
        long offsetTicks = 0;
        if (rest.Length > 0)
        {
            if (rest.Length == 1 && (rest[0] == (byte)'Z' || rest[0] == (byte)'z'))
            {
                rest = default;
            }
            else if (!TryParseOffset(rest, allowColon: true, out offsetTicks, out var used) || used != rest.Length)
            {
                return false;
            }
        }

        return TryCreate(ticks - offsetTicks, out value);
    }

    /// <summary>
    /// Parses Go's <c>time.Time.String()</c> form, <c>2023-01-29 08:41:09.104907624 +0000 UTC m=+0.181069486</c>:
    /// the date-time, a space, a numeric offset <c>±hhmm</c>; anything after the offset (zone name,
    /// monotonic clock reading) is ignored. A bare ISO-8601 time is accepted too.
    /// </summary>
    /// <param name="text">The text.</param>
    /// <param name="value">The time, converted to UTC.</param>
    /// <returns>Whether the text is such a time.</returns>
    public static bool TryParseGoTime(ReadOnlySpan<byte> text, out DateTimeOffset value)
    {
        value = default;
        if (!TryParseDateTime(text, out var ticks, out var consumed))
        {
            return false;
        }

        var rest = text[consumed..];
        if (rest.Length == 0)
        {
            return TryCreate(ticks, out value);
        }

        if (rest[0] != (byte)' ')
        {
            return TryParseIso(text, out value);
        }

        rest = rest[1..];
        if (!TryParseOffset(rest, allowColon: false, out var offsetTicks, out var used) || used != 5 || (used < rest.Length && rest[used] != (byte)' '))
        {
            return false;
        }

        return TryCreate(ticks - offsetTicks, out value);
    }

    /// <summary>Parses Unix epoch seconds with an optional sign and decimals (<c>1674981669.5</c>), exact to 100 ns.</summary>
    /// <param name="text">The text.</param>
    /// <param name="value">The time (UTC).</param>
    /// <returns>Whether the text is such a number.</returns>
    public static bool TryParseUnixSeconds(ReadOnlySpan<byte> text, out DateTimeOffset value)
    {
        value = default;
        if (!TryParseFixedPoint(text, out var ticks))
        {
            return false;
        }

        return TryCreate(DateTimeOffset.UnixEpoch.Ticks + ticks, out value);
    }

    /// <summary>Parses an ISO-8601 time or Unix epoch seconds.</summary>
    /// <param name="text">The text.</param>
    /// <param name="value">The time (UTC).</param>
    /// <returns>Whether the text is either.</returns>
    public static bool TryParseIsoOrUnixSeconds(ReadOnlySpan<byte> text, out DateTimeOffset value) =>
        text.Length >= 10 && text[4] == (byte)'-' ? TryParseIso(text, out value) : TryParseUnixSeconds(text, out value);

    /// <summary>Parses a decimal number of seconds (<c>-12.25</c>) into ticks, exact to 100 ns.</summary>
    /// <param name="text">The text.</param>
    /// <param name="ticks">The value in ticks.</param>
    /// <returns>Whether the text is such a number within range.</returns>
    public static bool TryParseSecondsAsTicks(ReadOnlySpan<byte> text, out long ticks) => TryParseFixedPoint(text, out ticks);

    /// <summary>Converts Unix epoch nanoseconds to a UTC time (truncated to 100 ns).</summary>
    /// <param name="nanoseconds">The nanoseconds since 1970-01-01T00:00:00Z.</param>
    /// <returns>The time.</returns>
    public static DateTimeOffset FromUnixNanoseconds(long nanoseconds) =>
        new(DateTimeOffset.UnixEpoch.Ticks + (nanoseconds / 100), TimeSpan.Zero);

    private static bool TryCreate(long ticks, out DateTimeOffset value)
    {
        if (ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks)
        {
            value = default;
            return false;
        }

        value = new DateTimeOffset(ticks, TimeSpan.Zero);
        return true;
    }

    private static bool TryParseFixedPoint(ReadOnlySpan<byte> text, out long ticks)
    {
        ticks = 0;
        var i = 0;
        var negative = false;
        if (i < text.Length && (text[i] == (byte)'-' || text[i] == (byte)'+'))
        {
            negative = text[i] == (byte)'-';
            i++;
        }

        var intStart = i;
        long seconds = 0;
        while (i < text.Length && IsDigit(text[i]))
        {
            if (seconds > MaxUnixSeconds)
            {
                return false;
            }

            seconds = (seconds * 10) + (text[i] - '0');
            i++;
        }

        var intDigits = i - intStart;
        long fraction = 0;
        var fractionDigits = 0;
        if (i < text.Length && text[i] == (byte)'.')
        {
            i++;
            while (i < text.Length && IsDigit(text[i]))
            {
                if (fractionDigits < 7)
                {
                    fraction = (fraction * 10) + (text[i] - '0');
                }

                fractionDigits++;
                i++;
            }
        }

        if (i != text.Length || (intDigits == 0 && fractionDigits == 0) || (negative ? -seconds < MinUnixSeconds : seconds > MaxUnixSeconds))
        {
            return false;
        }

        for (var d = fractionDigits; d < 7; d++)
        {
            fraction *= 10;
        }

        ticks = (seconds * TimeSpan.TicksPerSecond) + fraction;
        if (negative)
        {
            ticks = -ticks;
        }

        return true;
    }

    // yyyy-MM-dd[T|t| ]HH:mm[:ss[.fffffffff]] → ticks of that date-time (no offset applied).
    private static bool TryParseDateTime(ReadOnlySpan<byte> text, out long ticks, out int consumed)
    {
        ticks = 0;
        consumed = 0;
        if (text.Length < 16
            || !TryDigits(text, 0, 4, out var year)
            || text[4] != (byte)'-'
            || !TryDigits(text, 5, 2, out var month)
            || text[7] != (byte)'-'
            || !TryDigits(text, 8, 2, out var day)
            || (text[10] != (byte)'T' && text[10] != (byte)'t' && text[10] != (byte)' ')
            || !TryDigits(text, 11, 2, out var hour)
            || text[13] != (byte)':'
            || !TryDigits(text, 14, 2, out var minute))
        {
            return false;
        }

        var i = 16;
        var second = 0;
        long fraction = 0;
        if (i < text.Length && text[i] == (byte)':')
        {
            if (!TryDigits(text, i + 1, 2, out second))
            {
                return false;
            }

            i += 3;
            if (i < text.Length && (text[i] == (byte)'.' || text[i] == (byte)','))
            {
                i++;
                var digits = 0;
                while (i < text.Length && IsDigit(text[i]))
                {
                    if (digits < 7)
                    {
                        fraction = (fraction * 10) + (text[i] - '0');
                    }

                    digits++;
                    i++;
                }

                if (digits == 0)
                {
                    return false;
                }

                for (; digits < 7; digits++)
                {
                    fraction *= 10;
                }
            }
        }

        if (year < 1 || month < 1 || month > 12 || day < 1 || day > DateTime.DaysInMonth(year, month)
            || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        ticks = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Unspecified).Ticks + fraction;
        consumed = i;
        return true;
    }

    // ±HH:mm, ±HHmm or ±HH.
    private static bool TryParseOffset(ReadOnlySpan<byte> text, bool allowColon, out long offsetTicks, out int consumed)
    {
        offsetTicks = 0;
        consumed = 0;
        if (text.Length < 3 || (text[0] != (byte)'+' && text[0] != (byte)'-') || !TryDigits(text, 1, 2, out var hours))
        {
            return false;
        }

        var i = 3;
        var minutes = 0;
        if (allowColon && i < text.Length && text[i] == (byte)':')
        {
            if (!TryDigits(text, i + 1, 2, out minutes))
            {
                return false;
            }

            i += 3;
        }
        else if (i + 1 < text.Length && IsDigit(text[i]))
        {
            if (!TryDigits(text, i, 2, out minutes))
            {
                return false;
            }

            i += 2;
        }

        if (hours > 14 || minutes > 59)
        {
            return false;
        }

        offsetTicks = ((hours * 60L) + minutes) * TimeSpan.TicksPerMinute;
        if (text[0] == (byte)'-')
        {
            offsetTicks = -offsetTicks;
        }

        consumed = i;
        return true;
    }

    private static bool TryDigits(ReadOnlySpan<byte> text, int start, int count, out int value)
    {
        value = 0;
        if (start + count > text.Length)
        {
            return false;
        }

        for (var i = start; i < start + count; i++)
        {
            if (!IsDigit(text[i]))
            {
                return false;
            }

            value = (value * 10) + (text[i] - '0');
        }

        return true;
    }

    private static bool IsDigit(byte b) => (uint)(b - '0') <= 9;

    /// <summary>Parses a whole span as a signed 64-bit integer.</summary>
    /// <param name="text">The text.</param>
    /// <param name="value">The number.</param>
    /// <returns>Whether the whole text is such a number.</returns>
    public static bool TryParseInt64(ReadOnlySpan<byte> text, out long value) =>
        Utf8Parser.TryParse(text, out value, out var used) && used == text.Length;
}
