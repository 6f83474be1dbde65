using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MstGad.Features;
using MstGad.Simulation;

namespace MstGad.Cli;

/// <summary>
/// <c>mstgad soak</c>: trains a detector on a short simulated period, then streams a long simulated period
/// (by default a day of 200 instances) record by record through one <see cref="OnlineDetector"/>, as the
/// records are generated, and measures time, throughput, the online report and memory every simulated hour.
/// </summary>
internal static class SoakCommand
{
    public static Command Create()
    {
        var d = new SoakSettings();
        var services = new Option<int>("--services") { Description = "Services in the simulated system.", DefaultValueFactory = _ => d.Services };
        var replicas = new Option<int>("--replicas") { Description = "Replicas (instances) per service.", DefaultValueFactory = _ => d.Replicas };
        var instances = new Option<int?>("--instances") { Description = "Instances in all: sets --services to instances / replicas (must divide)." };
        var hours = new Option<double>("--hours") { Description = "Hours of simulated telemetry streamed through the online detector.", DefaultValueFactory = _ => d.Hours };
        var trainHours = new Option<double>("--train-hours") { Description = "Hours of simulated training telemetry (the day before, from 10:00).", DefaultValueFactory = _ => d.TrainingHours };
        var epochs = new Option<int>("--epochs") { Description = "Training epochs.", DefaultValueFactory = _ => d.Epochs };
        var seed = new Option<long>("--seed") { Description = "Seed of the soak period (training uses seed + 1000).", DefaultValueFactory = _ => d.Seed };
        var interval = new Option<string>("--interval") { Description = "Step interval (also the simulated metric interval), e.g. 1m or 30s.", DefaultValueFactory = _ => "1m" };
        var rate = new Option<double>("--rps") { Description = "Mean user requests per second at the entry service (daily pattern ±50 %).", DefaultValueFactory = _ => d.RequestsPerSecond };
        var faults = new Option<double>("--faults-per-hour") { Description = "Injected faults per simulated hour (4 min each).", DefaultValueFactory = _ => d.FaultsPerHour };
        var threads = new Option<int>("--threads") { Description = "CPU threads for the network.", DefaultValueFactory = _ => d.Threads };
        var checkpoint = new Option<double?>("--checkpoint-at") { Description = "Simulated hour at which to save a checkpoint and continue from it (none when negative or past the period).", DefaultValueFactory = _ => d.CheckpointAtHour };
        var json = new Option<bool>("--json") { Description = "Print the figures as JSON (the hourly table goes to standard error)." };
        var command = new Command("soak", "Stream a long simulated period (default 24 h × 200 instances) through one online detector and measure time, throughput, accounting and memory.")
        {
            services, replicas, instances, hours, trainHours, epochs, seed, interval, rate, faults, threads, checkpoint, json,
        };
        command.SetGuardedAction(async (result, cancellationToken) =>
        {
            try
            {
                var r = result.GetValue(replicas);
                var s = result.GetValue(services);
                if (result.GetValue(instances) is { } n)
                {
                    if (r <= 0 || n % r != 0)
                    {
                        throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"--instances ({n}) must be a multiple of --replicas ({r})."));
                    }

                    s = n / r;
                }

                var settings = new SoakSettings
                {
                    Services = s,
                    Replicas = r,
                    Hours = result.GetValue(hours),
                    TrainingHours = result.GetValue(trainHours),
                    Epochs = result.GetValue(epochs),
                    Seed = result.GetValue(seed),
                    Interval = Durations.Parse(result.GetValue(interval)!),
                    RequestsPerSecond = result.GetValue(rate),
                    FaultsPerHour = result.GetValue(faults),
                    Threads = result.GetValue(threads),
                    CheckpointAtHour = result.GetValue(checkpoint) is { } c && c >= 0 ? c : null,
                };
                MstGad.Model.TorchNative.EnsureLoadable();
                var asJson = result.GetValue(json);
                var soak = await RunAsync(settings, asJson ? Console.Error : Console.Out, Console.Error, cancellationToken).ConfigureAwait(false);
                if (asJson)
                {
                    await Console.Out.WriteLineAsync(JsonSerializer.Serialize(soak, CliJsonContext.Default.SoakResult)).ConfigureAwait(false);
                }

                return 0;
            }
            catch (Exception ex) when (ex is ArgumentException or FormatException)
            {
                await Console.Error.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
                return 2;
            }
        });
        return command;
    }

    /// <summary>Trains, runs the soak and prints its figures.</summary>
    /// <param name="settings">The settings.</param>
    /// <param name="output">Receives the figures and the hourly memory table.</param>
    /// <param name="progress">Receives progress (stages).</param>
    /// <param name="cancellationToken">Cancels training or the soak.</param>
    /// <returns>The figures.</returns>
    internal static async Task<SoakResult> RunAsync(SoakSettings settings, TextWriter output, TextWriter progress, CancellationToken cancellationToken = default)
    {
        var c = CultureInfo.InvariantCulture;
        var trainingSimulator = new TelemetrySimulator(settings.Simulation(settings.Seed + 1000, settings.Start.AddDays(-1).AddHours(10), settings.TrainingHours));
        var soakSimulator = new TelemetrySimulator(settings.Simulation(settings.Seed, settings.Start, settings.Hours));
        output.WriteLine(string.Create(c,
            $"Simulated system: {soakSimulator.Services.Count} services × {settings.Replicas} replicas = {soakSimulator.Instances.Count} instances; {settings.RequestsPerSecond} requests/s on average (daily pattern ±50 %); Δ = {Durations.Format(settings.Interval)}."));

        progress.WriteLine(string.Create(c, $"[training on {settings.TrainingHours} simulated hours, {settings.Epochs} epochs]"));
        var trainingWatch = Stopwatch.StartNew();
        using var detector = settings.CreateBuilder().Build();
        var fit = await detector.FitAsync(trainingSimulator, progress: null, cancellationToken).ConfigureAwait(false);
        trainingWatch.Stop();
        output.WriteLine(string.Create(c,
            $"Training (not part of the soak): {trainingWatch.Elapsed.TotalSeconds:0.0} s; {fit.TrainingWindows} windows, {fit.Instances} instances, {fit.NodeFeatures} node and {fit.EdgeFeatures} edge features."));

        progress.WriteLine(string.Create(c, $"[soak: {settings.Hours} simulated hours from {soakSimulator.Start:yyyy-MM-dd HH:mm} UTC]"));
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var soak = await SoakAsync(detector, soakSimulator, settings, output, cancellationToken).ConfigureAwait(false);
        soak = soak with { TrainingSeconds = trainingWatch.Elapsed.TotalSeconds, TrainingWindows = fit.TrainingWindows };
        Print(output, soak);
        return soak;
    }

    /// <summary>Streams the simulator's records, merged in time order as they are generated, through one online detector.</summary>
    private static async Task<SoakResult> SoakAsync(Detector detector, TelemetrySimulator simulator, SoakSettings settings, TextWriter output, CancellationToken cancellationToken)
    {
        var c = CultureInfo.InvariantCulture;
        var options = new OnlineDetectorOptions { MaxClockSkew = null, VerdictBufferCapacity = 0 };
        var online = new OnlineDetector(detector, options);
        long steps = 0, scoredSteps = 0, verdicts = 0, abnormal = 0;
        // Faults flagged on their instance (an abnormal verdict from one step before the fault to two after it), counted as verdicts come.
        var faultsByInstance = simulator.Faults.Select((f, i) => (f, i)).ToLookup(x => x.f.Target);
        var detectedFaults = new bool[simulator.Faults.Count];
        void OnStep(object? sender, StepClosedEventArgs e)
        {
            steps++;
            if (e.Verdicts.Scored)
            {
                scoredSteps++;
            }

            foreach (var v in e.Verdicts.Verdicts)
            {
                verdicts++;
                if (v.IsAbnormal)
                {
                    abnormal++;
                    foreach (var (f, i) in faultsByInstance[v.Instance])
                    {
                        detectedFaults[i] |= v.Time > f.Start - settings.Interval && v.Time < f.End + settings.Interval + settings.Interval;
                    }
                }
            }
        }

        online.StepClosed += OnStep;
        var memory = new List<SoakMemorySample>();
        var pushed = new long[3];
        var notUsed = new long[Enum.GetValues<PushResult>().Length];
        long generationTicks = 0, pushTicks = 0;
        var scoringBefore = TimeSpan.Zero;
        SoakCheckpoint? checkpoint = null;
        var start = simulator.Start.UtcTicks;
        var hourTicks = TimeSpan.TicksPerHour;
        var nextHour = start + hourTicks;
        var checkpointTicks = settings.CheckpointAtHour is { } ch ? start + (long)(ch * hourTicks) : long.MaxValue;

        output.WriteLine();
        output.WriteLine("hour  wall s  records      GC heap MB  working set MB  open steps  instances  span ids");
        var watch = Stopwatch.StartNew();
        var metrics = simulator.ReadMetricsAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        var logs = simulator.ReadLogsAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        var spans = simulator.ReadSpansAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        try
        {
            var t0 = Stopwatch.GetTimestamp();
            var hasMetric = await metrics.MoveNextAsync().ConfigureAwait(false);
            var hasLog = await logs.MoveNextAsync().ConfigureAwait(false);
            var hasSpan = await spans.MoveNextAsync().ConfigureAwait(false);
            generationTicks += Stopwatch.GetTimestamp() - t0;
            while (hasMetric || hasLog || hasSpan)
            {
                // Merge by generation order: sample time, log time, span start (a span's end, its event time,
                // follows within seconds, well inside the detector's lateness).
                var mt = hasMetric ? metrics.Current.Time.UtcTicks : long.MaxValue;
                var lt = hasLog ? logs.Current.Time.UtcTicks : long.MaxValue;
                var st = hasSpan ? spans.Current.Start.UtcTicks : long.MaxValue;
                var now = Math.Min(mt, Math.Min(lt, st));
                while (now >= nextHour)
                {
                    memory.Add(Sample(memory.Count + 1, watch.Elapsed, pushed.Sum(), online.Report, output));
                    nextHour += hourTicks;
                }

                if (now >= checkpointTicks)
                {
                    (online, checkpoint) = Checkpoint(detector, online, options, OnStep, now, ref scoringBefore);
                    checkpointTicks = long.MaxValue;
                }

                var p0 = Stopwatch.GetTimestamp();
                PushResult result;
                if (mt == now)
                {
                    result = online.Push(metrics.Current);
                    pushed[0]++;
                    var g0 = Stopwatch.GetTimestamp();
                    pushTicks += g0 - p0;
                    hasMetric = await metrics.MoveNextAsync().ConfigureAwait(false);
                    generationTicks += Stopwatch.GetTimestamp() - g0;
                }
                else if (lt == now)
                {
                    result = online.Push(logs.Current);
                    pushed[1]++;
                    var g0 = Stopwatch.GetTimestamp();
                    pushTicks += g0 - p0;
                    hasLog = await logs.MoveNextAsync().ConfigureAwait(false);
                    generationTicks += Stopwatch.GetTimestamp() - g0;
                }
                else
                {
                    result = online.Push(spans.Current);
                    pushed[2]++;
                    var g0 = Stopwatch.GetTimestamp();
                    pushTicks += g0 - p0;
                    hasSpan = await spans.MoveNextAsync().ConfigureAwait(false);
                    generationTicks += Stopwatch.GetTimestamp() - g0;
                }

                notUsed[(int)result]++;
            }

            var completeStart = Stopwatch.GetTimestamp();
            online.Complete();
            pushTicks += Stopwatch.GetTimestamp() - completeStart;
            watch.Stop();
            var final = Sample(0, watch.Elapsed, pushed.Sum(), online.Report, output);

            var report = online.Report;
            using var process = Process.GetCurrentProcess();
            process.Refresh();
            var a = report.Aggregation;
            var accounting = new SoakAccounting(
                pushed[0], a.MetricsUsed, a.MetricsNotFinite + a.MetricsLate + a.MetricsOutOfRange + report.MetricsAheadOfClock,
                pushed[1], a.LogsUsed, a.LogsLate + a.LogsOutOfRange + report.LogsAheadOfClock,
                pushed[2], a.SpansUsed, a.SpansDuplicate + a.SpansNegativeDuration + a.SpansLate + a.SpansOutOfRange + report.SpansAheadOfClock,
                notUsed[(int)PushResult.Used]);
            var records = pushed.Sum();
            var seconds = watch.Elapsed.TotalSeconds;
            var scoring = scoringBefore + report.ScoringTime;
            var detected = detectedFaults.Count(x => x);
            return new SoakResult(
                simulator.Instances.Count,
                settings.Hours,
                settings.RequestsPerSecond,
                settings.Interval.TotalSeconds,
                settings.Threads,
                Environment.ProcessorCount,
                0,
                0,
                seconds,
                Stopwatch.GetElapsedTime(0, generationTicks).TotalSeconds,
                Stopwatch.GetElapsedTime(0, pushTicks).TotalSeconds - scoring.TotalSeconds,
                scoring.TotalSeconds,
                records,
                records / seconds,
                accounting,
                steps,
                scoredSteps,
                verdicts,
                abnormal,
                simulator.Faults.Count,
                detected,
                report.ToString(),
                checkpoint,
                memory,
                final,
                process.PeakWorkingSet64 / 1048576.0,
                Slope([.. memory.Skip(1)], m => m.WorkingSetMb),
                Slope([.. memory.Skip(1)], m => m.GcHeapMb));
        }
        finally
        {
            await metrics.DisposeAsync().ConfigureAwait(false);
            await logs.DisposeAsync().ConfigureAwait(false);
            await spans.DisposeAsync().ConfigureAwait(false);
            online.Dispose();
        }
    }

    /// <summary>Saves a checkpoint of <paramref name="online"/>, disposes it and continues from the checkpoint.</summary>
    private static (OnlineDetector Online, SoakCheckpoint Checkpoint) Checkpoint(
        Detector detector, OnlineDetector online, OnlineDetectorOptions options, EventHandler<StepClosedEventArgs> onStep, long atTicks, ref TimeSpan scoringBefore)
    {
        var watch = Stopwatch.StartNew();
        using var stream = new MemoryStream();
        online.SaveCheckpoint(stream);
        var saved = watch.Elapsed;
        scoringBefore += online.Report.ScoringTime;
        online.StepClosed -= onStep;
        online.Dispose();
        stream.Position = 0;
        var restored = OnlineDetector.Restore(detector, stream, options);
        restored.StepClosed += onStep;
        var total = watch.Elapsed;
        return (restored, new SoakCheckpoint(new DateTimeOffset(atTicks, TimeSpan.Zero), stream.Length, saved.TotalMilliseconds, (total - saved).TotalMilliseconds));
    }

    private static SoakMemorySample Sample(int hour, TimeSpan wall, long records, OnlineReport report, TextWriter output)
    {
        var sample = new SoakMemorySample(
            hour,
            wall.TotalSeconds,
            records,
            GC.GetTotalMemory(false) / 1048576.0,
            Environment.WorkingSet / 1048576.0,
            report.OpenSteps,
            report.Instances,
            report.RememberedSpans);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{(hour == 0 ? "end" : sample.Hour.ToString(CultureInfo.InvariantCulture)),4}  {sample.WallSeconds,6:0.0}  {sample.Records,11:N0}  {sample.GcHeapMb,10:0.0}  {sample.WorkingSetMb,14:0.0}  {sample.OpenSteps,10}  {sample.Instances,9}  {sample.RememberedSpans,8:N0}"));
        return sample;
    }

    /// <summary>The least-squares slope of a value against the hour (per hour); zero with fewer than two points.</summary>
    internal static double Slope(IReadOnlyList<SoakMemorySample> samples, Func<SoakMemorySample, double> value)
    {
        if (samples.Count < 2)
        {
            return 0;
        }

        var mx = samples.Average(s => (double)s.Hour);
        var my = samples.Average(value);
        var sxy = samples.Sum(s => (s.Hour - mx) * (value(s) - my));
        var sxx = samples.Sum(s => (s.Hour - mx) * (s.Hour - mx));
        return sxx > 0 ? sxy / sxx : 0;
    }

    private static void Print(TextWriter output, SoakResult r)
    {
        var c = CultureInfo.InvariantCulture;
        var a = r.Accounting;
        output.WriteLine();
        output.WriteLine(string.Create(c, $"Soak: {r.Hours} simulated hours × {r.Instances} instances in {r.WallSeconds:0.0} s wall ({r.WallSeconds / 60:0.00} min) on {r.ProcessorCount} cores, {r.Threads} network thread(s)."));
        output.WriteLine(string.Create(c, $"  time:     generation {r.GenerationSeconds:0.0} s, online push without the network {r.PushSeconds:0.0} s, network scoring {r.ScoringSeconds:0.0} s ({r.ScoringSeconds * 1000 / Math.Max(1, r.StepsScored):0.0} ms per step)"));
        output.WriteLine(string.Create(c, $"  records:  {r.Records:N0} pushed ({r.RecordsPerSecond:N0} per second): {a.Metrics:N0} metric samples, {a.Logs:N0} log lines, {a.Spans:N0} spans"));
        output.WriteLine(string.Create(c, $"  accounted: metrics {a.MetricsUsed:N0} used + {a.MetricsNotUsed:N0} counted, logs {a.LogsUsed:N0} + {a.LogsNotUsed:N0}, spans {a.SpansUsed:N0} + {a.SpansNotUsed:N0}; {(a.Balanced ? "nothing lost" : "MISMATCH")}"));
        output.WriteLine(string.Create(c, $"  steps:    {r.StepsClosed:N0} closed, {r.StepsScored:N0} scored; {r.Verdicts:N0} verdicts, {r.AbnormalVerdicts:N0} abnormal; faults {r.FaultsDetected}/{r.Faults} flagged on their instance"));
        if (r.Checkpoint is { } cp)
        {
            output.WriteLine(string.Create(c, $"  checkpoint at {cp.At:HH:mm}: {cp.Bytes:N0} bytes, saved in {cp.SaveMilliseconds:0.0} ms, restored in {cp.RestoreMilliseconds:0.0} ms"));
        }

        var first = r.Memory.Count > 0 ? r.Memory[0] : r.Final;
        var last = r.Final;
        output.WriteLine(string.Create(c,
            $"  memory:   working set {first.WorkingSetMb:0} MB after hour 1, {last.WorkingSetMb:0} MB at the end, peak {r.PeakWorkingSetMb:0} MB, slope {r.WorkingSetSlopeMbPerHour:+0.00;-0.00} MB/h; GC heap {first.GcHeapMb:0} → {last.GcHeapMb:0} MB, slope {r.GcHeapSlopeMbPerHour:+0.00;-0.00} MB/h"));
        output.WriteLine(string.Create(c, $"  report:   {r.Report}"));
        output.WriteLine(string.Create(c, $"  training (not in the soak): {r.TrainingSeconds:0.0} s, {r.TrainingWindows} windows"));
    }
}

/// <summary>
/// The settings of <c>mstgad soak</c>. The detector is the demo's small configuration (Δ, window 5, one
/// encoder and one decoder layer of width 8, its decision rule) with every instance its own node
/// (<see cref="InstanceKey.Identity"/>), trained briefly on simulated hours of the day before.
/// </summary>
internal sealed record SoakSettings
{
    public int Services { get; init; } = 40;

    public int Replicas { get; init; } = 5;

    public double Hours { get; init; } = 24;

    public double TrainingHours { get; init; } = 1;

    public int Epochs { get; init; } = 2;

    public long Seed { get; init; } = 1;

    public TimeSpan Interval { get; init; } = TimeSpan.FromMinutes(1);

    public double RequestsPerSecond { get; init; } = 20;

    public double FaultsPerHour { get; init; } = 1;

    public int Threads { get; init; } = 1;

    public double? CheckpointAtHour { get; init; } = 12;

    public DateTimeOffset Start { get; init; } = new(2024, 3, 5, 0, 0, 0, TimeSpan.Zero);

    public SimulationOptions Simulation(long seed, DateTimeOffset start, double hours)
    {
        if (!(hours > 0 && hours <= 24 * 7))
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Simulated periods must last more than 0 and at most 168 hours; one lasts {hours} h."));
        }

        return new SimulationOptions
        {
            Seed = seed,
            Services = Services,
            Replicas = Replicas,
            Start = start,
            Duration = Interval * Math.Max(1, Math.Round(hours * 3600 / Interval.TotalSeconds)),
            MetricInterval = Interval,
            RequestsPerSecond = RequestsPerSecond,
            FaultDuration = TimeSpan.FromMinutes(4),
            FaultCount = Math.Max(1, (int)Math.Round(hours * FaultsPerHour)),
        };
    }

    public DetectorBuilder CreateBuilder() => new DemoSettings { Seed = Seed, Epochs = Epochs, Threads = Threads, Interval = Interval }
        .CreateBuilder()
        .ConfigureFeatures(o => o.InstanceKey = InstanceKey.Identity);
}

/// <summary>Pushed records per kind against the online report: every pushed record is used or counted under a reason.</summary>
internal sealed record SoakAccounting(
    long Metrics, long MetricsUsed, long MetricsNotUsed,
    long Logs, long LogsUsed, long LogsNotUsed,
    long Spans, long SpansUsed, long SpansNotUsed,
    long PushResultsUsed)
{
    public bool Balanced =>
        Metrics == MetricsUsed + MetricsNotUsed &&
        Logs == LogsUsed + LogsNotUsed &&
        Spans == SpansUsed + SpansNotUsed &&
        PushResultsUsed == MetricsUsed + LogsUsed + SpansUsed;
}

/// <summary>The process's memory at the end of a simulated hour (hour 0: after <see cref="OnlineDetector.Complete"/>), and the detector's state then.</summary>
internal sealed record SoakMemorySample(int Hour, double WallSeconds, long Records, double GcHeapMb, double WorkingSetMb, int OpenSteps, int Instances, int RememberedSpans);

/// <summary>A checkpoint taken during the soak and continued from.</summary>
internal sealed record SoakCheckpoint(DateTimeOffset At, long Bytes, double SaveMilliseconds, double RestoreMilliseconds);

/// <summary>The figures of a soak run.</summary>
internal sealed record SoakResult(
    int Instances,
    double Hours,
    double RequestsPerSecond,
    double IntervalSeconds,
    int Threads,
    int ProcessorCount,
    double TrainingSeconds,
    int TrainingWindows,
    double WallSeconds,
    double GenerationSeconds,
    double PushSeconds,
    double ScoringSeconds,
    long Records,
    double RecordsPerSecond,
    SoakAccounting Accounting,
    long StepsClosed,
    long StepsScored,
    long Verdicts,
    long AbnormalVerdicts,
    int Faults,
    int FaultsDetected,
    string Report,
    SoakCheckpoint? Checkpoint,
    IReadOnlyList<SoakMemorySample> Memory,
    SoakMemorySample Final,
    double PeakWorkingSetMb,
    double WorkingSetSlopeMbPerHour,
    double GcHeapSlopeMbPerHour);
