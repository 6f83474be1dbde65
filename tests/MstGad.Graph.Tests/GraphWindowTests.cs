using static MstGad.Graph.Tests.Support.Telemetry;

namespace MstGad.Graph.Tests;

[TestFixture]
public sealed class GraphWindowTests
{
    private static MstGraph[] Consecutive(int count, int n = 2, long first = 100) =>
        [.. Enumerable.Range(0, count).Select(t => EmptyGraph(first + t, n))];

    // Windows end at k − 1, k − 1 + stride, … < T: ⌊(T − k) / stride⌋ + 1 when T ≥ k, else 0.
    [TestCase(10, 10, 1, 1)]   // end 9
    [TestCase(10, 3, 1, 8)]    // ends 2 … 9
    [TestCase(10, 3, 2, 4)]    // ends 2, 4, 6, 8
    [TestCase(10, 3, 3, 3)]    // ends 2, 5, 8
    [TestCase(10, 3, 7, 2)]    // ends 2, 9
    [TestCase(10, 3, 8, 1)]    // end 2 (10 is past the end)
    [TestCase(5, 6, 1, 0)]     // shorter than one window
    [TestCase(1, 1, 1, 1)]
    public void Slide_TStepsWindowKStride_GivesTheExpectedCount(int t, int k, int stride, int expected)
    {
        var windows = GraphWindow.Slide(Consecutive(t), k, stride).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(windows, Has.Count.EqualTo(expected));
            Assert.That(windows.Select(w => w.Length), Is.All.EqualTo(k));
        });
    }

    [Test]
    public void Slide_Windows_HoldConsecutiveGraphsEndingAtEachStride()
    {
        var graphs = Consecutive(7);

        var windows = GraphWindow.Slide(graphs, 3, 2).ToList();

        Assert.Multiple(() =>
        {
            // Ends 2, 4, 6 → steps 100–102, 102–104, 104–106.
            Assert.That(windows.Select(w => w.Graphs.Select(g => g.Step).ToArray()), Is.EqualTo(new[]
            {
                new long[] { 100, 101, 102 },
                new long[] { 102, 103, 104 },
                new long[] { 104, 105, 106 },
            }));
            Assert.That(windows[1].Last, Is.SameAs(graphs[4]));
            Assert.That(windows[1].NodeCount, Is.EqualTo(2));
        });
    }

    [Test]
    public void Slide_Labels_AreSlicedPerWindowAndTheLastStepGivesTheLabel()
    {
        // T = 4, N = 2, labels [t · 2 + node]: t0 (0, 0), t1 (1, 0), t2 (0, −1), t3 (1, 1).
        sbyte[] labels = [0, 0, 1, 0, 0, -1, 1, 1];

        var windows = GraphWindow.Slide(Consecutive(4), 2, 1, labels).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(windows, Has.Count.EqualTo(3));
            Assert.That(windows[0].Labels, Is.EqualTo(new sbyte[] { 0, 0, 1, 0 }));
            Assert.That(windows[1].Labels, Is.EqualTo(new sbyte[] { 1, 0, 0, -1 }));
            Assert.That(windows[2].Labels, Is.EqualTo(new sbyte[] { 0, -1, 1, 1 }));
            // The last step of window 0 is t1: node 0 abnormal, node 1 normal; window 1 ends at t2: 0, unknown.
            Assert.That(windows[0].LastLabel(0), Is.EqualTo(Labels.Abnormal));
            Assert.That(windows[0].LastLabel(1), Is.EqualTo(Labels.Normal));
            Assert.That(windows[1].LastLabel(1), Is.EqualTo(Labels.Unknown));
            Assert.That(windows[2].LastLabel(1), Is.EqualTo(Labels.Abnormal));
        });
    }

    [Test]
    public void Slide_TheLabelsOfAWindow_AreACopy()
    {
        sbyte[] labels = [0, 0, 1, 0];

        var window = GraphWindow.Slide(Consecutive(2), 2, 1, labels).Single();
        labels[3] = 1;

        Assert.That(window.LastLabel(1), Is.EqualTo(Labels.Normal));
    }

    [Test]
    public void LastLabel_WithoutLabels_IsUnknown()
    {
        var window = GraphWindow.Slide(Consecutive(3), 3).Single();

        Assert.Multiple(() =>
        {
            Assert.That(window.Labels, Is.Null);
            Assert.That(window.LastLabel(0), Is.EqualTo(Labels.Unknown));
            Assert.That(window.LastLabel(1), Is.EqualTo(Labels.Unknown));
        });
    }

    [Test]
    public void Slide_AGapBetweenSteps_ThrowsNamingTheGraph()
    {
        MstGraph[] graphs = [EmptyGraph(10, 2), EmptyGraph(11, 2), EmptyGraph(13, 2)];

        var ex = Assert.Throws<ArgumentException>(() => GraphWindow.Slide(graphs, 2));

        Assert.Multiple(() =>
        {
            Assert.That(ex.ParamName, Is.EqualTo("graphs"));
            Assert.That(ex.Message, Is.EqualTo(
                "Graphs must be consecutive steps with the same node count; graph 2 (step 13, N = 2) follows step 11 (N = 2). (Parameter 'graphs')"));
        });
    }

    [Test]
    public void Slide_StepsOutOfOrder_Throw()
    {
        MstGraph[] graphs = [EmptyGraph(11, 2), EmptyGraph(10, 2)];

        var ex = Assert.Throws<ArgumentException>(() => GraphWindow.Slide(graphs, 1));

        Assert.That(ex.Message, Is.EqualTo(
            "Graphs must be consecutive steps with the same node count; graph 1 (step 10, N = 2) follows step 11 (N = 2). (Parameter 'graphs')"));
    }

    [Test]
    public void Slide_ADifferentNodeCount_Throws()
    {
        MstGraph[] graphs = [EmptyGraph(10, 2), EmptyGraph(11, 3)];

        var ex = Assert.Throws<ArgumentException>(() => GraphWindow.Slide(graphs, 2));

        Assert.That(ex.Message, Is.EqualTo(
            "Graphs must be consecutive steps with the same node count; graph 1 (step 11, N = 3) follows step 10 (N = 2). (Parameter 'graphs')"));
    }

    [Test]
    public void Slide_LabelsOfTheWrongLength_ThrowNamingTheExpectedShape()
    {
        var ex = Assert.Throws<ArgumentException>(() => GraphWindow.Slide(Consecutive(3), 2, 1, new sbyte[5]));

        Assert.Multiple(() =>
        {
            Assert.That(ex.ParamName, Is.EqualTo("labels"));
            Assert.That(ex.Message, Is.EqualTo("Labels have 5 entries; expected T × N = 3 × 2. (Parameter 'labels')"));
        });
    }

    [Test]
    public void Slide_BadArguments_ThrowBeforeEnumeration()
    {
        // Slide validates eagerly: no enumeration is needed to see the error.
        Assert.Multiple(() =>
        {
            Assert.That(() => GraphWindow.Slide(Consecutive(3), 0), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.EqualTo(
                "length ('0') must be greater than or equal to '1'. (Parameter 'length')" + Environment.NewLine + "Actual value was 0."));
            Assert.That(() => GraphWindow.Slide(Consecutive(3), 2, 0), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.EqualTo(
                "stride ('0') must be greater than or equal to '1'. (Parameter 'stride')" + Environment.NewLine + "Actual value was 0."));
            Assert.That(() => GraphWindow.Slide(null!, 2), Throws.ArgumentNullException);
        });
    }

    [Test]
    public void Slide_NoGraphs_GivesNoWindows()
    {
        Assert.That(GraphWindow.Slide([], 3), Is.Empty);
    }
}
