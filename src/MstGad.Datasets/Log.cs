using Microsoft.Extensions.Logging;

namespace MstGad.Datasets;

/// <summary>The log messages of this assembly (event ids 3000–3099).</summary>
internal static partial class Log
{
    /// <summary>The logger category.</summary>
    public const string Category = "MstGad.Datasets";

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Skipped {Count} {Kind} rows or values in {File}: {Reasons}")]
    public static partial void SkippedInFile(ILogger logger, long count, string kind, string file, string reasons);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Debug, Message = "Reading {Kind} from {File}")]
    public static partial void ReadingFile(ILogger logger, string kind, string file);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "Skipped {File} when reading {Kind}s: {Reason}")]
    public static partial void SkippedFile(ILogger logger, string file, string kind, string reason);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "Ignored the text column {Column} of {File}: its values are not numbers")]
    public static partial void IgnoredColumn(ILogger logger, string column, string file);
}
