using System.Globalization;
using System.Text;
using MstGad.Features;
using MstGad.Graph;
using MstGad.Scoring;

namespace MstGad.Methods;

/// <summary>
/// The statistical detectors behind the same facade (<see cref="StatisticalMethod"/>): no network, nothing
/// but robust statistics of the features of normal training time. For every instance, its residual on each feature
/// is the distance of the step's value from the instance's training median — per metric (robust z-score of
/// metrics), per log template and log level (template-rate and error-log bursts), and per edge feature over the
/// calls into the instance and out of it (the client-minus-server gap, durations, calls and errors of every edge,
/// the largest over its edges). The facade's error profile then measures each residual against its own spread,
/// exactly as it does for the network's reconstruction errors, under the same alarm budget.
/// </summary>
/// <remarks>
/// Needs only a few steps of history (no training beyond medians), so it is also the cold-start fallback before
/// there is enough data to train the network. Scores depend on the last step of a window only.
/// </remarks>
internal sealed class StatisticalModel : ITrainedMethod
{
    private const int Version = 1;
    private static readonly byte[] Magic = "MSTGAD-STATS1"u8.ToArray();
    private readonly int _metrics;
    private readonly int _logs;
    private readonly int _edgeFeatures;
    private readonly int _instances;
    private readonly float[] _median;       // [instances × width]
    private readonly float[] _pooledMedian; // [width]

    private StatisticalModel(int instances, int metrics, int logs, int edgeFeatures, float[] median, float[] pooledMedian, bool recent)
    {
        Recent = recent;
        _instances = instances;
        _metrics = metrics;
        _logs = logs;
        _edgeFeatures = edgeFeatures;
        _median = median;
        _pooledMedian = pooledMedian;
    }

    /// <summary>Whether residuals are taken from the median of the window's earlier steps (the instance's recent past)
    /// rather than from its training median, where the window has enough earlier steps with the modality.</summary>
    public bool Recent { get; }

    /// <inheritdoc/>
    public bool HasClassifier => false;

    /// <inheritdoc/>
    public (int Metrics, int Logs, int Traces) ErrorLayout => (_metrics, _logs, 2 * _edgeFeatures);

    private int Width => _metrics + _logs + (2 * _edgeFeatures);

    /// <summary>Fits the per-instance medians on the normal points of the training windows.</summary>
    public static StatisticalModel Fit(IReadOnlyList<GraphWindow> training, int instances, int metrics, int logs, int edgeFeatures, bool recent)
    {
        var model = new StatisticalModel(instances, metrics, logs, edgeFeatures, new float[instances * (metrics + logs + (2 * edgeFeatures))], new float[metrics + logs + (2 * edgeFeatures)], recent);
        var width = model.Width;
        var samples = new List<float>[instances * width];
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = [];
        }

        var row = new float[width];
        foreach (var window in training)
        {
            var graph = window.Last;
            var (incoming, outgoing) = model.EdgeAggregates(graph);
            for (var node = 0; node < Math.Min(instances, graph.NodeCount); node++)
            {
                var mask = (ModalityMask)graph.Mask[node];
                if (mask == ModalityMask.None || window.LastLabel(node) == Labels.Abnormal)
                {
                    continue;
                }

                model.Values(graph, node, incoming, outgoing, row);
                for (var f = 0; f < width; f++)
                {
                    if (mask.HasFlag(model.ModalityOf(f)))
                    {
                        samples[(node * width) + f].Add(row[f]);
                    }
                }
            }
        }

        for (var f = 0; f < width; f++)
        {
            var all = new List<float>();
            for (var node = 0; node < instances; node++)
            {
                all.AddRange(samples[(node * width) + f]);
            }

            model._pooledMedian[f] = Median(all);
            for (var node = 0; node < instances; node++)
            {
                var s = samples[(node * width) + f];
                model._median[(node * width) + f] = s.Count >= ErrorProfileMinimum ? Median(s) : model._pooledMedian[f];
            }
        }

        return model;
    }

    private const int ErrorProfileMinimum = 5;

    /// <inheritdoc/>
    public IReadOnlyList<WindowScores> Score(IReadOnlyList<GraphWindow> windows)
    {
        ArgumentNullException.ThrowIfNull(windows);
        var width = Width;
        var results = new List<WindowScores>(windows.Count);
        var row = new float[width];
        foreach (var window in windows)
        {
            var graph = window.Last;
            var n = graph.NodeCount;
            var errors = new float[n * width];
            var present = new bool[n];
            var reconstruction = new float[n];
            var (incoming, outgoing) = EdgeAggregates(graph);
            // The earlier graphs' edge aggregates, made once per window (not once per node) when the recent baseline needs them.
            var earlier = Recent ? new (float[], float[])?[window.Length - 1] : null;
            for (var node = 0; node < n; node++)
            {
                present[node] = graph.Mask[node] != 0;
                if (!present[node])
                {
                    continue;
                }

                Values(graph, node, incoming, outgoing, row);
                ReadOnlySpan<float> median = node < _instances ? _median.AsSpan(node * width, width) : _pooledMedian;
                ReadOnlySpan<float> recent = earlier is not null ? RecentMedian(window, node, median, earlier) : median;

                var mask = (ModalityMask)graph.Mask[node];
                float sum = 0;
                for (var f = 0; f < width; f++)
                {
                    // With the recent baseline a residual must be both far from the training median and a change from
                    // the recent past: a slow drift (memory creeping up) is not an incident, a jump is.
                    // Only metrics: logs and traces may be collected only around incidents, so that their recent past is the incident.
                    var r = !mask.HasFlag(ModalityOf(f)) ? 0
                        : f < _metrics ? MathF.Min(MathF.Abs(row[f] - median[f]), MathF.Abs(row[f] - recent[f]))
                        : MathF.Abs(row[f] - median[f]);
                    errors[(node * width) + f] = r * r;
                    sum += r * r;
                }

                reconstruction[node] = sum;
            }

            var edges = new List<(int, int, float)>(graph.EdgeCount);
            for (var e = 0; e < graph.EdgeCount; e++)
            {
                float error = 0;
                foreach (var v in graph.EdgeFeatures.AsSpan(e * _edgeFeatures, _edgeFeatures))
                {
                    error += (v - 1) * (v - 1); // edge features are scaled by their training mean: 1 is typical
                }

                edges.Add((graph.Sources[e], graph.Targets[e], error));
            }

            results.Add(new WindowScores(graph.Step, new float[n], reconstruction, errors, width, edges, present));
        }

        return results;
    }

    /// <summary>Per feature, the median of the node's values over the window's earlier steps that had the feature's
    /// modality (at least three), else the given fallback. <paramref name="aggregates"/> caches the earlier graphs' edge aggregates.</summary>
    private float[] RecentMedian(GraphWindow window, int node, ReadOnlySpan<float> fallback, (float[] Incoming, float[] Outgoing)?[] aggregates)
    {
        var width = Width;
        var result = fallback.ToArray();
        var earlier = window.Length - 1;
        var values = new float[earlier * width];
        var present = new bool[earlier * width];
        var row = new float[width];
        for (var t = 0; t < earlier; t++)
        {
            var graph = window.Graphs[t];
            if (node >= graph.NodeCount || graph.Mask[node] == 0)
            {
                continue;
            }

            var (incoming, outgoing) = aggregates[t] ??= EdgeAggregates(graph);
            Values(graph, node, incoming, outgoing, row);
            var mask = (ModalityMask)graph.Mask[node];
            for (var f = 0; f < width; f++)
            {
                values[(t * width) + f] = row[f];
                present[(t * width) + f] = mask.HasFlag(ModalityOf(f));
            }
        }

        var column = new List<float>(earlier);
        for (var f = 0; f < width; f++)
        {
            column.Clear();
            for (var t = 0; t < earlier; t++)
            {
                if (present[(t * width) + f])
                {
                    column.Add(values[(t * width) + f]);
                }
            }

            if (column.Count >= 3)
            {
                result[f] = Median(column);
            }
        }

        return result;
    }

    /// <inheritdoc/>
    public void Save(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        MethodSection.WriteHeader(writer, Magic, Version);
        writer.Write(Recent);
        writer.Write(_instances);
        writer.Write(_metrics);
        writer.Write(_logs);
        writer.Write(_edgeFeatures);
        foreach (var v in _median)
        {
            writer.Write(v);
        }

        foreach (var v in _pooledMedian)
        {
            writer.Write(v);
        }
    }

    /// <summary>Reads what <see cref="Save"/> wrote.</summary>
    /// <exception cref="InvalidDataException">Not this method's data, another version, or truncated.</exception>
    public static StatisticalModel Load(Stream stream)
    {
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        try
        {
            MethodSection.ReadHeader(reader, Magic, Version, "statistical detector");

            var recent = reader.ReadBoolean();
            var instances = reader.ReadInt32();
            var metrics = reader.ReadInt32();
            var logs = reader.ReadInt32();
            var edges = reader.ReadInt32();
            if (instances is < 0 or > 10_000_000 || metrics < 0 || logs < 0 || edges < 0)
            {
                throw new InvalidDataException("MstGad artifact is corrupt: the statistical detector's sizes are invalid.");
            }

            var width = metrics + logs + (2 * edges);
            var median = new float[instances * width];
            for (var i = 0; i < median.Length; i++)
            {
                median[i] = reader.ReadSingle();
            }

            var pooled = new float[width];
            for (var i = 0; i < pooled.Length; i++)
            {
                pooled[i] = reader.ReadSingle();
            }

            return new StatisticalModel(instances, metrics, logs, edges, median, pooled, recent);
        }
        catch (EndOfStreamException ex)
        {
            throw new InvalidDataException("MstGad artifact is corrupt: the statistical detector is truncated.", ex);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
    }

    private ModalityMask ModalityOf(int feature) =>
        feature < _metrics ? ModalityMask.Metrics
        : feature < _metrics + _logs ? ModalityMask.Logs
        : ModalityMask.Traces;

    /// <summary>Per node, the largest value of each edge feature over its calls from other instances (in) and to other instances (out).</summary>
    private (float[] Incoming, float[] Outgoing) EdgeAggregates(MstGraph graph)
    {
        var f = _edgeFeatures;
        var incoming = new float[graph.NodeCount * f];
        var outgoing = new float[graph.NodeCount * f];
        for (var e = 0; e < graph.EdgeCount; e++)
        {
            var (source, target) = (graph.Sources[e], graph.Targets[e]);
            if (source == target)
            {
                continue;
            }

            var values = graph.EdgeFeatures.AsSpan(e * f, f);
            for (var j = 0; j < f; j++)
            {
                incoming[(target * f) + j] = Math.Max(incoming[(target * f) + j], values[j]);
                outgoing[(source * f) + j] = Math.Max(outgoing[(source * f) + j], values[j]);
            }
        }

        return (incoming, outgoing);
    }

    /// <summary>The node's feature values in error order: metrics, logs, then incoming and outgoing edge aggregates.</summary>
    private void Values(MstGraph graph, int node, float[] incoming, float[] outgoing, float[] row)
    {
        var nodeWidth = _metrics + _logs;
        graph.NodeFeatures.AsSpan(node * graph.NodeFeatureCount, nodeWidth).CopyTo(row);
        incoming.AsSpan(node * _edgeFeatures, _edgeFeatures).CopyTo(row.AsSpan(nodeWidth));
        outgoing.AsSpan(node * _edgeFeatures, _edgeFeatures).CopyTo(row.AsSpan(nodeWidth + _edgeFeatures));
    }

    private static float Median(List<float> values) => Medians.Sort(values.ToArray().AsSpan());
}
