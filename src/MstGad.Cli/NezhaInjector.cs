using System.Diagnostics;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace MstGad.Cli;

/// <summary>What <c>mstgad inject</c> did.</summary>
internal sealed record InjectionResult(
    NezhaDay Day,
    DonorWindow Donor,
    string Output,
    DateTimeOffset After,
    IReadOnlyList<InjectedFault> Faults,
    IReadOnlyList<InjectedFault> Decoys,
    int KeptOriginalFaults,
    int ReplacedOriginalFaults,
    int TraceFiles,
    int LogFiles,
    int TraceIdFiles,
    int MetricFiles,
    int CopiedFiles,
    bool WroteFaultsCsv,
    TimeSpan Elapsed);

/// <summary>
/// Writes a copy of one day of a Nezha folder with injected faults and their labels (<c>mstgad inject</c>).
/// The source is only read. Every file that no fault touches is copied byte for byte; the fault list, the
/// normalised fault CSV and the metric files of CPU targets are rewritten; each injection window gets new
/// trace, log and trace-id files: a copy of the day's fault-free window moved in time, with new ids, and the
/// fault applied to it.
/// </summary>
internal static partial class NezhaInjector
{
    // Purposes of the random streams: each fault's streams depend only on the seed and the fault's index.
    private const ulong WindowsStream = 1;
    private const ulong KindsStream = 2;
    private const ulong TargetsStream = 3;
    private const ulong ParametersStream = 4;
    private const ulong IdsStream = 5;
    private const ulong DelaysStream = 6;
    private const ulong ErrorsStream = 7;
    private const long Ns = NezhaText.NanosecondsPerSecond;

    /// <summary>Plans and writes the copy.</summary>
    /// <exception cref="ArgumentException">The settings are invalid, or <c>--targets</c> names no candidate.</exception>
    /// <exception cref="IOException">A folder is missing, the output is not empty or is inside the source.</exception>
    /// <exception cref="InvalidDataException">The data is not what the injection needs, or the windows do not fit.</exception>
    public static InjectionResult Run(InjectSettings settings, CancellationToken cancellationToken = default)
    {
        var problems = settings.Problems();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", problems));
        }

        var watch = Stopwatch.StartNew();
        var day = NezhaDay.Open(settings.Data, settings.Date);
        var output = CheckOutput(day.Root, settings.Output);
        var donor = DonorWindow.Load(day.ConstructDay);
        var after = settings.After is { } a ? day.Midnight + a.ToTimeSpan()
            : day.Faults.Count > 0 ? day.Faults[^1].Time + InjectSettings.FaultDuration
            : day.Start;
        var windows = Plan(settings, day, donor, after);
        var faults = windows.Where(w => w.Kind != InjectedKind.Decoy).ToList();
        var decoys = windows.Where(w => w.Kind == InjectedKind.Decoy).ToList();
        var kept = settings.KeepFaults ? day.Faults : [.. day.Faults.Where(f => f.Time < after)];

        var rewritten = new HashSet<string>(StringComparer.Ordinal) { day.FaultListPath, day.FaultsCsvPath };
        var cpuPods = faults.Where(f => f.Kind == InjectedKind.Cpu).Select(f => f.Pod).Distinct().Order(StringComparer.Ordinal).ToList();
        foreach (var pod in cpuPods)
        {
            rewritten.Add(day.MetricFiles[pod]);
        }

        Directory.CreateDirectory(output);
        var copied = CopyTree(day.Root, output, rewritten, cancellationToken);
        var errorServices = faults.Where(f => f.Kind == InjectedKind.ErrorBurst).Select(f => f.Service).Distinct().Order(StringComparer.Ordinal).ToList();
        var shapes = LogShapes.Collect(day, errorServices, cancellationToken);

        var outDay = Path.Combine(output, Path.GetRelativePath(day.Root, day.RcaDay));
        var writeTraceIds = Directory.Exists(Path.Combine(day.RcaDay, "traceid"));
        int traceFiles = 0, logFiles = 0, traceIdFiles = 0;
        foreach (var fault in windows)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (traces, logs) = CopyWindow(settings.Seed, donor, fault);
            var spans = traces.SelectMany(t => t).ToList();
            fault.CopiedSpans = spans.Count;
            fault.CopiedLogs = logs.Count;
            switch (fault.Kind)
            {
                case InjectedKind.NetworkDelay:
                    DelayCalls(settings, donor, spans, fault);
                    break;
                case InjectedKind.ErrorBurst:
                    AddErrorLines(settings, donor, spans, logs, fault, shapes[fault.Service]);
                    break;
            }

            var minutes = new SortedSet<int>();
            foreach (var (minute, _) in WriteTraces(day, outDay, donor, traces, writeTraceIds))
            {
                minutes.Add(minute);
                traceFiles++;
                traceIdFiles += writeTraceIds ? 1 : 0;
            }

            foreach (var minute in WriteLogs(day, outDay, donor, logs))
            {
                minutes.Add(minute);
                logFiles++;
            }

            fault.Files.AddRange(minutes.Select(NezhaDay.MinuteName));
        }

        foreach (var pod in cpuPods)
        {
            var source = day.MetricFiles[pod];
            ShiftMetrics(source, Path.Combine(output, Path.GetRelativePath(day.Root, source)), [.. faults.Where(f => f.Kind == InjectedKind.Cpu && f.Pod == pod)]);
        }

        WriteFaultList(Path.Combine(output, Path.GetRelativePath(day.Root, day.FaultListPath)), kept, faults);
        var wroteCsv = File.Exists(day.FaultsCsvPath);
        if (wroteCsv)
        {
            WriteFaultsCsv(day, Path.Combine(output, Path.GetFileName(day.FaultsCsvPath)), settings.KeepFaults ? null : after, faults);
        }

        WriteManifest(output, settings, day, donor, after, kept.Count, day.Faults.Count - kept.Count, windows);
        return new InjectionResult(day, donor, output, after, faults, decoys, kept.Count, day.Faults.Count - kept.Count,
            traceFiles, logFiles, traceIdFiles, cpuPods.Count, copied, wroteCsv, watch.Elapsed);
    }

    /// <summary>
    /// Chooses the fault windows, their kinds and targets. A window is the fault (<see cref="InjectSettings.FaultDuration"/>
    /// from a whole second) with one minute of copied telemetry before and after it; it lies after
    /// <paramref name="after"/> and inside the metric range, its fault is at least the fault duration plus
    /// <see cref="InjectSettings.Guard"/> away from every original and injected fault, and its telemetry at least
    /// the guard away from every recorded trace or log file.
    /// </summary>
    /// <exception cref="ArgumentException"><c>--targets</c> names no candidate.</exception>
    /// <exception cref="InvalidDataException">Fewer windows fit than asked for, or a kind has no candidate target.</exception>
    internal static IReadOnlyList<InjectedFault> Plan(InjectSettings settings, NezhaDay day, DonorWindow donor, DateTimeOffset after)
    {
        var minute = TimeSpan.FromMinutes(1);
        var d = InjectSettings.FaultDuration;
        var separation = d + InjectSettings.Guard;
        var latest = Min(day.End, day.Midnight + TimeSpan.FromMinutes(1439));
        var first = Max(after, day.Start) + InjectSettings.Lead;
        var m0 = day.Midnight + TimeSpan.FromMinutes(Math.Ceiling((first - day.Midnight).TotalMinutes));

        // A start minute m stands for every fault start in [m, m + 1 min): the checks hold for all of them.
        var candidates = new List<DateTimeOffset>();
        for (var m = m0; m + minute + d + InjectSettings.Tail <= latest; m += minute)
        {
            var free = day.Faults.All(f => m >= f.Time + separation || m + minute <= f.Time - separation) &&
                day.TelemetryMinutes.All(t =>
                {
                    var fileStart = day.Midnight + TimeSpan.FromMinutes(t - 1);
                    var fileEnd = day.Midnight + TimeSpan.FromMinutes(t);
                    return m + minute + d + InjectSettings.Tail <= fileStart - InjectSettings.Guard || m - InjectSettings.Lead >= fileEnd + InjectSettings.Guard;
                });
            if (free)
            {
                candidates.Add(m);
            }
        }

        var wanted = (settings.Count * settings.Kinds.Count) + settings.Decoys;
        var rng = SplitMix64.For(settings.Seed, WindowsStream);
        rng.Shuffle(candidates);
        var chosen = new List<DateTimeOffset>();
        foreach (var m in candidates)
        {
            if (chosen.Count == wanted)
            {
                break;
            }

            if (chosen.All(c => (c - m).Duration() >= separation + minute))
            {
                chosen.Add(m);
            }
        }

        if (chosen.Count < wanted)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                $"Only {chosen.Count} of {wanted} {(settings.Decoys > 0 ? "fault and decoy " : "fault ")}windows fit between {Max(after, day.Start):HH:mm} and {latest:HH:mm} UTC (each needs {Durations.Format(d)} of fault, {Durations.Format(InjectSettings.Lead)} of telemetry before and after it, and {Durations.Format(InjectSettings.Guard)} to every other fault and recorded window); lower --count or choose an earlier --after."));
        }

        chosen.Sort();
        var starts = chosen.Select(m => m + TimeSpan.FromSeconds(rng.Next(60))).ToList();

        var kinds = settings.Kinds.SelectMany(k => Enumerable.Repeat(k, settings.Count)).Concat(Enumerable.Repeat(InjectedKind.Decoy, settings.Decoys)).ToList();
        SplitMix64.For(settings.Seed, KindsStream).Shuffle(kinds);

        var candidatesByKind = Targets(settings, day, donor);
        var used = new Dictionary<string, int>(StringComparer.Ordinal);
        var targets = SplitMix64.For(settings.Seed, TargetsStream);
        var faults = new List<InjectedFault>();
        int faultCount = 0, decoyCount = 0;
        for (var i = 0; i < starts.Count; i++)
        {
            var kind = kinds[i];
            var pod = string.Empty;
            if (kind != InjectedKind.Decoy)
            {
                var pods = candidatesByKind[kind];
                var least = pods.Min(p => used.GetValueOrDefault(p));
                var fewest = pods.Where(p => used.GetValueOrDefault(p) == least).ToList();
                pod = fewest[targets.Next(fewest.Count)];
                used[pod] = used.GetValueOrDefault(pod) + 1;
            }

            var parameters = SplitMix64.For(settings.Seed, ParametersStream, i);
            faults.Add(new InjectedFault
            {
                Id = kind == InjectedKind.Decoy
                    ? string.Create(CultureInfo.InvariantCulture, $"D{++decoyCount:00}")
                    : string.Create(CultureInfo.InvariantCulture, $"I{++faultCount:00}"),
                Index = i,
                Kind = kind,
                Start = starts[i],
                Pod = pod,
                CpuFactor = kind == InjectedKind.Cpu ? parameters.Uniform(settings.CpuFactor.Min, settings.CpuFactor.Max) : 0,
                LatencyFactor = kind == InjectedKind.Cpu ? parameters.Uniform(InjectSettings.LatencyFactor.Min, InjectSettings.LatencyFactor.Max) : 0,
            });
        }

        return faults;
    }

    /// <summary>
    /// The least incoming calls a target has in the donor window: one per minute of the window on average
    /// (3 in the real day's 08:48–08:51 window), so that a delay touches more than a call or two.
    /// </summary>
    internal static int MinimumCalls(DonorWindow donor) => (int)Math.Max(1, Math.Ceiling(donor.LengthSeconds / 60.0));

    /// <summary>
    /// The candidate targets of each kind: pods with at least <see cref="MinimumCalls"/> incoming calls in the
    /// donor window and a metric file; for error bursts also log lines in the donor window (their node and
    /// container are copied from there).
    /// </summary>
    private static Dictionary<InjectedKind, IReadOnlyList<string>> Targets(InjectSettings settings, NezhaDay day, DonorWindow donor)
    {
        var minimum = MinimumCalls(donor);
        var called = donor.IncomingCalls.Where(x => x.Value >= minimum && day.MetricFiles.ContainsKey(x.Key)).Select(x => x.Key).Order(StringComparer.Ordinal).ToList();
        if (settings.Targets.Count > 0)
        {
            foreach (var target in settings.Targets)
            {
                if (!called.Any(p => p == target || NezhaDay.ServiceOf(p) == target))
                {
                    throw new ArgumentException(
                        $"--targets: '{target}' is not a pod or service with {minimum} or more incoming calls in the copied window; the candidates are {string.Join(", ", called.Select(NezhaDay.ServiceOf))}.");
                }
            }

            called = [.. called.Where(p => settings.Targets.Any(t => p == t || NezhaDay.ServiceOf(p) == t))];
        }

        var result = new Dictionary<InjectedKind, IReadOnlyList<string>>();
        foreach (var kind in settings.Kinds)
        {
            List<string> pods = kind == InjectedKind.ErrorBurst ? [.. called.Where(donor.LogPods.ContainsKey)] : called;
            result[kind] = pods.Count > 0
                ? pods
                : throw new InvalidDataException($"No pod can take a {InjectSettings.KindName(kind)} fault: none has {minimum} or more incoming calls{(kind == InjectedKind.ErrorBurst ? " and log lines" : string.Empty)} in '{donor.Folder}'{(settings.Targets.Count > 0 ? " among --targets" : string.Empty)}.");
        }

        return result;
    }

    /// <summary>
    /// Copies the donor window into the fault's telemetry window: copies laid end to end from one minute
    /// before the fault to one minute after it (whole minutes), each moved by whole seconds and with new trace and span ids.
    /// </summary>
    private static (List<List<CopiedSpan>> Traces, List<CopiedLog> Logs) CopyWindow(long seed, DonorWindow donor, InjectedFault fault)
    {
        var start = NezhaText.ToUnixNanoseconds(fault.TelemetryStart);
        var end = NezhaText.ToUnixNanoseconds(fault.TelemetryEnd);
        var baseShift = Math.DivRem(start - donor.Start, Ns, out var remainder) - (remainder < 0 ? 1 : 0);
        var sc = donor.SpanColumns;
        var lc = donor.LogColumns;
        var traceStarts = donor.Traces.Select(t => t.Min(s => s.Start)).ToList();
        var traces = new List<List<CopiedSpan>>();
        var logs = new List<CopiedLog>();
        for (var copy = 0; ; copy++)
        {
            var shift = baseShift + (copy * donor.LengthSeconds);
            if (donor.Start + (shift * Ns) >= end)
            {
                break;
            }

            var ids = new IdMap(SplitMix64.For(seed, IdsStream, fault.Index, copy));
            for (var t = 0; t < donor.Traces.Count; t++)
            {
                if (traceStarts[t] + (shift * Ns) >= end)
                {
                    continue;
                }

                var trace = new List<CopiedSpan>(donor.Traces[t].Count);
                foreach (var span in donor.Traces[t])
                {
                    var fields = (string[])span.Fields.Clone();
                    var copied = new CopiedSpan
                    {
                        Fields = fields,
                        TraceId = ids.Trace(span.TraceId),
                        SpanId = ids.Span(span.SpanId),
                        ParentId = span.ParentId is null ? null : ids.Span(span.ParentId),
                        Pod = span.Pod,
                        Start = span.Start + (shift * Ns),
                        End = span.End + (shift * Ns),
                    };
                    fields[sc.TraceId] = copied.TraceId;
                    fields[sc.SpanId] = copied.SpanId;
                    if (copied.ParentId is not null)
                    {
                        fields[sc.Parent] = copied.ParentId;
                    }

                    fields[sc.Start] = copied.Start.ToString(CultureInfo.InvariantCulture);
                    fields[sc.End] = copied.End.ToString(CultureInfo.InvariantCulture);
                    trace.Add(copied);
                }

                traces.Add(trace);
            }

            foreach (var log in donor.Logs)
            {
                var time = log.Time + (shift * Ns);
                if (time >= end)
                {
                    continue;
                }

                var fields = (string[])log.Fields.Clone();
                fields[lc.Timestamp] = NezhaText.ShiftIso(fields[lc.Timestamp], shift);
                if (lc.UnixNano >= 0)
                {
                    fields[lc.UnixNano] = NezhaText.ShiftUnixNanoseconds(fields[lc.UnixNano], shift);
                }

                var text = fields[lc.Log];
                if (log.TraceId.Length > 0)
                {
                    var id = ids.Trace(log.TraceId);
                    fields[lc.TraceId] = id;
                    text = text.Replace(log.TraceId, id, StringComparison.Ordinal);
                }

                if (log.SpanId.Length > 0)
                {
                    var id = ids.Span(log.SpanId);
                    fields[lc.SpanId] = id;
                    text = text.Replace(log.SpanId, id, StringComparison.Ordinal);
                }

                fields[lc.Log] = NezhaText.ShiftDockerLog(text, shift);
                logs.Add(new CopiedLog(fields, time, logs.Count));
            }
        }

        return (traces, logs);
    }

    /// <summary>
    /// Network delay: every call into the target whose server span starts in the fault window makes the
    /// caller's span (the parent, on another pod) and every span that encloses it in the trace end later by
    /// the call's delay; the target's spans do not change. With <see cref="InjectSettings.DelayOutgoing"/> the
    /// target's own calls to other pods (a span on another pod whose parent, the target's client span, is on the
    /// target) are delayed the same way: the target's client span and its enclosing spans end later, the callee's
    /// spans do not change.
    /// </summary>
    private static void DelayCalls(InjectSettings settings, DonorWindow donor, List<CopiedSpan> spans, InjectedFault fault)
    {
        var byId = spans.ToDictionary(s => (s.TraceId, s.SpanId));
        var rng = SplitMix64.For(settings.Seed, DelaysStream, fault.Index);
        var micros = settings.Delay.Ticks / 10.0;
        long min = long.MaxValue, max = 0;
        var calls = IncomingCalls(spans, byId, fault);
        if (settings.DelayOutgoing)
        {
            calls = calls.Concat(OutgoingCalls(spans, byId, fault));
        }

        foreach (var call in calls.ToList())
        {
            var delay = Math.Max(1, (long)Math.Round(micros * (1 + rng.Uniform(-settings.Jitter, settings.Jitter))));
            min = Math.Min(min, delay);
            max = Math.Max(max, delay);
            fault.DelayedCalls++;
            var caller = byId[(call.TraceId, call.ParentId!)];
            for (var steps = 0; caller is not null && steps <= spans.Count; steps++)
            {
                caller.AddedMicros += delay;
                caller = caller.ParentId is { } parent ? byId.GetValueOrDefault((caller.TraceId, parent)) : null;
            }
        }

        var sc = donor.SpanColumns;
        foreach (var span in spans.Where(s => s.AddedMicros > 0))
        {
            span.End += span.AddedMicros * 1000;
            span.Fields[sc.End] = span.End.ToString(CultureInfo.InvariantCulture);
            if (sc.Duration >= 0 && long.TryParse(span.Fields[sc.Duration], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var duration))
            {
                span.Fields[sc.Duration] = (duration + span.AddedMicros).ToString(CultureInfo.InvariantCulture);
            }

            fault.ChangedSpans++;
        }

        fault.DelayRange = fault.DelayedCalls > 0 ? (min, max) : (0, 0);
    }

    /// <summary>Spans on other pods whose parent is on the target and that start in the fault window, in copy order.</summary>
    private static IEnumerable<CopiedSpan> OutgoingCalls(List<CopiedSpan> spans, Dictionary<(string, string), CopiedSpan> byId, InjectedFault fault)
    {
        var start = NezhaText.ToUnixNanoseconds(fault.Start);
        var end = NezhaText.ToUnixNanoseconds(fault.End);
        return spans.Where(s => s.Pod != fault.Pod && s.ParentId is not null && s.Start >= start && s.Start < end &&
            byId.TryGetValue((s.TraceId, s.ParentId), out var caller) && caller.Pod == fault.Pod);
    }

    /// <summary>The target's spans whose parent is on another pod and that start in the fault window, in copy order.</summary>
    private static IEnumerable<CopiedSpan> IncomingCalls(List<CopiedSpan> spans, Dictionary<(string, string), CopiedSpan> byId, InjectedFault fault)
    {
        var start = NezhaText.ToUnixNanoseconds(fault.Start);
        var end = NezhaText.ToUnixNanoseconds(fault.End);
        return spans.Where(s => s.Pod == fault.Pod && s.ParentId is not null && s.Start >= start && s.Start < end &&
            byId.TryGetValue((s.TraceId, s.ParentId), out var caller) && caller.Pod != fault.Pod);
    }

    /// <summary>
    /// Error burst: a Poisson number of ERROR lines (mean: the rate × the fault's minutes) on the target, each
    /// in one of the target's incoming calls in the window (its trace and span id, a time inside it) or, when it
    /// has none, at a uniform time with new ids; the text is a real ERROR (or WARN) line of the day with
    /// its ids, UUIDs, clock and Docker time replaced.
    /// </summary>
    private static void AddErrorLines(InjectSettings settings, DonorWindow donor, List<CopiedSpan> spans, List<CopiedLog> logs, InjectedFault fault, ShapePool pool)
    {
        var byId = spans.ToDictionary(s => (s.TraceId, s.SpanId));
        var calls = IncomingCalls(spans, byId, fault).ToList();
        var rng = SplitMix64.For(settings.Seed, ErrorsStream, fault.Index);
        var start = NezhaText.ToUnixNanoseconds(fault.Start);
        var end = NezhaText.ToUnixNanoseconds(fault.End);
        var count = rng.Poisson(settings.ErrorRate * InjectSettings.FaultDuration.TotalMinutes);
        var lc = donor.LogColumns;
        var (node, container) = donor.LogPods[fault.Pod];
        for (var i = 0; i < count; i++)
        {
            long time;
            string traceId, spanId;
            if (calls.Count > 0)
            {
                var call = calls[rng.Next(calls.Count)];
                var from = Math.Max(call.Start, start);
                var to = Math.Min(call.End, end);
                time = from + rng.NextInt64(Math.Max(1, to - from));
                (traceId, spanId) = (call.TraceId, call.SpanId);
            }
            else
            {
                time = start + rng.NextInt64(end - start);
                (traceId, spanId) = (rng.Hex(32), rng.Hex(16));
            }

            var shape = pool.Shapes[rng.Next(pool.Shapes.Count)];
            var fields = new string[donor.LogHeader.Count];
            Array.Fill(fields, string.Empty);
            var iso = NezhaText.FormatIso(time);
            fields[lc.Timestamp] = iso;
            SetIf(fields, lc.UnixNano, time.ToString(CultureInfo.InvariantCulture));
            SetIf(fields, lc.Node, node);
            fields[lc.Pod] = fault.Pod;
            SetIf(fields, lc.Container, container);
            SetIf(fields, lc.TraceId, traceId);
            SetIf(fields, lc.SpanId, spanId);
            fields[lc.Log] = ErrorText(shape, time, iso, traceId, spanId, rng);
            logs.Add(new CopiedLog(fields, time, logs.Count));
        }

        fault.ErrorLines = count;
        fault.ShapeSource = pool.Source;
    }

    /// <summary>The Docker JSON of an injected ERROR line: the shape with new ids, UUIDs, clock and time.</summary>
    internal static string ErrorText(LogShape shape, long time, string iso, string traceId, string spanId, SplitMix64 rng)
    {
        var json = shape.Log;
        if (shape.TraceId.Length > 0)
        {
            json = json.Replace(shape.TraceId, traceId, StringComparison.Ordinal);
        }

        if (shape.SpanId.Length > 0)
        {
            json = json.Replace(shape.SpanId, spanId, StringComparison.Ordinal);
        }

        json = Uuid().Replace(json, _ => $"{rng.Hex(8)}-{rng.Hex(4)}-{rng.Hex(4)}-{rng.Hex(4)}-{rng.Hex(12)}");
        var clock = NezhaText.ClockStart(json);
        var shapeClockStart = NezhaText.ClockStart(shape.Log);
        if (clock >= 0 && shapeClockStart >= 0 && NezhaText.TryParseClock(shape.Log.AsSpan(shapeClockStart, 12), out var shapeClock))
        {
            // The containers' clock is local time: keep the shape's offset from UTC (whole hours; UTC+8 in the real day).
            var utc = NezhaText.Mod(shape.Time / 1_000_000, 86_400_000L);
            var hours = Math.Round(NezhaText.Mod(shapeClock - utc, 86_400_000L) / 3_600_000.0) % 24;
            var local = NezhaText.FormatClock((time / 1_000_000) + ((long)hours * 3_600_000));
            var rest = json[(clock + 12)..];
            if (shape.IsWarn)
            {
                rest = rest.StartsWith(" WARN  ", StringComparison.Ordinal) ? " ERROR " + rest[7..]
                    : rest.StartsWith(" WARN ", StringComparison.Ordinal) ? " ERROR " + rest[6..]
                    : rest;
            }

            json = string.Concat(json.AsSpan(0, clock), local, rest);
        }

        return NezhaText.SetDockerTime(json, iso);
    }

    private static void SetIf(string[] fields, int column, string value)
    {
        if (column >= 0)
        {
            fields[column] = value;
        }
    }

    /// <summary>Writes the window's traces into one file per minute (a trace goes to the minute of its first span).</summary>
    private static IEnumerable<(int Minute, int Traces)> WriteTraces(NezhaDay day, string outDay, DonorWindow donor, List<List<CopiedSpan>> traces, bool writeTraceIds)
    {
        var midnight = NezhaText.ToUnixNanoseconds(day.Midnight);
        var ordered = traces.Select((t, i) => (Trace: t, Start: t.Min(s => s.Start), Order: i))
            .OrderBy(x => x.Start).ThenBy(x => x.Order)
            .GroupBy(x => MinuteFile(x.Start, midnight));
        foreach (var group in ordered)
        {
            var path = NewFile(Path.Combine(outDay, "trace", NezhaDay.FileName(group.Key, "trace")));
            using (var writer = new StreamWriter(path, false, NezhaText.Utf8))
            {
                NezhaText.WriteRow(writer, donor.SpanHeader);
                foreach (var (trace, _, _) in group)
                {
                    foreach (var span in trace)
                    {
                        NezhaText.WriteRow(writer, span.Fields);
                    }
                }
            }

            if (writeTraceIds)
            {
                var ids = NewFile(Path.Combine(outDay, "traceid", NezhaDay.FileName(group.Key, "traceid")));
                using var writer = new StreamWriter(ids, false, NezhaText.Utf8);
                foreach (var id in group.Select(x => x.Trace[0].TraceId).Distinct(StringComparer.Ordinal))
                {
                    writer.Write(id);
                    writer.Write('\n');
                }
            }

            yield return (group.Key, group.Count());
        }
    }

    /// <summary>Writes the window's log rows into one file per minute, in time order.</summary>
    private static IEnumerable<int> WriteLogs(NezhaDay day, string outDay, DonorWindow donor, List<CopiedLog> logs)
    {
        var midnight = NezhaText.ToUnixNanoseconds(day.Midnight);
        foreach (var group in logs.OrderBy(l => l.Time).ThenBy(l => l.Order).GroupBy(l => MinuteFile(l.Time, midnight)))
        {
            var path = NewFile(Path.Combine(outDay, "log", NezhaDay.FileName(group.Key, "log")));
            using (var writer = new StreamWriter(path, false, NezhaText.Utf8))
            {
                NezhaText.WriteRow(writer, donor.LogHeader);
                foreach (var log in group)
                {
                    NezhaText.WriteRow(writer, log.Fields);
                }
            }

            yield return group.Key;
        }
    }

    /// <summary>The minute of day whose file holds a record: <c>HH_MM</c> holds the minute before HH:MM.</summary>
    private static int MinuteFile(long time, long midnight) => (int)((time - midnight) / (60 * Ns)) + 1;

    private static string NewFile(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return File.Exists(path)
            ? throw new InvalidOperationException($"'{path}' already exists: an injection window overlaps recorded telemetry.")
            : path;
    }

    /// <summary>
    /// CPU: the target's rows whose minute overlaps the fault window by at least 30 s get CPU usage and rate
    /// + f × the column's median over the file (the rate at most 100 %, the usage scaled with it) and server
    /// latency × the latency factor (NaN stays NaN). Other rows are copied as they are.
    /// </summary>
    internal static void ShiftMetrics(string source, string target, IReadOnlyList<InjectedFault> faults)
    {
        var fields = new List<string>();
        string[] header;
        int timeColumn, usageColumn, rateColumn;
        int[] latencyColumns;
        double usageLevel, rateLevel;
        using (var reader = new StreamReader(source, NezhaText.Utf8))
        {
            var line = reader.ReadLine() ?? throw new InvalidDataException($"{source}: the file is empty.");
            header = NezhaText.TrySplit(line, fields) ? [.. fields] : throw new InvalidDataException($"{source}: the header is not a CSV record.");
            timeColumn = NezhaText.Column(header, "TimeStamp");
            usageColumn = NezhaText.Column(header, "CpuUsage(m)");
            rateColumn = NezhaText.Column(header, "CpuUsageRate(%)");
            latencyColumns = [.. Enumerable.Range(0, header.Length).Where(i => header[i].StartsWith("PodServerLatency", StringComparison.Ordinal))];
            if (timeColumn < 0 || (usageColumn < 0 && rateColumn < 0))
            {
                throw new InvalidDataException($"{source}: a CPU fault needs the columns TimeStamp and CpuUsage(m) or CpuUsageRate(%).");
            }

            var usage = new List<double>();
            var rate = new List<double>();
            while ((line = reader.ReadLine()) is not null)
            {
                if (NezhaText.TrySplit(line, fields) && fields.Count == header.Length)
                {
                    AddFinite(usage, fields, usageColumn);
                    AddFinite(rate, fields, rateColumn);
                }
            }

            usageLevel = Level(usage);
            rateLevel = Level(rate);
        }

        using var input = new StreamReader(source, NezhaText.Utf8);
        using var writer = new StreamWriter(target, false, NezhaText.Utf8);
        string? row;
        var first = true;
        while ((row = input.ReadLine()) is not null)
        {
            if (first || !NezhaText.TrySplit(row, fields) || fields.Count != header.Length ||
                !long.TryParse(fields[timeColumn], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            {
                first = false;
                writer.Write(row);
                writer.Write('\n');
                continue;
            }

            var fault = faults.FirstOrDefault(f => Overlap(seconds, f) >= 30);
            if (fault is null)
            {
                writer.Write(row);
                writer.Write('\n');
                continue;
            }

            double? usage = usageColumn >= 0 && TryParse(fields[usageColumn], out var u) ? u + (fault.CpuFactor * usageLevel) : null;
            double? rate = rateColumn >= 0 && TryParse(fields[rateColumn], out var r) ? r + (fault.CpuFactor * rateLevel) : null;
            if (rate > 100)
            {
                usage *= 100 / rate;
                rate = 100;
            }

            SetNumber(fields, usageColumn, usage);
            SetNumber(fields, rateColumn, rate);
            foreach (var column in latencyColumns)
            {
                if (TryParse(fields[column], out var latency))
                {
                    SetNumber(fields, column, latency * fault.LatencyFactor);
                }
            }

            NezhaText.WriteRow(writer, fields);
            fault.MetricRows++;
        }
    }

    /// <summary>Seconds of the fault inside the minute that a metric row at <paramref name="seconds"/> summarises.</summary>
    private static double Overlap(long seconds, InjectedFault fault)
    {
        var rowEnd = DateTimeOffset.FromUnixTimeSeconds(seconds);
        var from = Max(rowEnd.AddSeconds(-60), fault.Start);
        var to = Min(rowEnd, fault.End);
        return (to - from).TotalSeconds;
    }

    private static void AddFinite(List<double> values, List<string> fields, int column)
    {
        if (column >= 0 && TryParse(fields[column], out var value))
        {
            values.Add(value);
        }
    }

    private static bool TryParse(string text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

    /// <summary>The normal level of a column: its median, or its mean when the median is 0, or 1.</summary>
    private static double Level(List<double> values)
    {
        if (values.Count == 0)
        {
            return 1;
        }

        values.Sort();
        var median = values.Count % 2 == 1 ? values[values.Count / 2] : (values[(values.Count / 2) - 1] + values[values.Count / 2]) / 2;
        return median > 0 ? median : values.Average() is > 0 and var mean ? mean : 1;
    }

    private static void SetNumber(List<string> fields, int column, double? value)
    {
        if (column >= 0 && value is { } v)
        {
            fields[column] = v.ToString("R", CultureInfo.InvariantCulture);
        }
    }

    /// <summary>Writes the fault list in the Nezha format: keyed by hour, the kept original faults and the injected ones in time order.</summary>
    private static void WriteFaultList(string path, IReadOnlyList<OriginalFault> kept, IReadOnlyList<InjectedFault> injected)
    {
        var entries = kept.Select(f => (f.Hour, f.Time, Original: (OriginalFault?)f, Injected: (InjectedFault?)null))
            .Concat(injected.Select(f => (Hour: f.Start.ToString("HH", CultureInfo.InvariantCulture), Time: f.Start, Original: (OriginalFault?)null, Injected: (InjectedFault?)f)))
            .OrderBy(e => e.Hour, StringComparer.Ordinal)
            .ThenBy(e => e.Time)
            .GroupBy(e => e.Hour);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var stream = File.Create(path);
        using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, IndentSize = 4, NewLine = "\n", Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        writer.WriteStartObject();
        foreach (var hour in entries)
        {
            writer.WriteStartArray(hour.Key);
            foreach (var entry in hour)
            {
                if (entry.Original is { } original)
                {
                    original.Json.WriteTo(writer);
                    continue;
                }

                var fault = entry.Injected!;
                writer.WriteStartObject();
                writer.WriteString("inject_time", fault.Start.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
                writer.WriteString("inject_timestamp", fault.Start.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
                writer.WriteString("inject_pod", fault.Pod);
                writer.WriteString("inject_type", InjectSettings.InjectType(fault.Kind));
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    /// <summary>Rewrites <c>faults-&lt;date&gt;.csv</c>: the original rows before <paramref name="after"/> (all when null) as they are, then a row per injected fault.</summary>
    private static void WriteFaultsCsv(NezhaDay day, string path, DateTimeOffset? after, IReadOnlyList<InjectedFault> injected)
    {
        var fields = new List<string>();
        using var reader = new StreamReader(day.FaultsCsvPath, NezhaText.Utf8);
        using var writer = new StreamWriter(path, false, NezhaText.Utf8);
        var headerLine = reader.ReadLine() ?? string.Empty;
        var header = NezhaText.TrySplit(headerLine, fields) ? fields.ToArray() : [];
        writer.Write(headerLine);
        writer.Write('\n');
        var timeColumn = NezhaText.Column(header, "inject_time_utc");
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            var drop = after is { } a && timeColumn >= 0 && NezhaText.TrySplit(line, fields) && fields.Count > timeColumn &&
                NezhaText.TryParseIso(fields[timeColumn], out var ns) && NezhaText.ToTime(ns) >= a;
            if (!drop && line.Length > 0)
            {
                writer.Write(line);
                writer.Write('\n');
            }
        }

        var c = CultureInfo.InvariantCulture;
        foreach (var fault in injected)
        {
            var iso = fault.Start.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", c);
            var unix = fault.Start.ToUnixTimeSeconds().ToString(c);
            var values = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["fault_id"] = $"{day.Date}-{fault.Id}",
                ["source"] = "mstgad inject",
                ["date"] = day.Date,
                ["inject_time_utc"] = iso,
                ["inject_unix_s"] = unix,
                ["inject_timestamp_raw"] = unix,
                ["inject_timestamp_normalised_utc"] = iso,
                ["normalised_minus_inject_time_s"] = "0",
                ["pod"] = fault.Pod,
                ["service"] = fault.Service,
                ["fault_type"] = InjectSettings.InjectType(fault.Kind),
                ["nezha_window_files"] = string.Join(';', fault.Files),
                ["in_slice"] = "0",
                ["observed_onset_note"] = "injected: " + Parameters(fault),
            };
            NezhaText.WriteRow(writer, [.. header.Select(h => values.GetValueOrDefault(h, string.Empty))]);
        }
    }

    /// <summary>The parameters of a fault for people.</summary>
    internal static string Parameters(InjectedFault fault) => fault.Kind switch
    {
        InjectedKind.NetworkDelay => string.Create(CultureInfo.InvariantCulture,
            $"network delay {fault.DelayRange.Min / 1000.0:0.###}-{fault.DelayRange.Max / 1000.0:0.###} ms on {fault.DelayedCalls} call(s) into (or, with --delay-outgoing, out of) the pod"),
        InjectedKind.Cpu => string.Create(CultureInfo.InvariantCulture,
            $"CPU usage and rate + {fault.CpuFactor:0.00} x median, server latency x {fault.LatencyFactor:0.00}"),
        InjectedKind.ErrorBurst => string.Create(CultureInfo.InvariantCulture, $"{fault.ErrorLines} ERROR lines ({fault.ShapeSource})"),
        _ => "no fault: copied telemetry only",
    };

    private static void WriteManifest(string output, InjectSettings settings, NezhaDay day, DonorWindow donor, DateTimeOffset after, int kept, int replaced, IReadOnlyList<InjectedFault> windows)
    {
        var c = CultureInfo.InvariantCulture;
        using (var stream = File.Create(Path.Combine(output, "injected.json")))
        {
            using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, NewLine = "\n", Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
            writer.WriteStartObject();
            writer.WriteNumber("seed", settings.Seed);
            writer.WriteString("date", day.Date);
            writer.WriteString("after", Iso(after));
            writer.WriteNumber("faultDurationSeconds", InjectSettings.FaultDuration.TotalSeconds);
            writer.WriteNumber("keptOriginalFaults", kept);
            writer.WriteNumber("replacedOriginalFaults", replaced);
            writer.WriteString("telemetryCopiedFrom", Path.GetRelativePath(day.Root, donor.Folder).Replace('\\', '/'));
            foreach (var (name, list) in new[] { ("faults", windows.Where(w => w.Kind != InjectedKind.Decoy)), ("decoys", windows.Where(w => w.Kind == InjectedKind.Decoy)) })
            {
                writer.WriteStartArray(name);
                foreach (var f in list)
                {
                    WriteWindow(writer, settings, f);
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
            writer.Flush();
            stream.WriteByte((byte)'\n');
        }

        using var csv = new StreamWriter(Path.Combine(output, "injected.csv"), false, NezhaText.Utf8);
        csv.Write("id,kind,inject_type,start_utc,end_utc,pod,service,telemetry_start_utc,telemetry_end_utc,files,parameters,copied_spans,copied_log_lines,delayed_calls,changed_spans,metric_rows,error_lines\n");
        foreach (var f in windows)
        {
            NezhaText.WriteRow(csv,
            [
                f.Id, InjectSettings.KindName(f.Kind), InjectSettings.InjectType(f.Kind), Iso(f.Start), Iso(f.End), f.Pod, f.Service,
                Iso(f.TelemetryStart), Iso(f.TelemetryEnd), string.Join(';', f.Files), Parameters(f),
                f.CopiedSpans.ToString(c), f.CopiedLogs.ToString(c), f.DelayedCalls.ToString(c), f.ChangedSpans.ToString(c),
                f.MetricRows.ToString(c), f.ErrorLines.ToString(c),
            ]);
        }
    }

    private static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    /// <summary>One fault or decoy window of <c>injected.json</c>.</summary>
    private static void WriteWindow(Utf8JsonWriter writer, InjectSettings settings, InjectedFault f)
    {
        writer.WriteStartObject();
        writer.WriteString("id", f.Id);
        writer.WriteString("kind", InjectSettings.KindName(f.Kind));
        writer.WriteString("injectType", InjectSettings.InjectType(f.Kind));
        writer.WriteString("start", Iso(f.Start));
        writer.WriteString("end", Iso(f.End));
        writer.WriteString("pod", f.Pod);
        writer.WriteString("service", f.Service);
        writer.WriteString("telemetryStart", Iso(f.TelemetryStart));
        writer.WriteString("telemetryEnd", Iso(f.TelemetryEnd));
        writer.WriteStartArray("files");
        foreach (var file in f.Files)
        {
            writer.WriteStringValue(file);
        }

        writer.WriteEndArray();
        writer.WriteStartObject("parameters");
        switch (f.Kind)
        {
            case InjectedKind.NetworkDelay:
                writer.WriteNumber("delayMs", settings.Delay.TotalMilliseconds);
                writer.WriteNumber("jitter", settings.Jitter);
                writer.WriteBoolean("delayOutgoing", settings.DelayOutgoing);
                break;
            case InjectedKind.Cpu:
                writer.WriteNumber("cpuFactor", Math.Round(f.CpuFactor, 4));
                writer.WriteNumber("latencyFactor", Math.Round(f.LatencyFactor, 4));
                break;
            case InjectedKind.ErrorBurst:
                writer.WriteNumber("errorsPerMinute", settings.ErrorRate);
                writer.WriteString("shapes", f.ShapeSource);
                break;
        }

        writer.WriteEndObject();
        writer.WriteStartObject("changes");
        writer.WriteNumber("copiedSpans", f.CopiedSpans);
        writer.WriteNumber("copiedLogLines", f.CopiedLogs);
        writer.WriteNumber("delayedCalls", f.DelayedCalls);
        writer.WriteNumber("changedSpans", f.ChangedSpans);
        writer.WriteNumber("metricRows", f.MetricRows);
        writer.WriteNumber("errorLines", f.ErrorLines);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>The output folder: new or empty, and neither the source nor inside it.</summary>
    private static string CheckOutput(string root, string output)
    {
        var full = Path.GetFullPath(output).TrimEnd(Path.DirectorySeparatorChar);
        var rootFull = root.TrimEnd(Path.DirectorySeparatorChar);
        if (full == rootFull || full.StartsWith(rootFull + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new IOException($"--out '{full}' is inside --data '{rootFull}'; the source is never modified.");
        }

        if (Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any())
        {
            throw new IOException($"The output folder '{full}' is not empty; choose a new or empty folder.");
        }

        if (File.Exists(full))
        {
            throw new IOException($"--out '{full}' is a file; choose a new or empty folder.");
        }

        return full;
    }

    /// <summary>Copies every file of the source tree, byte for byte, except <paramref name="skip"/>.</summary>
    private static int CopyTree(string root, string output, HashSet<string> skip, CancellationToken cancellationToken)
    {
        var count = 0;
        foreach (var folder in Directory.EnumerateDirectories(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            Directory.CreateDirectory(Path.Combine(output, Path.GetRelativePath(root, folder)));
        }

        foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!skip.Contains(file))
            {
                File.Copy(file, Path.Combine(output, Path.GetRelativePath(root, file)));
                count++;
            }
        }

        return count;
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    [GeneratedRegex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")]
    private static partial Regex Uuid();

    /// <summary>A span of a copied window (mutable: the network delay moves its end).</summary>
    private sealed class CopiedSpan
    {
        public required string[] Fields { get; init; }

        public required string TraceId { get; init; }

        public required string SpanId { get; init; }

        public required string? ParentId { get; init; }

        public required string Pod { get; init; }

        public required long Start { get; init; }

        public required long End { get; set; }

        public long AddedMicros { get; set; }
    }

    /// <summary>A log row of a copied window (or an injected one).</summary>
    private sealed record CopiedLog(string[] Fields, long Time, int Order);

    /// <summary>New ids for one copy of the donor window: the same old id always maps to the same new id.</summary>
    private sealed class IdMap(SplitMix64 rng)
    {
        private readonly Dictionary<string, string> _traces = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _spans = new(StringComparer.Ordinal);

        public string Trace(string old) => Map(_traces, old);

        public string Span(string old) => Map(_spans, old);

        private string Map(Dictionary<string, string> map, string old)
        {
            if (!map.TryGetValue(old, out var id))
            {
                map[old] = id = rng.Hex(Math.Max(8, old.Length));
            }

            return id;
        }
    }
}
