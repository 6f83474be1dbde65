using static MstGad.Features.Tests.Support.Telemetry;

namespace MstGad.Features.Tests;

/// <summary>Tests of <see cref="FeatureSpace"/>: fitting on training steps only and transforming (metrics here; logs and traces in the other parts).</summary>
[TestFixture]
public sealed partial class FeatureSpaceTests
{
    private const double Eps = 1e-6;
    private const double Tolerance = 1e-5;

    private static readonly string[] LevelNames =
        ["level:TRACE", "level:DEBUG", "level:INFO", "level:WARN", "level:ERROR", "level:FATAL", "level:OTHER"];

    private static void IdentityKeys(FeatureOptions o) => o.InstanceKey = InstanceKey.Identity;

    private static float[] Node(FeatureFrame frame, int t, string instance) =>
        frame.Node(t, frame.Instances.ToList().IndexOf(instance)).ToArray();

    private static ModalityMask MaskOf(FeatureFrame frame, int t, string instance) =>
        (ModalityMask)frame.Mask[(t * frame.Instances.Count) + frame.Instances.ToList().IndexOf(instance)];

    /// <summary>cpu of instance a: training steps 08:00:00 … 08:00:40 = 2, 6, 4, 3, 5; test steps 08:00:50, 08:01:00 = <paramref name="test"/>.</summary>
    private static TelemetryAggregate TrainThenTest(double test, params object[] extra) => Aggregate(
    [
        Metric("a", "08:00:00", "cpu", 2),
        Metric("a", "08:00:10", "cpu", 6),
        Metric("a", "08:00:20", "cpu", 4),
        Metric("a", "08:00:30", "cpu", 3),
        Metric("a", "08:00:40", "cpu", 5),
        Metric("a", "08:00:50", "cpu", test),
        Metric("a", "08:01:00", "cpu", test),
        .. extra,
    ]);

    /// <summary>cpu of a: 2, 6 and of b: 10, 20 in the training steps 08:00:00, 08:00:10; then a, b and a new c: 11 at 08:00:20.</summary>
    private static TelemetryAggregate TwoTrainedOneNew(MetricScaling scaling) => Aggregate(
        o => o.MetricScaling = scaling,
        Metric("a", "08:00:00", "cpu", 2), Metric("a", "08:00:10", "cpu", 6),
        Metric("b", "08:00:00", "cpu", 10), Metric("b", "08:00:10", "cpu", 20),
        Metric("a", "08:00:20", "cpu", 11), Metric("b", "08:00:20", "cpu", 11), Metric("c", "08:00:20", "cpu", 11));

    // ------------------------------------------------------------------ arguments

    [Test]
    public void Fit_AnEmptyRange_Throws()
    {
        var data = TrainThenTest(100);
        var s = Step("08:00:10");

        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => FeatureSpace.Fit(data, s, s));

        Assert.Multiple(() =>
        {
            Assert.That(ex.ParamName, Is.EqualTo("toStep"));
            Assert.That(ex.Message, Is.EqualTo(
                $"The training range [{s}, {s}) is empty. (Parameter 'toStep')" + Environment.NewLine + $"Actual value was {s}."));
        });
    }

    [Test]
    public void Transform_AReversedRange_Throws()
    {
        var data = TrainThenTest(100);
        var space = FeatureSpace.Fit(data, Step("08:00:00"), Step("08:00:50"));
        var s = Step("08:00:10");

        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => space.Transform(data, s, s - 1));

        Assert.That(ex.Message, Is.EqualTo(
            $"toStep must not be before fromStep ({s}). (Parameter 'toStep')" + Environment.NewLine + $"Actual value was {s - 1}."));
    }

    [Test]
    public void Transform_AnEmptyRange_GivesAnEmptyFrame()
    {
        var data = TrainThenTest(100);
        var space = FeatureSpace.Fit(data, Step("08:00:00"), Step("08:00:50"));

        var frame = space.Transform(data, Step("08:00:10"), Step("08:00:10"));

        Assert.Multiple(() =>
        {
            Assert.That(frame.StepCount, Is.Zero);
            Assert.That(frame.NodeFeatures, Is.Empty);
            Assert.That(frame.Mask, Is.Empty);
            Assert.That(frame.Edges, Is.Empty);
        });
    }

    [Test]
    public void Options_ChangedAfterFit_HaveNoEffect()
    {
        var data = TrainThenTest(100);
        var space = FeatureSpace.Fit(data, Step("08:00:00"), Step("08:00:50"));
        var before = space.Transform(data, Step("08:00:00"), Step("08:01:10")).NodeFeatures;

        var options = space.Options;
        options.Epsilon = 1;
        options.LogLevelCounts = false;
        var after = space.Transform(data, Step("08:00:00"), Step("08:01:10")).NodeFeatures;

        Assert.Multiple(() =>
        {
            Assert.That(space.Options.Epsilon, Is.EqualTo(1e-6));
            Assert.That(space.Options.LogLevelCounts, Is.True);
            Assert.That(after, Is.EqualTo(before));
            Assert.That(after[6 * 9], Is.EqualTo(98 / (4 + Eps)).Within(Tolerance));
        });
    }

    // ------------------------------------------------------------------ metric normalisation

    [Test]
    public void Transform_TheTestPart_UsesTheTrainingMinAndMaxOnly()
    {
        // Training min 2, max 6: (100 − 2) / (6 − 2 + 1e-6) = 98 / 4.000001 ≈ 24.499994 (not clipped to 1).
        var data = TrainThenTest(100);
        var space = FeatureSpace.Fit(data, Step("08:00:00"), Step("08:00:50"));

        var frame = space.Transform(data, Step("08:00:50"), Step("08:01:10"));

        Assert.Multiple(() =>
        {
            Assert.That(frame.FirstStep, Is.EqualTo(Step("08:00:50")));
            Assert.That(frame.StepCount, Is.EqualTo(2));
            Assert.That(frame.Instances, Is.EqualTo(new[] { "a" }));
            Assert.That(frame.MetricFeatureCount, Is.EqualTo(1));
            Assert.That(frame.NodeFeatureCount, Is.EqualTo(1 + 1 + 7)); // cpu, log:unseen, 7 levels
            Assert.That(Node(frame, 0, "a")[0], Is.EqualTo(98 / (4 + Eps)).Within(Tolerance));
            Assert.That(Node(frame, 1, "a")[0], Is.EqualTo(98 / (4 + Eps)).Within(Tolerance));
            Assert.That(MaskOf(frame, 0, "a"), Is.EqualTo(ModalityMask.Metrics));
        });
    }

    [Test]
    public void Transform_TheTrainingPart_MapsTheRangeOntoZeroToOne()
    {
        // (2, 6, 4, 3, 5 − 2) / 4.000001 = 0, 0.99999975, 0.4999999, 0.24999994, 0.7499998.
        var data = TrainThenTest(100);
        var space = FeatureSpace.Fit(data, Step("08:00:00"), Step("08:00:50"));

        var frame = space.Transform(data, Step("08:00:00"), Step("08:00:50"));

        Assert.That(
            Enumerable.Range(0, 5).Select(t => frame.Node(t, 0)[0]).ToArray(),
            Is.EqualTo(new[] { 0, 4 / (4 + Eps), 2 / (4 + Eps), 1 / (4 + Eps), 3 / (4 + Eps) }).Within(Tolerance));
    }

    [Test]
    public void Transform_TestValuesBelowTheTrainingMinimum_AreKeptNegative()
    {
        // (−50 − 2) / 4.000001 ≈ −12.999997.
        var data = TrainThenTest(-50);
        var space = FeatureSpace.Fit(data, Step("08:00:00"), Step("08:00:50"));

        var frame = space.Transform(data, Step("08:00:50"), Step("08:01:00"));

        Assert.That(frame.Node(0, 0)[0], Is.EqualTo(-52 / (4 + Eps)).Within(Tolerance));
    }

    [Test]
    public void Fit_DifferentTestData_LearnsTheSameFeatureSpace()
    {
        // Both aggregates share the training part (cpu 2…6, 'login ok' ×2 then ×4 on a); the second has other test
        // values and an instance (b) that only appears, and logs, in the test part.
        object[] trainingLogs =
        [
            Log("a", "08:00:01", "login ok"), Log("a", "08:00:02", "login ok"),
            Log("a", "08:00:11", "login ok"), Log("a", "08:00:12", "login ok"), Log("a", "08:00:13", "login ok"), Log("a", "08:00:14", "login ok"),
        ];
        var first = TrainThenTest(100, [.. trainingLogs, Log("a", "08:00:51", "login ok")]);
        var second = TrainThenTest(
            -50,
            [.. trainingLogs, Log("a", "08:00:51", "login ok"), Log("b", "08:00:52", "login ok"), Log("b", "08:01:01", "cache miss for key"), Metric("b", "08:01:02", "cpu", 1e6)]);
        var (from, to) = (Step("08:00:00"), Step("08:00:50"));

        var one = FeatureSpace.Fit(first, from, to);
        var two = FeatureSpace.Fit(second, from, to);
        var byOne = one.Transform(first, from, Step("08:01:10"));
        var byTwo = two.Transform(first, from, Step("08:01:10"));

        Assert.Multiple(() =>
        {
            Assert.That(two.Metrics, Is.EqualTo(one.Metrics));
            Assert.That(two.DroppedMetrics, Is.EqualTo(one.DroppedMetrics));
            Assert.That(two.NodeFeatureNames, Is.EqualTo(one.NodeFeatureNames));
            Assert.That(two.Vocabulary.Select(t => (t.Id, t.Text)), Is.EqualTo(one.Vocabulary.Select(t => (t.Id, t.Text))));
            Assert.That(two.TrainingInstances, Is.EqualTo(new[] { "a" }));
            Assert.That(byTwo.NodeFeatures, Is.EqualTo(byOne.NodeFeatures));
            // 'login ok' trained on counts 2 and 4: the test count 1 is (1 − 2) / (4 − 2 + 1e-6) ≈ −0.5 under both.
            Assert.That(byTwo.Node(5, 0)[1], Is.EqualTo(-1 / (2 + Eps)).Within(Tolerance));
        });
    }

    [Test]
    public void Fit_NearConstantAndAbsentMetrics_AreDroppedInOrderOfFirstAppearance()
    {
        // Training steps 08:00:00 and 08:00:10; 08:00:20 is test.
        //   cpu:       a 1, 2                           → varies → kept
        //   mem_limit: a 512, 512; b 512, 512           → constant → dropped
        //   disk:      a 1000, 1000 + 1e-7              → range 1e-7 ≤ 1e-9 × max(1, 1000) = 1e-6 → dropped
        //   net:       a 5, 5; b 1, 3                   → varies on b → kept
        //   jitter:    a 0, 2e-9                        → range 2e-9 > 1e-9 × max(1, 2e-9) = 1e-9 → kept
        //   gpu:       only in the test step            → absent → dropped
        var data = Aggregate(
            Metric("a", "08:00:00", "cpu", 1), Metric("a", "08:00:10", "cpu", 2),
            Metric("a", "08:00:00", "mem_limit", 512), Metric("a", "08:00:10", "mem_limit", 512),
            Metric("b", "08:00:00", "mem_limit", 512), Metric("b", "08:00:10", "mem_limit", 512),
            Metric("a", "08:00:00", "disk", 1000), Metric("a", "08:00:10", "disk", 1000 + 1e-7),
            Metric("a", "08:00:00", "net", 5), Metric("a", "08:00:10", "net", 5),
            Metric("b", "08:00:00", "net", 1), Metric("b", "08:00:10", "net", 3),
            Metric("a", "08:00:00", "jitter", 0), Metric("a", "08:00:10", "jitter", 2e-9),
            Metric("a", "08:00:20", "gpu", 1), Metric("a", "08:00:20", "cpu", 3));

        var space = FeatureSpace.Fit(data, Step("08:00:00"), Step("08:00:20"));

        Assert.Multiple(() =>
        {
            Assert.That(space.Metrics, Is.EqualTo(new[] { "cpu", "net", "jitter" }));
            Assert.That(space.DroppedMetrics, Is.EqualTo(new[] { "mem_limit", "disk", "gpu" }));
            Assert.That(space.MetricFeatureCount, Is.EqualTo(3));
            Assert.That(space.NodeFeatureNames, Is.EqualTo((string[])["cpu", "net", "jitter", "log:unseen", .. LevelNames]));
            Assert.That(space.LogFeatureCount, Is.EqualTo(8));
        });
    }

    [Test]
    public void Fit_AZeroTolerance_KeepsAnyMetricThatChanges()
    {
        var data = Aggregate(
            o => o.ConstantTolerance = 0,
            Metric("a", "08:00:00", "disk", 1000), Metric("a", "08:00:10", "disk", 1000 + 1e-7),
            Metric("a", "08:00:00", "mem_limit", 512), Metric("a", "08:00:10", "mem_limit", 512));

        var space = FeatureSpace.Fit(data, Step("08:00:00"), Step("08:00:20"));

        Assert.Multiple(() =>
        {
            Assert.That(space.Metrics, Is.EqualTo(new[] { "disk" }));
            Assert.That(space.DroppedMetrics, Is.EqualTo(new[] { "mem_limit" }));
        });
    }

    [Test]
    public void Transform_PerInstanceScalingAndAnInstanceUnseenInTraining_UsesTheMetricsGlobalTrainingRange()
    {
        // Training: a cpu 2, 6; b cpu 10, 20 → global range [2, 20]. Test step 08:00:20: a, b, c = 11.
        //   a: (11 − 2) / (6 − 2 + 1e-6)   = 9 / 4.000001  ≈ 2.2499994
        //   b: (11 − 10) / (20 − 10 + 1e-6) = 1 / 10.000001 ≈ 0.09999999
        //   c: (11 − 2) / (20 − 2 + 1e-6)  = 9 / 18.000001 ≈ 0.49999997 (global range)
        var data = TwoTrainedOneNew(MetricScaling.PerInstance);
        var space = FeatureSpace.Fit(data, Step("08:00:00"), Step("08:00:20"));

        var frame = space.Transform(data, Step("08:00:20"), Step("08:00:30"));

        Assert.Multiple(() =>
        {
            Assert.That(space.TrainingInstances, Is.EqualTo(new[] { "a", "b" }));
            Assert.That(Node(frame, 0, "a")[0], Is.EqualTo(9 / (4 + Eps)).Within(Tolerance));
            Assert.That(Node(frame, 0, "b")[0], Is.EqualTo(1 / (10 + Eps)).Within(Tolerance));
            Assert.That(Node(frame, 0, "c")[0], Is.EqualTo(9 / (18 + Eps)).Within(Tolerance));
            Assert.That(MaskOf(frame, 0, "c"), Is.EqualTo(ModalityMask.Metrics));
        });
    }

    [Test]
    public void Transform_PerMetricScaling_ScalesEveryInstanceByTheMetricsRangeOverAllInstances()
    {
        // Training: a cpu 2, 6; b cpu 10, 20 → one range [2, 20] for cpu. Test step 08:00:20: a, b, c = 11.
        //   a, b and c: (11 − 2) / (20 − 2 + 1e-6) = 9 / 18.000001 ≈ 0.49999997
        var data = TwoTrainedOneNew(MetricScaling.PerMetric);
        var space = FeatureSpace.Fit(data, Step("08:00:00"), Step("08:00:20"));

        var frame = space.Transform(data, Step("08:00:20"), Step("08:00:30"));

        Assert.Multiple(() =>
        {
            Assert.That(Node(frame, 0, "a")[0], Is.EqualTo(9 / (18 + Eps)).Within(Tolerance));
            Assert.That(Node(frame, 0, "b")[0], Is.EqualTo(9 / (18 + Eps)).Within(Tolerance));
            Assert.That(Node(frame, 0, "c")[0], Is.EqualTo(9 / (18 + Eps)).Within(Tolerance));
        });
    }

    [Test]
    public void Fit_PerMetricScaling_KeepsAMetricConstantOnEachInstanceAtDifferentLevels()
    {
        // cpu is constant on a (2) and on b (8): per instance it never varies (dropped); per metric its range
        // is [2, 8] (kept): b's 8 → (8 − 2) / (6 + 1e-6) ≈ 1.
        object[] records =
        [
            Metric("a", "08:00:00", "cpu", 2), Metric("a", "08:00:10", "cpu", 2),
            Metric("b", "08:00:00", "cpu", 8), Metric("b", "08:00:10", "cpu", 8),
        ];
        var perMetric = Aggregate(o => o.MetricScaling = MetricScaling.PerMetric, records);
        var perInstance = Aggregate(o => o.MetricScaling = MetricScaling.PerInstance, records);

        var kept = FeatureSpace.Fit(perMetric, Step("08:00:00"), Step("08:00:20"));
        var dropped = FeatureSpace.Fit(perInstance, Step("08:00:00"), Step("08:00:20"));

        Assert.Multiple(() =>
        {
            Assert.That(kept.Metrics, Is.EqualTo(new[] { "cpu" }));
            Assert.That(Node(kept.Transform(perMetric, Step("08:00:00"), Step("08:00:10")), 0, "b")[0], Is.EqualTo(6 / (6 + Eps)).Within(Tolerance));
            Assert.That(dropped.Metrics, Is.Empty);
            Assert.That(dropped.DroppedMetrics, Is.EqualTo(new[] { "cpu" }));
        });
    }

    [TestCase(MetricScaling.PerMetric)]
    [TestCase(MetricScaling.PerInstance)]
    public void SaveLoad_EitherScaling_TransformsAlike(MetricScaling scaling)
    {
        var data = TwoTrainedOneNew(scaling);
        var space = FeatureSpace.Fit(data, Step("08:00:00"), Step("08:00:20"));
        using var stream = new MemoryStream();
        space.Save(stream);
        stream.Position = 0;

        var loaded = FeatureSpace.Load(stream);

        Assert.Multiple(() =>
        {
            Assert.That(loaded.Options.MetricScaling, Is.EqualTo(scaling));
            Assert.That(loaded.Transform(data, Step("08:00:00"), Step("08:00:30")).NodeFeatures, Is.EqualTo(space.Transform(data, Step("08:00:00"), Step("08:00:30")).NodeFeatures));
        });
    }

    [Test]
    public void Load_AFileWrittenBeforeMetricScalingExisted_ScalesPerInstance()
    {
        // Such files were version 1, which is refused now (edge layout); the default still applies to a version 2 file without it.
        var data = TwoTrainedOneNew(MetricScaling.PerInstance);
        var space = FeatureSpace.Fit(data, Step("08:00:00"), Step("08:00:20"));
        using var stream = new MemoryStream();
        space.Save(stream);
        var json = System.Text.Json.Nodes.JsonNode.Parse(stream.ToArray())!.AsObject();
        Assert.That(json.Remove("MetricScaling"), Is.True, "the saved state names the scaling");

        var loaded = FeatureSpace.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json.ToJsonString())));

        Assert.Multiple(() =>
        {
            Assert.That(loaded.Options.MetricScaling, Is.EqualTo(MetricScaling.PerInstance));
            Assert.That(loaded.Transform(data, Step("08:00:00"), Step("08:00:30")).NodeFeatures, Is.EqualTo(space.Transform(data, Step("08:00:00"), Step("08:00:30")).NodeFeatures));
        });
    }

    [Test]
    public void Options_Default_ScalesPerInstance() =>
        Assert.That(new FeatureOptions().MetricScaling, Is.EqualTo(MetricScaling.PerInstance));

    [Test]
    public void Validate_AnUndefinedMetricScaling_IsAProblem() =>
        Assert.That(new FeatureOptions { MetricScaling = (MetricScaling)7 }.Validate(), Is.EqualTo(new[] { "MetricScaling 7 is not defined." }));

    [Test]
    public void Transform_PerInstanceScalingAndAnInstanceConstantInTraining_UsesTheMetricsGlobalTrainingRange()
    {
        // Training: a cpu 2, 6 (varies); b cpu 5, 5 (constant on b) → b has no range of its own and
        // uses the global range [2, 6]: test value 6 on b → (6 − 2) / (6 − 2 + 1e-6) ≈ 1, not 1/ε.
        var data = Aggregate(
            o => o.MetricScaling = MetricScaling.PerInstance,
            Metric("a", "08:00:00", "cpu", 2), Metric("a", "08:00:10", "cpu", 6),
            Metric("b", "08:00:00", "cpu", 5), Metric("b", "08:00:10", "cpu", 5),
            Metric("b", "08:00:20", "cpu", 6));
        var space = FeatureSpace.Fit(data, Step("08:00:00"), Step("08:00:20"));

        var frame = space.Transform(data, Step("08:00:20"), Step("08:00:30"));

        Assert.That(Node(frame, 0, "b")[0], Is.EqualTo(4 / (4 + Eps)).Within(Tolerance));
    }

    [Test]
    public void Transform_MaxFeatureMagnitude_ClipsValuesOutsideIt()
    {
        // Training cpu 2, 6 on a; test 100 → (100 − 2) / (6 − 2 + 1e-6) ≈ 24.5, clipped to 5; test 4 → 0.5 unchanged.
        var data = Aggregate(
            o => o.MaxFeatureMagnitude = 5,
            Metric("a", "08:00:00", "cpu", 2), Metric("a", "08:00:10", "cpu", 6),
            Metric("a", "08:00:20", "cpu", 100), Metric("a", "08:00:30", "cpu", 4));
        var space = FeatureSpace.Fit(data, Step("08:00:00"), Step("08:00:20"));

        var frame = space.Transform(data, Step("08:00:20"), Step("08:00:40"));

        Assert.Multiple(() =>
        {
            Assert.That(Node(frame, 0, "a")[0], Is.EqualTo(5f));
            Assert.That(Node(frame, 1, "a")[0], Is.EqualTo(2 / (4 + Eps)).Within(Tolerance));
        });
    }

    [Test]
    public void Validate_MaxFeatureMagnitudeNotPositive_IsAProblem()
    {
        var options = new FeatureOptions { MaxFeatureMagnitude = 0 };

        Assert.That(options.Validate(), Is.EqualTo(new[] { "MaxFeatureMagnitude must be greater than zero when set; it is 0." }));
    }

    [Test]
    public void Transform_PerInstanceScalingAndOtherDataWithTheInstancesInAnotherOrder_NormalisesByInstanceKey()
    {
        // The new aggregate meets b before a: each still gets its own training range.
        var training = Aggregate(
            o => o.MetricScaling = MetricScaling.PerInstance,
            Metric("a", "08:00:00", "cpu", 2), Metric("a", "08:00:10", "cpu", 6),
            Metric("b", "08:00:00", "cpu", 10), Metric("b", "08:00:10", "cpu", 20));
        var space = FeatureSpace.Fit(training, Step("08:00:00"), Step("08:00:20"));
        var live = Aggregate(o => o.MetricScaling = MetricScaling.PerInstance, Metric("b", "09:00:00", "cpu", 15), Metric("a", "09:00:00", "cpu", 4));

        var frame = space.Transform(live, Step("09:00:00"), Step("09:00:10"));

        Assert.Multiple(() =>
        {
            Assert.That(frame.Instances, Is.EqualTo(new[] { "b", "a" }));
            Assert.That(Node(frame, 0, "b")[0], Is.EqualTo(5 / (10 + Eps)).Within(Tolerance));
            Assert.That(Node(frame, 0, "a")[0], Is.EqualTo(2 / (4 + Eps)).Within(Tolerance));
        });
    }

    // cpu of a: 5 at 08:00:00 and 1 at 08:00:50, nothing between → range [1, 5]. A value carried forward is
    // (5 − 1) / (4 + 1e-6) ≈ 1; a missing one is 0 with the Metrics bit off. With k carry steps,
    // steps 1 … k carry the 5 and steps k+1 … 4 are missing.
    [TestCase(0, "100001")]
    [TestCase(2, "111001")]
    [TestCase(3, "111101")]
    [TestCase(4, "111111")]
    [TestCase(6, "111111")]
    public void Transform_AGap_CarriesTheLastValueForwardUpToTheLimitThenMasksItOff(int carry, string present)
    {
        var data = Aggregate(
            o => o.MaxCarryForwardSteps = carry,
            Metric("a", "08:00:00", "cpu", 5),
            Metric("a", "08:00:50", "cpu", 1));
        var space = FeatureSpace.Fit(data, Step("08:00:00"), Step("08:01:00"));

        var frame = space.Transform(data, Step("08:00:00"), Step("08:01:00"));

        Assert.Multiple(() =>
        {
            for (var t = 0; t < 6; t++)
            {
                var carried = present[t] == '1';
                var expected = t == 5 ? 0 : carried ? 4 / (4 + Eps) : 0;
                Assert.That(MaskOf(frame, t, "a"), Is.EqualTo(carried ? ModalityMask.Metrics : ModalityMask.None), $"mask at t = {t}");
                Assert.That(frame.Node(t, 0)[0], Is.EqualTo(expected).Within(Tolerance), $"cpu at t = {t}");
            }
        });
    }

    [Test]
    public void Transform_StepsOutsideTheAggregate_AreEmpty()
    {
        var data = TrainThenTest(100);
        var space = FeatureSpace.Fit(data, Step("08:00:00"), Step("08:00:50"));

        // 07:59:50 is before the first step; 08:01:10 after the last.
        var before = space.Transform(data, Step("07:59:50"), Step("08:00:00"));
        var after = space.Transform(data, Step("08:01:10"), Step("08:01:20"));

        Assert.Multiple(() =>
        {
            Assert.That(before.NodeFeatures, Is.All.Zero);
            Assert.That(before.Mask, Is.EqualTo(new byte[] { 0 }));
            Assert.That(after.NodeFeatures, Is.All.Zero);
            Assert.That(after.Mask, Is.EqualTo(new byte[] { 0 }));
        });
    }

    [Test]
    public void Transform_TheFrameLayout_IsStepThenInstanceThenFeature()
    {
        // Two instances, one metric, two steps: NodeFeatures[(t · N + n) · F + f] with F = 1 + 1 + 7 = 9
        // (ranges per instance: a [0, 4], b [10, 30]).
        var data = Aggregate(
            o => o.MetricScaling = MetricScaling.PerInstance,
            Metric("a", "08:00:00", "cpu", 0), Metric("b", "08:00:00", "cpu", 10),
            Metric("a", "08:00:10", "cpu", 4), Metric("b", "08:00:10", "cpu", 30));
        var space = FeatureSpace.Fit(data, Step("08:00:00"), Step("08:00:20"));

        var frame = space.Transform(data, Step("08:00:00"), Step("08:00:20"));

        Assert.Multiple(() =>
        {
            Assert.That(frame.NodeFeatures, Has.Length.EqualTo(2 * 2 * 9));
            Assert.That(frame.Mask, Has.Length.EqualTo(2 * 2));
            Assert.That(frame.NodeFeatures[((1 * 2) + 0) * 9], Is.EqualTo(4 / (4 + Eps)).Within(Tolerance));
            Assert.That(frame.NodeFeatures[((1 * 2) + 1) * 9], Is.EqualTo(20 / (20 + Eps)).Within(Tolerance));
            Assert.That(frame.NodeFeatures[((0 * 2) + 1) * 9], Is.Zero);
            Assert.That(frame.Clock, Is.EqualTo(Clock));
            Assert.That(frame.EdgeFeatureCount, Is.EqualTo(space.EdgeFeatureNames.Count));
        });
    }
}
