using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using MstGad.Parsing;

namespace MstGad.Cli;

/// <summary><c>mstgad loghub</c>: the Loghub 2k log parsing benchmark with the standard Drain settings.</summary>
internal static class LoghubCommand
{
    private static readonly JsonSerializerOptions IndentedJson = new() { WriteIndented = true };

    public static Command Create()
    {
        var data = new Option<DirectoryInfo>("--data")
        {
            Description = "The loghub_2k folder (with drain-benchmark.json and one folder per system).",
            DefaultValueFactory = _ => new DirectoryInfo(Path.Combine("..", "shared", "data", "loghub_2k")),
        };
        var output = new Option<DirectoryInfo>("--out")
        {
            Description = "Where to write <System>_2k.log_structured.csv and loghub-summary.json.",
            Required = true,
        };
        var settings = new Option<FileInfo?>("--settings")
        {
            Description = "Drain settings per system (default: <data>/drain-benchmark.json).",
        };
        var systems = new Option<string[]>("--system")
        {
            Description = "Only these systems (repeatable). Default: all in the settings file.",
            AllowMultipleArgumentsPerToken = true,
        };
        var check = new Option<bool>("--check")
        {
            Description = "Exit with code 1 when a system falls more than 0.01 below its reference accuracy.",
        };

        var command = new Command("loghub", "Parse the 16 Loghub 2k systems with Drain and report grouping accuracy.")
        {
            data, output, settings, systems, check,
        };
        command.SetGuardedAction(result => Run(
            result.GetRequiredValue(data),
            result.GetRequiredValue(output),
            result.GetValue(settings),
            result.GetValue(systems) ?? [],
            result.GetValue(check)));
        return command;
    }

    internal static int Run(DirectoryInfo data, DirectoryInfo output, FileInfo? settingsFile, string[] only, bool check)
    {
        var settingsPath = settingsFile?.FullName ?? Path.Combine(data.FullName, "drain-benchmark.json");
        if (!File.Exists(settingsPath))
        {
            Console.Error.WriteLine($"error: settings file not found: {settingsPath}");
            return 2;
        }

        using var json = JsonDocument.Parse(File.ReadAllText(settingsPath));
        var datasets = json.RootElement.GetProperty("datasets");
        json.RootElement.TryGetProperty("referenceGroupingAccuracy", out var references);
        output.Create();

        var rows = new List<SystemResult>();
        foreach (var dataset in datasets.EnumerateObject())
        {
            if (only.Length > 0 && !only.Contains(dataset.Name, StringComparer.OrdinalIgnoreCase))
            {
                continue;
            }

            double? reference = references.ValueKind == JsonValueKind.Object && references.TryGetProperty(dataset.Name, out var r) ? r.GetDouble() : null;
            rows.Add(RunSystem(data.FullName, output.FullName, dataset.Name, dataset.Value, reference));
        }

        if (rows.Count == 0)
        {
            Console.Error.WriteLine("error: no system selected.");
            return 2;
        }

        Console.WriteLine($"{"System",-12} {"lines",6} {"skipped",7} {"templates",9} {"accuracy",8} {"reference",9} {"delta",7}  ms");
        foreach (var row in rows)
        {
            var reference = row.Reference is { } v ? v.ToString("0.0000", CultureInfo.InvariantCulture) : "-";
            var delta = row.Reference is { } d ? (row.Accuracy - d).ToString("+0.0000;-0.0000;0.0000", CultureInfo.InvariantCulture) : "-";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{row.System,-12} {row.Lines,6} {row.Skipped,7} {row.Templates,9} {row.Accuracy,8:0.0000} {reference,9} {delta,7}  {row.Milliseconds:0}"));
        }

        var average = rows.Average(r => r.Accuracy);
        var referenceAverage = rows.All(r => r.Reference.HasValue) ? rows.Average(r => r.Reference!.Value) : (double?)null;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{"Average",-12} {rows.Sum(r => r.Lines),6} {rows.Sum(r => r.Skipped),7} {rows.Sum(r => r.Templates),9} {average,8:0.0000} {referenceAverage,9:0.0000}"));

        var failing = rows.Where(r => r.Reference is { } v && r.Accuracy < v - 0.01).Select(r => r.System).ToList();
        Console.WriteLine(failing.Count == 0
            ? "Every system is within 0.01 of (or above) its reference accuracy."
            : "Below reference - 0.01: " + string.Join(", ", failing));

        var summary = new
        {
            average,
            referenceAverage,
            systems = rows.Select(r => new { system = r.System, lines = r.Lines, skipped = r.Skipped, templates = r.Templates, accuracy = r.Accuracy, reference = r.Reference }),
        };
        File.WriteAllText(Path.Combine(output.FullName, "loghub-summary.json"), JsonSerializer.Serialize(summary, IndentedJson));
        return check && failing.Count > 0 ? 1 : 0;
    }

    private static SystemResult RunSystem(string dataRoot, string outputRoot, string system, JsonElement setting, double? reference)
    {
        var stopwatch = Stopwatch.StartNew();
        var format = LogFormat.Create(setting.GetProperty("logFormat").GetString()!);
        var options = new DrainOptions
        {
            SimilarityThreshold = setting.GetProperty("st").GetDouble(),
            Depth = setting.GetProperty("depth").GetInt32(),
        };
        foreach (var regex in setting.GetProperty("regex").EnumerateArray())
        {
            options.Masks.Add(new MaskingRule(regex.GetString()!));
        }

        var parser = new DrainParser(options);
        var logPath = Path.Combine(dataRoot, system, $"{system}_2k.log");
        var reader = new LogFileReader(format, lenient: true);
        var lineIds = new List<long>();
        var templateIds = new List<int>();
        foreach (var line in reader.Read(logPath))
        {
            lineIds.Add(line.LineNumber);
            templateIds.Add(parser.Parse(line.Content).TemplateId);
        }

        var report = reader.Report;
        foreach (var example in report.Examples)
        {
            Console.Error.WriteLine($"warning: skipped (does not match the format): {example}");
        }

        // Final templates (Drain generalises templates as it goes; the benchmark scores the end state).
        var texts = parser.Templates.ToDictionary(t => t.Id, t => t.Text);
        var outPath = Path.Combine(outputRoot, $"{system}_2k.log_structured.csv");
        using (var writer = new StreamWriter(outPath, false, new UTF8Encoding(false)))
        {
            writer.Write("LineId,EventId,EventTemplate\n");
            for (var i = 0; i < lineIds.Count; i++)
            {
                Csv.WriteParsedLine(writer, lineIds[i], templateIds[i], texts[templateIds[i]]);
            }
        }

        var accuracy = Score(Path.Combine(dataRoot, system, $"{system}_2k.log_structured.csv"), lineIds, templateIds);
        return new SystemResult(system, report.Lines, report.SkippedEmpty + report.SkippedMismatched, parser.TemplateCount, accuracy, reference, stopwatch.Elapsed.TotalMilliseconds);
    }

    private static double Score(string truthPath, List<long> lineIds, List<int> templateIds)
    {
        using var reader = LogFileReader.OpenText(truthPath);
        using var records = Csv.ReadRecords(reader, truthPath).GetEnumerator();
        if (!records.MoveNext())
        {
            throw new FormatException($"{truthPath}: empty file.");
        }

        var header = records.Current;
        var lineColumn = Array.IndexOf(header, "LineId");
        var eventColumn = Array.IndexOf(header, "EventId");
        if (lineColumn < 0 || eventColumn < 0)
        {
            throw new FormatException($"{truthPath}: the header has no LineId or EventId column.");
        }

        var truthByLine = new Dictionary<long, string>();
        while (records.MoveNext())
        {
            var record = records.Current;
            truthByLine[long.Parse(record[lineColumn], CultureInfo.InvariantCulture)] = record[eventColumn];
        }

        // Lines we skipped count as wrongly parsed: score over the whole ground truth.
        var parsedByLine = new Dictionary<long, string>();
        for (var i = 0; i < lineIds.Count; i++)
        {
            parsedByLine[lineIds[i]] = "T" + templateIds[i].ToString(CultureInfo.InvariantCulture);
        }

        var truth = new List<string>();
        var parsed = new List<string>();
        foreach (var (lineId, eventId) in truthByLine)
        {
            truth.Add(eventId);
            parsed.Add(parsedByLine.TryGetValue(lineId, out var p) ? p : "missing:" + lineId.ToString(CultureInfo.InvariantCulture));
        }

        return GroupingAccuracy.Compute(truth, parsed);
    }

    private sealed record SystemResult(string System, long Lines, long Skipped, int Templates, double Accuracy, double? Reference, double Milliseconds);
}
