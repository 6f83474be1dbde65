using MstGad.Graph;
using MstGad.Methods;
using TorchSharp;

namespace MstGad.Model;

/// <summary>
/// MSTGAD (Huang et al., 2023) as a detection method: the network of <see cref="MstgadModel"/> trained on the windows
/// the facade gives it, scoring each instance by its classifier's probability and its reconstruction errors per
/// feature. The facade's default method (<c>DetectorBuilder.UseMstgad</c>).
/// </summary>
public sealed class MstgadMethod : IDetectionMethod
{
    /// <summary>The method's name in artifacts and on the command line.</summary>
    public const string MethodName = "mstgad";

    private readonly ModelOptions _model;
    private readonly TrainingOptions _training;

    /// <summary>MSTGAD with the default network and training settings (used to load artifacts).</summary>
    public MstgadMethod()
        : this(new ModelOptions(), new TrainingOptions())
    {
    }

    /// <summary>MSTGAD with the given settings (copied).</summary>
    /// <param name="model">The network's settings.</param>
    /// <param name="training">The training settings.</param>
    public MstgadMethod(ModelOptions model, TrainingOptions training)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(training);
        _model = model.Clone();
        _training = training.Clone();
    }

    /// <inheritdoc/>
    public string Name => MethodName;

    /// <inheritdoc/>
    /// <remarks>Version 1: what <see cref="MstgadModel.Save"/> writes (it carries its own format version too).</remarks>
    public int FormatVersion => 1;

    /// <inheritdoc/>
    public int MaxEpochs => _training.MaxEpochs;

    /// <summary>The network's settings (a copy).</summary>
    public ModelOptions Model => _model.Clone();

    /// <summary>The training settings (a copy).</summary>
    public TrainingOptions Training => _training.Clone();

    /// <inheritdoc/>
    public IReadOnlyList<string> Validate() => [.. _model.Validate(), .. _training.Validate()];

    /// <inheritdoc/>
    public FittedMethod Fit(MethodFitContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        TorchThreads.Use(context.Threads);
        var space = context.Space;
        var shape = new InputShape(space.MetricFeatureCount, space.LogFeatureCount, space.EdgeFeatureNames.Count);
        var network = new MstgadModel(_model, shape, _training.Seed, context.Device);
        try
        {
            var report = network.Train(context.Training, context.Validation, _training, context.Progress, context.CancellationToken);
            return new FittedMethod(new TrainedMstgad(network, context.Threads), report);
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public ITrainedMethod Load(Stream stream, int formatVersion, MethodRunContext context)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(context);
        return new TrainedMstgad(MstgadModel.Load(stream, context.Device), context.Threads);
    }
}

/// <summary>A trained MSTGAD network as the facade's trained method.</summary>
/// <param name="model">The network (owned).</param>
/// <param name="threads">libtorch's intra-op threads while it scores.</param>
public sealed class TrainedMstgad(MstgadModel model, int threads) : ITrainedMethod
{
    /// <summary>The trained network.</summary>
    public MstgadModel Model { get; } = model ?? throw new ArgumentNullException(nameof(model));

    /// <inheritdoc/>
    public (int Metrics, int Logs, int Traces) ErrorLayout => Model.ErrorLayout;

    /// <inheritdoc/>
    public bool HasClassifier => true;

    /// <inheritdoc/>
    public IReadOnlyList<WindowScores> Score(IReadOnlyList<GraphWindow> windows)
    {
        TorchThreads.Use(threads);
        return Model.Score(windows);
    }

    /// <inheritdoc/>
    public void Save(Stream stream) => Model.Save(stream);

    /// <inheritdoc/>
    public void Dispose() => Model.Dispose();
}

/// <summary>libtorch's intra-op threads: process-wide in libtorch, and results depend on their number.</summary>
public static class TorchThreads
{
    /// <summary>Sets libtorch's intra-op threads when they differ (loading libtorch first).</summary>
    /// <param name="threads">At least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threads"/> is below 1.</exception>
    public static void Use(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        TorchNative.EnsureLoadable();
        if (torch.get_num_threads() != threads)
        {
            torch.set_num_threads(threads);
        }
    }
}
