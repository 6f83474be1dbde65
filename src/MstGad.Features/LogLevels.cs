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
}
