using System.CommandLine;
using System.Globalization;
using System.Text;
using MstGad.Datasets;
using MstGad.Features;

namespace MstGad.Cli;

/// <summary><c>mstgad detect</c>: score a telemetry folder with a trained detector.</summary>
internal static class DetectCommand
{
    public static Command Create()
    {
        var model = new Option<FileInfo>("--model") { Description = "A detector saved by mstgad train.", Required = true };
        var data = new Option<DirectoryInfo>("--data") { Description = "The telemetry folder to score.", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "Verdicts CSV: time,instance,score,verdict,probability,reconstruction_error,evidence.", Required = true };
        var strict = new Option<bool>("--strict") { Description = "Stop at the first bad record instead of counting and skipping it." };
        var command = new Command("detect", "Score every instance at every step (that ends a full window) of a telemetry folder.") { model, data, output, strict };
        command.SetAction(async (result, cancellationToken) =>
        {
            using var detector = DetectorFiles.Load(result.GetRequiredValue(model));
            if (detector is null)
            {
                return 1;
            }

            var source = TelemetryDirectory.Open(result.GetRequiredValue(data).FullName, result.GetValue(strict) ? ReadMode.Strict : ReadMode.Lenient);
            var detection = await detector.DetectAsync(source, cancellationToken).ConfigureAwait(false);
            var path = result.GetRequiredValue(output).FullName;
            using (var writer = new StreamWriter(path, false, new UTF8Encoding(false)))
            {
                WriteVerdicts(writer, detection.Verdicts);
            }

            var flagged = detection.Verdicts.Count(v => v.IsAbnormal);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{detection.Verdicts.Count} verdicts ({flagged} abnormal) for {detection.Verdicts.Select(v => v.Instance).Distinct().Count()} instances → {path}"));
            Console.WriteLine($"read: metrics {source.Report.Metrics}; logs {source.Report.Logs}; spans {source.Report.Spans}");
            return 0;
        });
        return command;
    }

    internal static void WriteVerdicts(TextWriter writer, IReadOnlyList<InstanceVerdict> verdicts)
    {
        writer.Write("time,instance,score,verdict,probability,reconstruction_error,evidence\n");
        foreach (var v in verdicts)
        {
            writer.Write(v.Time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
            writer.Write(',');
            Csv.WriteField(writer, v.Instance);
            writer.Write(string.Create(CultureInfo.InvariantCulture, $",{v.Score:G6},{(v.IsAbnormal ? "abnormal" : "normal")},{v.Probability:G6},{v.ReconstructionError:G6},"));
            Csv.WriteField(writer, Describe(v.Evidence));
            writer.Write('\n');
        }
    }

    private static string Describe(Evidence e)
    {
        var parts = e.Metrics.Select(m => $"metric {m.Name}")
            .Concat(e.Logs.Select(l => l.Template is null ? l.Feature : $"log {l.Template}"))
            .Concat(e.Edges.Select(x => $"call {x.Caller}->{x.Callee}"));
        return string.Join("; ", parts.Take(5));
    }
}
