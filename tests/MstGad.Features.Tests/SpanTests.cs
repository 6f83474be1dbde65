namespace MstGad.Features.Tests;

[TestFixture]
public sealed class SpanTests
{
    [Test]
    public void End_ASpan_IsStartPlusDuration()
    {
        var start = new DateTimeOffset(2024, 5, 6, 8, 42, 9, TimeSpan.Zero);

        var span = new Span("t", "s", null, "cart", "get", start, TimeSpan.FromMilliseconds(1500));

        Assert.Multiple(() =>
        {
            Assert.That(span.End, Is.EqualTo(new DateTimeOffset(2024, 5, 6, 8, 42, 10, 500, TimeSpan.Zero)));
            Assert.That(span.Status, Is.EqualTo(SpanStatus.Unset));
            Assert.That(span.Kind, Is.EqualTo(SpanKind.Unspecified));
            Assert.That(span.Attributes, Is.Null);
        });
    }
}
