namespace MstGad.Features;

/// <summary>Log levels counted as node features, in column order.</summary>
public static class LogLevels
{
    /// <summary>The level names; <c>OTHER</c> takes unknown or missing levels.</summary>
    public static IReadOnlyList<string> Names { get; } = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL", "OTHER"];

    /// <summary>The column of a level name (case-insensitive; WARNING = WARN, CRITICAL = FATAL).</summary>
    /// <param name="level">The level, or <see langword="null"/>.</param>
    /// <returns>The index into <see cref="Names"/>.</returns>
    public static int IndexOf(string? level)
    {
        if (level is null)
        {
            return 6;
        }

        var span = level.AsSpan().Trim();
        return span switch
        {
            _ when span.Equals("INFO", StringComparison.OrdinalIgnoreCase) => 2,
            _ when span.Equals("WARN", StringComparison.OrdinalIgnoreCase) || span.Equals("WARNING", StringComparison.OrdinalIgnoreCase) => 3,
            _ when span.Equals("ERROR", StringComparison.OrdinalIgnoreCase) => 4,
            _ when span.Equals("DEBUG", StringComparison.OrdinalIgnoreCase) => 1,
            _ when span.Equals("TRACE", StringComparison.OrdinalIgnoreCase) => 0,
            _ when span.Equals("FATAL", StringComparison.OrdinalIgnoreCase) || span.Equals("CRITICAL", StringComparison.OrdinalIgnoreCase) => 5,
            _ => 6,
        };
    }

    /// <summary>
    /// The level of an OpenTelemetry log severity number (1–4 TRACE, 5–8 DEBUG, 9–12 INFO, 13–16 WARN, 17–20 ERROR,
    /// 21–24 FATAL).
    /// </summary>
    /// <param name="severityNumber">OTLP's <c>severity_number</c>.</param>
    /// <returns>The level name, or <see langword="null"/> for 0 (unspecified) and numbers out of range.</returns>
    public static string? FromOtlpSeverity(int severityNumber) => severityNumber switch
    {
        >= 1 and <= 4 => "TRACE",
        >= 5 and <= 8 => "DEBUG",
        >= 9 and <= 12 => "INFO",
        >= 13 and <= 16 => "WARN",
        >= 17 and <= 20 => "ERROR",
        >= 21 and <= 24 => "FATAL",
        _ => null,
    };

    /// <summary>The OpenTelemetry severity number of a level (the first of its range; 0, unspecified, for OTHER).</summary>
    /// <param name="level">The level, or <see langword="null"/>.</param>
    /// <returns>1, 5, 9, 13, 17, 21 or 0.</returns>
    public static int ToOtlpSeverity(string? level) => IndexOf(level) is var index and < 6 ? 1 + (4 * index) : 0;
}
