using System.Globalization;
using Microsoft.Extensions.Options;

namespace MstGad.Hosting;

/// <summary>
/// Settings of the hosted detector (<see cref="MstGadServiceCollectionExtensions.AddMstGad(Microsoft.Extensions.DependencyInjection.IServiceCollection, Action{MstGadHostOptions})"/>),
/// usually bound from the configuration section <see cref="SectionName"/>. Validated when the host starts, every
/// problem at once.
/// </summary>
public sealed class MstGadHostOptions
{
    /// <summary>The configuration section the options are usually bound from.</summary>
    public const string SectionName = "MstGad";

    /// <summary>The detector artifact (written by <see cref="Detector.Save(string)"/> or <c>mstgad train</c>), loaded at start.</summary>
    /// <value>Required: a file that exists.</value>
    public string ModelPath { get; set; } = string.Empty;

    /// <summary>
    /// Where checkpoints are written (created when missing); the newest good one is restored at start.
    /// <see langword="null"/> or empty: no checkpoints, every start begins empty.
    /// </summary>
    public string? CheckpointDirectory { get; set; }

    /// <summary>How often a checkpoint is written while running (one is also written at shutdown).</summary>
    /// <value>Default 5 minutes. Between 1 second and 1 day.</value>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How many of the newest checkpoints are kept (older ones are deleted after each write).</summary>
    /// <value>Default 3. At least 1.</value>
    public int CheckpointsToKeep { get; set; } = 3;

    /// <summary>How long after a step's end its records are still accepted (<see cref="OnlineDetectorOptions.Lateness"/>).</summary>
    /// <value>Default 2 minutes. Between 0 and 1 day.</value>
    public TimeSpan Lateness { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long span ids are remembered to join parents and children (<see cref="OnlineDetectorOptions.SpanRetention"/>).</summary>
    /// <value>Default 10 minutes. Between 0 and 1 day.</value>
    public TimeSpan SpanRetention { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Records further ahead of the clock than this are not used (<see cref="OnlineDetectorOptions.MaxClockSkew"/>); <see langword="null"/>: no check (replaying a recording).</summary>
    /// <value>Default 15 minutes. Not negative.</value>
    public TimeSpan? MaxClockSkew { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// When no record has arrived for this long, event time is taken to go on at the speed of the clock: the
    /// watermark moves to the last record's watermark plus the time since it arrived, so steps close and
    /// incidents end in quiet periods. Zero: the watermark moves only with records.
    /// </summary>
    /// <value>Default 1 minute. Between 0 and 1 day.</value>
    public TimeSpan IdleAdvanceAfter { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How many records may wait for the scorer; a batch that would exceed it is refused with
    /// <see cref="ReceiveStatus.QueueFull"/> (the sender retries later) and counted.
    /// </summary>
    /// <value>Default 1,000,000. At least 1.</value>
    public int QueueCapacity { get; set; } = 1_000_000;

    /// <summary>How many steps (or incident changes) a reader of <see cref="MstGadMonitor.ReadVerdictsAsync"/> or <see cref="MstGadMonitor.ReadIncidentsAsync"/> may fall behind; older ones are dropped for it and counted.</summary>
    /// <value>Default 1,024. At least 1.</value>
    public int SubscriberBufferCapacity { get; set; } = 1024;

    /// <summary>How flagged steps become incidents.</summary>
    public IncidentOptions Incidents { get; } = new();

    /// <summary>The health check reports Degraded when the watermark has not moved for this long.</summary>
    /// <value>Default 10 minutes. Greater than zero.</value>
    public TimeSpan HealthWatermarkStall { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The health check reports Unhealthy when records have been waiting and the queue has not been empty for this long (scoring is not keeping up).</summary>
    /// <value>Default 1 minute. Greater than zero.</value>
    public TimeSpan HealthQueueDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The health check reports Degraded when checkpoints are on and the newest is older than this.</summary>
    /// <value>Default 15 minutes. Greater than zero.</value>
    public TimeSpan HealthCheckpointAge { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Checks every setting and returns one message per problem (empty when valid).</summary>
    /// <returns>The problems.</returns>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        void Add(FormattableString message) => problems.Add(message.ToString(CultureInfo.InvariantCulture));
        if (string.IsNullOrWhiteSpace(ModelPath))
        {
            Add($"ModelPath must name the detector artifact (mstgad train --out, or Detector.Save); it is empty.");
        }
        else if (!File.Exists(ModelPath))
        {
            Add($"ModelPath names no file: '{Path.GetFullPath(ModelPath)}'.");
        }

        if (!string.IsNullOrEmpty(CheckpointDirectory) && File.Exists(CheckpointDirectory))
        {
            Add($"CheckpointDirectory is a file, not a folder: '{Path.GetFullPath(CheckpointDirectory)}'.");
        }

        Between(nameof(CheckpointInterval), CheckpointInterval, TimeSpan.FromSeconds(1));
        if (CheckpointsToKeep < 1)
        {
            Add($"CheckpointsToKeep must be at least 1; it is {CheckpointsToKeep}.");
        }

        Between(nameof(Lateness), Lateness, TimeSpan.Zero);
        Between(nameof(SpanRetention), SpanRetention, TimeSpan.Zero);
        if (MaxClockSkew < TimeSpan.Zero)
        {
            Add($"MaxClockSkew must not be negative when set; it is {MaxClockSkew}.");
        }

        Between(nameof(IdleAdvanceAfter), IdleAdvanceAfter, TimeSpan.Zero);
        if (QueueCapacity < 1)
        {
            Add($"QueueCapacity must be at least 1; it is {QueueCapacity}.");
        }

        if (SubscriberBufferCapacity < 1)
        {
            Add($"SubscriberBufferCapacity must be at least 1; it is {SubscriberBufferCapacity}.");
        }

        problems.AddRange(Incidents.Validate().Select(p => "Incidents." + p));
        Positive(nameof(HealthWatermarkStall), HealthWatermarkStall);
        Positive(nameof(HealthQueueDelay), HealthQueueDelay);
        Positive(nameof(HealthCheckpointAge), HealthCheckpointAge);
        return problems;

        void Between(string name, TimeSpan value, TimeSpan least)
        {
            if (value < least || value > TimeSpan.FromDays(1))
            {
                Add($"{name} must be between {least} and 1 day; it is {value}.");
            }
        }

        void Positive(string name, TimeSpan value)
        {
            if (value <= TimeSpan.Zero)
            {
                Add($"{name} must be greater than zero; it is {value}.");
            }
        }
    }

    /// <summary>The online detector's settings these options give.</summary>
    internal OnlineDetectorOptions ToOnline(TimeProvider timeProvider, Microsoft.Extensions.Logging.ILoggerFactory loggerFactory) => new()
    {
        Lateness = Lateness,
        SpanRetention = SpanRetention,
        MaxClockSkew = MaxClockSkew,
        VerdictBufferCapacity = 0,
        TimeProvider = timeProvider,
        LoggerFactory = loggerFactory,
    };
}

/// <summary>Validates <see cref="MstGadHostOptions"/> when the host starts (every problem at once).</summary>
internal sealed class MstGadHostOptionsValidator : IValidateOptions<MstGadHostOptions>
{
    public ValidateOptionsResult Validate(string? name, MstGadHostOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems.Select(p => "MstGad: " + p));
    }
}
