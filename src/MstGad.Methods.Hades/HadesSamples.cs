using MstGad.Features;
using MstGad.Graph;

namespace MstGad.Methods.Hades;

/// <summary>One instance's window as Hades reads it (Hades's chunk): its metrics and template sequences over the k steps, and the label of the last step.</summary>
/// <param name="Window">The window's position in the list it came from.</param>
/// <param name="Node">The instance's node.</param>
/// <param name="Metrics">Metric features <c>[step · M + metric]</c> (0 in steps without metrics).</param>
/// <param name="Templates">Template positions in the vocabulary <c>[step · L + position]</c>, −1 where there is none.</param>
/// <param name="Label">The label of the last step: 1 abnormal, 0 normal, −1 unknown.</param>
internal sealed record HadesSample(int Window, int Node, float[] Metrics, int[] Templates, sbyte Label);

/// <summary>Turns windows into Hades's per-instance samples, and picks pseudo-labels.</summary>
internal static class HadesSamples
{
    /// <summary>
    /// One sample per window and instance present in the window's last step, in window then node order; an instance
    /// with neither metrics nor logs in the last step is not scored (as for every method).
    /// </summary>
    /// <param name="windows">The windows.</param>
    /// <param name="metrics">The metric features M (the first M node features).</param>
    /// <param name="templateLength">The length L of a template sequence (0: the graphs carry none; the rows are then all −1).</param>
    /// <param name="slicing">How the templates are laid into the steps' slices.</param>
    /// <param name="labelAnyStep">Label a sample abnormal when any step of its window is (Hades's chunk label) rather than by its last step.</param>
    public static List<HadesSample> From(IReadOnlyList<GraphWindow> windows, int metrics, int templateLength, LogSlicing slicing = LogSlicing.TimeAligned, bool labelAnyStep = false)
    {
        var samples = new List<HadesSample>();
        for (var w = 0; w < windows.Count; w++)
        {
            var window = windows[w];
            var last = window.Last;
            var k = window.Graphs.Count;
            for (var node = 0; node < last.NodeCount; node++)
            {
                if (last.Mask[node] == 0)
                {
                    continue;
                }

                var m = new float[k * metrics];
                var t = new int[k * Math.Max(templateLength, 1)];
                Array.Fill(t, -1);
                for (var s = 0; s < k; s++)
                {
                    var graph = window.Graphs[s];
                    if (((ModalityMask)graph.Mask[node]).HasFlag(ModalityMask.Metrics))
                    {
                        graph.NodeFeatures.AsSpan(node * graph.NodeFeatureCount, metrics).CopyTo(m.AsSpan(s * metrics, metrics));
                    }

                    var length = Math.Min(templateLength, graph.TemplateSequenceLength);
                    if (length > 0)
                    {
                        graph.Templates.AsSpan(node * graph.TemplateSequenceLength, length).CopyTo(t.AsSpan(s * templateLength, length));
                    }
                }

                if (slicing == LogSlicing.Concatenated)
                {
                    Concatenate(t);
                }

                samples.Add(new HadesSample(w, node, m, t, labelAnyStep && window.AnyLabelAbnormal(node) ? Labels.Abnormal : window.LastLabel(node)));
            }
        }

        return samples;
    }

    /// <summary>The window's templates one after another (gaps closed), padded at the end and cut into the steps' slices again.</summary>
    internal static void Concatenate(int[] templates)
    {
        var next = 0;
        for (var i = 0; i < templates.Length; i++)
        {
            if (templates[i] >= 0)
            {
                templates[next++] = templates[i];
            }
        }

        templates.AsSpan(next).Fill(-1);
    }

    /// <summary>
    /// Pseudo-labels for unlabelled samples the classifier is sure of (Hades: confidence ≥ 0.92): abnormal where
    /// P(abnormal) ≥ the confidence, normal where P(normal) ≥ it; the rest stay unlabelled.
    /// </summary>
    /// <param name="probabilities">P(abnormal) of each unlabelled sample.</param>
    /// <param name="confidence">The confidence a pseudo-label needs, in (0.5, 1].</param>
    /// <returns>(position among <paramref name="probabilities"/>, pseudo-label) of each sample picked, in order.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The confidence is not in (0.5, 1].</exception>
    public static List<(int Index, sbyte Label)> PseudoLabels(IReadOnlyList<float> probabilities, double confidence)
    {
        ArgumentNullException.ThrowIfNull(probabilities);
        if (!(confidence > 0.5 && confidence <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(confidence), confidence, "The confidence of a pseudo-label must be in (0.5, 1].");
        }

        var picked = new List<(int, sbyte)>();
        for (var i = 0; i < probabilities.Count; i++)
        {
            var p = probabilities[i];
            if (p >= confidence)
            {
                picked.Add((i, 1));
            }
            else if (1 - p >= confidence)
            {
                picked.Add((i, 0));
            }
        }

        return picked;
    }
}
