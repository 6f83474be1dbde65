using System.Globalization;

namespace MstGad.Simulation;

/// <summary>
/// Settings of a <see cref="TelemetrySimulator"/>. The system itself — services, call graph, replicas,
/// pod names — depends only on <see cref="Services"/> and <see cref="Replicas"/>; <see cref="Seed"/>
/// drives everything that happens in it (requests, noise, faults). Two simulations with the same
/// sizes and different seeds or start times are therefore the same system on different days, so a
/// detector trained on one can score the other.
/// </summary>
public sealed class SimulationOptions
{
    /// <summary>The largest number of services.</summary>
    public const int MaxServices = 500;

    /// <summary>The largest number of replicas per service.</summary>
    public const int MaxReplicas = 50;

    /// <summary>The seed of everything random in the simulation: two simulators with equal options emit equal records.</summary>
    /// <value>Default 1.</value>
    public long Seed { get; set; } = 1;

    /// <summary>The number of services. The first is the entry point (<c>ts-ui-dashboard</c>); up to 41
    /// services are named after TrainTicket's, the rest <c>ts-extra-&lt;n&gt;-service</c>.</summary>
    /// <value>Default 8. From 2 to <see cref="MaxServices"/>.</value>
    public int Services { get; set; } = 8;

    /// <summary>Replicas (pods) per service.</summary>
    /// <value>Default 1. From 1 to <see cref="MaxReplicas"/>.</value>
    public int Replicas { get; set; } = 1;

    /// <summary>The start of the simulated period.</summary>
    /// <value>Default 2024-01-01 00:00:00 UTC.</value>
    public DateTimeOffset Start { get; set; } = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The length of the simulated period.</summary>
    /// <value>Default 1 hour. A positive whole multiple of <see cref="MetricInterval"/>, at most 366 days.</value>
    public TimeSpan Duration { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often every instance reports its metrics (each sample covers the interval before it).
    /// The simulation is generated one interval at a time.</summary>
    /// <value>Default 10 s. From 1 s to 1 hour.</value>
    public TimeSpan MetricInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The mean rate of user requests at the entry service, over a day.</summary>
    /// <value>Default 5 per second. Greater than zero, at most 10,000.</value>
    public double RequestsPerSecond { get; set; } = 5;

    /// <summary>The daily pattern: the request rate is the mean × (1 + amplitude · sin), lowest at 02:00 and highest at 14:00 UTC.</summary>
    /// <value>Default 0.5. In [0, 1).</value>
    public double DailyAmplitude { get; set; } = 0.5;

    /// <summary>The relative noise of request rates, processing times and metrics.</summary>
    /// <value>Default 0.1. In [0, 1].</value>
    public double Noise { get; set; } = 0.1;

    /// <summary>How many faults to inject at random times and instances when <see cref="Faults"/> is empty.
    /// They are spread evenly over the period (after a fault-free first <see cref="FaultDuration"/>) and
    /// take their kinds in turn from <see cref="FaultKinds"/>, in an order shuffled by the seed.</summary>
    /// <value>Default 6. Zero or more; the period must hold (2 × count + 1) fault durations.</value>
    public int FaultCount { get; set; } = 6;

    /// <summary>How long each random fault lasts.</summary>
    /// <value>Default 4 minutes. At least <see cref="MetricInterval"/>.</value>
    public TimeSpan FaultDuration { get; set; } = TimeSpan.FromMinutes(4);

    /// <summary>The kinds random faults take.</summary>
    /// <value>Default every <see cref="FaultKind"/>. Not empty when <see cref="FaultCount"/> is positive.</value>
    public IList<FaultKind> FaultKinds { get; } = [.. FaultKindNames.All];

    /// <summary>An explicit fault schedule. When not empty, exactly these faults are injected and
    /// <see cref="FaultCount"/> is ignored; a target may be an instance or a service (its first replica).</summary>
    /// <value>Default empty.</value>
    public IList<SimulatedFault> Faults { get; } = [];

    /// <summary>Scales how strongly every fault shows (1 = the strengths documented on <see cref="FaultKind"/>).</summary>
    /// <value>Default 1. Greater than zero, at most 10.</value>
    public double FaultIntensity { get; set; } = 1;

    /// <summary>Checks every setting and returns one message per problem (empty when valid). Fault targets
    /// are checked by the <see cref="TelemetrySimulator"/>, which knows the system's instances.</summary>
    /// <returns>The problems.</returns>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        void Add(FormattableString message) => problems.Add(message.ToString(CultureInfo.InvariantCulture));
        if (Services is < 2 or > MaxServices)
        {
            Add($"Services must be from 2 to {MaxServices}; it is {Services}.");
        }

        if (Replicas is < 1 or > MaxReplicas)
        {
            Add($"Replicas must be from 1 to {MaxReplicas}; it is {Replicas}.");
        }

        var intervalValid = MetricInterval >= TimeSpan.FromSeconds(1) && MetricInterval <= TimeSpan.FromHours(1);
        if (!intervalValid)
        {
            Add($"MetricInterval must be from 1 s to 1 h; it is {MetricInterval}.");
        }

        if (Duration <= TimeSpan.Zero || Duration > TimeSpan.FromDays(366))
        {
            Add($"Duration must be greater than zero and at most 366 days; it is {Duration}.");
        }
        else if (intervalValid && Duration.Ticks % MetricInterval.Ticks != 0)
        {
            Add($"Duration must be a whole multiple of MetricInterval ({MetricInterval}); it is {Duration}.");
        }

        if (!(RequestsPerSecond > 0 && RequestsPerSecond <= 10_000))
        {
            Add($"RequestsPerSecond must be greater than zero and at most 10000; it is {RequestsPerSecond}.");
        }

        if (!(DailyAmplitude >= 0 && DailyAmplitude < 1))
        {
            Add($"DailyAmplitude must be in [0, 1); it is {DailyAmplitude}.");
        }

        if (!(Noise >= 0 && Noise <= 1))
        {
            Add($"Noise must be in [0, 1]; it is {Noise}.");
        }

        if (!(FaultIntensity > 0 && FaultIntensity <= 10))
        {
            Add($"FaultIntensity must be greater than zero and at most 10; it is {FaultIntensity}.");
        }

        if (Faults.Count == 0)
        {
            ValidateRandomFaults(Add, intervalValid);
        }
        else
        {
            ValidateSchedule(Add);
        }

        return problems;
    }

    internal void ThrowIfInvalid()
    {
        var problems = Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid simulation options:" + Environment.NewLine + "- " + string.Join(Environment.NewLine + "- ", problems));
        }
    }

    internal SimulationOptions Clone()
    {
        var copy = new SimulationOptions
        {
            Seed = Seed,
            Services = Services,
            Replicas = Replicas,
            Start = Start.ToUniversalTime(),
            Duration = Duration,
            MetricInterval = MetricInterval,
            RequestsPerSecond = RequestsPerSecond,
            DailyAmplitude = DailyAmplitude,
            Noise = Noise,
            FaultCount = FaultCount,
            FaultDuration = FaultDuration,
            FaultIntensity = FaultIntensity,
        };
        copy.FaultKinds.Clear();
        foreach (var kind in FaultKinds)
        {
            copy.FaultKinds.Add(kind);
        }

        foreach (var fault in Faults)
        {
            copy.Faults.Add(fault);
        }

        return copy;
    }

    private void ValidateRandomFaults(Action<FormattableString> add, bool intervalValid)
    {
        if (FaultCount < 0)
        {
            add($"FaultCount must be zero or more; it is {FaultCount}.");
            return;
        }

        if (FaultCount == 0)
        {
            return;
        }

        if (intervalValid && FaultDuration < MetricInterval)
        {
            add($"FaultDuration must be at least MetricInterval ({MetricInterval}); it is {FaultDuration}.");
        }
        else if (Duration > TimeSpan.Zero && FaultDuration * ((2.0 * FaultCount) + 1) > Duration)
        {
            add($"Duration must hold (2 × FaultCount + 1) fault durations so that faults are separated by normal time: {FaultCount} faults of {FaultDuration} need at least {FaultDuration * ((2.0 * FaultCount) + 1)}; it is {Duration}.");
        }

        if (FaultKinds.Count == 0)
        {
            add($"FaultKinds must name at least one kind when FaultCount is positive.");
        }

        foreach (var kind in FaultKinds.Distinct())
        {
            if (!Enum.IsDefined(kind))
            {
                add($"FaultKinds holds {(int)kind}, which is not a FaultKind.");
            }
        }
    }

    private void ValidateSchedule(Action<FormattableString> add)
    {
        var end = Start + Duration;
        for (var i = 0; i < Faults.Count; i++)
        {
            var fault = Faults[i];
            if (fault is null)
            {
                add($"Faults[{i}] is null.");
                continue;
            }

            if (!Enum.IsDefined(fault.Kind))
            {
                add($"Faults[{i}] has kind {(int)fault.Kind}, which is not a FaultKind.");
            }

            if (string.IsNullOrWhiteSpace(fault.Target))
            {
                add($"Faults[{i}] has no target.");
            }

            if (fault.Duration <= TimeSpan.Zero)
            {
                add($"Faults[{i}] must last longer than zero; it lasts {fault.Duration}.");
            }

            if (fault.Start < Start || fault.End > end)
            {
                add($"Faults[{i}] ({fault.Start:O} – {fault.End:O}) must lie inside the simulated period {Start:O} – {end:O}.");
            }
        }
    }
}
