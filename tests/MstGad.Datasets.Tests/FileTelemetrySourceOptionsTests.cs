using Microsoft.Extensions.Logging.Abstractions;
using MstGad.Features;

namespace MstGad.Datasets.Tests;

public sealed class FileTelemetrySourceOptionsTests
{
    [Test]
    public void Defaults_ArePinned()
    {
        var options = new FileTelemetrySourceOptions();

        Assert.Multiple(() =>
        {
            Assert.That(options.Mode, Is.EqualTo(ReadMode.Strict));
            Assert.That(options.Format, Is.EqualTo(TelemetryFileFormat.Auto));
            Assert.That(options.SkipNaNValues, Is.False);
            Assert.That(options.MetricFiles, Is.Empty);
            Assert.That(options.LogFiles, Is.Empty);
            Assert.That(options.SpanFiles, Is.Empty);
            Assert.That(options.FaultFiles, Is.Empty);
            Assert.That(options.LoggerFactory, Is.SameAs(NullLoggerFactory.Instance));
        });
    }

    [Test]
    public void Format_Undefined_Throws()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new FileTelemetrySourceOptions().Format = (TelemetryFileFormat)9);

        Assert.That(e!.Message, Is.EqualTo("The format must be Auto, Csv or JsonLines. (Parameter 'value')\nActual value was 9."));
    }

    [Test]
    public void Mode_Undefined_Throws() =>
        Assert.That(() => new FileTelemetrySourceOptions().Mode = (ReadMode)(-1), Throws.InstanceOf<ArgumentOutOfRangeException>());
}
