namespace MstGad.Features.Tests;

[TestFixture]
public sealed class FaultLabelTests
{
    [Test]
    public void End_AThreeMinuteFault_IsStartPlusDurationAndTargetsAnInstance()
    {
        var fault = new FaultLabel("cart", new DateTimeOffset(2024, 5, 6, 8, 43, 4, TimeSpan.Zero), TimeSpan.FromMinutes(3), "cpu_contention");

        Assert.Multiple(() =>
        {
            Assert.That(fault.End, Is.EqualTo(new DateTimeOffset(2024, 5, 6, 8, 46, 4, TimeSpan.Zero)));
            Assert.That(fault.TargetKind, Is.EqualTo(FaultTarget.Instance));
        });
    }
}
