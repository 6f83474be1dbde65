using static MstGad.Features.Tests.Support.Telemetry;

namespace MstGad.Features.Tests;

public sealed partial class FeatureSpaceTests
{
    private const string Login = "login ok";                               // T1
    private const string Cache = "cache miss for key";                     // T2
    private const string Payment = "payment gateway timeout after retry";  // T3
    private const string Disk = "disk full on volume data now";            // T4, first seen in the test part

    /// <summary>
    /// Training steps 08:00:00 and 08:00:10, test steps 08:00:20 … 08:00:40 (instances a, b):
    /// <code>
    /// 08:00:00  a: T1 ×2 INFO, T2 ×2 WARN     b: T1 ×1 (no level → OTHER)
    /// 08:00:10  a: T1 ×4 INFO, T3 ×1 ERROR    b: T1 ×2 INFO
    /// 08:00:20  a: T1 ×3 INFO, T4 ×2 warning  b: —
    /// 08:00:30  a: T3 ×1 ERROR                b: —
    /// 08:00:40  no logs (a cpu sample only, a metric absent from training and so dropped)
    /// </code>
    /// </summary>
    private static TelemetryAggregate LogScenario(Action<FeatureOptions>? configure = null) => Aggregate(
        o =>
        {
            IdentityKeys(o);
            configure?.Invoke(o);
        },
        Log("a", "08:00:01", Login, "INFO"), Log("a", "08:00:02", Login, "INFO"),
        Log("a", "08:00:03", Cache, "WARN"), Log("a", "08:00:04", Cache, "WARN"),
        Log("b", "08:00:05", Login),
        Log("a", "08:00:11", Login, "INFO"), Log("a", "08:00:12", Login, "INFO"), Log("a", "08:00:13", Login, "INFO"), Log("a", "08:00:14", Login, "INFO"),
        Log("a", "08:00:15", Payment, "ERROR"),
        Log("b", "08:00:16", Login, "INFO"), Log("b", "08:00:17", Login, "INFO"),
        Log("a", "08:00:21", Login, "INFO"), Log("a", "08:00:22", Login, "INFO"), Log("a", "08:00:23", Login, "INFO"),
        Log("a", "08:00:24", Disk, "warning"), Log("a", "08:00:25", Disk, "warning"),
        Log("a", "08:00:31", Payment, "ERROR"),
        Metric("a", "08:00:41", "cpu", 1));

    private static int IdOf(TelemetryAggregate data, string text) => data.LogParser.Templates.Single(t => t.Text == text).Id;

    [Test]
    public void Fit_Logs_TheVocabularyIsTheMostFrequentTrainingTemplates()
    {
        // Training frequencies: T1 2 + 1 + 4 + 2 = 9, T2 2, T3 1; T4 appears only in the test part.
        var data = LogScenario();

        var space = FeatureSpace.Fit(data, Step("08:00:00"), Step("08:00:20"));

        Assert.Multiple(() =>
        {
            Assert.That(data.LogParser.TemplateCount, Is.EqualTo(4));
            Assert.That(space.Vocabulary.Select(t => t.Text), Is.EqualTo(new[] { Login, Cache, Payment }));
            Assert.That(space.Vocabulary.Select(t => t.Id), Is.EqualTo(new[] { IdOf(data, Login), IdOf(data, Cache), IdOf(data, Payment) }));
            Assert.That(space.NodeFeatureNames, Is.EqualTo((string[])
            [
                $"log:{IdOf(data, Login)}:{Login}", $"log:{IdOf(data, Cache)}:{Cache}", $"log:{IdOf(data, Payment)}:{Payment}", "log:unseen", .. LevelNames,
            ]));
            Assert.That(space.DroppedMetrics, Is.EqualTo(new[] { "cpu" }));
            Assert.That(space.TrainingInstances, Is.EqualTo(new[] { "a", "b" }));
        });
    }

    [Test]
    public void Fit_MaxTemplates_KeepsOnlyTheTopTemplates()
    {
        var data = LogScenario(o => o.MaxTemplates = 2);

        var space = FeatureSpace.Fit(data, Step("08:00:00"), Step("08:00:20"));

        Assert.That(space.Vocabulary.Select(t => t.Text), Is.EqualTo(new[] { Login, Cache }));
    }

    [Test]
    public void Fit_WithoutLogLevelCounts_HasNoLevelColumns()
    {
        var data = LogScenario(o => o.LogLevelCounts = false);

        var space = FeatureSpace.Fit(data, Step("08:00:00"), Step("08:00:20"));
        var frame = space.Transform(data, Step("08:00:20"), Step("08:00:30"));

        Assert.Multiple(() =>
        {
            Assert.That(space.NodeFeatureNames, Has.Count.EqualTo(3 + 1));
            Assert.That(space.NodeFeatureNames[^1], Is.EqualTo("log:unseen"));
            Assert.That(frame.NodeFeatureCount, Is.EqualTo(4));
        });
    }

    [Test]
    public void Transform_Logs_NormalisesCountsWithTheTrainingCells()
    {
        // MaxTemplates 2 → vocabulary [T1, T2]; T3 (outside the top 2) and T4 (unseen in training) count as unseen.
        // Training cells (a0, b0, a1, b1):
        //   T1 2, 1, 4, 2 → min 1, max 4;   T2 2, 0, 0, 0 → min 0, max 2
        //   totals 4, 1, 5, 2 → unseen scale 5
        //   levels: INFO max 4, WARN 2, ERROR 1, OTHER 1, the rest 0
        // Features: T1, T2, log:unseen, TRACE, DEBUG, INFO, WARN, ERROR, FATAL, OTHER.
        var data = LogScenario(o => o.MaxTemplates = 2);
        var space = FeatureSpace.Fit(data, Step("08:00:00"), Step("08:00:20"));

        var frame = space.Transform(data, Step("08:00:20"), Step("08:00:50"));

        var t1Zero = -1 / (3 + Eps);  // (0 − 1) / (4 − 1 + ε)
        Assert.Multiple(() =>
        {
            // 08:00:20 a: T1 3 → (3 − 1) / 3.000001; T4 ×2 → unseen 2 / 5.000001; INFO 3 / 4.000001; WARN 2 / 2.000001.
            Assert.That(Node(frame, 0, "a"), Is.EqualTo(new[] { 2 / (3 + Eps), 0, 2 / (5 + Eps), 0, 0, 3 / (4 + Eps), 2 / (2 + Eps), 0, 0, 0 }).Within(Tolerance));
            Assert.That(MaskOf(frame, 0, "a"), Is.EqualTo(ModalityMask.Logs));
            // 08:00:20 b logged nothing while a did: zero counts, normalised like the training cells, and the Logs bit on.
            Assert.That(Node(frame, 0, "b"), Is.EqualTo(new[] { t1Zero, 0, 0, 0, 0, 0, 0, 0, 0, 0 }).Within(Tolerance));
            Assert.That(MaskOf(frame, 0, "b"), Is.EqualTo(ModalityMask.Logs));
            // 08:00:30 a: only T3 (unseen) → T1 is a zero count too: (0 − 1) / 3.000001; unseen 1 / 5.000001; ERROR 1 / 1.000001.
            Assert.That(Node(frame, 1, "a"), Is.EqualTo(new[] { t1Zero, 0, 1 / (5 + Eps), 0, 0, 0, 0, 1 / (1 + Eps), 0, 0 }).Within(Tolerance));
            Assert.That(Node(frame, 1, "b"), Is.EqualTo(new[] { t1Zero, 0, 0, 0, 0, 0, 0, 0, 0, 0 }).Within(Tolerance));
            // 08:00:40 had no logs at all: nothing observed, all zero.
            Assert.That(Node(frame, 2, "a"), Is.All.Zero);
            Assert.That(Node(frame, 2, "b"), Is.All.Zero);
            Assert.That(MaskOf(frame, 2, "a"), Is.EqualTo(ModalityMask.None));
            Assert.That(MaskOf(frame, 2, "b"), Is.EqualTo(ModalityMask.None));
        });
    }

    [Test]
    public void Transform_ALevelUnseenInTraining_IsScaledByOne()
    {
        // Training 08:00:00: a logs "x" once at INFO. Test 08:00:10: a logs "x" twice at FATAL.
        // FATAL never occurred in training: its scale is 1 (not ε), so 2 / (1 + ε) ≈ 2.
        // Features: T1, log:unseen, TRACE, DEBUG, INFO, WARN, ERROR, FATAL, OTHER → FATAL is column 7.
        var data = Aggregate(
            Log("a", "08:00:00", "x", "INFO"),
            Log("a", "08:00:10", "x", "FATAL"), Log("a", "08:00:11", "x", "FATAL"));
        var space = FeatureSpace.Fit(data, Step("08:00:00"), Step("08:00:10"));

        var frame = space.Transform(data, Step("08:00:10"), Step("08:00:20"));

        Assert.That(Node(frame, 0, "a")[7], Is.EqualTo(2 / (1 + Eps)).Within(Tolerance));
    }

    [Test]
    public void Transform_TheTrainingLogs_SpanTheTrainingRange()
    {
        // 08:00:10 a: T1 4 → (4 − 1) / 3.000001 ≈ 1; T3 → unseen 1 / 5.000001; INFO 4 / 4.000001; ERROR 1 / 1.000001.
        // 08:00:00 b: T1 1 → 0; T2 0 → 0; OTHER 1 / 1.000001.
        var data = LogScenario(o => o.MaxTemplates = 2);
        var space = FeatureSpace.Fit(data, Step("08:00:00"), Step("08:00:20"));

        var frame = space.Transform(data, Step("08:00:00"), Step("08:00:20"));

        Assert.Multiple(() =>
        {
            Assert.That(Node(frame, 1, "a"), Is.EqualTo(new[] { 3 / (3 + Eps), 0, 1 / (5 + Eps), 0, 0, 4 / (4 + Eps), 0, 1 / (1 + Eps), 0, 0 }).Within(Tolerance));
            Assert.That(Node(frame, 0, "b"), Is.EqualTo(new[] { 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 / (1 + Eps) }).Within(Tolerance));
        });
    }

    [Test]
    public void Transform_ATemplateFirstSeenInTheTestPart_GoesToTheUnseenColumn()
    {
        // Default vocabulary [T1, T2, T3]; at 08:00:20 a logged T4 twice → unseen 2 / (max training total 5 + ε).
        var data = LogScenario();
        var space = FeatureSpace.Fit(data, Step("08:00:00"), Step("08:00:20"));

        var frame = space.Transform(data, Step("08:00:20"), Step("08:00:30"));

        Assert.Multiple(() =>
        {
            Assert.That(space.NodeFeatureNames[3], Is.EqualTo("log:unseen"));
            Assert.That(Node(frame, 0, "a")[3], Is.EqualTo(2 / (5 + Eps)).Within(Tolerance));
            // T3 is in this vocabulary (trained on counts a1 = 1, others 0: min 0, max 1); a did not log it here.
            Assert.That(Node(frame, 0, "a")[2], Is.Zero);
        });
    }
}
