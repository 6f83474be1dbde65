using static MstGad.Features.Tests.Support.Telemetry;

namespace MstGad.Features.Tests;

public sealed partial class FeatureSpaceTests
{
    /// <summary>With <see cref="FeatureOptions.TemplateSequenceLength"/> 3: each instance's first three templates of a
    /// step in the order they were logged (lines arriving out of order), as vocabulary positions, the rest −1.</summary>
    [Test]
    public void TransformStep_TemplateSequences_AreTheFirstTemplatesInTimeOrder()
    {
        var data = Aggregate(
            o =>
            {
                IdentityKeys(o);
                o.TemplateSequenceLength = 3;
            },
            Log("a", "08:00:04", Payment), Log("a", "08:00:01", Cache), Log("a", "08:00:03", Login), Log("a", "08:00:02", Login),
            Log("b", "08:00:05", Login),
            Log("a", "08:00:11", Login), Log("b", "08:00:12", Cache),
            Log("a", "08:00:21", Disk), Metric("b", "08:00:22", "cpu", 1));
        var space = FeatureSpace.Fit(data, Step("08:00:00"), Step("08:00:20"));
        int Position(string text) => space.Vocabulary.Select((t, i) => (t, i)).Single(p => p.t.Text == text).i;

        var first = space.TransformStep(data.Sealed(Step("08:00:00")), data.Operations, space.ResolveMetrics(data.Metrics));
        var test = space.TransformStep(data.Sealed(Step("08:00:20")), data.Operations, space.ResolveMetrics(data.Metrics));
        var frame = space.Transform(data, Step("08:00:00"), Step("08:00:30"));

        Assert.Multiple(() =>
        {
            Assert.That(first.Instances, Is.EqualTo(new[] { "a", "b" }));
            Assert.That(first.TemplateSequenceLength, Is.EqualTo(3));
            Assert.That(first.Templates, Is.EqualTo(new[] { Position(Cache), Position(Login), Position(Login), Position(Login), -1, -1 }), "a: 01, 02, 03 (04 is the fourth); b: one line");
            Assert.That(test.Templates, Is.EqualTo(new[] { space.Vocabulary.Count, -1, -1, -1, -1, -1 }), "a template training never saw; b logged nothing");
            Assert.That(frame.Templates, Is.EqualTo(first.Templates!.Concat([Position(Login), -1, -1, Position(Cache), -1, -1]).Concat(test.Templates!)), "the frame holds every step's rows");
            Assert.That(frame.TemplateSequenceLength, Is.EqualTo(3));
        });
    }

    [Test]
    public void TransformStep_WithoutTemplateSequences_HasNone()
    {
        var data = LogScenario();
        var space = FeatureSpace.Fit(data, Step("08:00:00"), Step("08:00:20"));

        var features = space.TransformStep(data.Sealed(Step("08:00:00")), data.Operations, space.ResolveMetrics(data.Metrics));

        Assert.Multiple(() =>
        {
            Assert.That(features.Templates, Is.Null);
            Assert.That(features.TemplateSequenceLength, Is.Zero);
            Assert.That(space.Transform(data, Step("08:00:00"), Step("08:00:20")).Templates, Is.Null);
        });
    }
}
