using System.Globalization;
using MstGad.Datasets;
using MstGad.Features;

namespace MstGad.Samples.Streaming;

/// <summary>Live telemetry of one system, each kind in event-time order (as three collectors would deliver it).</summary>
/// <param name="Metrics">Metric samples, by time.</param>
/// <param name="Logs">Log records, by time.</param>
/// <param name="Spans">Spans, by end.</param>
public sealed record TelemetryFeed(IReadOnlyList<MetricSample> Metrics, IReadOnlyList<LogRecord> Logs, IReadOnlyList<Span> Spans)
{
    /// <summary>Reads a recorded source into a feed.</summary>
    /// <param name="source">The source.</param>
    /// <param name="cancellationToken">Cancels reading.</param>
    /// <returns>The feed.</returns>
    public static async Task<TelemetryFeed> FromSourceAsync(ITelemetrySource source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        var (metrics, logs, spans, _) = await TelemetryDirectory.ReadAllAsync(source, cancellationToken).ConfigureAwait(false);
        return new TelemetryFeed([.. metrics.OrderBy(m => m.Time)], [.. logs.OrderBy(l => l.Time)], [.. spans.OrderBy(s => s.End)]);
    }
}

/// <summary>Settings of the sample.</summary>
public sealed class StreamingSampleOptions
{
    /// <summary>The online detector's lateness.</summary>
    /// <value>Default 2 minutes.</value>
    public TimeSpan Lateness { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How much event time the producers push between synchronisations (keep it below the lateness).</summary>
    /// <value>Default 30 seconds.</value>
    public TimeSpan Slice { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Where the agent writes its checkpoint before it "restarts".</summary>
    /// <value>Default a file in the temporary folder.</value>
    public string CheckpointPath { get; set; } = Path.Combine(Path.GetTempPath(), "mstgad-streaming-sample.checkpoint");

    /// <summary>After which share of the feed's time span the agent checkpoints and restarts (none when outside (0, 1)).</summary>
    /// <value>Default 0.5.</value>
    public double RestartAt { get; set; } = 0.5;

    /// <summary>Alert hygiene.</summary>
    /// <value>Default a cool-down of one minute.</value>
    public IncidentOptions Incidents { get; set; } = new() { CoolDown = TimeSpan.FromMinutes(1) };
}

/// <summary>What the sample did.</summary>
/// <param name="Steps">Every closed step, in order, across the restart.</param>
/// <param name="Incidents">Every incident closed.</param>
/// <param name="Restarted">Whether the agent restarted from its checkpoint.</param>
/// <param name="Report">The online detector's final report.</param>
public sealed record StreamingSummary(IReadOnlyList<StepVerdicts> Steps, IReadOnlyList<Incident> Incidents, bool Restarted, OnlineReport Report);

/// <summary>
/// The streaming sample: three producers (metrics, logs, traces) push a feed concurrently into an
/// <see cref="OnlineDetector"/>; a consumer reads the verdicts of each closed step and turns them into incidents;
/// halfway through, the agent saves a checkpoint, "crashes" and continues from the checkpoint.
/// </summary>
public static class StreamingSample
{
    /// <summary>Runs the sample to the end of the feed.</summary>
    /// <param name="detector">A trained detector.</param>
    /// <param name="feed">The telemetry.</param>
    /// <param name="options">Settings.</param>
    /// <param name="output">Receives a line per incident and a summary.</param>
    /// <param name="cancellationToken">Stops the sample.</param>
    /// <returns>What happened.</returns>
    public static async Task<StreamingSummary> RunAsync(Detector detector, TelemetryFeed feed, StreamingSampleOptions options, TextWriter output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(detector);
        ArgumentNullException.ThrowIfNull(feed);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        var onlineOptions = new OnlineDetectorOptions { Lateness = options.Lateness, MaxClockSkew = null };
        var tracker = new IncidentTracker(options.Incidents);
        var steps = new List<StepVerdicts>();
        var incidents = new List<Incident>();
        var times = feed.Metrics.Select(m => m.Time).Concat(feed.Logs.Select(l => l.Time)).Concat(feed.Spans.Select(s => s.End)).ToList();
        if (times.Count == 0)
        {
            using var idle = new OnlineDetector(detector, onlineOptions);
            idle.Complete();
            return new StreamingSummary([], [], false, idle.Report);
        }

        var start = times.Min();
        var end = times.Max();
        var restartAt = options.RestartAt is > 0 and < 1 ? start + ((end - start) * options.RestartAt) : DateTimeOffset.MaxValue;
        var restarted = false;
        var online = new OnlineDetector(detector, onlineOptions);
        var consumer = ConsumeAsync(online, tracker, steps, incidents, output, cancellationToken);
        int m = 0, l = 0, s = 0;
        try
        {
            for (var sliceEnd = start + options.Slice; m < feed.Metrics.Count || l < feed.Logs.Count || s < feed.Spans.Count; sliceEnd += options.Slice)
            {
                // The three producers push their records of this slice at the same time.
                var current = online;
                var until = sliceEnd;
                var producers = new[]
                {
                    Task.Run(() => m = Produce(feed.Metrics, m, r => r.Time, r => current.Push(r), until), cancellationToken),
                    Task.Run(() => l = Produce(feed.Logs, l, r => r.Time, r => current.Push(r), until), cancellationToken),
                    Task.Run(() => s = Produce(feed.Spans, s, r => r.End, r => current.Push(r), until), cancellationToken),
                };
                await Task.WhenAll(producers).ConfigureAwait(false);

                if (!restarted && sliceEnd >= restartAt)
                {
                    // The agent stops: everything closed so far is published, the rest is in the checkpoint.
                    online.SaveCheckpoint(options.CheckpointPath);
                    online.Dispose();
                    await consumer.ConfigureAwait(false);
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"restart at {sliceEnd:O} from {options.CheckpointPath}"));
                    online = OnlineDetector.Restore(detector, options.CheckpointPath, onlineOptions);
                    consumer = ConsumeAsync(online, tracker, steps, incidents, output, cancellationToken);
                    restarted = true;
                }
            }

            online.Complete();
            await consumer.ConfigureAwait(false);
            foreach (var e in tracker.Flush())
            {
                Write(output, e);
                incidents.Add(e.Incident);
            }

            var report = online.Report;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{steps.Count} steps, {steps.Sum(x => x.Verdicts.Count)} verdicts ({steps.Sum(x => x.Verdicts.Count(v => v.IsAbnormal))} abnormal), {incidents.Count} incidents in {incidents.Select(i => i.Group).Distinct().Count()} groups"));
            output.WriteLine("report: " + report);
            return new StreamingSummary(steps, incidents, restarted, report);
        }
        finally
        {
            online.Dispose();
        }
    }

    private static int Produce<T>(IReadOnlyList<T> records, int next, Func<T, DateTimeOffset> time, Action<T> push, DateTimeOffset until)
    {
        while (next < records.Count && time(records[next]) < until)
        {
            push(records[next++]);
        }

        return next;
    }

    private static async Task ConsumeAsync(OnlineDetector online, IncidentTracker tracker, List<StepVerdicts> steps, List<Incident> incidents, TextWriter output, CancellationToken cancellationToken)
    {
        await foreach (var step in online.ReadVerdictsAsync(cancellationToken).ConfigureAwait(false))
        {
            steps.Add(step);
            foreach (var e in tracker.Observe(step))
            {
                Write(output, e);
                if (e.Change == IncidentChange.Closed)
                {
                    incidents.Add(e.Incident);
                }
            }
        }
    }

    private static void Write(TextWriter output, IncidentEvent e) =>
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"incident {e.Incident.Id} (group {e.Incident.Group}) {e.Change.ToString().ToLowerInvariant()}: {e.Incident.Instance} from {e.Incident.Start:O}, {e.Incident.FlaggedSteps} flagged steps, peak {e.Incident.PeakScore:G4}"));
}
