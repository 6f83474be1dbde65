namespace MstGad.Parsing.Tests;

[TestFixture]
public sealed class GroupingAccuracyTests
{
    [Test]
    public void Compute_SmallExample_MatchesAHandCalculation()
    {
        // Ground truth: A A B B C C C;  parsed: 1 1 2 3 4 4 4.
        // Group 1 = lines {0,1}: all A, and A has exactly 2 lines        -> 2 correct.
        // Group 2 = line {2}:    B, but B has 2 lines (split over 2, 3)   -> 0.
        // Group 3 = line {3}:    B, same                                  -> 0.
        // Group 4 = lines {4,5,6}: all C, and C has exactly 3 lines       -> 3 correct.
        // Accuracy = (2 + 3) / 7.
        string[] truth = ["A", "A", "B", "B", "C", "C", "C"];
        int[] parsed = [1, 1, 2, 3, 4, 4, 4];

        Assert.That(GroupingAccuracy.Compute(truth, parsed), Is.EqualTo(5.0 / 7));
    }

    [Test]
    public void Compute_MergedGroups_CountNothing()
    {
        // Ground truth: A A B C;  parsed: 1 1 1 2.
        // Group 1 = {0,1,2} mixes A and B -> 0; group 2 = {3}: C with 1 line -> 1. Accuracy 1/4.
        string[] truth = ["A", "A", "B", "C"];
        int[] parsed = [1, 1, 1, 2];

        Assert.That(GroupingAccuracy.Compute(truth, parsed), Is.EqualTo(0.25));
    }

    [Test]
    public void Compute_SameGroupingUnderOtherLabels_IsOne()
    {
        string[] truth = ["E1", "E2", "E1", "E3", "E2"];
        int[] parsed = [7, 3, 7, 9, 3];

        Assert.That(GroupingAccuracy.Compute(truth, parsed), Is.EqualTo(1.0));
    }

    [Test]
    public void Compute_EverythingInOneGroup_IsZeroUnlessThereIsOneEvent()
    {
        Assert.Multiple(() =>
        {
            Assert.That(GroupingAccuracy.Compute(new[] { "A", "B", "A" }, new[] { 1, 1, 1 }), Is.Zero);
            Assert.That(GroupingAccuracy.Compute(new[] { "A", "A", "A" }, new[] { 1, 1, 1 }), Is.EqualTo(1.0));
        });
    }

    [Test]
    public void Compute_NoLines_IsOne()
    {
        Assert.That(GroupingAccuracy.Compute(Array.Empty<string>(), Array.Empty<int>()), Is.EqualTo(1.0));
    }

    [Test]
    public void Compute_LengthMismatch_ThrowsArgumentException()
    {
        Assert.That(
            () => GroupingAccuracy.Compute(new[] { "A", "B", "C" }, new[] { 1, 2 }),
            Throws.ArgumentException
                .With.Message.EqualTo("The ground truth has 3 lines but the parsed result has 2. (Parameter 'parsed')")
                .And.Property(nameof(ArgumentException.ParamName)).EqualTo("parsed"));
    }

    [Test]
    public void Compute_NullArguments_ThrowArgumentNullException()
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => GroupingAccuracy.Compute<string, int>(null!, Array.Empty<int>()), Throws.ArgumentNullException);
            Assert.That(() => GroupingAccuracy.Compute<string, int>(Array.Empty<string>(), null!), Throws.ArgumentNullException);
        });
    }
}
