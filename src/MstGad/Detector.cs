using System.Globalization;
using Microsoft.Extensions.Logging;
using MstGad.Datasets;
using MstGad.Evaluation;
using MstGad.Features;
using MstGad.Graph;
using MstGad.Methods;
using MstGad.Model;
using MstGad.Parsing;
using MstGad.Scoring;

namespace MstGad;

/// <summary>
/// Finds failing service instances from metrics, logs and traces (MSTGAD). Create one with
/// <see cref="DetectorBuilder"/>, train it with <see cref="FitAsync(ITelemetrySource, IProgress{FitProgress}?, CancellationToken)"/>
/// (or load a trained one with <see cref="Load(string, Microsoft.Extensions.Logging.ILoggerFactory?)"/>), then score telemetry with
/// <see cref="DetectAsync(ITelemetrySource, CancellationToken)"/>.
/// </summary>
/// <remarks>
/// Everything learnt — Drain state, template vocabulary, metric selection, normalisers, instance
/// keys, thresholds, network weights, settings — is saved and loaded as one artifact. Not
/// thread-safe; dispose it to free the network's native memory.
/// </remarks>
public sealed partial class Detector : IDisposable
{
    private DetectorSettings _settings;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private Trained? _trained;
    private bool _disposed;

    internal Detector(DetectorSettings settings, ILoggerFactory loggerFactory, TimeProvider timeProvider)
    {
        _settings = settings;
        _logger = loggerFactory.CreateLogger("MstGad");
        _timeProvider = timeProvider;
    }

    /// <summary>Whether the detector has been trained (or loaded).</summary>
    public bool IsTrained => _trained is not null;

    /// <summary>The step interval Δ.</summary>
    public TimeSpan Interval => _settings.Features.Interval;

    /// <summary>The window length k.</summary>
    public int Window => _settings.Window;

    /// <summary>The decision rule.</summary>
    public DecisionRule DecisionRule => _settings.Decision;

    /// <summary>The detection method's name (<c>mstgad</c>, <c>statistical</c>, or that of a method from its own package).</summary>
    public string Method => _settings.Method.Name;

    /// <summary>The decision threshold in use: on P, on RE for <see cref="DecisionRule.ExtremeValue"/> and
    /// <see cref="DecisionRule.ReconstructionThreshold"/>, and 1 for <see cref="DecisionRule.Unsupervised"/> and
    /// <see cref="DecisionRule.Combined"/> (whose scores are multiples of each part's own threshold).</summary>
    /// <exception cref="InvalidOperationException">Not trained.</exception>
    public double Threshold => Require().Threshold;

    /// <summary>
    /// The thresholds of the anomaly score's modalities — metrics, logs, traces — set by the alarm budget on normal time
    /// (+∞ for a modality the training data did not have), or <see langword="null"/> for an artifact saved before the
    /// anomaly score existed. <see cref="InstanceVerdict.AnomalyScore"/> is the largest modality score over its threshold.
    /// </summary>
    /// <exception cref="InvalidOperationException">Not trained.</exception>
    public IReadOnlyList<double>? AnomalyThresholds => Require().Calibration?.ModalityThresholds;

    /// <summary>
    /// The classifier's probability P at which the alarm budget flags (used by <see cref="DecisionRule.Combined"/>, and by
    /// <see cref="DecisionRule.Unsupervised"/> for a method whose only score is its classifier, such as Hades; at least
    /// 0.5), or <see langword="null"/> when no classifier was trained on abnormal labels.
    /// </summary>
    /// <exception cref="InvalidOperationException">Not trained.</exception>
    public double? ClassifierAlarmThreshold => Require().Calibration is { ClassifierTrained: true } c ? c.ClassifierThreshold : null;

    /// <summary>The alarm budget (false alarms per hour over the whole system) the anomaly threshold was set for.</summary>
    /// <exception cref="InvalidOperationException">Not trained.</exception>
    public double? AlarmBudgetPerHour => Require().Calibration?.AlarmBudgetPerHour;

    /// <summary>The instance keys the detector knows, in node order.</summary>
    public IReadOnlyList<string> Instances => Require().Instances;

    /// <summary>The end of the validation part of the training data (later data was not used to fit anything).</summary>
    public DateTimeOffset TrainedUntil => Require().TrainedUntil;

    /// <summary>The fitted feature space (metrics kept, vocabulary, request types).</summary>
    public FeatureSpace Features => Require().Space;

    /// <summary>Reads all telemetry of a source and trains on it (chronological split per <see cref="SplitOptions"/>).</summary>
    /// <param name="source">The telemetry, with fault labels when it has any.</param>
    /// <param name="progress">Receives progress (stages, then each epoch).</param>
    /// <param name="cancellationToken">Cancels reading or training.</param>
    /// <returns>What happened.</returns>
    public async Task<FitReport> FitAsync(ITelemetrySource source, IProgress<FitProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ThrowIfDisposed();
        progress?.Report(new FitProgress("reading", 0, _settings.Method.MaxEpochs, null, null));
        var aggregator = new TelemetryAggregator(_settings.Features);
        var faults = await TelemetrySources.LoadAsync(source, aggregator, cancellationToken).ConfigureAwait(false);
        var data = aggregator.Complete();
        LogRead(_logger, data.Instances.Count, data.StepCount, data.Report.MetricsUsed, data.Report.LogsUsed, data.Report.SpansUsed, faults.Count);
        return Fit(data, faults, progress, cancellationToken);
    }

    /// <summary>Trains on already aggregated telemetry (made with this detector's <see cref="FeatureOptions"/>).</summary>
    /// <param name="data">The aggregates.</param>
    /// <param name="faults">The fault labels.</param>
    /// <param name="progress">Receives progress.</param>
    /// <param name="cancellationToken">Cancels training.</param>
    /// <returns>What happened.</returns>
    public FitReport Fit(TelemetryAggregate data, IReadOnlyList<FaultLabel> faults, IProgress<FitProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(faults);
        ThrowIfDisposed();
        var started = _timeProvider.GetTimestamp();
        if (data.FeatureOptions.TemplateSequenceLength < _settings.Features.TemplateSequenceLength)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"The method {_settings.Method.Name} reads sequences of {_settings.Features.TemplateSequenceLength} log templates, which the aggregate was made without: aggregate with new TelemetryAggregator(detector.FeatureOptions)."));
        }

        var split = _settings.Split;
        var first = data.FirstStep;
        var (trainEnd, validationEnd) = SplitSteps(data, faults, split);
        var trainSteps = (int)(trainEnd - first);
        if (trainSteps < _settings.Window)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"Too little data to train: the training part has {trainSteps} steps of {Interval}, fewer than the window of {_settings.Window}."));
        }

        progress?.Report(new FitProgress("features", 0, _settings.Method.MaxEpochs, null, null));
        var space = FeatureSpace.Fit(data, first, trainEnd);
        var frame = space.Transform(data, first, validationEnd);
        var registry = new InstanceRegistry();
        var graphs = GraphBuilder.Build(frame, registry);
        var labels = Labels.FromFaults(faults, _settings.Features.InstanceKey, registry, data.Clock, first, (int)(validationEnd - first), out var unmatched);
        foreach (var fault in unmatched)
        {
            LogUnmatchedFault(_logger, fault.Target, fault.Start);
        }

        // The labels hidden for training (the semi-supervised protocol) are still known: the anomaly score's
        // calibration leaves out every labelled fault, hidden or not.
        var allLabels = (sbyte[])labels.Clone();
        HideLabels(labels, registry.Count, trainSteps, split);
        var windows = GraphWindow.Slide(graphs, _settings.Window, 1, labels).ToList();
        var training = windows.Where(w => w.Last.Step < trainEnd).ToList();
        var validation = windows.Where(w => w.Last.Step >= trainEnd).ToList();
        var calibrationWindows = GraphWindow.Slide(graphs, _settings.Window, 1, allLabels).ToList();
        var calibrationTraining = calibrationWindows.Where(w => w.Last.Step < trainEnd).ToList();
        var calibrationValidation = calibrationWindows.Where(w => w.Last.Step >= trainEnd).ToList();

        ITrainedMethod? model = null;
        try
        {
            var method = _settings.Method;
            var epochs = progress is null ? null : new Progress<EpochReport>(e =>
                progress.Report(new FitProgress("training", e.Epoch, method.MaxEpochs, e.TrainingLoss, double.IsNaN(e.ValidationLoss) ? null : e.ValidationLoss)));
            var fitted = method.Fit(new MethodFitContext
            {
                Training = training,
                Validation = validation,
                Space = space,
                Instances = registry.Count,
                Device = _settings.Device,
                Threads = _settings.Threads,
                Progress = new EpochLogger(this, epochs),
                CancellationToken = cancellationToken,
            });
            model = fitted.Method;
            var report = model.HasClassifier ? fitted.Report : fitted.Report with { ClassWeight = ClassWeightOf(training) };

            progress?.Report(new FitProgress("thresholds", report.Epochs.Count, method.MaxEpochs, null, null));
            var calibration = Calibrate(model, space, calibrationTraining, calibrationValidation, registry.Count, report.ClassWeight, _settings.Unsupervised, _settings.Decision);
            var threshold = ChooseThreshold(model, training, validation, report.ClassWeight, calibration);
            var trained = new Trained(
                data.LogParser,
                space,
                registry.Keys,
                model,
                threshold,
                data.Clock.EndOf(validationEnd - 1),
                new Dictionary<int, string>(data.ExampleMessages),
                calibration);
            _trained?.Model.Dispose();
            _trained = trained;
            model = null;
            var elapsed = _timeProvider.GetElapsedTime(started);
            LogTrained(_logger, report.Epochs.Count, report.BestEpoch, threshold, elapsed.TotalSeconds);
            return new FitReport(
                report,
                training.Count,
                validation.Count,
                registry.Count,
                space.NodeFeatureNames.Count,
                space.EdgeFeatureNames.Count,
                threshold,
                data.Clock.StartOf(first),
                data.Clock.EndOf(trainEnd - 1),
                trained.TrainedUntil,
                unmatched.Count,
                elapsed);
        }
        finally
        {
            model?.Dispose();
        }
    }

    /// <summary>Reads telemetry and scores every step that ends a full window, for every instance present.</summary>
    /// <param name="source">The telemetry.</param>
    /// <param name="cancellationToken">Cancels reading.</param>
    /// <returns>The verdicts, by step then instance, and what was read.</returns>
    public async Task<DetectionResult> DetectAsync(ITelemetrySource source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        var trained = Require();
        var aggregator = new TelemetryAggregator(_settings.Features, CopyParser(trained.Parser));
        var faults = await TelemetrySources.LoadAsync(source, aggregator, cancellationToken).ConfigureAwait(false);
        var data = aggregator.Complete();
        var steps = DetectSteps(data);
        return new DetectionResult([.. steps.SelectMany(s => s.Verdicts)], data, faults) { Steps = steps };
    }

    /// <summary>Scores the steps <c>[from, to)</c> of aggregates made with a copy of this detector's log parser
    /// (see <see cref="CreateAggregator"/>); every scored step needs k − 1 steps of history in the data.</summary>
    /// <param name="data">The aggregates.</param>
    /// <param name="from">The first step to score (default: the first with a full window).</param>
    /// <param name="to">The step after the last to score (default: the end of the data).</param>
    /// <returns>The verdicts, by step then instance (instances present in the step only).</returns>
    /// <remarks>
    /// Each step goes through the same code as in <see cref="OnlineDetector"/> (features of the step, its
    /// window, one window per network call), so streaming the same records gives the same verdicts.
    /// </remarks>
    public IReadOnlyList<InstanceVerdict> Detect(TelemetryAggregate data, long? from = null, long? to = null) =>
        [.. DetectSteps(data, from, to).SelectMany(s => s.Verdicts)];

    /// <summary>Like <see cref="Detect(TelemetryAggregate, long?, long?)"/>, step by step, with each step's call edges
    /// (the same records as <see cref="OnlineDetector.StepClosed"/> gives), for example for <see cref="RootCauseRanker"/>.</summary>
    /// <param name="data">The aggregates.</param>
    /// <param name="from">The first step to score (default: the first with a full window).</param>
    /// <param name="to">The step after the last to score (default: the end of the data).</param>
    /// <returns>One entry per scored step that had anything to score, in time order.</returns>
    public IReadOnlyList<StepVerdicts> DetectSteps(TelemetryAggregate data, long? from = null, long? to = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        var trained = Require();
        var k = _settings.Window;
        var start = Math.Max(from ?? data.FirstStep + k - 1, data.FirstStep + k - 1);
        var end = Math.Min(to ?? data.FirstStep + data.StepCount, data.FirstStep + data.StepCount);
        if (end <= start)
        {
            return [];
        }

        var windows = CreateWindowBuilder(data.Clock);
        var metricIndex = trained.Space.ResolveMetrics(data.Metrics);
        var steps = new List<StepVerdicts>();

        // Steps before the first one asked for are scored too (when the data has them), so that a decision that asks
        // for persistence sees the same history as online detection of the whole stream would.
        var warmUp = Math.Max(data.FirstStep + k - 1, start - (windows.History.Length - 1));
        for (var step = warmUp - k + 1; step < end; step++)
        {
            var features = trained.Space.TransformStep(data.Sealed(step), data.Operations, metricIndex);
            windows.Add(features);
            if (step >= warmUp)
            {
                var verdicts = ScoreStep(windows, step, data.Clock);
                if (verdicts.Count > 0 && step >= start)
                {
                    steps.Add(new StepVerdicts(step, data.Clock.StartOf(step), data.Clock.EndOf(step), true, verdicts, CallsOf(features)));
                }
            }
        }

        return steps;
    }

    /// <summary>The call edges (caller, callee instance keys) of a step's features.</summary>
    internal static (string Caller, string Callee)[] CallsOf(StepFeatures step)
    {
        var edges = step.Edges;
        var calls = new (string, string)[edges.Count];
        for (var e = 0; e < calls.Length; e++)
        {
            calls[e] = (step.Instances[edges.Sources[e]], step.Instances[edges.Targets[e]]);
        }

        return calls;
    }

    /// <summary>The trained network (for benchmarks of the network alone); null for a method other than MSTGAD.</summary>
    internal MstgadModel? Network => (Require().Model as TrainedMstgad)?.Model;

    /// <summary>The trained method (for the benchmarks).</summary>
    internal ITrainedMethod TrainedMethod => Require().Model;

    /// <summary>A window builder for this detector's trained instances and feature widths.</summary>
    internal DetectionWindows CreateWindowBuilder(StepClock clock)
    {
        var trained = Require();
        return new DetectionWindows(
            new WindowBuilder(trained.Instances, clock, _settings.Window, trained.Space.NodeFeatureNames.Count, trained.Space.EdgeFeatureNames.Count, trained.Space.Options.TemplateSequenceLength),
            new ScoreHistory(trained.Calibration?.Persistence ?? 1, trained.Calibration?.EventPersistence ?? 1));
    }

    /// <summary>Scores the window that ends at <paramref name="step"/> (the last step added to <paramref name="windows"/>).</summary>
    internal IReadOnlyList<InstanceVerdict> ScoreStep(DetectionWindows windows, long step, StepClock clock)
    {
        var trained = Require();
        if (windows.WindowEndingAt(step, out var keys) is not { } window)
        {
            return [];
        }

        var score = trained.Model.Score([window])[0];
        var time = clock.EndOf(step);
        var calibration = trained.Calibration;
        float[]? z = null;
        double[]? modalities = null;
        if (calibration is not null)
        {
            z = new float[score.Present.Length * calibration.Profile.Width];
            modalities = calibration.Profile.ScoreModalities(score, window, z);
            calibration.Profile.RelativeModalities(modalities);
        }

        // Decided once per step: a classifier alone (Hades) is decided under the unsupervised rule as under the combined.
        var rule = _settings.Decision is DecisionRule.Unsupervised && calibration?.ClassifierOnly == true ? DecisionRule.Combined : _settings.Decision;
        var details = !trained.Model.HasClassifier ? (Probability: false, Error: true)
            : HasErrors(trained.Model) ? (Probability: true, Error: true)
            : (Probability: true, Error: false); // a classifier alone: no error to report
        var verdicts = new List<InstanceVerdict>();
        for (var node = 0; node < keys.Count; node++)
        {
            if (!score.Present[node])
            {
                continue;
            }

            var p = score.Probability[node];
            var re = score.ReconstructionError[node];
            var nodeModalities = modalities is null ? default : modalities.AsSpan(node * ErrorProfile.Modalities, ErrorProfile.Modalities);
            var a = modalities is null ? double.NaN : calibration!.Normalise(nodeModalities[0], nodeModalities[1], nodeModalities[2]);
            windows.History.Add(step, keys[node], nodeModalities, p);
            var persistent = windows.History.Persistent(step, keys[node]);
            var pa = calibration is null ? double.NaN : calibration.Normalise(persistent.Metrics, persistent.Logs, persistent.Traces);
            var pp = persistent.Probability;
            var decisionScore = rule switch
            {
                DecisionRule.ExtremeValue or DecisionRule.ReconstructionThreshold => re,
                DecisionRule.Unsupervised => pa,
                DecisionRule.Combined => calibration!.CombinedScore(pa, pp),
                _ => p,
            };
            verdicts.Add(new InstanceVerdict(keys[node], time, decisionScore, decisionScore >= trained.Threshold, Explain(trained, score, window.Last, node, keys, z))
            {
                AnomalyScore = a,
                Details = details switch
                {
                    (true, true) => new Dictionary<string, double>(2) { [VerdictDetails.Probability] = p, [VerdictDetails.Error] = re },
                    (true, false) => new Dictionary<string, double>(1) { [VerdictDetails.Probability] = p },
                    _ => new Dictionary<string, double>(1) { [VerdictDetails.Error] = re },
                },
            });
        }

        // Most steps flag nobody: only with a flagged instance is there a verdict to move.
        var flaggedCount = verdicts.Count(v => v.IsAbnormal);
        if (!_settings.Unsupervised.FlagCalleesOnly || _settings.Decision is not (DecisionRule.Unsupervised or DecisionRule.Combined) || flaggedCount == 0)
        {
            return verdicts;
        }

        var gapDriven = GapDriven(trained, calibration, modalities, z, keys, score.Present);
        if (flaggedCount >= 2)
        {
            var serverSlow = ServerSlow(trained, calibration, z, keys, score.Present);
            verdicts = SuppressCallers(verdicts, window.Last, keys, gapDriven, serverSlow);
        }

        return gapDriven is null ? verdicts : MoveToDelayedCallers(verdicts, window.Last, keys, gapDriven, GapSurprises(trained, calibration!, z!, keys.Count));
    }

    /// <summary>Per node, the surprise of its median client-minus-server time over the calls into it (0 where it has none).</summary>
    private static float[] GapSurprises(Trained trained, Calibration calibration, float[] z, int nodes)
    {
        var profile = calibration.Profile;
        var result = new float[nodes];
        var edgeFeatures = trained.Space.EdgeFeatures;
        var median = 0;
        while (median < edgeFeatures.Count && edgeFeatures[median].Measure != EdgeMeasure.MedianClientMinusServer)
        {
            median++;
        }

        if (median >= Math.Min(edgeFeatures.Count, profile.TraceWidth))
        {
            return result;
        }

        var offset = profile.MetricWidth + profile.LogWidth + median;
        for (var node = 0; node < nodes && ((node * profile.Width) + offset) < z.Length; node++)
        {
            result[node] = z[(node * profile.Width) + offset];
        }

        return result;
    }

    /// <summary>
    /// The surprise of a caller's own median client-minus-server time above which <see cref="MoveToDelayedCallers"/> moves
    /// a flag to it: twice the surprise at the 95 % quantile, a value normal time reaches about once in 400 steps.
    /// </summary>
    internal static readonly float DelayedCallerSurprise = 2 * ErrorProfile.TailSurprise;

    /// <summary>
    /// Moves the flag of an instance flagged for client-minus-server time on the calls into it (<paramref name="gapDriven"/>)
    /// to its caller when it has one caller only in the step and that caller's own callers see more client-minus-server
    /// time too (its <paramref name="gapSurprise"/> at least <see cref="DelayedCallerSurprise"/>, flagged or not): a delay on
    /// the caller's traffic both ways (its answers and its requests late, as a delay on all of a pod's packets makes them)
    /// explains both; a delay into the callee explains only one.
    /// </summary>
    internal static List<InstanceVerdict> MoveToDelayedCallers(List<InstanceVerdict> verdicts, MstGraph last, IReadOnlyList<string> keys, IReadOnlySet<string> gapDriven, float[] gapSurprise)
    {
        Dictionary<string, string>? moves = null;
        HashSet<string>? scored = null;
        foreach (var v in verdicts)
        {
            if (!v.IsAbnormal || !gapDriven.Contains(v.Instance))
            {
                continue;
            }

            var caller = -1;
            var callers = 0;
            for (var e = 0; e < last.EdgeCount && callers < 2; e++)
            {
                var source = last.Sources[e];
                if (keys[last.Targets[e]] == v.Instance && source != last.Targets[e] && source != caller)
                {
                    caller = source;
                    callers++;
                }
            }

            // The caller must have a verdict of its own in the step to take the flag.
            scored ??= verdicts.Select(x => x.Instance).ToHashSet(StringComparer.Ordinal);
            if (callers == 1 && caller < gapSurprise.Length && gapSurprise[caller] >= DelayedCallerSurprise && scored.Contains(keys[caller]))
            {
                (moves ??= new(StringComparer.Ordinal))[v.Instance] = keys[caller];
            }
        }

        if (moves is null)
        {
            return verdicts;
        }

        var to = moves.Values.ToHashSet(StringComparer.Ordinal);
        return [.. verdicts.Select(v => moves.ContainsKey(v.Instance) ? v with { IsAbnormal = false } : to.Contains(v.Instance) ? v with { IsAbnormal = true } : v)];
    }

    /// <summary>The instances whose server time on the calls into them is surprising (a server-duration feature's surprise at least <see cref="DelayedCallerSurprise"/>).</summary>
    private static HashSet<string>? ServerSlow(Trained trained, Calibration? calibration, float[]? z, IReadOnlyList<string> keys, bool[] present)
    {
        var edgeFeatures = trained.Space.EdgeFeatures;
        return TraceDriven(calibration, z, keys, present, (_, zs) =>
        {
            for (var f = 0; f < zs.Length && f < edgeFeatures.Count; f++)
            {
                if (edgeFeatures[f].Measure is EdgeMeasure.ServerDuration or EdgeMeasure.MeanServerLatency && zs[f] >= DelayedCallerSurprise)
                {
                    return true;
                }
            }

            return false;
        });
    }

    /// <summary>
    /// The instances whose anomaly score in the step comes from the traces (their largest modality over its threshold,
    /// at least 1) and, among the traces, from a client-minus-server feature: time between the caller and them grew.
    /// </summary>
    private static HashSet<string>? GapDriven(Trained trained, Calibration? calibration, double[]? modalities, float[]? z, IReadOnlyList<string> keys, bool[] present)
    {
        if (calibration is null || modalities is null)
        {
            return null;
        }

        var edgeFeatures = trained.Space.EdgeFeatures;
        return TraceDriven(calibration, z, keys, present, (node, zs) =>
        {
            if (!(calibration.Largest(modalities.AsSpan(node * ErrorProfile.Modalities, ErrorProfile.Modalities), out var modality) >= 1) || modality != 2)
            {
                return false;
            }

            var best = 0;
            for (var f = 1; f < zs.Length; f++)
            {
                if (zs[f] > zs[best])
                {
                    best = f;
                }
            }

            return best < edgeFeatures.Count && edgeFeatures[best].Measure.IsClientMinusServer();
        });
    }

    /// <summary>A test on one node's surprises of its edge trace features.</summary>
    private delegate bool TraceRule(int node, ReadOnlySpan<float> traceSurprises);

    /// <summary>The present instances whose edge trace surprises pass <paramref name="rule"/>; null when the traces are not scored per edge feature or none passes.</summary>
    private static HashSet<string>? TraceDriven(Calibration? calibration, float[]? z, IReadOnlyList<string> keys, bool[] present, TraceRule rule)
    {
        if (calibration is null || z is null || !calibration.Profile.EdgeTraceResiduals)
        {
            return null;
        }

        var profile = calibration.Profile;
        var offset = profile.MetricWidth + profile.LogWidth;
        HashSet<string>? result = null;
        for (var node = 0; node < keys.Count && node < present.Length; node++)
        {
            if (present[node] && rule(node, z.AsSpan((node * profile.Width) + offset, profile.TraceWidth)))
            {
                (result ??= new HashSet<string>(StringComparer.Ordinal)).Add(keys[node]);
            }
        }

        return result;
    }

    /// <summary>
    /// Unflags every flagged instance that calls a flagged instance with at least its score in the step
    /// (<see cref="UnsupervisedOptions.FlagCalleesOnly"/>): a slow or failing callee makes its callers slow or failing, so
    /// the verdict stays with the callee. The same holds, whatever the scores, for a flagged callee whose own server time
    /// on the calls into it is surprising (<paramref name="serverSlow"/>): the caller's slowness is the callee's time (a
    /// caller's latency metrics can stand out more than the callee's own). One exception, for a delay on the way out of an
    /// instance: when both caller and callee are flagged for a rise of client-minus-server time on the calls into them
    /// (<paramref name="gapDriven"/>), the caller's own callers saw it too, so the delay is on the caller's side — its
    /// answers and its requests are late — and the callee is unflagged instead.
    /// </summary>
    internal static List<InstanceVerdict> SuppressCallers(List<InstanceVerdict> verdicts, MstGraph last, IReadOnlyList<string> keys, IReadOnlySet<string>? gapDriven = null, IReadOnlySet<string>? serverSlow = null)
    {
        var flagged = verdicts.Where(v => v.IsAbnormal).ToDictionary(v => v.Instance, v => v.Score, StringComparer.Ordinal);
        if (flagged.Count < 2)
        {
            return verdicts;
        }

        var unflag = new HashSet<string>(StringComparer.Ordinal);
        for (var e = 0; e < last.EdgeCount; e++)
        {
            var (caller, callee) = (keys[last.Sources[e]], keys[last.Targets[e]]);
            if (caller == callee || !flagged.TryGetValue(caller, out var callerScore) || !flagged.TryGetValue(callee, out var calleeScore))
            {
                continue;
            }

            if (gapDriven is not null && gapDriven.Contains(caller) && gapDriven.Contains(callee))
            {
                unflag.Add(callee);
            }
            else if (calleeScore >= callerScore || serverSlow?.Contains(callee) == true)
            {
                unflag.Add(caller);
            }
        }

        return unflag.Count == 0 ? verdicts : [.. verdicts.Select(v => v.IsAbnormal && unflag.Contains(v.Instance) ? v with { IsAbnormal = false } : v)];
    }

    /// <summary>The settings of feature extraction.</summary>
    internal FeatureOptions FeatureSettings => _settings.Features;

    /// <summary>
    /// The detector's feature settings (a copy), as its method asked for them: aggregate training data for
    /// <see cref="Fit(TelemetryAggregate, IReadOnlyList{FaultLabel}, IProgress{FitProgress}?, CancellationToken)"/> with
    /// <c>new TelemetryAggregator(detector.FeatureOptions)</c>.
    /// </summary>
    public FeatureOptions FeatureOptions => _settings.Features.Clone();

    /// <summary>A copy of the trained log parser (template ids match the vocabulary).</summary>
    internal DrainParser CopyTrainedParser() => CopyParser(Require().Parser);

    /// <summary>A fingerprint of what was learnt (feature space, instances, threshold, window), for checkpoints.</summary>
    internal ulong Fingerprint()
    {
        var trained = Require();
        var bytes = new List<byte>(SectionFile.Bytes(trained.Space.Save));
        bytes.AddRange(System.Text.Encoding.UTF8.GetBytes(string.Join('\n', trained.Instances)));
        bytes.AddRange(BitConverter.GetBytes(trained.Threshold));
        bytes.AddRange(BitConverter.GetBytes(_settings.Window));
        bytes.AddRange(BitConverter.GetBytes((int)_settings.Decision));
        if (trained.Calibration is { } calibration)
        {
            bytes.AddRange(SectionFile.Bytes(stream => CalibrationFile.Write(stream, calibration)));
        }

        return Checksum.Fnv1a([.. bytes]);
    }

    /// <summary>Creates an aggregator for new telemetry that continues from a copy of the trained log
    /// parser (so template ids match), for use with <see cref="Detect(TelemetryAggregate, long?, long?)"/>.</summary>
    /// <returns>The aggregator.</returns>
    public TelemetryAggregator CreateAggregator() => new(_settings.Features, CopyParser(Require().Parser));

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _trained?.Model.Dispose();
    }

    private static DrainParser CopyParser(DrainParser parser)
    {
        using var buffer = new MemoryStream();
        parser.Save(buffer);
        buffer.Position = 0;
        return DrainParser.Load(buffer);
    }

    /// <summary>
    /// The step after the training part and the step after the validation part: by shares of the
    /// steps, or — with <see cref="SplitBy.Faults"/> — by shares of the faults in time order, each
    /// boundary halfway between the end of the last fault of one part and the start of the first of the next.
    /// </summary>
    internal static (long TrainEnd, long ValidationEnd) SplitSteps(TelemetryAggregate data, IReadOnlyList<FaultLabel> faults, SplitOptions split)
    {
        var first = data.FirstStep;
        var end = first + data.StepCount;
        var ordered = faults.Where(f => data.Clock.StepOf(f.Start) >= first && data.Clock.StepOf(f.Start) < end).OrderBy(f => f.Start).ToList();
        if (split.By == SplitBy.Time || ordered.Count == 0)
        {
            var trainEnd = first + (long)Math.Floor(data.StepCount * split.TrainFraction);
            return (trainEnd, Math.Min(end, trainEnd + (long)Math.Floor(data.StepCount * split.ValidationFraction)));
        }

        var trainFaults = Math.Clamp((int)Math.Round(ordered.Count * split.TrainFraction), 1, ordered.Count);
        var validationFaults = Math.Clamp((int)Math.Round(ordered.Count * split.ValidationFraction), 0, ordered.Count - trainFaults);
        long Boundary(int index) => index >= ordered.Count
            ? end
            : data.Clock.StepOf(ordered[index - 1].End + ((ordered[index].Start - ordered[index - 1].End) / 2));
        var train = Boundary(trainFaults);
        var validation = validationFaults == 0 ? train : Boundary(trainFaults + validationFaults);
        return (Math.Max(train, first + 1), Math.Max(validation, train));
    }

    internal static void HideLabels(sbyte[] labels, int nodes, int trainSteps, SplitOptions split)
    {
        if (split.HiddenLabelFraction <= 0)
        {
            return;
        }

        var random = new Random((int)(split.Seed & int.MaxValue));
        for (var i = 0; i < trainSteps * nodes; i++)
        {
            if (random.NextDouble() < split.HiddenLabelFraction)
            {
                labels[i] = Labels.Unknown;
            }
        }
    }

    /// <summary>
    /// Sets the unsupervised anomaly score and its alarm-budget threshold again on the training and
    /// validation parts of the data the detector was trained on (the same split), without retraining the
    /// network — for example to change the alarm budget — and optionally changes the decision rule.
    /// </summary>
    /// <param name="data">The training telemetry, aggregated with <see cref="CreateAggregator"/>.</param>
    /// <param name="faults">Its fault labels (points labelled abnormal are left out of the calibration).</param>
    /// <param name="options">The unsupervised settings (default: the current ones).</param>
    /// <param name="decision">The decision rule (default: the current one).</param>
    /// <returns>The new thresholds of the anomaly score's modalities (metrics, logs, traces; see <see cref="AnomalyThresholds"/>).</returns>
    /// <exception cref="ArgumentException">The options are not valid.</exception>
    /// <exception cref="InvalidOperationException">Not trained, or the data has too few steps for a window.</exception>
    public IReadOnlyList<double> Recalibrate(TelemetryAggregate data, IReadOnlyList<FaultLabel> faults, UnsupervisedOptions? options = null, DecisionRule? decision = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(faults);
        var trained = Require();
        options = (options ?? _settings.Unsupervised).Clone();
        var problems = options.Validate().ToList();
        if (decision is { } d && !Enum.IsDefined(d))
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"DecisionRule {(int)d} is not defined."));
        }

        if (problems.Count > 0)
        {
            throw new DetectorConfigurationException(problems);
        }

        var split = _settings.Split;
        var first = data.FirstStep;
        var (trainEnd, validationEnd) = SplitSteps(data, faults, split);
        var frame = trained.Space.Transform(data, first, validationEnd);
        var registry = new InstanceRegistry(trained.Instances);
        var graphs = GraphBuilder.Build(frame, registry);
        var labels = Labels.FromFaults(faults, _settings.Features.InstanceKey, registry, data.Clock, first, (int)(validationEnd - first), out _);
        var windows = GraphWindow.Slide(graphs, _settings.Window, 1, labels).ToList();
        if (windows.Count == 0)
        {
            throw new InvalidOperationException("Too little data to recalibrate: no full window in the training and validation parts.");
        }

        var training = windows.Where(w => w.Last.Step < trainEnd).ToList();
        var validation = windows.Where(w => w.Last.Step >= trainEnd).ToList();
        var rule = decision ?? _settings.Decision;
        var calibration = Calibrate(trained.Model, trained.Space, training, validation, trained.Instances.Count, trained.Calibration?.ClassWeight ?? ClassWeightOf(training), options, rule);
        _settings = _settings with { Unsupervised = options, Decision = decision ?? _settings.Decision };
        var threshold = ChooseThreshold(trained.Model, training, validation, calibration.ClassWeight, calibration);
        _trained = trained with { Calibration = calibration, Threshold = threshold };
        return calibration.ModalityThresholds;
    }

    /// <summary>ln(p / (1 − p)), finite for p in [0, 1] (p is clamped to 1e-12 from either end).</summary>
    private static double Logit(double p)
    {
        p = Math.Clamp(p, 1e-12, 1 - 1e-12);
        return Math.Log(p / (1 - p));
    }

    /// <summary>
    /// The nodes that call a node labelled abnormal in the window's last step, directly or through other callers (its
    /// upstream in the step's call graph), and are not labelled abnormal themselves.
    /// </summary>
    internal static HashSet<int>? CallersOfLabelledFaults(GraphWindow window)
    {
        var last = window.Last;
        var queue = new Queue<int>();
        HashSet<int>? callers = null;
        for (var node = 0; node < last.NodeCount; node++)
        {
            if (window.LastLabel(node) == Labels.Abnormal)
            {
                queue.Enqueue(node);
            }
        }

        if (queue.Count == 0)
        {
            return null;
        }

        while (queue.Count > 0)
        {
            var callee = queue.Dequeue();
            for (var e = 0; e < last.EdgeCount; e++)
            {
                var caller = last.Sources[e];
                if (last.Targets[e] == callee && caller != callee && window.LastLabel(caller) != Labels.Abnormal && (callers ??= []).Add(caller))
                {
                    queue.Enqueue(caller);
                }
            }
        }

        return callers;
    }

    /// <summary>
    /// The nodes that a node labelled abnormal in the window's last step calls directly, and are not labelled abnormal
    /// themselves. A fault slows its instance's own requests too (a CPU-starved caller takes longer to send and to read):
    /// that time lands between its client spans and the callees' server spans, on the edges into the callees, so their
    /// trace scores in that step are the fault's, not normal time.
    /// </summary>
    internal static HashSet<int>? CalleesOfLabelledFaults(GraphWindow window)
    {
        var last = window.Last;
        HashSet<int>? callees = null;
        for (var e = 0; e < last.EdgeCount; e++)
        {
            var (caller, callee) = (last.Sources[e], last.Targets[e]);
            if (caller != callee && window.LastLabel(caller) == Labels.Abnormal && window.LastLabel(callee) != Labels.Abnormal)
            {
                (callees ??= []).Add(callee);
            }
        }

        return callees;
    }

    /// <summary>
    /// The nodes of a window that are neither labelled abnormal nor normal time: the callers of a labelled fault (its victims,
    /// when callers are unflagged at detection) and the instances it calls directly (<see cref="CalleesOfLabelledFaults"/>).
    /// </summary>
    internal static HashSet<int>? AffectedByLabelledFaults(GraphWindow window, UnsupervisedOptions options)
    {
        var affected = options.FlagCalleesOnly ? CallersOfLabelledFaults(window) : null;
        if (CalleesOfLabelledFaults(window) is { } callees)
        {
            (affected ??= []).UnionWith(callees);
        }

        return affected;
    }

    /// <summary>
    /// The positions, in an error vector of <paramref name="layout"/>, of the client-minus-server features other than the
    /// median (<see cref="UnsupervisedOptions.RobustGaps"/>). The trace errors are one or more blocks of the edge features
    /// (one for the network; into and out of the instance for the statistical method).
    /// </summary>
    internal static IEnumerable<int> GapTotalsAndMeans(IReadOnlyList<EdgeFeatureInfo> edgeFeatures, (int Metrics, int Logs, int Traces) layout)
    {
        if (edgeFeatures.Count == 0)
        {
            yield break;
        }

        for (var t = 0; t < layout.Traces; t++)
        {
            var measure = edgeFeatures[t % edgeFeatures.Count].Measure;
            if (measure.IsClientMinusServer() && measure != EdgeMeasure.MedianClientMinusServer)
            {
                yield return layout.Metrics + layout.Logs + t;
            }
        }
    }

    /// <summary>The fewest training windows a calibration block may have.</summary>
    private const int MinimumFoldWindows = 30;

    private static readonly bool[] NoModality = new bool[ErrorProfile.Modalities];

    /// <summary>
    /// The share of a modality's training points outside a held-out block below which the block's points of that modality are
    /// scored with the full profile: telemetry collected only around incidents (traces in one morning of faults) can fall
    /// almost all in one block.
    /// </summary>
    internal const double MinimumOutsideShare = 0.25;

    /// <summary>
    /// Per calibration block (the training windows cut into <paramref name="folds"/> contiguous blocks, as
    /// <see cref="Calibrate"/> cuts them) and modality, whether fewer than <see cref="MinimumOutsideShare"/> of the
    /// modality's points lie outside the block.
    /// </summary>
    internal static bool[][] ConcentratedModalities(IReadOnlyList<GraphWindow> training, int folds)
    {
        const int m = ErrorProfile.Modalities;
        ReadOnlySpan<ModalityMask> flags = [ModalityMask.Metrics, ModalityMask.Logs, ModalityMask.Traces];
        var perBlock = new long[folds * m];
        var all = new long[m];
        for (var b = 0; b < folds; b++)
        {
            for (var w = training.Count * b / folds; w < training.Count * (b + 1) / folds; w++)
            {
                var last = training[w].Last;
                for (var node = 0; node < last.NodeCount; node++)
                {
                    for (var f = 0; f < m; f++)
                    {
                        if (((ModalityMask)last.Mask[node]).HasFlag(flags[f]))
                        {
                            perBlock[(b * m) + f]++;
                            all[f]++;
                        }
                    }
                }
            }
        }

        var result = new bool[folds][];
        for (var b = 0; b < folds; b++)
        {
            result[b] = new bool[m];
            for (var f = 0; f < m; f++)
            {
                result[b][f] = all[f] > 0 && all[f] - perBlock[(b * m) + f] < MinimumOutsideShare * all[f];
            }
        }

        return result;
    }

    /// <summary>n_normal / n_abnormal of the labelled nodes (1 without abnormal labels), as the loss weighs them.</summary>
    private static double ClassWeightOf(IReadOnlyList<GraphWindow> windows)
    {
        long normal = 0, abnormal = 0;
        foreach (var w in windows)
        {
            for (var node = 0; node < w.NodeCount; node++)
            {
                switch (w.LastLabel(node))
                {
                    case Labels.Abnormal: abnormal++; break;
                    case Labels.Normal: normal++; break;
                }
            }
        }

        return abnormal == 0 ? 1 : Math.Max(1, (double)normal / abnormal);
    }

    /// <summary>Fits the anomaly score's profile on the training windows and its threshold on the normal points of training and validation.</summary>
    private Calibration Calibrate(ITrainedMethod model, FeatureSpace space, List<GraphWindow> training, List<GraphWindow> validation, int instances, double classWeight, UnsupervisedOptions options, DecisionRule decision)
    {
        var trainingScores = model.Score(training);
        var shared = space.SharedMetrics.ToHashSet(StringComparer.Ordinal);
        var excluded = Enumerable.Range(0, Math.Min(space.Metrics.Count, model.ErrorLayout.Metrics)).Where(i => shared.Contains(space.Metrics[i])).ToList();
        if (options.RobustGaps)
        {
            excluded.AddRange(GapTotalsAndMeans(space.EdgeFeatures, model.ErrorLayout));
        }

        var profile = ErrorProfile.Fit(trainingScores, training, instances, model.ErrorLayout, options, excluded);
        var normal = new List<double>[] { [], [], [] };
        var normalLogits = new List<double>();
        var normalPoints = 0;
        long present = 0;
        var windows = 0;
        var labelledAbnormal = false;

        // The threshold is fitted on scores the profile did not see: the training part is cut into contiguous blocks
        // in time, and each block is scored with a profile fitted on the others (a later part of a day differs from
        // an earlier one as a new day differs from the training day); the validation part with the full profile.
        var folds = options.CalibrationFolds > 1 && training.Count >= options.CalibrationFolds * MinimumFoldWindows ? options.CalibrationFolds : 1;
        var parts = new List<(ErrorProfile Profile, List<WindowScores> Scores, List<GraphWindow> Windows, bool[] InSample)>();
        var concentrated = folds == 1 ? null : ConcentratedModalities(training, folds);
        for (var b = 0; b < folds; b++)
        {
            var from = training.Count * b / folds;
            var to = training.Count * (b + 1) / folds;
            var held = Enumerable.Range(from, to - from).ToList();
            var blockProfile = folds == 1
                ? profile
                : ErrorProfile.Fit(
                    [.. trainingScores.Where((_, i) => i < from || i >= to)],
                    [.. training.Where((_, i) => i < from || i >= to)],
                    instances,
                    model.ErrorLayout,
                    options,
                    excluded);
            parts.Add((blockProfile, [.. held.Select(i => trainingScores[i])], [.. held.Select(i => training[i])], concentrated?[b] ?? NoModality));
        }

        if (validation.Count > 0)
        {
            parts.Add((profile, [.. model.Score(validation)], validation, NoModality));
        }

        foreach (var (partProfile, scores, part, inSample) in parts)
        {
            var history = new ScoreHistory(options.PersistenceSteps, options.EventPersistenceSteps);
            for (var w = 0; w < scores.Count; w++)
            {
                var z = new float[scores[w].Present.Length * partProfile.Width];
                var modalities = partProfile.ScoreModalities(scores[w], part[w], z);
                if (inSample.Contains(true))
                {
                    // A modality that the other blocks hardly have is scored with the full profile: a profile fitted
                    // without it scores every point of it as a surprise and sets the threshold from nothing.
                    var full = profile.ScoreModalities(scores[w], part[w], new float[z.Length]);
                    for (var i = 0; i < modalities.Length; i++)
                    {
                        if (inSample[i % ErrorProfile.Modalities])
                        {
                            modalities[i] = full[i];
                        }
                    }
                }

                partProfile.RelativeModalities(modalities);
                windows++;
                var step = part[w].Last.Step;
                var affected = AffectedByLabelledFaults(part[w], options);

                for (var node = 0; node < scores[w].Present.Length; node++)
                {
                    if (!scores[w].Present[node])
                    {
                        continue;
                    }

                    present++;
                    var key = node.ToString(CultureInfo.InvariantCulture);
                    history.Add(step, key, modalities.AsSpan(node * ErrorProfile.Modalities, ErrorProfile.Modalities), scores[w].Probability[node]);
                    if (part[w].LastLabel(node) == Labels.Abnormal)
                    {
                        labelledAbnormal = true;
                        continue;
                    }

                    // With callers unflagged at detection, the callers of a labelled fault are its victims; its direct callees
                    // carry its slowed requests (see CalleesOfLabelledFaults): neither is normal time.
                    if (affected?.Contains(node) == true)
                    {
                        continue;
                    }

                    // The decision asks for persistence: each modality's threshold is fitted on the smallest of its last k
                    // scores where the modality is present.
                    var persistent = history.Persistent(step, key);
                    for (var m = 0; m < ErrorProfile.Modalities; m++)
                    {
                        if (!double.IsNaN(modalities[(node * ErrorProfile.Modalities) + m]))
                        {
                            normal[m].Add(persistent[m]);
                        }
                    }

                    // The classifier reads the whole window: a window that still holds a labelled step of the fault (the
                    // k − 1 steps after it ends) is the fault's, not normal time, for its threshold (and for its threshold
                    // only: the modalities' shares of the budget count every normal point).
                    normalPoints++;
                    if (!part[w].AnyLabelAbnormal(node))
                    {
                        normalLogits.Add(Logit(persistent.Probability));
                    }
                }
            }
        }

        var modalitiesSeen = normal.Count(list => list.Count > 0);

        // A method with a classifier and no per-feature errors (Hades) is decided by its classifier under the whole budget.
        var classifierOnly = modalitiesSeen == 0 && model.HasClassifier && labelledAbnormal && normalLogits.Count > 0;
        if (modalitiesSeen == 0 && !classifierOnly)
        {
            throw new InvalidOperationException("No normal point to set the alarm threshold from.");
        }

        // The budget is shared: with a trained classifier in the combined rule half goes to the classifier; the anomaly
        // score's part is split equally between the modalities it saw. A modality present in a share f of the points gets
        // its part of the risk as a rate among its own points (divided by f).
        var classifierTrained = model.HasClassifier && labelledAbnormal;
        var shareBudget = classifierTrained && decision == DecisionRule.Combined;
        var risk = AlarmBudget.Risk(options.AlarmBudgetPerHour, _settings.Features.Interval, (double)present / Math.Max(1, windows));
        var anomalyRisk = (shareBudget ? risk / 2 : risk) / Math.Max(1, modalitiesSeen);
        var thresholds = new double[ErrorProfile.Modalities];
        var extremeValue = false;
        for (var m = 0; m < ErrorProfile.Modalities; m++)
        {
            if (normal[m].Count == 0)
            {
                thresholds[m] = double.PositiveInfinity;
                continue;
            }

            var share = anomalyRisk * normalPoints / normal[m].Count;
            var (t, evt) = AlarmBudget.Fit(WithoutContamination(normal[m], options.Contamination), Math.Min(0.5, share / (1 - options.Contamination)));
            thresholds[m] = Math.Max(t, 1e-6);
            extremeValue |= evt;
        }

        var classifierThreshold = 1.0;
        if (classifierTrained && normalLogits.Count > 0)
        {
            var (logit, _) = AlarmBudget.Fit(WithoutContamination(normalLogits, options.Contamination), Math.Min(0.5, (classifierOnly ? risk : risk / 2) / (1 - options.Contamination)));
            classifierThreshold = Math.Max(0.5, 1 / (1 + Math.Exp(-logit)));
        }

        const double threshold = 1;
        LogCalibrated(_logger, thresholds[0], thresholds[1], thresholds[2], options.AlarmBudgetPerHour, risk, normalPoints, extremeValue);
        return new Calibration(profile, threshold, classWeight, classifierTrained, options.AlarmBudgetPerHour, risk, normalPoints, extremeValue)
        {
            ModalityThresholds = thresholds,
            ClassifierThreshold = classifierThreshold,
            Persistence = options.PersistenceSteps,
            EventPersistence = options.EventPersistenceSteps,
        };
    }

    /// <summary>Whether the method gives per-feature errors (MSTGAD, the statistical detectors), not a classifier alone.</summary>
    private static bool HasErrors(ITrainedMethod model)
    {
        var (metrics, logs, traces) = model.ErrorLayout;
        return metrics + logs + traces > 0;
    }

    /// <summary>The scores without the highest share <paramref name="contamination"/> of them (taken as unlabelled incidents, not normal time).</summary>
    private static List<double> WithoutContamination(List<double> scores, double contamination) =>
        contamination > 0 ? [.. scores.Order().Take((int)Math.Ceiling(scores.Count * (1 - contamination)))] : scores;

    private double ChooseThreshold(ITrainedMethod model, List<GraphWindow> training, List<GraphWindow> validation, double classWeight, Calibration unsupervised)
    {
        var calibrated = classWeight / (1 + classWeight);
        switch (_settings.Decision)
        {
            case DecisionRule.Unsupervised:
                return unsupervised.Threshold;

            case DecisionRule.Combined:
                return 1;

            case DecisionRule.CalibratedClassifier:
                return calibrated;

            case DecisionRule.ValidationThreshold:
            {
                // Without labelled abnormal validation points there is nothing to choose by: the class-weight correction.
                var (scores, labels) = validation.Count > 0 ? Points(model.Score(validation), validation, useProbability: true) : ([], []);
                return labels.Contains(1) ? Thresholds.BestF1(scores, labels).Threshold : calibrated;
            }

            case DecisionRule.ReconstructionThreshold when validation.Count > 0:
            {
                var (scores, labels) = Points(model.Score(validation), validation, useProbability: false);
                return labels.Contains(1) ? Thresholds.BestF1(scores, labels).Threshold : scores.DefaultIfEmpty(0).Max();
            }

            case DecisionRule.ExtremeValue:
            {
                // Calibrate on training points not labelled abnormal (the user may have no labels at all).
                var (scores, labels) = Points(model.Score(training), training, useProbability: false);
                var normal = scores.Where((_, i) => labels[i] != 1).ToList();
                return new Spot(normal, new SpotOptions { Risk = _settings.ExtremeValueRisk }).Threshold;
            }

            default:
                return 0.5;
        }
    }

    private static (List<double> Scores, List<int> Labels) Points(IReadOnlyList<WindowScores> scores, List<GraphWindow> windows, bool useProbability)
    {
        var values = new List<double>();
        var labels = new List<int>();
        for (var w = 0; w < scores.Count; w++)
        {
            for (var node = 0; node < scores[w].Present.Length; node++)
            {
                if (!scores[w].Present[node])
                {
                    continue;
                }

                values.Add(useProbability ? scores[w].Probability[node] : scores[w].ReconstructionError[node]);
                labels.Add(windows[w].LastLabel(node));
            }
        }

        return (values, labels);
    }

    private static Evidence Explain(Trained trained, WindowScores score, MstGraph last, int node, IReadOnlyList<string> keys, float[]? z)
    {
        const int top = 3;
        var (metrics, logs, _) = trained.Model.ErrorLayout;
        var errors = score.Errors.AsSpan(node * score.ErrorWidth, score.ErrorWidth);
        var standard = z is null ? default : z.AsSpan(node * score.ErrorWidth, score.ErrorWidth);
        var space = trained.Space;

        // The top features of each part by standard score (or squared error without one), without sorting them all.
        Span<int> best = stackalloc int[top];
        var metricEvidence = new List<MetricEvidence>(top);
        foreach (var f in Top(errors, standard, 0, metrics, best))
        {
            metricEvidence.Add(new MetricEvidence(space.Metrics[f], errors[f]) { StandardScore = standard.IsEmpty ? null : standard[f] });
        }

        var logEvidence = new List<LogEvidence>(top);
        foreach (var f in Top(errors, standard, metrics, metrics + logs, best))
        {
            var i = f - metrics;
            var name = space.NodeFeatureNames[space.MetricFeatureCount + i];
            var evidence = i < space.Vocabulary.Count
                ? new LogEvidence(name, space.Vocabulary[i].Id, space.Vocabulary[i].Text, trained.Examples.GetValueOrDefault(space.Vocabulary[i].Id), errors[f])
                : new LogEvidence(name, null, null, null, errors[f]);
            logEvidence.Add(evidence with { StandardScore = standard.IsEmpty ? null : standard[f] });
        }

        var edgeEvidence = score.EdgeErrors
            .Select((e, index) => (e.Source, e.Target, e.Error, Index: index))
            .Where(e => e.Source == node || e.Target == node)
            .OrderByDescending(e => e.Error)
            .Take(top)
            .Select(e => ExplainEdge(space, score, last, e.Index, keys[e.Source], keys[e.Target]))
            .ToList();
        return new Evidence(metricEvidence, logEvidence, edgeEvidence) { Attributions = Attributions(trained, score, node) };
    }

    /// <summary>The method's own attributions of a node, with templates named from the vocabulary.</summary>
    private static List<AttributionEvidence> Attributions(Trained trained, WindowScores score, int node)
    {
        if (node >= score.Attributions.Length || score.Attributions[node].Count == 0)
        {
            return [];
        }

        var vocabulary = trained.Space.Vocabulary;
        var result = new List<AttributionEvidence>(score.Attributions[node].Count);
        foreach (var a in score.Attributions[node])
        {
            if (a.Kind == AttributionKind.LogTemplate && (uint)a.Index < (uint)vocabulary.Count)
            {
                var template = vocabulary[a.Index];
                result.Add(new AttributionEvidence(a.Kind, template.Text, a.Weight) { TemplateId = template.Id, ExampleMessage = trained.Examples.GetValueOrDefault(template.Id) });
            }
            else
            {
                result.Add(new AttributionEvidence(a.Kind, a.Name ?? a.Kind.ToString(), a.Weight));
            }
        }

        return result;
    }

    /// <summary>
    /// The features in <c>[from, to)</c> with a positive error and the largest rank (standard score, or the error without
    /// one), largest first, at most <paramref name="best"/>'s length; ties go to the lower index.
    /// </summary>
    private static int[] Top(ReadOnlySpan<float> errors, ReadOnlySpan<float> standard, int from, int to, Span<int> best)
    {
        var count = 0;
        for (var f = from; f < to; f++)
        {
            if (errors[f] <= 0)
            {
                continue;
            }

            var rank = standard.IsEmpty ? errors[f] : standard[f];
            var position = count;
            while (position > 0 && (standard.IsEmpty ? errors[best[position - 1]] : standard[best[position - 1]]) < rank)
            {
                position--;
            }

            if (position >= best.Length)
            {
                continue;
            }

            for (var j = Math.Min(count, best.Length - 1); j > position; j--)
            {
                best[j] = best[j - 1];
            }

            best[position] = f;
            count = Math.Min(count + 1, best.Length);
        }

        return best[..count].ToArray();
    }

    /// <summary>
    /// The evidence of one edge of a window: the edge feature with the largest squared reconstruction error (or, when the
    /// model gives none per feature, the one furthest from its typical value relative to it), its raw value in the window's
    /// last step and its typical training value.
    /// </summary>
    private static EdgeEvidence ExplainEdge(FeatureSpace space, WindowScores score, MstGraph last, int index, string caller, string callee)
    {
        var (source, target, error) = score.EdgeErrors[index];
        var fs = space.EdgeFeatures.Count;
        var normalised = new float[fs];
        for (var e = 0; e < last.EdgeCount; e++)
        {
            if (last.Sources[e] == source && last.Targets[e] == target)
            {
                last.EdgeFeatures.AsSpan(e * fs, fs).CopyTo(normalised);
                break;
            }
        }

        var best = 0;
        var bestValue = double.NegativeInfinity;
        var perFeature = score.EdgeFeatureErrors.Length == score.EdgeErrors.Count * fs && fs > 0
            ? score.EdgeFeatureErrors.AsSpan(index * fs, fs)
            : [];
        for (var f = 0; f < fs; f++)
        {
            // Normalised features are raw / typical, so |raw − typical| / typical = |normalised − 1| (the error rate is unscaled).
            // A feature the edge never had in training (its typical value is the column's) is no evidence while it is still 0.
            if (normalised[f] == 0 && !space.HasOwnTypicalEdgeValue(caller, callee, f))
            {
                continue;
            }

            var deviation = space.EdgeFeatures[f].Measure == EdgeMeasure.ErrorRate
                ? Math.Abs(normalised[f] - space.TypicalEdgeValue(caller, callee, f)) / space.TypicalEdgeValue(caller, callee, f)
                : Math.Abs(normalised[f] - 1.0);
            var value = perFeature.IsEmpty ? deviation : perFeature[f];
            if (value > bestValue)
            {
                (best, bestValue) = (f, value);
            }
        }

        var feature = space.EdgeFeatures[best];
        return new EdgeEvidence(
            caller,
            callee,
            error,
            feature.Name,
            feature.Measure,
            feature.RequestType,
            space.RawEdgeValue(caller, callee, best, normalised[best]),
            space.TypicalEdgeValue(caller, callee, best));
    }

    private Trained Require()
    {
        ThrowIfDisposed();
        return _trained ?? throw new InvalidOperationException("The detector is not trained: call FitAsync or Load first.");
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Read {Instances} instances over {Steps} steps: {Metrics} metric samples, {Logs} log lines, {Spans} spans, {Faults} faults")]
    private static partial void LogRead(ILogger logger, int instances, int steps, long metrics, long logs, long spans, int faults);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Warning, Message = "Fault of {Target} at {Start} names no known instance; it labels nothing")]
    private static partial void LogUnmatchedFault(ILogger logger, string target, DateTimeOffset start);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Information, Message = "Epoch {Epoch}: training loss {TrainingLoss:F4}, validation loss {ValidationLoss:F4}, learning rate {LearningRate:G3}")]
    private static partial void LogEpoch(ILogger logger, int epoch, double trainingLoss, double validationLoss, double learningRate);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Information, Message = "Anomaly thresholds {Metrics:G4} (metrics), {Logs:G4} (logs), {Traces:G4} (traces) for an alarm budget of {Budget} per hour (risk {Risk:G3} per point; {Points} normal points; extreme-value fit: {ExtremeValue})")]
    private static partial void LogCalibrated(ILogger logger, double metrics, double logs, double traces, double budget, double risk, int points, bool extremeValue);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Information, Message = "Trained for {Epochs} epochs (best {BestEpoch}); threshold {Threshold:G4}; {Seconds:F1} s")]
    private static partial void LogTrained(ILogger logger, int epochs, int bestEpoch, double threshold, double seconds);

    /// <summary>Everything learnt.</summary>
    private sealed record Trained(
        DrainParser Parser,
        FeatureSpace Space,
        IReadOnlyList<string> Instances,
        ITrainedMethod Model,
        double Threshold,
        DateTimeOffset TrainedUntil,
        IReadOnlyDictionary<int, string> Examples,
        Calibration? Calibration);

    private sealed class EpochLogger(Detector owner, IProgress<EpochReport>? next) : IProgress<EpochReport>
    {
        public void Report(EpochReport value)
        {
            LogEpoch(owner._logger, value.Epoch, value.TrainingLoss, value.ValidationLoss, value.LearningRate);
            next?.Report(value);
        }
    }
}

/// <summary>The outcome of fitting a detector.</summary>
/// <param name="Training">The per-epoch training report.</param>
/// <param name="TrainingWindows">Windows trained on.</param>
/// <param name="ValidationWindows">Windows validated on.</param>
/// <param name="Instances">Instances (graph nodes) known.</param>
/// <param name="NodeFeatures">Node features per instance and step.</param>
/// <param name="EdgeFeatures">Features per edge and step.</param>
/// <param name="Threshold">The decision threshold chosen.</param>
/// <param name="TrainingStart">The start of the training part.</param>
/// <param name="TrainingEnd">The end of the training part.</param>
/// <param name="ValidationEnd">The end of the validation part.</param>
/// <param name="UnmatchedFaults">Fault labels that named no known instance.</param>
/// <param name="Elapsed">How long fitting took (after reading).</param>
public sealed record FitReport(
    TrainingReport Training,
    int TrainingWindows,
    int ValidationWindows,
    int Instances,
    int NodeFeatures,
    int EdgeFeatures,
    double Threshold,
    DateTimeOffset TrainingStart,
    DateTimeOffset TrainingEnd,
    DateTimeOffset ValidationEnd,
    int UnmatchedFaults,
    TimeSpan Elapsed);

/// <summary>What <see cref="Detector.DetectAsync(ITelemetrySource, CancellationToken)"/> found.</summary>
/// <param name="Verdicts">The verdicts, by step then instance.</param>
/// <param name="Data">The aggregates of the telemetry read (with its read report).</param>
/// <param name="Faults">The fault labels of the source, if any.</param>
public sealed record DetectionResult(IReadOnlyList<InstanceVerdict> Verdicts, TelemetryAggregate Data, IReadOnlyList<FaultLabel> Faults)
{
    /// <summary>The verdicts step by step with each step's call edges (for <see cref="RootCauseRanker"/>).</summary>
    public IReadOnlyList<StepVerdicts> Steps { get; init; } = [];
}
