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
        var online = new Option<bool>("--online") { Description = "Replay the records in event-time order through the online detector (same verdicts as batch when no record is late)." };
        var lateness = new Option<string>("--lateness") { Description = "With --online: how far behind the newest event time a record may arrive.", DefaultValueFactory = _ => "2m" };
        var incidents = new Option<FileInfo?>("--incidents") { Description = "With --online: also write the incidents (runs of flagged steps, grouped along the call graph) to this CSV." };
        var coolDown = new Option<string>("--cool-down") { Description = "With --incidents: how long after its last flagged step an incident stays open.", DefaultValueFactory = _ => "0s" };
        var command = new Command("detect", "Score every instance at every step (that ends a full window) of a telemetry folder.") { model, data, output, strict, online, lateness, incidents, coolDown };
        command.SetAction(async (result, cancellationToken) =>
        {
            using var detector = DetectorFiles.Load(result.GetRequiredValue(model));
            if (detector is null)
            {
                return 1;
            }

            var source = TelemetryDirectory.Open(result.GetRequiredValue(data).FullName, result.GetValue(strict) ? ReadMode.Strict : ReadMode.Lenient);
            IReadOnlyList<InstanceVerdict> verdicts;
            if (result.GetValue(online))
            {
                var incidentOptions = new IncidentOptions { CoolDown = Durations.Parse(result.GetValue(coolDown)!) };
                verdicts = await DetectOnlineAsync(detector, source, Durations.Parse(result.GetValue(lateness)!), result.GetValue(incidents), incidentOptions, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                verdicts = (await detector.DetectAsync(source, cancellationToken).ConfigureAwait(false)).Verdicts;
            }

            var path = result.GetRequiredValue(output).FullName;
            using (var writer = new StreamWriter(path, false, new UTF8Encoding(false)))
            {
                WriteVerdicts(writer, verdicts);
            }

            var flagged = verdicts.Count(v => v.IsAbnormal);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{verdicts.Count} verdicts ({flagged} abnormal) for {verdicts.Select(v => v.Instance).Distinct().Count()} instances → {path}"));
            Console.WriteLine($"read: metrics {source.Report.Metrics}; logs {source.Report.Logs}; spans {source.Report.Spans}");
            return 0;
        });
        return command;
    }

    /// <summary>Replays the source through an online detector; prints its report and throughput.</summary>
    private static async Task<IReadOnlyList<InstanceVerdict>> DetectOnlineAsync(Detector detector, ITelemetrySource source, TimeSpan lateness, FileInfo? incidentFile, IncidentOptions incidentOptions, CancellationToken cancellationToken)
    {
        var verdicts = new List<InstanceVerdict>();
        var tracker = new IncidentTracker(incidentOptions);
        var incidents = new List<Incident>();
        using var online = new OnlineDetector(detector, new OnlineDetectorOptions { Lateness = lateness, MaxClockSkew = null, VerdictBufferCapacity = 0 });
        online.StepClosed += (_, e) =>
        {
            verdicts.AddRange(e.Verdicts.Verdicts);
            incidents.AddRange(tracker.Observe(e.Verdicts).Where(x => x.Change == IncidentChange.Closed).Select(x => x.Incident));
        };
        var replay = await online.ReplayAsync(source, cancellationToken).ConfigureAwait(false);
        incidents.AddRange(tracker.Flush().Select(x => x.Incident));
        var scoring = online.Report.ScoringTime;
        var withoutScoring = replay.PushTime - scoring;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"online: {replay.Records} records pushed in event-time order ({replay.Used} used) in {replay.PushTime.TotalSeconds:F1} s: {replay.RecordsPerSecond:F0} records/s with scoring; " +
            $"scoring {scoring.TotalSeconds:F1} s, the rest {withoutScoring.TotalSeconds:F1} s ({replay.Records / withoutScoring.TotalSeconds:F0} records/s)"));
        Console.WriteLine("online report: " + online.Report);
        if (incidentFile is not null)
        {
            using var writer = new StreamWriter(incidentFile.FullName, false, new UTF8Encoding(false));
            WriteIncidents(writer, incidents);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{incidents.Count} incidents in {incidents.Select(i => i.Group).Distinct().Count()} groups ({tracker.Suppressed} suppressed) → {incidentFile.FullName}"));
        }

        return verdicts;
    }

    internal static void WriteIncidents(TextWriter writer, IEnumerable<Incident> incidents)
    {
        writer.Write("id,group,instance,start,end,flagged_steps,peak_score\n");
        foreach (var i in incidents.OrderBy(i => i.Id))
        {
            writer.Write(string.Create(CultureInfo.InvariantCulture, $"{i.Id},{i.Group},"));
            Csv.WriteField(writer, i.Instance);
            writer.Write(string.Create(CultureInfo.InvariantCulture,
                $",{i.Start.UtcDateTime:yyyy-MM-ddTHH:mm:ss.fffZ},{i.End?.UtcDateTime:yyyy-MM-ddTHH:mm:ss.fffZ},{i.FlaggedSteps},{i.PeakScore:G6}\n"));
        }
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
            .Concat(e.Edges.Select(x => $"call {x.Caller}->{x.Callee} {x.Feature}"));
        return string.Join("; ", parts.Take(5));
    }
}
