using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;

namespace MstGad.Parsing.Tests.Support;

/// <summary>The Drain settings of one Loghub system, from <c>loghub_2k/drain-benchmark.json</c>.</summary>
internal sealed record LoghubSystem(string Name, string LogFormat, IReadOnlyList<string> Regex, double St, int Depth, double ReferenceAccuracy)
{
    /// <summary>The Drain options of the benchmark: every regex masks to <c>&lt;*&gt;</c>.</summary>
    public DrainOptions CreateOptions()
    {
        var options = new DrainOptions { SimilarityThreshold = St, Depth = Depth };
        foreach (var pattern in Regex)
        {
            options.Masks.Add(new MaskingRule(pattern, "*"));
        }

        return options;
    }

    public string LogPath => SharedData.PathOf("loghub_2k", Name, Name + "_2k.log");

    public string StructuredPath => SharedData.PathOf("loghub_2k", Name, Name + "_2k.log_structured.csv");

    public override string ToString() => Name;
}

/// <summary>Reads the Loghub 2k benchmark (settings, ground truth) and runs Drain on it, caching results.</summary>
internal static class Loghub
{
    private static readonly Lazy<Benchmark> Settings = new(ReadBenchmark);
    private static readonly ConcurrentDictionary<string, double> Accuracies = new();
    private static readonly ConcurrentDictionary<string, IReadOnlyList<string>> Columns = new();

    public static IReadOnlyList<LoghubSystem> Systems => Settings.Value.Systems;

    public static double ReferenceAverage => Settings.Value.ReferenceAverage;

    public static LoghubSystem System(string name) => Systems.Single(s => s.Name == name);

    /// <summary>Formats a number for a test message.</summary>
    public static string F(double value) => value.ToString("0.0000", CultureInfo.InvariantCulture);

    /// <summary>One column of <c>&lt;name&gt;_2k.log_structured.csv</c>, cached.</summary>
    public static IReadOnlyList<string> StructuredColumn(string name, string column) =>
        Columns.GetOrAdd(name + "/" + column, _ => Rfc4180Csv.ReadColumn(System(name).StructuredPath, column));

    /// <summary>Parses the raw log with the system's format and Drain settings and scores it against EventId.</summary>
    public static double GroupingAccuracyOf(string name) => Accuracies.GetOrAdd(name, Compute);

    private static double Compute(string name)
    {
        var system = System(name);
        var format = MstGad.Parsing.LogFormat.Create(system.LogFormat);
        var parser = new DrainParser(system.CreateOptions());
        var reader = new LogFileReader(format);
        var ids = new List<int>();
        foreach (var line in reader.Read(system.LogPath))
        {
            ids.Add(parser.Parse(line.Content).TemplateId);
        }

        return GroupingAccuracy.Compute(StructuredColumn(name, "EventId"), ids);
    }

    private static Benchmark ReadBenchmark()
    {
        using var stream = File.OpenRead(SharedData.PathOf("loghub_2k", "drain-benchmark.json"));
        using var document = JsonDocument.Parse(stream);
        var root = document.RootElement;
        var reference = root.GetProperty("referenceGroupingAccuracy");
        var systems = new List<LoghubSystem>();
        foreach (var dataset in root.GetProperty("datasets").EnumerateObject())
        {
            var settings = dataset.Value;
            systems.Add(new LoghubSystem(
                dataset.Name,
                settings.GetProperty("logFormat").GetString()!,
                [.. settings.GetProperty("regex").EnumerateArray().Select(r => r.GetString()!)],
                settings.GetProperty("st").GetDouble(),
                settings.GetProperty("depth").GetInt32(),
                reference.GetProperty(dataset.Name).GetDouble()));
        }

        return new Benchmark(systems, root.GetProperty("referenceAverage").GetDouble());
    }

    private sealed record Benchmark(IReadOnlyList<LoghubSystem> Systems, double ReferenceAverage);
}
