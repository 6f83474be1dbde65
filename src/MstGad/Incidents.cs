using System.Globalization;

namespace MstGad;

/// <summary>Settings of an <see cref="IncidentTracker"/>. Validated (all problems at once) when the tracker is created.</summary>
public sealed class IncidentOptions
{
    /// <summary>
    /// How long after its last flagged step an incident stays open: a flagged step of the same instance
    /// within this time continues it instead of starting a new one (the minimum gap between two incidents
    /// of one instance). Zero: only consecutive flagged steps form one incident.
    /// </summary>
    /// <value>Default zero. Zero or more.</value>
    public TimeSpan CoolDown { get; set; } = TimeSpan.Zero;

    /// <summary>How many flagged steps an incident needs before it is reported (shorter ones are counted as suppressed).</summary>
    /// <value>Default 1. At least 1.</value>
    public int MinFlaggedSteps { get; set; } = 1;

    /// <summary>Incidents of instances adjacent in the call graph that start within this time of each other share a group.</summary>
    /// <value>Default 2 minutes. Zero or more.</value>
    public TimeSpan GroupingTolerance { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long a call edge counts as adjacency after it was last seen.</summary>
    /// <value>Default 1 hour. Greater than zero.</value>
    public TimeSpan CallGraphMemory { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Checks every setting and returns one message per problem (empty when valid).</summary>
    /// <returns>The problems.</returns>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        void Add(FormattableString message) => problems.Add(message.ToString(CultureInfo.InvariantCulture));
        if (CoolDown < TimeSpan.Zero)
        {
            Add($"CoolDown must not be negative; it is {CoolDown}.");
        }

        if (MinFlaggedSteps < 1)
        {
            Add($"MinFlaggedSteps must be at least 1; it is {MinFlaggedSteps}.");
        }

        if (GroupingTolerance < TimeSpan.Zero)
        {
            Add($"GroupingTolerance must not be negative; it is {GroupingTolerance}.");
        }

        if (CallGraphMemory <= TimeSpan.Zero)
        {
            Add($"CallGraphMemory must be greater than zero; it is {CallGraphMemory}.");
        }

        return problems;
    }

    internal IncidentOptions Clone() => (IncidentOptions)MemberwiseClone();
}

/// <summary>An incident: consecutive flagged steps of one instance (gaps up to <see cref="IncidentOptions.CoolDown"/> allowed).</summary>
/// <param name="Id">A number unique within the tracker, in order of reporting.</param>
/// <param name="Instance">The instance key.</param>
/// <param name="Start">The start of its first flagged step.</param>
/// <param name="LastFlagged">The end of its last flagged step.</param>
/// <param name="End">When closed, the end of its last flagged step; <see langword="null"/> while open.</param>
/// <param name="FlaggedSteps">How many steps were flagged.</param>
/// <param name="PeakScore">The highest decision score among its flagged steps.</param>
/// <param name="Group">The id of the incident that started its group (its own id when it started one).</param>
public sealed record Incident(long Id, string Instance, DateTimeOffset Start, DateTimeOffset LastFlagged, DateTimeOffset? End, int FlaggedSteps, double PeakScore, long Group)
{
    /// <summary>Whether the incident is still open.</summary>
    public bool IsOpen => End is null;
}

/// <summary>What happened to an incident.</summary>
public enum IncidentChange
{
    /// <summary>Reported for the first time (it has <see cref="IncidentOptions.MinFlaggedSteps"/> flagged steps).</summary>
    Opened = 0,

    /// <summary>Its cool-down passed without a flagged step.</summary>
    Closed = 1,
}

/// <summary>A change of an incident.</summary>
/// <param name="Change">What happened.</param>
/// <param name="Incident">The incident after the change.</param>
public sealed record IncidentEvent(IncidentChange Change, Incident Incident);

/// <summary>
/// Alert hygiene over a stream of <see cref="StepVerdicts"/>: turns flagged steps into incidents (one per run of
/// flagged steps of an instance, with a cool-down and a minimum length) and groups incidents that spread along
/// the call graph at the same time (adjacent instances, starts within <see cref="IncidentOptions.GroupingTolerance"/>).
/// </summary>
/// <remarks>
/// Feed steps in time order. An instance without a verdict in a step counts as not flagged. A new incident joins
/// the group of the earliest reported incident of an adjacent instance that started within the tolerance; groups
/// are never merged afterwards. Not thread-safe; memory is bounded by open incidents, the tolerance and
/// <see cref="IncidentOptions.CallGraphMemory"/>.
/// </remarks>
public sealed class IncidentTracker
{
    private readonly IncidentOptions _options;
    private readonly Dictionary<string, Incident> _active = new(StringComparer.Ordinal);
    private readonly List<Incident> _recent = [];
    private readonly Dictionary<(string, string), DateTimeOffset> _adjacent = [];
    private long _nextId = 1;
    private long _nextCandidate = -1;
    private DateTimeOffset _lastPruned = DateTimeOffset.MinValue;

    /// <summary>Creates a tracker.</summary>
    /// <param name="options">Settings (validated and copied); <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentException">The options are not valid.</exception>
    public IncidentTracker(IncidentOptions? options = null)
    {
        options ??= new IncidentOptions();
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid incident options:" + Environment.NewLine + "- " + string.Join(Environment.NewLine + "- ", problems));
        }

        _options = options.Clone();
    }

    /// <summary>The reported incidents still open, by instance.</summary>
    public IReadOnlyList<Incident> Open => [.. _active.Values.Where(i => i.Id > 0).OrderBy(i => i.Id)];

    /// <summary>Runs of flagged steps that ended before reaching <see cref="IncidentOptions.MinFlaggedSteps"/>.</summary>
    public long Suppressed { get; private set; }

    /// <summary>Takes the verdicts of the next step.</summary>
    /// <param name="step">The step (later than every step before).</param>
    /// <returns>The incidents opened and closed by it.</returns>
    public IReadOnlyList<IncidentEvent> Observe(StepVerdicts step)
    {
        ArgumentNullException.ThrowIfNull(step);
        foreach (var (caller, callee) in step.Calls)
        {
            if (!string.Equals(caller, callee, StringComparison.Ordinal))
            {
                _adjacent[Pair(caller, callee)] = step.End;
            }
        }

        var events = new List<IncidentEvent>();
        var flagged = new HashSet<string>(StringComparer.Ordinal);
        foreach (var verdict in step.Verdicts.Where(v => v.IsAbnormal).OrderBy(v => v.Instance, StringComparer.Ordinal))
        {
            flagged.Add(verdict.Instance);
            var incident = _active.TryGetValue(verdict.Instance, out var open)
                ? open with { LastFlagged = step.End, FlaggedSteps = open.FlaggedSteps + 1, PeakScore = Math.Max(open.PeakScore, verdict.Score) }
                : new Incident(_nextCandidate--, verdict.Instance, step.Start, step.End, null, 1, verdict.Score, 0);
            if (incident.Id < 0 && incident.FlaggedSteps >= _options.MinFlaggedSteps)
            {
                var id = _nextId++;
                incident = incident with { Id = id, Group = GroupOf(incident, id) };
                _recent.Add(incident);
                events.Add(new IncidentEvent(IncidentChange.Opened, incident));
            }

            _active[verdict.Instance] = incident;
        }

        foreach (var incident in _active.Values.Where(i => !flagged.Contains(i.Instance)).OrderBy(i => i.Instance, StringComparer.Ordinal).ToList())
        {
            if (step.End - incident.LastFlagged > _options.CoolDown)
            {
                _active.Remove(incident.Instance);
                if (incident.Id > 0)
                {
                    events.Add(new IncidentEvent(IncidentChange.Closed, incident with { End = incident.LastFlagged }));
                }
                else
                {
                    Suppressed++;
                }
            }
        }

        Prune(step.End);
        return events;
    }

    /// <summary>Closes every open incident (the end of the stream).</summary>
    /// <returns>The incidents closed.</returns>
    public IReadOnlyList<IncidentEvent> Flush()
    {
        var events = new List<IncidentEvent>();
        foreach (var incident in _active.Values.OrderBy(i => i.Instance, StringComparer.Ordinal))
        {
            if (incident.Id > 0)
            {
                events.Add(new IncidentEvent(IncidentChange.Closed, incident with { End = incident.LastFlagged }));
            }
            else
            {
                Suppressed++;
            }
        }

        _active.Clear();
        return events;
    }

    private long GroupOf(Incident incident, long id)
    {
        var tolerance = _options.GroupingTolerance;
        foreach (var other in _recent.OrderBy(i => i.Start).ThenBy(i => i.Id))
        {
            if ((other.Start - incident.Start).Duration() <= tolerance
                && _adjacent.TryGetValue(Pair(other.Instance, incident.Instance), out var seen)
                && incident.LastFlagged - seen <= _options.CallGraphMemory)
            {
                return other.Group;
            }
        }

        return id;
    }

    private void Prune(DateTimeOffset now)
    {
        _recent.RemoveAll(i => now - i.Start > _options.GroupingTolerance + _options.CoolDown && !_active.ContainsKey(i.Instance));
        if (now - _lastPruned > _options.CallGraphMemory / 4)
        {
            foreach (var pair in _adjacent.Where(p => now - p.Value > _options.CallGraphMemory).Select(p => p.Key).ToList())
            {
                _adjacent.Remove(pair);
            }

            _lastPruned = now;
        }
    }

    private static (string, string) Pair(string a, string b) => string.CompareOrdinal(a, b) <= 0 ? (a, b) : (b, a);
}
