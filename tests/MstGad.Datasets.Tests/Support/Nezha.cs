namespace MstGad.Datasets.Tests.Support;

/// <summary>Paths of the real Nezha TrainTicket day and a builder of small Nezha-layout folders.</summary>
internal static class Nezha
{
    public const string Date = "2023-01-29";

    public static string Root => SharedData.PathOf("nezha-trainticket");

    public static string Rca(params string[] parts) => Path.Combine([Root, "rca_data", Date, .. parts]);

    public static string Construct(params string[] parts) => Path.Combine([Root, "construct_data", Date, .. parts]);

    /// <summary>The relative path of a file of a kind (metric, trace, log) in a layout.</summary>
    public static string InRca(string kind, string name) => Path.Combine("rca_data", Date, kind, name);

    /// <summary>Data rows of a file whose records are one line each (all real Nezha files): lines − header.</summary>
    public static long CountDataLines(string path) => File.ReadLines(path).Count(l => l.Length > 0) - 1;

    public const string MetricHeader =
        "Time,TimeStamp,PodName,CpuUsage(m),CpuUsageRate(%),MemoryUsage(Mi)";

    public const string TraceHeader =
        "TraceID,SpanID,ParentID,PodName,OperationName,StartTimeUnixNano,EndTimeUnixNano,Duration";

    public const string LogHeader = "Timestamp,TimeUnixNano,Node,PodName,Container,TraceID,SpanID,Log";

    /// <summary>A log row with the given Timestamp and Log cell (the cell is quoted here).</summary>
    public static string LogRow(string timestamp, string logCell) =>
        $"{timestamp},1674981742383150913,33.33.33.116,ts-travel-service-64469b5b48-25zj6,server,ffc8ca7e4c8f06c75142c880d5595d96,439bc949a9eeb0cc,\"{logCell.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";

    /// <summary>
    /// A service dependency list as the Nezha study publishes beside the metric files (<c>dependency.csv</c>):
    /// not telemetry.
    /// </summary>
    public const string DependencyCsv =
        "Source,Target,Weight\nfrontend,cartservice,12\nfrontend,currencyservice,7\ncheckoutservice,cartservice,3\n";

    /// <summary>
    /// A latency table per caller_callee pair, one row per minute, as the Nezha study publishes beside the
    /// metric files (<c>source_50.csv</c>, <c>destination_50.csv</c>): not telemetry of a known kind.
    /// </summary>
    public const string PairLatencyCsv =
        "time,timestamp,frontend_cartservice,frontend_currencyservice,checkoutservice_cartservice\n" +
        "2023-01-29 08:41:00,1674981660,0.012,0.004,0.009\n" +
        "2023-01-29 08:42:00,1674981720,0.015,0.005,0.008\n";

    /// <summary>The header and the first <paramref name="rows"/> data rows of a real metric file.</summary>
    public static string TrimmedMetricFile(string name, int rows) =>
        string.Join('\n', File.ReadLines(Rca("metric", name)).Take(rows + 1)) + "\n";

    /// <summary>A Docker JSON log cell.</summary>
    public static string DockerJson(string text) =>
        "{\"log\":\"" + text.Replace("\n", "\\n", StringComparison.Ordinal) + "\",\"stream\":\"stdout\",\"time\":\"2023-01-29T08:42:22.383150913Z\"}";
}
