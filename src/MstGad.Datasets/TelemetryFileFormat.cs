namespace MstGad.Datasets;

/// <summary>The format of the files of a <see cref="FileTelemetrySource"/>.</summary>
public enum TelemetryFileFormat
{
    /// <summary>
    /// Chosen per file from its name: <c>.csv</c> is CSV; <c>.jsonl</c>, <c>.ndjson</c> and <c>.json</c> are
    /// JSON Lines (each optionally followed by <c>.gz</c>).
    /// </summary>
    Auto = 0,

    /// <summary>RFC 4180 CSV with a header row.</summary>
    Csv = 1,

    /// <summary>JSON Lines: one JSON object per line.</summary>
    JsonLines = 2,
}
