using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MstGad.Features;
using MstGad.Methods;
using MstGad.Model;
using MstGad.Parsing;

namespace MstGad;

/// <summary>
/// Configures and builds a <see cref="Detector"/>. Methods return the same builder so calls chain;
/// <see cref="Build"/> validates every setting, reports all problems at once and snapshots the
/// settings, so later changes to the builder do not affect built detectors.
/// </summary>
/// <example>
/// <code>
/// using var detector = new DetectorBuilder()
///     .WithInterval(TimeSpan.FromMinutes(1))
///     .WithWindow(10)
///     .ConfigureLogParsing(o => o.SimilarityThreshold = 0.5)
///     .Build();
/// </code>
/// </example>
public sealed class DetectorBuilder
{
    private readonly FeatureOptions _features = new();
    private readonly ModelOptions _model = new();
    private readonly TrainingOptions _training = new();
    private readonly SplitOptions _split = new();
    private int _window = 10;
    private readonly UnsupervisedOptions _unsupervised = new();
    private DecisionRule _decision = DecisionRule.Unsupervised;
    private IDetectionMethod? _method;
    private bool _statistical;
    private double _extremeValueRisk = 1e-3;
    private string _device = "cpu";
    private int _threads = Math.Max(1, Environment.ProcessorCount);
    private ILoggerFactory _loggerFactory = NullLoggerFactory.Instance;
    private TimeProvider _timeProvider = TimeProvider.System;

    /// <summary>Sets the step interval Δ.</summary>
    /// <param name="interval">Default 10 s.</param>
    /// <returns>This builder.</returns>
    public DetectorBuilder WithInterval(TimeSpan interval)
    {
        _features.Interval = interval;
        return this;
    }

    /// <summary>Sets the window length k (graphs per window).</summary>
    /// <param name="steps">Default 10; at least 2.</param>
    /// <returns>This builder.</returns>
    public DetectorBuilder WithWindow(int steps)
    {
        _window = steps;
        return this;
    }

    /// <summary>Sets the decision rule.</summary>
    /// <param name="rule">Default <see cref="DecisionRule.Unsupervised"/>: the anomaly score under the alarm budget, whatever the
    /// labels (they still train the network and keep their faults out of the threshold's fit); <see cref="DecisionRule.Combined"/>
    /// adds the class-weight-corrected classifier.</param>
    /// <param name="extremeValueRisk">The risk q of <see cref="DecisionRule.ExtremeValue"/> (default 1e-3).</param>
    /// <returns>This builder.</returns>
    public DetectorBuilder WithDecisionRule(DecisionRule rule, double extremeValueRisk = 1e-3)
    {
        _decision = rule;
        _extremeValueRisk = extremeValueRisk;
        return this;
    }

    /// <summary>
    /// Sets the alarm budget: the false alarms per hour, over the whole system, that the threshold of the
    /// unsupervised anomaly score is set for on normal training and validation time (extreme-value fit).
    /// </summary>
    /// <param name="alarmsPerHour">Default 0.25; greater than zero.</param>
    /// <returns>This builder.</returns>
    public DetectorBuilder WithAlarmBudget(double alarmsPerHour)
    {
        _unsupervised.AlarmBudgetPerHour = alarmsPerHour;
        return this;
    }

    /// <summary>Configures the unsupervised anomaly score (defaults: <see cref="UnsupervisedOptions"/>).</summary>
    /// <param name="configure">Changes to apply.</param>
    /// <returns>This builder.</returns>
    public DetectorBuilder ConfigureUnsupervised(Action<UnsupervisedOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        configure(_unsupervised);
        return this;
    }

    /// <summary>Uses MSTGAD, the default method, and configures its network and training.</summary>
    /// <param name="configure">Changes to the network's and training settings (the same ones as <see cref="ConfigureModel"/> and <see cref="ConfigureTraining"/>); optional.</param>
    /// <returns>This builder.</returns>
    public DetectorBuilder UseMstgad(Action<MstgadOptions>? configure = null)
    {
        (_method, _statistical) = (null, false);
        configure?.Invoke(new MstgadOptions(_model, _training));
        return this;
    }

    /// <summary>
    /// Uses the statistical detectors (<see cref="StatisticalMethod"/>): no network, robust statistics of every feature;
    /// decided with <see cref="DecisionRule.Unsupervised"/> or <see cref="DecisionRule.Combined"/> only (no classifier).
    /// Residuals are taken from the recent past as <see cref="UnsupervisedOptions.RecentChange"/> says.
    /// </summary>
    /// <returns>This builder.</returns>
    public DetectorBuilder UseStatistical()
    {
        (_method, _statistical) = (null, true);
        return this;
    }

    /// <summary>Uses a detection method from its own package (for example Hades), or a configured built-in one.</summary>
    /// <param name="method">The method, configured; its <see cref="IDetectionMethod.Validate"/> is checked at <see cref="Build"/>.</param>
    /// <returns>This builder.</returns>
    public DetectorBuilder UseMethod(IDetectionMethod method)
    {
        ArgumentNullException.ThrowIfNull(method);
        (_method, _statistical) = (method, false);
        return this;
    }

    /// <summary>Configures feature extraction (defaults: <see cref="FeatureOptions"/>).</summary>
    /// <param name="configure">Changes to apply.</param>
    /// <returns>This builder.</returns>
    public DetectorBuilder ConfigureFeatures(Action<FeatureOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        configure(_features);
        return this;
    }

    /// <summary>Configures the Drain log parser (defaults: <see cref="FeatureOptions.DefaultLogParsing"/>).</summary>
    /// <param name="configure">Changes to apply.</param>
    /// <returns>This builder.</returns>
    public DetectorBuilder ConfigureLogParsing(Action<DrainOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        configure(_features.LogParsing);
        return this;
    }

    /// <summary>Configures the network (defaults: <see cref="ModelOptions"/>), including the paper's ablations.</summary>
    /// <param name="configure">Changes to apply.</param>
    /// <returns>This builder.</returns>
    public DetectorBuilder ConfigureModel(Action<ModelOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        configure(_model);
        return this;
    }

    /// <summary>Configures training (defaults: <see cref="TrainingOptions"/>).</summary>
    /// <param name="configure">Changes to apply.</param>
    /// <returns>This builder.</returns>
    public DetectorBuilder ConfigureTraining(Action<TrainingOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        configure(_training);
        return this;
    }

    /// <summary>Configures the chronological split and label hiding (defaults: <see cref="SplitOptions"/>).</summary>
    /// <param name="configure">Changes to apply.</param>
    /// <returns>This builder.</returns>
    public DetectorBuilder ConfigureSplit(Action<SplitOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        configure(_split);
        return this;
    }

    /// <summary>Chooses the TorchSharp device and the number of CPU threads.</summary>
    /// <param name="device"><c>cpu</c> (default) or <c>cuda</c> (needs a CUDA backend package in the application).</param>
    /// <param name="threads">Intra-op threads (default: all processors).</param>
    /// <returns>This builder.</returns>
    public DetectorBuilder UseDevice(string device, int? threads = null)
    {
        _device = device;
        if (threads is { } t)
        {
            _threads = t;
        }

        return this;
    }

    /// <summary>Sets the logger factory (default: none).</summary>
    /// <param name="loggerFactory">The factory, or <see langword="null"/> for none.</param>
    /// <returns>This builder.</returns>
    public DetectorBuilder UseLoggerFactory(ILoggerFactory? loggerFactory)
    {
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        return this;
    }

    /// <summary>Sets the time provider used for timings (default: the system clock).</summary>
    /// <param name="timeProvider">The provider.</param>
    /// <returns>This builder.</returns>
    public DetectorBuilder UseTimeProvider(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        _timeProvider = timeProvider;
        return this;
    }

    /// <summary>Validates every setting and builds an untrained detector.</summary>
    /// <returns>The detector.</returns>
    /// <exception cref="DetectorConfigurationException">One or more settings are invalid; lists them all.</exception>
    public Detector Build()
    {
        var problems = new List<string>();
        var featureProblems = _features.Validate();
        problems.AddRange(featureProblems.Select(p => "Features: " + p));
        problems.AddRange(_model.Validate().Select(p => "Model: " + p));
        problems.AddRange(_training.Validate().Select(p => "Training: " + p));
        problems.AddRange(_split.Validate());
        problems.AddRange(_unsupervised.Validate());
        if (_window < 2)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"Window must be at least 2 steps; it is {_window}."));
        }

        if (!Enum.IsDefined(_decision))
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"DecisionRule {(int)_decision} is not defined."));
        }

        var method = _method ?? (_statistical ? new StatisticalMethod(_unsupervised.RecentChange) : new MstgadMethod(_model, _training));
        FeatureOptions? features = null;
        if (featureProblems.Count == 0)
        {
            // The method asks for what it reads (on the detector's own copy), and what it asked for is checked too.
            features = _features.Clone();
            method.ConfigureFeatures(features);
            problems.AddRange(features.Validate().Select(p => $"Features (as method {method.Name} set them): " + p));
        }

        if (_method is not null)
        {
            if (!DetectionMethods.IsValidName(method.Name ?? string.Empty))
            {
                problems.Add($"Method: its name '{method.Name}' is not lower-case letters, digits and '-'.");
            }

            problems.AddRange(method.Validate().Select(p => $"Method {method.Name}: " + p));
        }

        if (method is StatisticalMethod && _decision is not (DecisionRule.Unsupervised or DecisionRule.Combined))
        {
            problems.Add($"The statistical method has no classifier or reconstruction error to decide with {_decision}: use DecisionRule.Unsupervised or DecisionRule.Combined.");
        }

        if (!(_extremeValueRisk > 0 && _extremeValueRisk < 1))
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"The extreme-value risk must be in (0, 1); it is {_extremeValueRisk}."));
        }

        if (string.IsNullOrWhiteSpace(_device))
        {
            problems.Add("Device must be named (for example 'cpu').");
        }

        if (_threads < 1)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"Threads must be at least 1; it is {_threads}."));
        }

        if (problems.Count > 0)
        {
            throw new DetectorConfigurationException(problems);
        }

        var settings = new DetectorSettings(
            features!,
            _model.Clone(),
            _training.Clone(),
            _split.Clone(),
            _window,
            _decision,
            _extremeValueRisk,
            _device,
            _threads,
            _unsupervised.Clone(),
            method);
        return new Detector(settings, _loggerFactory, _timeProvider);
    }
}

/// <summary>A snapshot of every setting of a detector.</summary>
internal sealed record DetectorSettings(
    FeatureOptions Features,
    ModelOptions Model,
    TrainingOptions Training,
    SplitOptions Split,
    int Window,
    DecisionRule Decision,
    double ExtremeValueRisk,
    string Device,
    int Threads,
    UnsupervisedOptions Unsupervised,
    IDetectionMethod Method);

/// <summary>The settings of MSTGAD (<see cref="DetectorBuilder.UseMstgad"/>): its network and its training.</summary>
public sealed class MstgadOptions
{
    internal MstgadOptions(ModelOptions model, TrainingOptions training) => (Model, Training) = (model, training);

    /// <summary>The network's settings (defaults: <see cref="ModelOptions"/>).</summary>
    public ModelOptions Model { get; }

    /// <summary>The training settings (defaults: <see cref="TrainingOptions"/>).</summary>
    public TrainingOptions Training { get; }
}
