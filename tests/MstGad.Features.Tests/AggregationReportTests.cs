namespace MstGad.Features.Tests;

[TestFixture]
public sealed class AggregationReportTests
{
    [Test]
    public void ToString_ANewReport_ListsZeroes()
    {
        Assert.That(new AggregationReport().ToString(), Is.EqualTo(
            "metrics 0 used, 0 not finite, 0 late, 0 out of range; logs 0 used, 0 late, 0 out of range; spans 0 used (0 roots, 0 orphans, 0 calls: 0 client/server pairs, 0 to peers, 0 negative differences), 0 duplicates, 0 negative, 0 late, 0 out of range"));
    }

    [Test]
    public void Clone_ACopy_DoesNotFollowLaterCounts()
    {
        var report = new AggregationReport { MetricsUsed = 2 };

        var copy = report.Clone();
        report.MetricsUsed = 3;

        Assert.That(copy.MetricsUsed, Is.EqualTo(2));
    }
}
