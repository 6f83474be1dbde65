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
        var output = new Option<FileInfo>("--out") { Description = "Verdicts CSV: time,instance,score,verdict,probability,reconstruction_error,evidence,anomaly_score.", Required = true };
        var strict = new Option<bool>("--strict") { Description = "Stop at the first bad record instead of counting and skipping it." };
        var online = new Option<bool>("--online") { Description = "Replay the records in event-time order through the online detector (same verdicts as batch when no record is late)." };
        var lateness = new Option<string>("--lateness") { Description = "With --online: how far behind the newest event time a record may arrive.", DefaultValueFactory = _ => "2m" };
        var incidents = new Option<FileInfo?>("--incidents") { Description = "With --online: also write the incidents (runs of flagged steps, grouped along the call graph) to this CSV." };
        var coolDown = new Option<string>("--cool-down") { Description = "With --incidents: how long after its last flagged step an incident stays open.", DefaultValueFactory = _ => "0s" };
        var rootCauses = new Option<FileInfo?>("--root-causes") { Description = "Also write, for every step with a flagged instance, the root-cause candidates ranked (time,rank,instance,score,affected_callers,flagged_callees,path)." };
        var command = new Command("detect", "Score every instance at every step (that ends a full window) of a telemetry folder.") { model, data, output, strict, online, lateness, incidents, coolDown, rootCauses };
        command.SetGuardedAction(
            async (result, cancellationToken) =>
            {
                var path = OutputFiles.Check(result.GetRequiredValue(output), "--out");
                var incidentFile = result.GetValue(incidents);
                var incidentPath = incidentFile is null ? null : OutputFiles.Check(incidentFile, "--incidents");
                var rootCauseFile = result.GetValue(rootCauses);
                var rootCausePath = rootCauseFile is null ? null : OutputFiles.Check(rootCauseFile, "--root-causes");
                var coolDownValue = Durations.Parse(result.GetValue(coolDown)!);
                var latenessValue = Durations.Parse(result.GetValue(lateness)!);
                using var detector = DetectorFiles.Load(result.GetRequiredValue(model));
                var source = DataFolder.Open(result.GetRequiredValue(data), result.GetValue(strict) ? ReadMode.Strict : ReadMode.Lenient);
                IReadOnlyList<StepVerdicts> steps;
                if (result.GetValue(online))
                {
                    var incidentOptions = new IncidentOptions { CoolDown = coolDownValue };
                    steps = await DetectOnlineAsync(detector, source, latenessValue, incidentPath, incidentOptions, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    steps = (await detector.DetectAsync(source, cancellationToken).ConfigureAwait(false)).Steps;
                }

                var verdicts = steps.SelectMany(s => s.Verdicts).ToList();
                if (rootCausePath is not null)
                {
                    OutputFiles.Write(rootCausePath, "--root-causes", p =>
                    {
                        using var writer = new StreamWriter(p, false, new UTF8Encoding(false));
                        WriteRootCauses(writer, steps);
                    });
                }

                OutputFiles.Write(path, "--out", p =>
                {
                    using var writer = new StreamWriter(p, false, new UTF8Encoding(false));
                    WriteVerdicts(writer, verdicts);
                });

                var flagged = verdicts.Count(v => v.IsAbnormal);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{verdicts.Count} verdicts ({flagged} abnormal) for {verdicts.Select(v => v.Instance).Distinct().Count()} instances → {path}"));
                Console.WriteLine($"read: metrics {source.Report.Metrics}; logs {source.Report.Logs}; spans {source.Report.Spans}");
                foreach (var note in ReadReports.Notes(source.Report))
                {
                    Console.WriteLine(note);
                }

                return 0;
            },
            strict);
        return command;
    }

    /// <summary>Replays the source through an online detector; prints its report and throughput.</summary>
    private static async Task<IReadOnlyList<StepVerdicts>> DetectOnlineAsync(Detector detector, ITelemetrySource source, TimeSpan lateness, string? incidentPath, IncidentOptions incidentOptions, CancellationToken cancellationToken)
    {
        var steps = new List<StepVerdicts>();
        var tracker = new IncidentTracker(incidentOptions);
        var incidents = new List<Incident>();
        using var online = new OnlineDetector(detector, new OnlineDetectorOptions { Lateness = lateness, MaxClockSkew = null, VerdictBufferCapacity = 0 });
        online.StepClosed += (_, e) =>
        {
            if (e.Verdicts.Verdicts.Count > 0)
            {
                steps.Add(e.Verdicts);
            }

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
        if (incidentPath is not null)
        {
            OutputFiles.Write(incidentPath, "--incidents", p =>
            {
                using var writer = new StreamWriter(p, false, new UTF8Encoding(false));
                WriteIncidents(writer, incidents);
            });
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{incidents.Count} incidents in {incidents.Select(i => i.Group).Distinct().Count()} groups ({tracker.Suppressed} suppressed) → {incidentPath}"));
        }

        return steps;
    }

    /// <summary>For every step with a flagged instance, its root-cause candidates in rank order.</summary>
    internal static void WriteRootCauses(TextWriter writer, IEnumerable<StepVerdicts> steps)
    {
        writer.Write("time,rank,instance,score,affected_callers,flagged_callees,path\n");
        foreach (var step in steps)
        {
            foreach (var c in RootCauseRanker.Rank(step))
            {
                writer.Write(step.End.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
                writer.Write(string.Create(CultureInfo.InvariantCulture, $",{c.Rank},"));
                Csv.WriteField(writer, c.Instance);
                writer.Write(string.Create(CultureInfo.InvariantCulture, $",{c.Score:G6},{c.AffectedCallers},{c.FlaggedCallees},"));
                Csv.WriteField(writer, string.Join(" | ", c.Path));
                writer.Write('\n');
            }
        }
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
        WriteVerdictHeader(writer);
        WriteVerdictRows(writer, verdicts);
    }

    internal static void WriteVerdictHeader(TextWriter writer) => writer.Write("time,instance,score,verdict,probability,reconstruction_error,evidence,anomaly_score\n");

    internal static void WriteVerdictRows(TextWriter writer, IReadOnlyList<InstanceVerdict> verdicts)
    {
        foreach (var v in verdicts)
        {
            writer.Write(v.Time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
            writer.Write(',');
            Csv.WriteField(writer, v.Instance);
            writer.Write(string.Create(CultureInfo.InvariantCulture, $",{v.Score:G6},{(v.IsAbnormal ? "abnormal" : "normal")},{v.Probability:G6},{v.Error:G6},"));
            Csv.WriteField(writer, Describe(v.Evidence));
            writer.Write(string.Create(CultureInfo.InvariantCulture, $",{v.AnomalyScore:G6}\n"));
        }
    }

    /// <summary>The most characters of a log template the evidence column shows (TrainTicket has templates of 10,000).</summary>
    internal const int MaxTemplateLength = 120;

    private static string Describe(Evidence e)
    {
        var parts = e.Metrics.Select(m => $"metric {m.Name}")
            .Concat(e.Logs.Select(l => l.Template is null ? l.Feature : $"log {Shorten(l.Template)}"))
            .Concat(e.Edges.Select(x => $"call {x.Caller}->{x.Callee} {x.Feature}"))
            .Concat(e.Attributions.Select(a => a.Kind == MstGad.Methods.AttributionKind.LogTemplate ? $"attention log {Shorten(a.Name)}" : $"attention metric aspect {a.Name}"));
        return string.Join("; ", parts.Take(5));
    }

    internal static string Shorten(string template) =>
        template.Length <= MaxTemplateLength ? template : string.Concat(template.AsSpan(0, MaxTemplateLength - 1), "…");
}
