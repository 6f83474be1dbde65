using MstGad.Features;
using MstGad.Graph;
using MstGad.Methods.Hades;

namespace MstGad.Methods.Hades.Tests;

[TestFixture]
public sealed class HadesSamplesTests
{
    private static readonly StepClock Clock = new(TimeSpan.FromMinutes(1));

    [Test]
    public void From_Windows_GivesEachPresentInstanceItsMetricsAndTemplatesOverTheSteps()
    {
        // Two nodes, 2 metrics + 1 log feature, L = 2; node 1 has no metrics in step 0 and is absent in step 1 of window 0.
        var g0 = Graph(0, [1, 2, 9, 3, 4, 9], [(byte)(ModalityMask.Metrics | ModalityMask.Logs), (byte)ModalityMask.Logs], [5, -1, 7, 8]);
        var g1 = Graph(1, [5, 6, 9, 0, 0, 0], [(byte)ModalityMask.Metrics, 0], [-1, -1, -1, -1]);
        var g2 = Graph(2, [7, 8, 9, 1, 1, 9], [(byte)ModalityMask.Metrics, (byte)(ModalityMask.Metrics | ModalityMask.Logs)], [-1, -1, 2, -1]);
        sbyte[] labels = [0, -1, 1, 0];
        var windows = new[] { new GraphWindow([g0, g1], labels), new GraphWindow([g1, g2], labels) };

        var samples = HadesSamples.From(windows, metrics: 2, templateLength: 2);

        Assert.Multiple(() =>
        {
            Assert.That(samples.Select(s => (s.Window, s.Node)), Is.EqualTo(new[] { (0, 0), (1, 0), (1, 1) }), "node 1 is absent from window 0's last step");
            Assert.That(samples[0].Metrics, Is.EqualTo(new float[] { 1, 2, 5, 6 }));
            Assert.That(samples[0].Templates, Is.EqualTo(new[] { 5, -1, -1, -1 }));
            Assert.That(samples[2].Metrics, Is.EqualTo(new float[] { 0, 0, 1, 1 }), "no metrics in its first step");
            Assert.That(samples[2].Templates, Is.EqualTo(new[] { -1, -1, 2, -1 }));
            Assert.That(samples.Select(s => s.Label), Is.EqualTo(new sbyte[] { 1, 1, 0 }), "the last step's labels (labels [k × N]: the second row)");
        });
    }

    [Test]
    public void From_ReferenceChoices_ConcatenateTheTemplatesAndLabelByAnyStep()
    {
        var g0 = Graph(0, [1, 2, 9, 3, 4, 9], [(byte)(ModalityMask.Metrics | ModalityMask.Logs), (byte)ModalityMask.Metrics], [5, -1, -1, -1]);
        var g1 = Graph(1, [5, 6, 9, 7, 8, 9], [(byte)(ModalityMask.Metrics | ModalityMask.Logs), (byte)(ModalityMask.Metrics | ModalityMask.Logs)], [3, 4, -1, 6]);
        sbyte[] labels = [1, -1, 0, 0]; // node 0 abnormal in the first step only; node 1 unknown, then normal
        var windows = new[] { new GraphWindow([g0, g1], labels) };

        var aligned = HadesSamples.From(windows, metrics: 2, templateLength: 2);
        var reference = HadesSamples.From(windows, metrics: 2, templateLength: 2, LogSlicing.Concatenated, labelAnyStep: true);

        Assert.Multiple(() =>
        {
            Assert.That(aligned[0].Templates, Is.EqualTo(new[] { 5, -1, 3, 4 }), "slice t is step t");
            Assert.That(reference[0].Templates, Is.EqualTo(new[] { 5, 3, 4, -1 }), "one after another, padded at the end");
            Assert.That(reference[1].Templates, Is.EqualTo(new[] { 6, -1, -1, -1 }));
            Assert.That(aligned.Select(s => s.Label), Is.EqualTo(new sbyte[] { 0, 0 }), "by the last step");
            Assert.That(reference.Select(s => s.Label), Is.EqualTo(new sbyte[] { 1, 0 }), "abnormal when any step is; otherwise the last step's label");
            Assert.That(reference[0].Metrics, Is.EqualTo(aligned[0].Metrics), "metrics untouched");
        });
    }

    [Test]
    public void PseudoLabels_OnlyWhereTheClassifierIsSure()
    {
        var picked = HadesSamples.PseudoLabels([0.95f, 0.5f, 0.05f, 0.92f, 0.08f, 0.9f], 0.92);

        Assert.That(picked, Is.EqualTo(new (int, sbyte)[] { (0, 1), (2, 0), (3, 1), (4, 0) }));
    }

    [TestCase(0.5)]
    [TestCase(1.01)]
    [TestCase(double.NaN)]
    public void PseudoLabels_ConfidenceOutOfRange_IsRefused(double confidence) =>
        Assert.That(() => HadesSamples.PseudoLabels([0.5f], confidence), Throws.InstanceOf<ArgumentOutOfRangeException>());

    private static MstGraph Graph(long step, float[] node, byte[] mask, int[] templates) =>
        new(step, Clock, 2, 3, node, mask, [], [], 0, []) { Templates = templates };
}
