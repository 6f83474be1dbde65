using System.Globalization;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using MstGad.Features;

namespace MstGad;

/// <summary>
/// Scores telemetry as it arrives: records are pushed one by one (in any order within
/// <see cref="OnlineDetectorOptions.Lateness"/>, from any number of threads), and when a step closes its
/// verdicts come out through <see cref="ReadVerdictsAsync"/> and the <see cref="StepClosed"/> event.
/// </summary>
/// <remarks>
/// <para>
/// The newest event time of a used record is the watermark; a step closes once the watermark is
/// <see cref="OnlineDetectorOptions.Lateness"/> past its end. Closed steps go through exactly the code of
/// <see cref="Detector.Detect(TelemetryAggregate, long?, long?)"/>, so streaming the records of a recording
/// (none of them late) gives the verdicts of batch detection on it.
/// </para>
/// <para>
/// Memory stays bounded however long it runs: only open steps, the last k steps of features, span ids of
/// <see cref="OnlineDetectorOptions.SpanRetention"/> and instances heard from recently are kept; metric names and
/// operations the model does not use are not stored. New instances become new graph nodes and unseen log
/// templates count in the model's "unseen" feature, without retraining; a missing modality is masked.
/// </para>
/// <para>
/// <see cref="SaveCheckpoint(Stream)"/> writes the whole state; <see cref="Restore(Detector, Stream, OnlineDetectorOptions?)"/>
/// continues from it, so a restarted agent neither loses nor double-counts records pushed before the checkpoint.
/// </para>
/// <para>
/// Thread-safe. Scoring runs on the thread whose push closes a step, one step at a time. The detector uses
/// the <see cref="Detector"/>'s network: do not score with that detector from other threads meanwhile, and
/// keep it alive (this class does not dispose it).
/// </para>
/// </remarks>
public sealed partial class OnlineDetector : IDisposable
{
    private readonly Detector _detector;
    private readonly OnlineDetectorOptions _options;
    private readonly ILogger _logger;
    private readonly StepClock _clock;
    private readonly Lock _gate = new();
    private readonly Lock _scoring = new();
    private readonly TelemetryAggregator _aggregator;
    private readonly Queue<StepFeatures> _closed = new();
    private readonly DetectionWindows _windows;
    private readonly Channel<StepVerdicts>? _channel;
    private readonly long _latenessTicks;
    private int[] _metricIndex = [];
    private int _resolvedMetrics = -1;
    private long _watermarkTicks = long.MinValue;
    private long _firstStep = long.MinValue;
    private long _metricsAhead;
    private long _logsAhead;
    private long _spansAhead;
    private long _stepsClosed;
    private long _stepsScored;
    private long _verdicts;
    private long _stepsDropped;
    private long _scoringTicks;
    private bool _completed;
    private bool _disposed;

    /// <summary>Starts online detection with a trained detector.</summary>
    /// <param name="detector">A trained (or loaded) detector; not owned.</param>
    /// <param name="options">Settings (validated and copied); <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentException">The options are not valid.</exception>
    /// <exception cref="InvalidOperationException">The detector is not trained.</exception>
    public OnlineDetector(Detector detector, OnlineDetectorOptions? options = null)
        : this(detector, options, null)
    {
    }

    private OnlineDetector(Detector detector, OnlineDetectorOptions? options, Func<FeatureOptions, AggregatorLimits, TelemetryAggregator>? aggregator)
    {
        ArgumentNullException.ThrowIfNull(detector);
        options ??= new OnlineDetectorOptions();
        options.ThrowIfInvalid();
        _options = options.Clone();
        _detector = detector;
        _logger = _options.LoggerFactory.CreateLogger("MstGad.Online");
        var features = detector.FeatureSettings;
        _clock = new StepClock(features.Interval);
        _latenessTicks = _options.Lateness.Ticks;
        var space = detector.Features;
        var interval = features.Interval.Ticks;
        var spanSteps = (_options.SpanRetention.Ticks + interval - 1) / interval;
        var limits = new AggregatorLimits
        {
            Metrics = space.Metrics.ToHashSet(StringComparer.Ordinal),
            Operations = space.RequestTypes.ToHashSet(StringComparer.Ordinal),
            KeepExamples = false,
            KeepRawNames = false,
            SpanRetentionSteps = spanSteps,
            InstanceRetentionSteps = Math.Max(spanSteps, features.MaxCarryForwardSteps) + 2,
            RawNameCacheSize = 4096,
        };
        _aggregator = aggregator?.Invoke(features, limits) ?? new TelemetryAggregator(features, detector.CopyTrainedParser(), limits);
        _windows = detector.CreateWindowBuilder(_clock);
        if (_options.VerdictBufferCapacity > 0)
        {
            _channel = Channel.CreateBounded<StepVerdicts>(
                new BoundedChannelOptions(_options.VerdictBufferCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = false, SingleWriter = true },
                dropped =>
                {
                    Interlocked.Increment(ref _stepsDropped);
                    LogDropped(_logger, dropped.End);
                });
        }
    }

    /// <summary>Raised on the scoring thread for every closed step, in step order.</summary>
    public event EventHandler<StepClosedEventArgs>? StepClosed;

    /// <summary>The step interval Δ.</summary>
    public TimeSpan Interval => _clock.Interval;

    /// <summary>The newest event time of a used record, if any.</summary>
    public DateTimeOffset? Watermark
    {
        get
        {
            lock (_gate)
            {
                return _watermarkTicks == long.MinValue ? null : new DateTimeOffset(_watermarkTicks, TimeSpan.Zero);
            }
        }
    }

    /// <summary>What was used and not used, and why (a snapshot).</summary>
    public OnlineReport Report
    {
        get
        {
            lock (_gate)
            {
                return new OnlineReport(
                    _aggregator.Report.Clone(),
                    _metricsAhead,
                    _logsAhead,
                    _spansAhead,
                    _stepsClosed,
                    Interlocked.Read(ref _stepsScored),
                    Interlocked.Read(ref _verdicts),
                    Interlocked.Read(ref _stepsDropped),
                    _watermarkTicks == long.MinValue ? null : new DateTimeOffset(_watermarkTicks, TimeSpan.Zero),
                    _aggregator.OpenSteps,
                    _aggregator.LiveInstances,
                    _aggregator.RememberedSpans,
                    _aggregator.WaitingChildren,
                    TimeSpan.FromTicks(Interlocked.Read(ref _scoringTicks)));
            }
        }
    }

    /// <summary>Pushes a metric sample.</summary>
    /// <param name="sample">The sample; its time (the end of its coverage) is its event time.</param>
    /// <returns>Whether it was used, or why not (it is counted in <see cref="Report"/> either way).</returns>
    /// <exception cref="InvalidOperationException">After <see cref="Complete"/>.</exception>
    /// <exception cref="ObjectDisposedException">After <see cref="Dispose"/>.</exception>
    public PushResult Push(in MetricSample sample)
    {
        return Push(sample.Time.UtcTicks, ref _metricsAhead, sample, static (a, r) => a.TryAdd(r));
    }

    /// <summary>Pushes a log record.</summary>
    /// <param name="record">The record; its time is its event time.</param>
    /// <returns>Whether it was used, or why not.</returns>
    /// <exception cref="InvalidOperationException">After <see cref="Complete"/>.</exception>
    /// <exception cref="ObjectDisposedException">After <see cref="Dispose"/>.</exception>
    public PushResult Push(LogRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return Push(record.Time.UtcTicks, ref _logsAhead, record, static (a, r) => a.TryAdd(r));
    }

    /// <summary>Pushes a span.</summary>
    /// <param name="span">The span; its end is its event time.</param>
    /// <returns>Whether it was used, or why not.</returns>
    /// <exception cref="InvalidOperationException">After <see cref="Complete"/>.</exception>
    /// <exception cref="ObjectDisposedException">After <see cref="Dispose"/>.</exception>
    public PushResult Push(Span span)
    {
        ArgumentNullException.ThrowIfNull(span);
        return Push(EventTicks(span), ref _spansAhead, span, static (a, r) => a.TryAdd(r));
    }

    /// <summary>
    /// Moves the watermark to <paramref name="eventTime"/> without a record (for quiet periods: steps close
    /// even when nothing arrives). Earlier times and times ahead of the clock are ignored.
    /// </summary>
    /// <param name="eventTime">The event time reached.</param>
    /// <returns>Whether the watermark moved.</returns>
    public bool AdvanceTo(DateTimeOffset eventTime)
    {
        bool closed;
        var ticks = eventTime.UtcTicks;
        lock (_gate)
        {
            ThrowIfNotOpen();
            if (IsAhead(ticks) || ticks <= _watermarkTicks)
            {
                return false;
            }

            closed = Advance(ticks);
        }

        if (closed)
        {
            ScoreClosedSteps();
        }

        return true;
    }

    /// <summary>
    /// Ends the stream: closes and scores every open step, counts spans still waiting for their parent as
    /// orphans, and completes <see cref="ReadVerdictsAsync"/>. No records can be pushed afterwards.
    /// </summary>
    public void Complete()
    {
        lock (_gate)
        {
            ThrowIfNotOpen();
            _completed = true;
            Seal(_aggregator.LastStepWithData);
        }

        ScoreClosedSteps();
        _channel?.Writer.TryComplete();
    }

    /// <summary>The verdicts of every closed step, in step order, until <see cref="Complete"/> or <see cref="Dispose"/>.</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The steps' verdicts.</returns>
    /// <exception cref="InvalidOperationException"><see cref="OnlineDetectorOptions.VerdictBufferCapacity"/> is zero.</exception>
    public IAsyncEnumerable<StepVerdicts> ReadVerdictsAsync(CancellationToken cancellationToken = default)
    {
        if (_channel is null)
        {
            throw new InvalidOperationException("The verdict buffer is off (VerdictBufferCapacity = 0): use the StepClosed event.");
        }

        return Read(_channel.Reader, cancellationToken);

        static async IAsyncEnumerable<StepVerdicts> Read(ChannelReader<StepVerdicts> reader, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await foreach (var step in reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return step;
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
        }

        _channel?.Writer.TryComplete();
    }

    /// <summary>Adds a record under the gate, moves the watermark when it was used, and scores the steps that closed.</summary>
    private PushResult Push<TRecord>(long eventTicks, ref long aheadCounter, TRecord record, Func<TelemetryAggregator, TRecord, AddOutcome> add)
    {
        PushResult result;
        bool closed;
        lock (_gate)
        {
            ThrowIfNotOpen();
            if (IsAhead(eventTicks))
            {
                aheadCounter++;
                return PushResult.AheadOfClock;
            }

            result = ToResult(add(_aggregator, record));
            closed = result == PushResult.Used && Advance(eventTicks);
        }

        if (closed)
        {
            ScoreClosedSteps();
        }

        return result;
    }

    private bool IsAhead(long ticks) =>
        _options.MaxClockSkew is { } skew && ticks > _options.TimeProvider.GetUtcNow().UtcTicks + skew.Ticks;

    private static PushResult ToResult(AddOutcome outcome) => outcome switch
    {
        AddOutcome.Used => PushResult.Used,
        AddOutcome.Late => PushResult.Late,
        AddOutcome.Duplicate => PushResult.Duplicate,
        AddOutcome.NotFinite => PushResult.NotFinite,
        AddOutcome.NegativeDuration => PushResult.NegativeDuration,
        _ => PushResult.OutOfRange,
    };

    /// <summary>Moves the watermark (under the gate) and closes the steps it passed; says whether any closed.</summary>
    private bool Advance(long ticks)
    {
        if (ticks <= _watermarkTicks)
        {
            return false;
        }

        _watermarkTicks = ticks;
        if (ticks - _latenessTicks < DateTimeOffset.MinValue.UtcTicks)
        {
            return false;
        }

        // Step s closes when its end plus the lateness is at or before the watermark.
        var last = _clock.StepOf(new DateTimeOffset(ticks - _latenessTicks, TimeSpan.Zero)) - 1;
        return Seal(last);
    }

    /// <summary>Seals steps through <paramref name="last"/> into the queue of closed steps (under the gate).</summary>
    private bool Seal(long last)
    {
        var before = _closed.Count;
        _aggregator.SealThrough(last, sealedStep =>
        {
            if (_resolvedMetrics != _aggregator.MetricNames.Count)
            {
                _metricIndex = _detector.Features.ResolveMetrics(_aggregator.MetricNames);
                _resolvedMetrics = _aggregator.MetricNames.Count;
            }

            if (_firstStep == long.MinValue)
            {
                _firstStep = sealedStep.Step;
            }

            _closed.Enqueue(_detector.Features.TransformStep(sealedStep, _aggregator.OperationNames, _metricIndex));
            _stepsClosed++;
        });
        return _closed.Count > before;
    }

    /// <summary>Scores the closed steps in order, one thread at a time, and publishes their verdicts.</summary>
    private void ScoreClosedSteps()
    {
        lock (_scoring)
        {
            while (true)
            {
                StepFeatures step;
                long first;
                lock (_gate)
                {
                    if (!_closed.TryDequeue(out step!))
                    {
                        return;
                    }

                    first = _firstStep;
                }

                var verdicts = ScoreStep(step, first, out var scoringTime);
                Publish(verdicts, scoringTime);
            }
        }
    }

    private StepVerdicts ScoreStep(StepFeatures step, long first, out TimeSpan scoringTime)
    {
        _windows.Add(step);
        var scored = step.Step >= first + _detector.Window - 1;
        var started = _options.TimeProvider.GetTimestamp();
        var verdicts = scored ? _detector.ScoreStep(_windows, step.Step, _clock) : [];
        scoringTime = scored ? _options.TimeProvider.GetElapsedTime(started) : TimeSpan.Zero;
        Interlocked.Add(ref _scoringTicks, scoringTime.Ticks);
        if (scored)
        {
            Interlocked.Increment(ref _stepsScored);
            Interlocked.Add(ref _verdicts, verdicts.Count);
        }

        return new StepVerdicts(step.Step, _clock.StartOf(step.Step), _clock.EndOf(step.Step), scored, verdicts, Detector.CallsOf(step));
    }

    private void Publish(StepVerdicts verdicts, TimeSpan scoringTime)
    {
        _channel?.Writer.TryWrite(verdicts);
        if (verdicts.Verdicts.Count(v => v.IsAbnormal) is var abnormal and > 0)
        {
            LogAbnormal(_logger, verdicts.End, abnormal, verdicts.Verdicts.Count);
        }

        StepClosed?.Invoke(this, new StepClosedEventArgs(verdicts, scoringTime));
    }

    private void ThrowIfNotOpen()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_completed)
        {
            throw new InvalidOperationException("The online detector is complete: Complete() was called, so no more records can be pushed.");
        }
    }

    [LoggerMessage(EventId = 5101, Level = LogLevel.Warning, Message = "The verdict buffer is full: dropped the verdicts of the step ending {End}")]
    private static partial void LogDropped(ILogger logger, DateTimeOffset end);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Information, Message = "Step ending {End}: {Abnormal} of {Instances} instances abnormal")]
    private static partial void LogAbnormal(ILogger logger, DateTimeOffset end, int abnormal, int instances);

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"OnlineDetector(Δ = {Interval}, watermark {Watermark:O})");
}
