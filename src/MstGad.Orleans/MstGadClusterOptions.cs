namespace MstGad.Orleans;

/// <summary>How the silos run the monitored systems' detectors (<see cref="MstGadSiloBuilderExtensions.AddMstGad"/>).</summary>
public sealed class MstGadClusterOptions
{
    /// <summary>The default name of the grain storage that keeps the checkpoints.</summary>
    public const string DefaultStorageName = "mstgad";

    /// <summary>Where each system's trained detector is. Required.</summary>
    public IMstGadModelStore? ModelStore { get; set; }

    /// <summary>The grain storage provider (registered under this name) that keeps each system's checkpoint.</summary>
    /// <value>Default <see cref="DefaultStorageName"/>: register it, e.g. <c>AddMemoryGrainStorage("mstgad")</c>, or
    /// PostgreSQL with <see cref="MstGadSiloBuilderExtensions.AddMstGadPostgreSqlStorage"/>.</value>
    public string StorageName { get; set; } = DefaultStorageName;

    /// <summary>How often a system's grain writes its checkpoint while records arrive.</summary>
    /// <value>Default 1 minute. A lost silo loses at most the records since the last checkpoint of each of its grains
    /// (senders that keep what was not acknowledged send them again).</value>
    public TimeSpan CheckpointPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Also writes a checkpoint after this many deliveries since the last one; 0 for none.</summary>
    /// <value>Default 0.</value>
    public int CheckpointEveryDeliveries { get; set; }

    /// <summary>
    /// When a system has sent no record for this long, its event time is taken to go on at the speed of the clock:
    /// the watermark moves to the last delivery's watermark plus the time since it came, so steps close and incidents
    /// end in quiet periods (as <c>MstGadHostOptions.IdleAdvanceAfter</c> of one process). Zero: the watermark moves
    /// only with records.
    /// </summary>
    /// <value>Default 1 minute.</value>
    public TimeSpan IdleAdvanceAfter { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Steps an observer may have waiting (not yet taken) before the oldest are given up (counted).</summary>
    /// <value>Default 1,440 (a day of one-minute steps).</value>
    public int MaxUndeliveredSteps { get; set; } = 1_440;

    /// <summary>How often steps an observer has not taken are sent again.</summary>
    /// <value>Default 5 seconds.</value>
    public TimeSpan ObserverRetryPeriod { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long an observer stays subscribed without subscribing again.</summary>
    /// <value>Default 10 minutes.</value>
    public TimeSpan ObserverExpiry { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Deliveries one silo may have on their way to one system's grain at once; beyond, the router answers
    /// <see cref="IngestStatus.Busy"/> (the OTLP endpoints answer 429 / RESOURCE_EXHAUSTED with a retry delay).</summary>
    /// <value>Default 16.</value>
    public int MaxDeliveriesInFlight { get; set; } = 16;

    /// <summary>The system a record belongs to and its instance name there, from the instance name it arrived with
    /// (<see cref="ITelemetryRouterGrain"/> and the cluster's OTLP receiver route by it).</summary>
    /// <value>Default <see cref="DefaultRoute"/>: <c>shop/checkout-7f9c</c> is instance <c>checkout-7f9c</c> of system
    /// <c>shop</c> (the OTLP receiver names instances so with <c>MstGadOtlpOptions.SystemAttribute</c>); an instance
    /// without a '/' belongs to <c>default</c>.</value>
    public Func<string, (string System, string Instance)> Route { get; set; } = DefaultRoute;

    /// <summary>Records the cluster's OTLP receiver (<see cref="ClusterTelemetryReceiver"/>) may hold on one silo for
    /// one system before they reach its grain; beyond, requests are refused (429 / RESOURCE_EXHAUSTED, to be sent again).</summary>
    /// <value>Default 200,000.</value>
    public int MaxQueuedRecords { get; set; } = 200_000;

    /// <summary>The most records the cluster's OTLP receiver puts into one delivery to a system's grain (what waited
    /// is sent together).</summary>
    /// <value>Default 5,000.</value>
    public int MaxDeliveryRecords { get; set; } = 5_000;

    /// <summary>How each system's grain groups flagged steps into incidents.</summary>
    public IncidentOptions Incidents { get; set; } = new();

    /// <summary>Sets the online detectors' options (lateness, span retention, clock skew), applied to every system's detector.</summary>
    public Action<OnlineDetectorOptions>? ConfigureOnline { get; set; }

    /// <summary>The default <see cref="Route"/>: the text before the first '/' is the system, the rest the instance.</summary>
    /// <param name="instance">An instance name as it arrived.</param>
    /// <returns>Its system and its instance name there.</returns>
    public static (string System, string Instance) DefaultRoute(string instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        var slash = instance.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 ? (instance[..slash], instance[(slash + 1)..]) : ("default", instance);
    }

    /// <summary>What is wrong with these options (empty when nothing is).</summary>
    /// <returns>One message per problem.</returns>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (ModelStore is null)
        {
            problems.Add("ModelStore is required: where the silos find each system's trained detector (e.g. new FolderModelStore(path)).");
        }

        if (string.IsNullOrWhiteSpace(StorageName))
        {
            problems.Add("StorageName must name a grain storage provider.");
        }

        if (CheckpointPeriod <= TimeSpan.Zero)
        {
            problems.Add($"CheckpointPeriod must be positive; it is {CheckpointPeriod}.");
        }

        if (CheckpointEveryDeliveries < 0)
        {
            problems.Add($"CheckpointEveryDeliveries must be 0 or more; it is {CheckpointEveryDeliveries}.");
        }

        if (ObserverExpiry <= TimeSpan.Zero)
        {
            problems.Add($"ObserverExpiry must be positive; it is {ObserverExpiry}.");
        }

        if (IdleAdvanceAfter < TimeSpan.Zero)
        {
            problems.Add($"IdleAdvanceAfter must be zero (off) or positive; it is {IdleAdvanceAfter}.");
        }

        if (MaxUndeliveredSteps < 1)
        {
            problems.Add($"MaxUndeliveredSteps must be at least 1; it is {MaxUndeliveredSteps}.");
        }

        if (ObserverRetryPeriod <= TimeSpan.Zero)
        {
            problems.Add($"ObserverRetryPeriod must be positive; it is {ObserverRetryPeriod}.");
        }

        if (MaxDeliveriesInFlight < 1)
        {
            problems.Add($"MaxDeliveriesInFlight must be at least 1; it is {MaxDeliveriesInFlight}.");
        }

        if (Route is null)
        {
            problems.Add("Route is required.");
        }

        if (MaxQueuedRecords < 1)
        {
            problems.Add($"MaxQueuedRecords must be at least 1; it is {MaxQueuedRecords}.");
        }

        if (MaxDeliveryRecords < 1)
        {
            problems.Add($"MaxDeliveryRecords must be at least 1; it is {MaxDeliveryRecords}.");
        }

        if (Incidents is null)
        {
            problems.Add("Incidents is required.");
        }
        else
        {
            problems.AddRange(Incidents.Validate().Select(p => "Incidents: " + p));
        }

        var online = new OnlineDetectorOptions();
        ConfigureOnline?.Invoke(online);
        problems.AddRange(online.Validate().Select(p => "ConfigureOnline: " + p));
        return problems;
    }

    internal OnlineDetectorOptions CreateOnlineOptions()
    {
        var online = new OnlineDetectorOptions();
        ConfigureOnline?.Invoke(online);
        return online;
    }
}
