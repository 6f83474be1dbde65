using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using MstGad.Hosting;

namespace MstGad.AspNetCore.Page;

/// <summary>Settings of the live page (<see cref="MstGadPageExtensions.MapMstGadPage"/>).</summary>
public sealed class MstGadPageOptions
{
    /// <summary>How far back the score strips reach.</summary>
    /// <value>Default 6 hours. Between 1 minute and 7 days.</value>
    public TimeSpan History { get; set; } = TimeSpan.FromHours(6);

    /// <summary>How many closed incidents the page keeps besides the open ones.</summary>
    /// <value>Default 50. Zero or more.</value>
    public int RecentIncidents { get; set; } = 50;

    /// <summary>
    /// When set, the page's data (<c>api/state</c>, <c>api/events</c>) needs <c>Authorization: Bearer &lt;token&gt;</c> or
    /// <c>?token=&lt;token&gt;</c> (a browser opens the page with <c>?token=…</c>, which the page passes on).
    /// </summary>
    public string? BearerToken { get; set; }

    /// <summary>How often the page's health panel is refreshed through the event stream.</summary>
    /// <value>Default 5 seconds. Between 1 second and 1 minute.</value>
    public TimeSpan HealthInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Checks every setting and returns one message per problem (empty when valid).</summary>
    /// <returns>The problems.</returns>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        void Add(FormattableString message) => problems.Add(message.ToString(CultureInfo.InvariantCulture));
        if (History < TimeSpan.FromMinutes(1) || History > TimeSpan.FromDays(7))
        {
            Add($"History must be between 1 minute and 7 days; it is {History}.");
        }

        if (RecentIncidents < 0)
        {
            Add($"RecentIncidents must be zero or more; it is {RecentIncidents}.");
        }

        if (BearerToken is { } token && (token.Length == 0 || token.Any(char.IsWhiteSpace)))
        {
            Add($"BearerToken must be non-empty without white space when set.");
        }

        if (HealthInterval < TimeSpan.FromSeconds(1) || HealthInterval > TimeSpan.FromMinutes(1))
        {
            Add($"HealthInterval must be between 1 second and 1 minute; it is {HealthInterval}.");
        }

        return problems;
    }
}

/// <summary>Validates <see cref="MstGadPageOptions"/> at start.</summary>
internal sealed class MstGadPageOptionsValidator : IValidateOptions<MstGadPageOptions>
{
    public ValidateOptionsResult Validate(string? name, MstGadPageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems.Select(p => "MstGad page: " + p));
    }
}

/// <summary>
/// What the live page shows, kept up to date from the monitor's verdict and incident streams: every instance's
/// score over <see cref="MstGadPageOptions.History"/>, the open and recent incidents with their root-cause candidates
/// (ranked at the step that opened them) and evidence, the call graph of the last hour, and the detector's health.
/// Changes go to every connected page as server-sent events.
/// </summary>
internal sealed class PageFeed : IHostedService, IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly TimeSpan CallMemory = TimeSpan.FromHours(1);
    private readonly MstGadMonitor _monitor;
    private readonly MstGadPageOptions _options;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Queue<ScorePoint>> _scores = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Caller, string Callee), long> _calls = [];
    private readonly Dictionary<long, (IReadOnlyList<RootCauseCandidate> Ranking, StepVerdicts Step)> _rankings = [];
    private readonly List<IncidentView> _incidents = [];
    private readonly List<Channel<string>> _clients = [];
    private readonly CancellationTokenSource _stopping = new();
    private Task _loops = Task.CompletedTask;
    private DateTimeOffset? _lastStep;

    public PageFeed(MstGadMonitor monitor, IOptions<MstGadPageOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _monitor = monitor;
        _options = options.Value;
        _time = time;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var verdicts = _monitor.ReadVerdictsAsync(_stopping.Token);
        var incidents = _monitor.ReadIncidentsAsync(_stopping.Token);
        _loops = Task.WhenAll(
            Task.Run(async () =>
            {
                await foreach (var step in verdicts.ConfigureAwait(false))
                {
                    OnStep(step);
                }
            }, CancellationToken.None),
            Task.Run(async () =>
            {
                await foreach (var change in incidents.ConfigureAwait(false))
                {
                    OnIncident(change);
                }
            }, CancellationToken.None),
            Task.Run(HealthAsync, CancellationToken.None));
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        lock (_gate)
        {
            foreach (var client in _clients)
            {
                client.Writer.TryComplete();
            }
        }

        try
        {
            await _loops.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    public void Dispose() => _stopping.Dispose();

    /// <summary>Connects a page: its events from now on (the oldest dropped when it falls 256 behind).</summary>
    public (ChannelReader<string> Events, Action Disconnect) Connect()
    {
        var channel = Channel.CreateBounded<string>(new BoundedChannelOptions(256) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        lock (_gate)
        {
            _clients.Add(channel);
        }

        return (channel.Reader, () =>
        {
            lock (_gate)
            {
                _clients.Remove(channel);
            }
        });
    }

    /// <summary>Everything the page shows, as JSON.</summary>
    public string Snapshot()
    {
        lock (_gate)
        {
            var since = _lastStep is { } last ? last - _options.History : DateTimeOffset.MinValue;
            return JsonSerializer.Serialize(new
            {
                threshold = Threshold(),
                intervalSeconds = Interval()?.TotalSeconds,
                historySeconds = _options.History.TotalSeconds,
                lastStep = _lastStep,
                instances = _scores.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => new
                {
                    name = s.Key,
                    points = s.Value.Where(p => p.End >= since).Select(p => new object?[] { p.End.ToUnixTimeMilliseconds(), Finite(p.Score), p.Flagged }),
                }),
                incidents = _incidents.OrderByDescending(i => i.Open).ThenByDescending(i => i.Start),
                graph = Graph(),
                health = Health(),
            }, Json);
        }
    }

    private void OnStep(StepVerdicts step)
    {
        if (!step.Scored)
        {
            return;
        }

        string message;
        lock (_gate)
        {
            _lastStep = step.End;
            var end = step.End.UtcTicks;
            var oldest = (step.End - _options.History).UtcTicks;
            foreach (var verdict in step.Verdicts)
            {
                if (!_scores.TryGetValue(verdict.Instance, out var points))
                {
                    _scores[verdict.Instance] = points = new Queue<ScorePoint>();
                }

                points.Enqueue(new ScorePoint(step.End, verdict.Score, verdict.IsAbnormal));
                while (points.Count > 0 && points.Peek().End.UtcTicks < oldest)
                {
                    points.Dequeue();
                }
            }

            foreach (var call in step.Calls)
            {
                _calls[call] = end;
            }

            foreach (var stale in _calls.Where(c => c.Value < end - CallMemory.Ticks).Select(c => c.Key).ToList())
            {
                _calls.Remove(stale);
            }

            if (step.Verdicts.Any(v => v.IsAbnormal))
            {
                _rankings[end] = (RootCauseRanker.Rank(step), step);
                foreach (var old in _rankings.Keys.Where(k => k < end - CallMemory.Ticks).ToList())
                {
                    _rankings.Remove(old);
                }

                foreach (var incident in _incidents.Where(i => i.RootCauses is null && i.OpenedAt == step.End))
                {
                    Explain(incident);
                }
            }

            message = Event("step", new
            {
                end = step.End.ToUnixTimeMilliseconds(),
                verdicts = step.Verdicts.Select(v => new object?[] { v.Instance, Finite(v.Score), v.IsAbnormal }),
                calls = step.Calls.Select(c => new[] { c.Caller, c.Callee }),
            });
        }

        Publish(message);
    }

    private void OnIncident(IncidentEvent change)
    {
        string message;
        lock (_gate)
        {
            var incident = change.Incident;
            var view = _incidents.Find(i => i.Id == incident.Id);
            if (view is null)
            {
                view = new IncidentView { Id = incident.Id, Instance = incident.Instance, Start = incident.Start, OpenedAt = incident.LastFlagged, Group = incident.Group };
                _incidents.Add(view);
                Explain(view);
            }

            view.Open = incident.IsOpen;
            view.End = incident.End;
            view.LastFlagged = incident.LastFlagged;
            view.FlaggedSteps = incident.FlaggedSteps;
            view.PeakScore = Finite(incident.PeakScore);
            var closed = _incidents.Where(i => !i.Open).OrderByDescending(i => i.Start).Skip(_options.RecentIncidents).ToList();
            foreach (var old in closed)
            {
                _incidents.Remove(old);
            }

            message = Event("incident", view);
        }

        Publish(message);
    }

    /// <summary>Attaches the root-cause ranking and evidence of the step that opened an incident, when that step has been seen.</summary>
    private void Explain(IncidentView incident)
    {
        if (!_rankings.TryGetValue(incident.OpenedAt.UtcTicks, out var seen))
        {
            return;
        }

        incident.RootCauses = [.. seen.Ranking.Take(3).Select(c => new RootCauseView(c.Instance, c.Rank, Finite(c.Score), c.Path))];
        if (seen.Step.Verdicts.FirstOrDefault(v => v.Instance == incident.Instance) is { } verdict)
        {
            var evidence = verdict.Evidence;
            incident.Evidence =
            [
                .. evidence.Edges.Take(3).Select(e => e.Describe()),
                .. evidence.Metrics.Take(3).Select(m => string.Create(CultureInfo.InvariantCulture, $"metric {m.Name}: error {m.Error:G3}")),
                .. evidence.Logs.Take(2).Select(l => "log " + (l.Template ?? l.Feature) + (l.ExampleMessage is { } example ? " — e.g. " + Cut(example) : string.Empty)),
                .. evidence.Attributions.Take(2).Select(a => a.Describe() + (a.ExampleMessage is { } example ? " — e.g. " + Cut(example) : string.Empty)),
            ];
        }
    }

    private async Task HealthAsync()
    {
        using var timer = new PeriodicTimer(_options.HealthInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false))
            {
                string message;
                lock (_gate)
                {
                    message = Event("health", Health());
                }

                Publish(message);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private object Graph()
    {
        var suspected = _incidents.Where(i => i.Open).Select(i => i.Instance).ToHashSet(StringComparer.Ordinal);
        foreach (var (name, points) in _scores)
        {
            if (points.Count > 0 && points.Last() is { Flagged: true } last && last.End == _lastStep)
            {
                suspected.Add(name);
            }
        }

        var nodes = _scores.Keys.Concat(_calls.Keys.SelectMany(c => new[] { c.Caller, c.Callee })).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        return new
        {
            nodes = nodes.Select(n => new { name = n, suspected = suspected.Contains(n) }),
            edges = _calls.Keys.OrderBy(c => c.Caller, StringComparer.Ordinal).ThenBy(c => c.Callee, StringComparer.Ordinal).Select(c => new[] { c.Caller, c.Callee }),
        };
    }

    private object Health()
    {
        var status = _monitor.Status;
        var now = _time.GetUtcNow();
        return new
        {
            state = status.State.ToString(),
            watermark = status.Watermark,
            queuedRecords = status.QueuedRecords,
            recordsReceived = status.RecordsReceived,
            recordsRejected = status.RecordsRejected,
            stepsClosed = status.StepsClosed,
            openIncidents = status.OpenIncidents,
            checkpointAgeSeconds = status.LastCheckpointAt is { } at ? (now - at).TotalSeconds : (double?)null,
            restoredFrom = status.RestoredFrom is { } restored ? Path.GetFileName(restored) : null,
        };
    }

    private double? Threshold() => _monitor.State == MstGadState.NotStarted ? null : Finite(_monitor.Threshold);

    private TimeSpan? Interval() => _monitor.State == MstGadState.NotStarted ? null : _monitor.Interval;

    private void Publish(string message)
    {
        lock (_gate)
        {
            foreach (var client in _clients)
            {
                client.Writer.TryWrite(message);
            }
        }
    }

    private static string Event(string name, object data) => "event: " + name + "\ndata: " + JsonSerializer.Serialize(data, Json) + "\n\n";

    private static double? Finite(double value) => double.IsFinite(value) ? value : null;

    private static string Cut(string text) => text.Length <= 120 ? text : string.Concat(text.AsSpan(0, 120), "…");

    private readonly record struct ScorePoint(DateTimeOffset End, double Score, bool Flagged);

    /// <summary>An incident as the page shows it.</summary>
    internal sealed class IncidentView
    {
        public long Id { get; init; }

        public required string Instance { get; init; }

        public DateTimeOffset Start { get; init; }

        public DateTimeOffset OpenedAt { get; init; }

        public long Group { get; init; }

        public bool Open { get; set; } = true;

        public DateTimeOffset? End { get; set; }

        public DateTimeOffset LastFlagged { get; set; }

        public int FlaggedSteps { get; set; }

        public double? PeakScore { get; set; }

        public IReadOnlyList<RootCauseView>? RootCauses { get; set; }

        public IReadOnlyList<string>? Evidence { get; set; }
    }

    /// <summary>A root-cause candidate as the page shows it.</summary>
    internal sealed record RootCauseView(string Instance, int Rank, double? Score, IReadOnlyList<string> Path);
}
