using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using MstGad.Datasets;
using MstGad.Features;

namespace MstGad.Cli.Tests;

/// <summary>
/// <c>mstgad inject</c> on a small copy of real files of the TrainTicket day (../shared/data): the fault list,
/// the metric files of four pods with incoming calls, one original fault window (15:42) and the fault-free
/// window of construct_data that every injection window copies.
/// </summary>
[TestFixture]
public sealed class InjectCommandTests
{
    private const string Date = "2023-01-29";
    private const string Day = "rca_data/" + Date;
    private static readonly string[] Pods =
    [
        "ts-basic-service-5dc8d4f9fd-46997",
        "ts-config-service-5fcd447d84-wxwjd",
        "ts-order-service-5b67c48447-mv5hb",
        "ts-seat-service-5c95b49cff-tdsdz",
    ];

    private TempDirectory _source = null!;

    [OneTimeSetUp]
    public void CopyRealFiles()
    {
        _source = new TempDirectory();
        var real = SharedData.PathOf("nezha-trainticket");
        string[] files =
        [
            "LICENSE",
            $"faults-{Date}.csv",
            $"{Day}/{Date}-fault_list.json",
            $"{Day}/metric/front_service.csv",
            .. Pods.Select(p => $"{Day}/metric/{p}_metric.csv"),
            $"{Day}/trace/15_42_trace.csv",
            $"{Day}/log/15_42_log.csv",
            $"{Day}/traceid/15_42_traceid.csv",
            $"construct_data/{Date}/trace/08_50_trace.csv",
            $"construct_data/{Date}/log/08_50_log.csv",
        ];
        foreach (var file in files)
        {
            _source.Copy(Path.Combine(real, file), file);
        }
    }

    [OneTimeTearDown]
    public void DeleteCopy() => _source.Dispose();

    [Test]
    public void Inject_NetworkDelay_CallersAndTheSpansEnclosingThemEndLaterByTheDelayAndTargetSpansDoNotChange()
    {
        // The same seed and count with another kind copies the same telemetry into the same windows for the
        // same targets, untouched: the baseline.
        using var delayedOut = new TempDirectory();
        using var plainOut = new TempDirectory();
        var delayed = Inject(delayedOut, InjectedKind.NetworkDelay, seed: 3, jitter: 0);
        var plain = Inject(plainOut, InjectedKind.Cpu, seed: 3);
        Assert.That(delayed.Faults.Select(f => (f.Start, f.Pod)), Is.EqualTo(plain.Faults.Select(f => (f.Start, f.Pod))));

        foreach (var fault in delayed.Faults)
        {
            var after = ReadSpans(delayedOut, fault);
            var before = ReadSpans(plainOut, fault);
            var expected = ExpectedDelays(before, fault, 200_000);
            var onTarget = before.Where(s => s.Value[3] == fault.Pod).Select(s => s.Key).ToList();
            Assert.Multiple(() =>
            {
                Assert.That(after.Keys, Is.EquivalentTo(before.Keys));
                Assert.That(expected.Calls, Is.GreaterThan(0).And.EqualTo(fault.DelayedCalls));
                Assert.That(expected.Added, Has.Count.EqualTo(fault.ChangedSpans));
                Assert.That(onTarget.Where(expected.Added.ContainsKey), Is.Empty);
                Assert.That(onTarget.Select(k => after[k]), Is.EqualTo(onTarget.Select(k => before[k])));
                foreach (var (key, row) in before)
                {
                    var added = expected.Added.GetValueOrDefault(key);
                    var changed = (string[])row.Clone();
                    changed[6] = (long.Parse(row[6], CultureInfo.InvariantCulture) + (added * 1000)).ToString(CultureInfo.InvariantCulture);
                    changed[7] = (long.Parse(row[7], CultureInfo.InvariantCulture) + added).ToString(CultureInfo.InvariantCulture);
                    Assert.That(after[key], Is.EqualTo(changed), $"span {key}");
                }
            });
        }
    }

    [Test]
    public void Inject_NetworkDelayOutgoing_AlsoDelaysTheTargetsOwnCallsAndNoCalleeSpanChanges()
    {
        // With --delay-outgoing a call from the target (a span on another pod whose parent is on the target) is delayed
        // too: the target's client span and every span enclosing it end later; the callee's spans do not change.
        using var delayedOut = new TempDirectory();
        using var plainOut = new TempDirectory();
        var delayed = NezhaInjector.Run(Settings(delayedOut, [InjectedKind.NetworkDelay], 3, 0) with { DelayOutgoing = true });
        var plain = Inject(plainOut, InjectedKind.Cpu, seed: 3);
        Assert.That(delayed.Faults.Select(f => (f.Start, f.Pod)), Is.EqualTo(plain.Faults.Select(f => (f.Start, f.Pod))));

        var outgoingSeen = 0;
        foreach (var fault in delayed.Faults)
        {
            var after = ReadSpans(delayedOut, fault);
            var before = ReadSpans(plainOut, fault);
            var incoming = ExpectedDelays(before, fault, 200_000);
            var outgoing = ExpectedDelays(before, fault, 200_000, outgoing: true);
            outgoingSeen += outgoing.Calls;
            var added = new Dictionary<(string, string), long>(incoming.Added);
            foreach (var (key, micros) in outgoing.Added)
            {
                added[key] = added.GetValueOrDefault(key) + micros;
            }

            Assert.Multiple(() =>
            {
                Assert.That(incoming.Calls + outgoing.Calls, Is.EqualTo(fault.DelayedCalls));
                Assert.That(added, Has.Count.EqualTo(fault.ChangedSpans));
                foreach (var (key, row) in before)
                {
                    var extra = added.GetValueOrDefault(key);
                    var changed = (string[])row.Clone();
                    changed[6] = (long.Parse(row[6], CultureInfo.InvariantCulture) + (extra * 1000)).ToString(CultureInfo.InvariantCulture);
                    changed[7] = (long.Parse(row[7], CultureInfo.InvariantCulture) + extra).ToString(CultureInfo.InvariantCulture);
                    Assert.That(after[key], Is.EqualTo(changed), $"span {key}");
                }
            });
        }

        Assert.That(outgoingSeen, Is.GreaterThan(0), "some target calls another pod in its window");
    }

    [Test]
    public void Inject_NetworkDelayWithJitter_EachCallsDelayIsWithinTheJitter()
    {
        using var output = new TempDirectory();

        var result = Inject(output, InjectedKind.NetworkDelay, seed: 4, jitter: 0.25);

        Assert.That(result.Faults.Select(f => f.DelayRange), Has.All.Matches<(long Min, long Max)>(r => r.Min >= 150_000 && r.Max <= 250_000 && r.Min < r.Max));
    }

    [Test]
    public void Inject_Cpu_ChangesOnlyTheTargetsMetricRowsInTheFaultWindow()
    {
        using var output = new TempDirectory();

        var result = Inject(output, InjectedKind.Cpu, seed: 5);

        var targets = result.Faults.Select(f => f.Pod).ToHashSet();
        foreach (var pod in Pods.Where(p => !targets.Contains(p)))
        {
            var path = $"{Day}/metric/{pod}_metric.csv";
            Assert.That(File.ReadAllBytes(output.File(path)), Is.EqualTo(File.ReadAllBytes(_source.File(path))), pod);
        }

        Assert.That(File.ReadAllBytes(output.File($"{Day}/metric/front_service.csv")), Is.EqualTo(File.ReadAllBytes(_source.File($"{Day}/metric/front_service.csv"))));
        foreach (var fault in result.Faults)
        {
            var path = $"{Day}/metric/{fault.Pod}_metric.csv";
            var before = File.ReadAllLines(_source.File(path));
            var after = File.ReadAllLines(output.File(path));
            var header = before[0].Split(',');
            var window = Enumerable.Range(1, before.Length - 1)
                .Where(i => CoversFault(long.Parse(before[i].Split(',')[1], CultureInfo.InvariantCulture), fault))
                .ToList();
            var changed = Enumerable.Range(0, before.Length).Where(i => before[i] != after[i]).ToList();
            Assert.Multiple(() =>
            {
                Assert.That(after, Has.Length.EqualTo(before.Length));
                Assert.That(window, Has.Count.EqualTo(3));
                Assert.That(changed, Is.EqualTo(window));
                Assert.That(fault.MetricRows, Is.EqualTo(3));
                foreach (var i in window)
                {
                    var was = before[i].Split(',');
                    var now = after[i].Split(',');
                    for (var c = 0; c < header.Length; c++)
                    {
                        var column = header[c];
                        if (column is "CpuUsage(m)" or "CpuUsageRate(%)")
                        {
                            Assert.That(Number(now[c]), Is.GreaterThan(Number(was[c]) * 1.5), $"{column} at {was[0]}");
                        }
                        else if (column.StartsWith("PodServerLatency", StringComparison.Ordinal) && was[c] != "NaN")
                        {
                            Assert.That(Number(now[c]), Is.EqualTo(Number(was[c]) * fault.LatencyFactor).Within(1e-9), $"{column} at {was[0]}");
                        }
                        else
                        {
                            Assert.That(now[c], Is.EqualTo(was[c]), $"{column} at {was[0]}");
                        }
                    }
                }
            });
        }
    }

    [Test]
    public async Task Inject_ErrorBurst_AddsErrorLinesOnlyForTheTargetInTheFaultWindowThatTheReaderReads()
    {
        using var burstOut = new TempDirectory();
        using var plainOut = new TempDirectory();
        var burst = Inject(burstOut, InjectedKind.ErrorBurst, seed: 6);
        var plain = Inject(plainOut, InjectedKind.Cpu, seed: 6);
        Assert.That(burst.Faults.Select(f => (f.Start, f.Pod)), Is.EqualTo(plain.Faults.Select(f => (f.Start, f.Pod))));

        foreach (var fault in burst.Faults)
        {
            var extra = ReadLogLines(burstOut, fault);
            var baseline = ReadLogLines(plainOut, fault);
            foreach (var line in baseline)
            {
                Assert.That(extra.Remove(line), Is.True, "every copied line is still there");
            }

            var start = NezhaText.ToUnixNanoseconds(fault.Start);
            var end = NezhaText.ToUnixNanoseconds(fault.End);
            Assert.Multiple(() =>
            {
                Assert.That(extra, Has.Count.GreaterThan(20).And.Count.EqualTo(fault.ErrorLines));
                foreach (var line in extra)
                {
                    var fields = new List<string>();
                    Assert.That(NezhaText.TrySplit(line, fields), Is.True, line);
                    Assert.That(fields, Has.Count.EqualTo(8));
                    var (timestamp, unixNano, pod, traceId, spanId) = (fields[0], fields[1], fields[3], fields[5], fields[6]);
                    Assert.That(NezhaText.TryParseIso(timestamp, out var ns), Is.True, timestamp);
                    Assert.That(ns, Is.InRange(start, end - 1), timestamp);
                    Assert.That(unixNano, Is.EqualTo(ns.ToString(CultureInfo.InvariantCulture)));
                    Assert.That(pod, Is.EqualTo(fault.Pod));
                    using var json = JsonDocument.Parse(fields[7]);
                    var text = json.RootElement.GetProperty("log").GetString()!;
                    var local = NezhaText.FormatClock((ns / 1_000_000) + (8 * 3_600_000));
                    Assert.That(text, Does.StartWith(local + " ERROR "));
                    Assert.That(text, Does.Contain($"TraceID: {traceId} SpanID: {spanId}").Or.Not.Contain("TraceID:"));
                    Assert.That(text, Does.EndWith("\n"));
                    Assert.That(json.RootElement.GetProperty("stream").GetString(), Is.EqualTo("stdout"));
                    Assert.That(json.RootElement.GetProperty("time").GetString(), Is.EqualTo(timestamp));
                }
            });
        }

        var reader = new NezhaDataset(burstOut.Path, new NezhaDatasetOptions { Mode = ReadMode.Strict });
        var errors = 0;
        await foreach (var record in reader.ReadLogsAsync())
        {
            errors += burst.Faults.Any(f => record.Instance == f.Pod && record.Time >= f.Start && record.Time < f.End) && record.Level == "ERROR" ? 1 : 0;
        }

        Assert.Multiple(() =>
        {
            Assert.That(reader.Report.Logs.SkippedTotal, Is.Zero);
            Assert.That(reader.Report.Logs.Records, Is.EqualTo(reader.Report.Logs.Rows));
            Assert.That(errors, Is.GreaterThanOrEqualTo(burst.Faults.Sum(f => f.ErrorLines)));
        });
    }

    [Test]
    public async Task Inject_After_ReplacesTheLaterOriginalFaultsAndTheReaderReadsTheLabels()
    {
        using var output = new TempDirectory();

        var result = NezhaInjector.Run(Settings(output, InjectSettings.AllKinds, seed: 7) with { Count = 1, After = new TimeOnly(12, 0) });

        var reader = new NezhaDataset(output.Path);
        var labels = new List<FaultLabel>();
        await foreach (var label in reader.ReadFaultsAsync())
        {
            labels.Add(label);
        }

        var noon = new DateTimeOffset(2023, 1, 29, 12, 0, 0, TimeSpan.Zero);
        var injected = labels.Where(l => l.Type is "network_delay" or "cpu_contention" or "error_burst" && l.Start >= noon).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(reader.Report.Faults.SkippedTotal, Is.Zero);
            Assert.That((result.KeptOriginalFaults, result.ReplacedOriginalFaults), Is.EqualTo((24, 4)));
            Assert.That(labels.Count(l => l.Start < noon), Is.EqualTo(24));
            Assert.That(labels, Has.Count.EqualTo(27));
            Assert.That(injected.Select(l => (l.Target, l.Start, l.Duration, l.Type)),
                Is.EquivalentTo(result.Faults.Select(f => (f.Pod, f.Start, TimeSpan.FromMinutes(3), InjectSettings.InjectType(f.Kind)))));
            Assert.That(result.Faults.Select(f => f.Kind), Is.EquivalentTo(InjectSettings.AllKinds));
        });
    }

    [Test]
    public void Inject_Windows_AreAfterTheLimitAwayFromEveryOtherFaultAndRecordedWindowAndInsideTheDay()
    {
        using var output = new TempDirectory();

        var result = NezhaInjector.Run(Settings(output, InjectSettings.AllKinds, seed: 8) with { Count = 3, Decoys = 2, After = new TimeOnly(10, 0) });

        var windows = result.Faults.Concat(result.Decoys).ToList();
        var originals = result.Day.Faults.Select(f => f.Time).ToList();
        var recorded = new[] { 15 * 60 + 42, 8 * 60 + 50 }.Select(m => result.Day.Midnight.AddMinutes(m)).ToList();
        var apart = TimeSpan.FromMinutes(8);
        Assert.Multiple(() =>
        {
            Assert.That(result.Faults, Has.Count.EqualTo(9));
            Assert.That(result.Decoys, Has.Count.EqualTo(2));
            Assert.That(result.Faults.Select(f => f.Start), Is.Ordered);
            foreach (var f in windows)
            {
                Assert.That(f.TelemetryStart, Is.GreaterThanOrEqualTo(result.After), f.Id);
                Assert.That(f.TelemetryEnd, Is.LessThanOrEqualTo(result.Day.End), f.Id);
                Assert.That(f.Start.Millisecond + f.Start.Microsecond, Is.Zero, f.Id);
                Assert.That(new[] { f.TelemetryStart, f.TelemetryEnd }.Select(t => t.UtcTicks % TimeSpan.TicksPerMinute), Has.All.Zero, f.Id + ": whole minutes of copied traffic");
                Assert.That(f.TelemetryStart, Is.LessThanOrEqualTo(f.Start.AddMinutes(-1)).And.GreaterThan(f.Start.AddMinutes(-2)), f.Id);
                Assert.That(f.TelemetryEnd, Is.GreaterThanOrEqualTo(f.End.AddMinutes(1)).And.LessThan(f.End.AddMinutes(2)), f.Id);
                Assert.That(originals.Select(t => (t - f.Start).Duration()), Has.All.GreaterThanOrEqualTo(apart), f.Id);
                Assert.That(windows.Where(o => o != f).Select(o => (o.Start - f.Start).Duration()), Has.All.GreaterThanOrEqualTo(apart), f.Id);
                Assert.That(recorded, Has.All.Matches<DateTimeOffset>(m => f.TelemetryEnd <= m.AddMinutes(-6) || f.TelemetryStart >= m.AddMinutes(5)), f.Id);
                Assert.That(f.Pod, f.Kind == InjectedKind.Decoy ? Is.Empty : Is.AnyOf(Pods), f.Id);
            }
        });
    }

    [Test]
    public async Task Inject_Decoys_GetCopiedTelemetryButNoFaultAndNoLabel()
    {
        using var output = new TempDirectory();

        var result = NezhaInjector.Run(Settings(output, InjectSettings.AllKinds, seed: 12) with { Count = 1, Decoys = 2 });

        var reader = new NezhaDataset(output.Path);
        var labels = new List<FaultLabel>();
        await foreach (var label in reader.ReadFaultsAsync())
        {
            labels.Add(label);
        }

        using var manifest = JsonDocument.Parse(File.ReadAllBytes(output.File("injected.json")));
        var csv = File.ReadAllLines(output.File("injected.csv"));
        Assert.Multiple(() =>
        {
            Assert.That(result.Decoys.Select(d => (d.Id, d.Kind, d.Pod)), Is.EqualTo(new[] { ("D01", InjectedKind.Decoy, string.Empty), ("D02", InjectedKind.Decoy, string.Empty) }));
            Assert.That(result.Faults.Select(f => f.Id), Is.EqualTo(new[] { "I01", "I02", "I03" }));
            Assert.That(labels, Has.Count.EqualTo(28 + 3));
            foreach (var decoy in result.Decoys)
            {
                Assert.That(labels.Where(l => l.Start >= decoy.TelemetryStart && l.Start < decoy.TelemetryEnd), Is.Empty, decoy.Id);
                var logRows = decoy.Files.Select(m => output.File($"{Day}/log/{m}_log.csv")).Where(File.Exists).Sum(p => File.ReadLines(p).Count() - 1);
                var spanRows = decoy.Files.Select(m => output.File($"{Day}/trace/{m}_trace.csv")).Where(File.Exists).Sum(p => File.ReadLines(p).Count() - 1);
                Assert.That((logRows, spanRows), Is.EqualTo((decoy.CopiedLogs, decoy.CopiedSpans)).And.Not.EqualTo((0, 0)), decoy.Id);
                Assert.That((decoy.DelayedCalls, decoy.ChangedSpans, decoy.MetricRows, decoy.ErrorLines), Is.EqualTo((0, 0, 0, 0)), decoy.Id);
            }

            Assert.That(manifest.RootElement.GetProperty("decoys").GetArrayLength(), Is.EqualTo(2));
            Assert.That(manifest.RootElement.GetProperty("faults").GetArrayLength(), Is.EqualTo(3));
            Assert.That(csv.Count(l => l.Contains(",decoy,,", StringComparison.Ordinal)), Is.EqualTo(2));
        });
    }

    [Test]
    public void Inject_CopiedTelemetry_IsMovedConsistentlyIntoMinuteFilesWithNewIds()
    {
        using var output = new TempDirectory();

        var result = Inject(output, InjectedKind.Cpu, seed: 9);

        var traceIds = new HashSet<string>(File.ReadLines(_source.File($"{Day}/traceid/15_42_traceid.csv")));
        var donorTraces = File.ReadLines(_source.File($"construct_data/{Date}/trace/08_50_trace.csv")).Skip(1).Select(l => l.Split(',')[0]).ToHashSet();
        Assert.Multiple(() =>
        {
            foreach (var fault in result.Faults)
            {
                // Whole minutes from a minute before the fault (4 minutes) to a minute after it: 6, or 7 when the fault starts
                // inside a minute.
                Assert.That(fault.Files, Has.Count.EqualTo(fault.Start.Second == 0 ? 6 : 7));
                var spans = 0;
                foreach (var minute in fault.Files)
                {
                    var (fileStart, fileEnd) = MinuteRange(result, minute);
                    var tracePath = output.File($"{Day}/trace/{minute}_trace.csv");
                    if (File.Exists(tracePath))
                    {
                        var rows = Rows(tracePath);
                        var firstSpans = rows.GroupBy(r => r[0]).Select(g => g.Min(r => long.Parse(r[5], CultureInfo.InvariantCulture)));
                        Assert.That(firstSpans, Has.All.InRange(fileStart, fileEnd - 1), tracePath);
                        Assert.That(rows.Select(r => r[0]).Where(donorTraces.Contains), Is.Empty, tracePath);
                        var ids = File.ReadAllLines(output.File($"{Day}/traceid/{minute}_traceid.csv"));
                        Assert.That(ids, Is.EquivalentTo(rows.Select(r => r[0]).Distinct()), minute);
                        Assert.That(ids.Where(id => !traceIds.Add(id)), Is.Empty, "trace ids are unique in the day");
                        spans += rows.Count;
                    }

                    var logPath = output.File($"{Day}/log/{minute}_log.csv");
                    foreach (var row in File.Exists(logPath) ? Rows(logPath) : [])
                    {
                        Assert.That(NezhaText.TryParseIso(row[0], out var ns), Is.True);
                        Assert.That(ns, Is.InRange(fileStart, fileEnd - 1), logPath);
                        Assert.That(row[1], Is.EqualTo(ns.ToString(CultureInfo.InvariantCulture)));
                        Assert.That(row[7], Does.Contain($"\"time\":\"{row[0]}\""));
                        var clock = NezhaText.ClockStart(row[7]);
                        Assert.That(NezhaText.TryParseClock(row[7].AsSpan(clock, 12), out var local), Is.True);
                        var expected = NezhaText.Mod((ns / 1_000_000) + (8 * 3_600_000), 86_400_000);
                        Assert.That(Math.Abs(local - expected) % (86_400_000 - 1000), Is.LessThanOrEqualTo(1000), row[7]);
                        Assert.That(row[7], Does.Contain($"TraceID: {row[5]} SpanID: {row[6]}").Or.Not.Contain("TraceID:"));
                    }
                }

                Assert.That(spans, Is.EqualTo(fault.CopiedSpans), fault.Id);
            }
        });
    }

    [Test]
    public void Inject_SameSeed_WritesTheSameBytes_AnotherSeedDoesNot()
    {
        using var first = new TempDirectory();
        using var second = new TempDirectory();
        using var other = new TempDirectory();

        NezhaInjector.Run(Settings(first, InjectSettings.AllKinds, seed: 1));
        NezhaInjector.Run(Settings(second, InjectSettings.AllKinds, seed: 1));
        NezhaInjector.Run(Settings(other, InjectSettings.AllKinds, seed: 2));

        var a = Digest(first.Path);
        Assert.Multiple(() =>
        {
            Assert.That(Digest(second.Path), Is.EqualTo(a));
            Assert.That(Digest(other.Path), Is.Not.EqualTo(a));
            Assert.That(File.ReadAllBytes(other.File("injected.json")), Is.Not.EqualTo(File.ReadAllBytes(first.File("injected.json"))));
        });
    }

    [Test]
    public void Inject_AnyRun_LeavesTheSourceAsItIsAndCopiesUntouchedFilesByteForByte()
    {
        using var output = new TempDirectory();
        var before = Digest(_source.Path);

        var result = NezhaInjector.Run(Settings(output, InjectSettings.AllKinds, seed: 10));

        var rewritten = result.Faults.Where(f => f.Kind == InjectedKind.Cpu).Select(f => $"{Day}/metric/{f.Pod}_metric.csv")
            .Append($"{Day}/{Date}-fault_list.json").Append($"faults-{Date}.csv").ToHashSet();
        var copied = Digest(output.Path);
        Assert.Multiple(() =>
        {
            Assert.That(Digest(_source.Path), Is.EqualTo(before));
            foreach (var (path, hash) in before)
            {
                if (rewritten.Contains(path))
                {
                    Assert.That(copied[path], Is.Not.EqualTo(hash), path);
                }
                else
                {
                    Assert.That(copied[path], Is.EqualTo(hash), path);
                }
            }

            Assert.That(copied.Keys.Except(before.Keys).Where(p => !p.StartsWith($"{Day}/", StringComparison.Ordinal)), Is.EquivalentTo(new[] { "injected.csv", "injected.json" }));
            Assert.That(result.CopiedFiles, Is.EqualTo(before.Count - rewritten.Count));
        });
    }

    [Test]
    public void Inject_Manifest_ListsEveryFaultWithItsParametersAndChanges()
    {
        using var output = new TempDirectory();

        var result = NezhaInjector.Run(Settings(output, InjectSettings.AllKinds, seed: 11) with { Count = 1 });

        using var manifest = JsonDocument.Parse(File.ReadAllBytes(output.File("injected.json")));
        var faults = manifest.RootElement.GetProperty("faults").EnumerateArray().ToList();
        var csv = File.ReadAllLines(output.File("injected.csv"));
        Assert.Multiple(() =>
        {
            Assert.That(manifest.RootElement.GetProperty("seed").GetInt64(), Is.EqualTo(11));
            Assert.That(manifest.RootElement.GetProperty("telemetryCopiedFrom").GetString(), Is.EqualTo($"construct_data/{Date}"));
            Assert.That(faults.Select(f => (f.GetProperty("id").GetString(), f.GetProperty("pod").GetString(), f.GetProperty("kind").GetString())),
                Is.EqualTo(result.Faults.Select(f => (f.Id, f.Pod, InjectSettings.KindName(f.Kind)))));
            Assert.That(csv[0], Is.EqualTo("id,kind,inject_type,start_utc,end_utc,pod,service,telemetry_start_utc,telemetry_end_utc,files,parameters,copied_spans,copied_log_lines,delayed_calls,changed_spans,metric_rows,error_lines"));
            Assert.That(csv, Has.Length.EqualTo(4));
            foreach (var (json, fault) in faults.Zip(result.Faults))
            {
                var changes = json.GetProperty("changes");
                Assert.That(json.GetProperty("start").GetString(), Is.EqualTo(fault.Start.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)));
                Assert.That(json.GetProperty("service").GetString(), Is.EqualTo(fault.Pod[..fault.Pod.LastIndexOf('-', fault.Pod.LastIndexOf('-') - 1)]));
                Assert.That((changes.GetProperty("delayedCalls").GetInt32(), changes.GetProperty("metricRows").GetInt32(), changes.GetProperty("errorLines").GetInt32()),
                    Is.EqualTo((fault.DelayedCalls, fault.MetricRows, fault.ErrorLines)));
            }
        });
    }

    [Test]
    public async Task Command_DefaultKinds_PrintsOneLinePerFaultAndExitsZero()
    {
        using var output = new TempDirectory();
        var (exitCode, stdout, stderr) = await InvokeAsync(["--data", _source.Path, "--out", output.Path, "--count", "1"]);

        var lines = stdout.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Multiple(() =>
        {
            Assert.That((exitCode, stderr), Is.EqualTo((0, string.Empty)));
            Assert.That(lines[0], Is.EqualTo($"Injected 3 faults into a copy of {Date} of {_source.Path} → {output.Path}"));
            Assert.That(lines[1], Is.EqualTo("Original faults: 28 kept, 0 from 15:45 UTC on replaced by the injected ones (injected telemetry starts at 15:45 or later)."));
            Assert.That(lines[2], Does.StartWith($"Each window: a copy of construct_data/{Date} (08:48:16–08:51:04 UTC: 71 traces, 4890 spans, 2489 log lines) with new ids"));
            Assert.That(lines[4..7], Has.All.Matches(@"^I0\d  2023-01-29 \d\d:\d\d:\d\d  (network-delay|cpu|error-burst) +ts-"));
            Assert.That(lines[7], Does.StartWith("Wrote ").And.Contain("the fault list (31 faults: 28 original, 3 injected)"));
        });
    }

    [TestCase(new[] { "--kinds", "cpu,foo" }, "--kinds: unknown fault kind 'foo'; the kinds are network-delay, cpu and error-burst.")]
    [TestCase(new[] { "--count", "0" }, "--count must be at least 1 (was 0).")]
    [TestCase(new[] { "--jitter", "1" }, "--jitter must be in [0, 1) (was 1).")]
    [TestCase(new[] { "--cpu-factor", "6-3" }, "--cpu-factor: '6-3' is not a range; use MIN-MAX with 0 < MIN <= MAX, such as 3-6.")]
    [TestCase(new[] { "--after", "25:00" }, "--after: '25:00' is not a time of day; use HH:MM (UTC, the data's clock), such as 16:00.")]
    [TestCase(new[] { "--delay", "0ms" }, "--delay must be greater than 0 (was 0 s).")]
    [TestCase(new[] { "--delay", "soon" }, "--delay: 'soon' is not a duration; use for example 10s, 1m, 500ms, 2h or 00:00:10.")]
    [TestCase(new[] { "--error-rate", "0" }, "--error-rate must be greater than 0 (was 0).")]
    [TestCase(new[] { "--decoys", "-1" }, "--decoys must be 0 or more (was -1).")]
    [TestCase(new[] { "--count", "0", "--jitter", "2" }, "--count must be at least 1 (was 0). --jitter must be in [0, 1) (was 2).")]
    [TestCase(new[] { "--targets", "ts-nothing" },
        "--targets: 'ts-nothing' is not a pod or service with 3 or more incoming calls in the copied window; the candidates are ts-basic-service, ts-config-service, ts-order-service, ts-seat-service.")]
    public async Task Command_BadOption_OneLineErrorAndExitCode2(string[] options, string message)
    {
        using var output = new TempDirectory();

        var (exitCode, stdout, stderr) = await InvokeAsync(["--data", _source.Path, "--out", output.Path, .. options]);

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.EqualTo(2));
            Assert.That(stdout, Is.Empty);
            Assert.That(stderr, Is.EqualTo($"error: {message}{Environment.NewLine}"));
        });
    }

    [Test]
    public async Task Command_OutputNotEmpty_FailsWithoutWriting()
    {
        using var output = new TempDirectory();
        output.Write("keep.txt", "mine");

        var (exitCode, _, stderr) = await InvokeAsync(["--data", _source.Path, "--out", output.Path]);

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.EqualTo(1));
            Assert.That(stderr, Is.EqualTo($"error: The output folder '{output.Path}' is not empty; choose a new or empty folder.{Environment.NewLine}"));
            Assert.That(Directory.EnumerateFileSystemEntries(output.Path), Has.Exactly(1).Items);
        });
    }

    [Test]
    public async Task Command_OutputInsideData_Fails()
    {
        var inside = _source.File("copy");

        var (exitCode, _, stderr) = await InvokeAsync(["--data", _source.Path, "--out", inside]);

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.EqualTo(1));
            Assert.That(stderr, Is.EqualTo($"error: --out '{inside}' is inside --data '{_source.Path}'; the source is never modified.{Environment.NewLine}"));
            Assert.That(Directory.Exists(inside), Is.False);
        });
    }

    [Test]
    public async Task Command_NotANezhaFolder_Fails()
    {
        using var data = new TempDirectory();
        using var output = new TempDirectory();

        var (exitCode, _, stderr) = await InvokeAsync(["--data", data.Path, "--out", output.Path]);

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.EqualTo(1));
            Assert.That(stderr, Is.EqualTo($"error: '{data.Path}' is not a Nezha folder: it has no rca_data folder.{Environment.NewLine}"));
        });
    }

    [Test]
    public async Task Command_MoreFaultsThanFit_SaysHowManyFit()
    {
        using var output = new TempDirectory();

        var (exitCode, _, stderr) = await InvokeAsync(["--data", _source.Path, "--out", output.Path, "--count", "20"]);

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.EqualTo(1));
            Assert.That(stderr, Does.Match(@"^error: Only \d\d of 60 fault windows fit between 15:45 and 23:59 UTC \(each needs 3 min of fault, 1 min of telemetry before and after it, and 5 min to every other fault and recorded window\); lower --count or choose an earlier --after\.\r?\n$"));
        });
    }

    private InjectSettings Settings(TempDirectory output, IReadOnlyList<InjectedKind> kinds, long seed, double jitter = 0.2) => new()
    {
        Data = _source.Path,
        Output = output.Path,
        Seed = seed,
        Kinds = kinds,
        Count = 2,
        Jitter = jitter,
    };

    private InjectionResult Inject(TempDirectory output, InjectedKind kind, long seed, double jitter = 0.2) =>
        NezhaInjector.Run(Settings(output, [kind], seed, jitter));

    private static async Task<(int ExitCode, string Stdout, string Stderr)> InvokeAsync(string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var (previousOut, previousError) = (Console.Out, Console.Error);
        Console.SetOut(stdout);
        Console.SetError(stderr);
        try
        {
            var exitCode = await InjectCommand.Create().Parse(args).InvokeAsync();
            return (exitCode, stdout.ToString(), stderr.ToString());
        }
        finally
        {
            Console.SetOut(previousOut);
            Console.SetError(previousError);
        }
    }

    /// <summary>The spans of a fault's window by (TraceID, SpanID).</summary>
    private static Dictionary<(string, string), string[]> ReadSpans(TempDirectory output, InjectedFault fault) =>
        fault.Files.Select(m => output.File($"{Day}/trace/{m}_trace.csv")).Where(File.Exists)
            .SelectMany(Rows)
            .ToDictionary(r => (r[0], r[1]));

    /// <summary>The raw log rows of a fault's window.</summary>
    private static List<string> ReadLogLines(TempDirectory output, InjectedFault fault) =>
        [.. fault.Files.Select(m => output.File($"{Day}/log/{m}_log.csv")).Where(File.Exists).SelectMany(p => File.ReadLines(p).Skip(1))];

    private static List<string[]> Rows(string path)
    {
        using var reader = new StreamReader(path);
        return [.. Csv.ReadRecords(reader, path).Skip(1)];
    }

    /// <summary>
    /// What the delay must do, worked out independently from the untouched copy: every call into the target (a span on it
    /// whose parent is on another pod) — or, with <paramref name="outgoing"/>, every call out of it (a span on another pod
    /// whose parent is on the target) — starting in the fault window adds the delay to the calling span and every ancestor of it.
    /// </summary>
    private static (int Calls, Dictionary<(string, string), long> Added) ExpectedDelays(Dictionary<(string, string), string[]> spans, InjectedFault fault, long micros, bool outgoing = false)
    {
        var start = NezhaText.ToUnixNanoseconds(fault.Start);
        var end = NezhaText.ToUnixNanoseconds(fault.End);
        var added = new Dictionary<(string, string), long>();
        var calls = 0;
        foreach (var (_, row) in spans)
        {
            var begins = long.Parse(row[5], CultureInfo.InvariantCulture);
            if (row[2] == "root" || begins < start || begins >= end || !spans.TryGetValue((row[0], row[2]), out var caller) ||
                (outgoing ? row[3] == fault.Pod || caller[3] != fault.Pod : row[3] != fault.Pod || caller[3] == fault.Pod))
            {
                continue;
            }

            calls++;
            for (var at = (row[0], row[2]); spans.TryGetValue(at, out var span); at = (span[0], span[2]))
            {
                added[at] = added.GetValueOrDefault(at) + micros;
            }
        }

        return (calls, added);
    }

    /// <summary>Whether the metric minute ending at <paramref name="seconds"/> overlaps the fault by 30 s or more.</summary>
    private static bool CoversFault(long seconds, InjectedFault fault)
    {
        var rowEnd = DateTimeOffset.FromUnixTimeSeconds(seconds);
        var from = rowEnd.AddSeconds(-60) > fault.Start ? rowEnd.AddSeconds(-60) : fault.Start;
        var to = rowEnd < fault.End ? rowEnd : fault.End;
        return (to - from).TotalSeconds >= 30;
    }

    private static (long Start, long End) MinuteRange(InjectionResult result, string minute)
    {
        var end = result.Day.Midnight.AddHours(int.Parse(minute[..2], CultureInfo.InvariantCulture)).AddMinutes(int.Parse(minute[3..], CultureInfo.InvariantCulture));
        return (NezhaText.ToUnixNanoseconds(end.AddMinutes(-1)), NezhaText.ToUnixNanoseconds(end));
    }

    private static double Number(string text) => double.Parse(text, CultureInfo.InvariantCulture);

    /// <summary>Every file under a folder (relative path with '/') and the SHA-256 of its bytes.</summary>
    private static Dictionary<string, string> Digest(string root) =>
        Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(root, f).Replace('\\', '/'), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));
}
