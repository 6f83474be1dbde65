using MstGad.Features;
using MstGad.Graph;

namespace MstGad.Tests.Detection;

[TestFixture]
public sealed class CalibrationFoldTests
{
    private static readonly StepClock Clock = new(TimeSpan.FromMinutes(1));

    [Test]
    public void ConcentratedModalities_TracesOnlyInTheHeldOutBlock_AreConcentratedAndMetricsAreNot()
    {
        // 40 windows of 2 nodes in 4 blocks of 10; metrics everywhere, traces only in windows 0–9 (as telemetry kept around one
        // morning of faults).
        var windows = Enumerable.Range(0, 40).Select(w => Window(w, w < 10 ? ModalityMask.Metrics | ModalityMask.Traces : ModalityMask.Metrics)).ToList();

        var blocks = Detector.ConcentratedModalities(windows, folds: 4);
        var (first, second) = (blocks[0], blocks[1]);

        Assert.Multiple(() =>
        {
            Assert.That(first, Is.EqualTo(new[] { false, false, true }), "block 0–9 holds every trace point; logs are absent everywhere");
            Assert.That(second, Is.EqualTo(new[] { false, false, false }), "block 10–19 holds no trace point: the others have them all");
        });
    }

    [TestCase(7, false)]
    [TestCase(8, true)]
    public void ConcentratedModalities_ShareOutsideTheBlock_IsComparedWithAQuarter(int inside, bool concentrated)
    {
        // 10 trace windows: `inside` of them in the block [0, 20), the rest after it. 3 of 10 outside is 30 % (not
        // concentrated), 2 of 10 is 20 % (< 25 %: concentrated).
        var windows = Enumerable.Range(0, 40).Select(w =>
        {
            var traces = w < inside || (w >= 20 && w < 20 + (10 - inside));
            return Window(w, traces ? ModalityMask.Traces : ModalityMask.Metrics);
        }).ToList();

        Assert.That(Detector.ConcentratedModalities(windows, folds: 2)[0][2], Is.EqualTo(concentrated));
    }

    private static GraphWindow Window(int step, ModalityMask mask)
    {
        var graph = new MstGraph(step, Clock, 2, 1, new float[2], [(byte)mask, (byte)mask], [], [], 0, []);
        return new GraphWindow([graph], [Labels.Normal, Labels.Normal]);
    }
}
