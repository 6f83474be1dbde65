using System.Globalization;

namespace MstGad.Cli;

/// <summary>Parses durations such as <c>10s</c>, <c>1m</c>, <c>500ms</c>, <c>2h</c> or <c>00:00:10</c>.</summary>
internal static class Durations
{
    public static TimeSpan Parse(string text)
    {
        var t = text.Trim();
        (string Suffix, double Scale)[] units = [("ms", 1e-3), ("s", 1), ("m", 60), ("min", 60), ("h", 3600)];
        foreach (var (suffix, scale) in units.OrderByDescending(u => u.Suffix.Length))
        {
            if (t.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) &&
                double.TryParse(t[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= 0)
            {
                return TimeSpan.FromSeconds(value * scale);
            }
        }

        if (TimeSpan.TryParse(t, CultureInfo.InvariantCulture, out var span) && span >= TimeSpan.Zero)
        {
            return span;
        }

        throw new FormatException($"'{text}' is not a duration; use for example 10s, 1m, 500ms, 2h or 00:00:10.");
    }

    /// <summary>A duration for people: <c>1 h</c>, <c>1 min</c>, <c>10 s</c>, <c>0.5 s</c>.</summary>
    public static string Format(TimeSpan span) => span switch
    {
        { Ticks: > 0 } when span.Ticks % TimeSpan.TicksPerHour == 0 => string.Create(CultureInfo.InvariantCulture, $"{span.TotalHours:0} h"),
        { Ticks: > 0 } when span.Ticks % TimeSpan.TicksPerMinute == 0 => string.Create(CultureInfo.InvariantCulture, $"{span.TotalMinutes:0} min"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{span.TotalSeconds:0.###} s"),
    };
}
