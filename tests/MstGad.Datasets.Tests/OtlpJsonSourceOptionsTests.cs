using Microsoft.Extensions.Logging.Abstractions;
using MstGad.Features;

namespace MstGad.Datasets.Tests;

public sealed class OtlpJsonSourceOptionsTests
{
    [Test]
    public void Defaults_ArePinned()
    {
        var options = new OtlpJsonSourceOptions();

        Assert.Multiple(() =>
        {
            Assert.That(options.Mode, Is.EqualTo(ReadMode.Strict));
            Assert.That(options.InstanceAttributes, Is.EqualTo(new[] { "k8s.pod.name", "service.instance.id", "host.name", "service.name" }));
            Assert.That(options.IncludeSpanAttributes, Is.False);
            Assert.That(options.SkipNaNValues, Is.False);
            Assert.That(options.LoggerFactory, Is.SameAs(NullLoggerFactory.Instance));
        });
    }

    [Test]
    public void Mode_Undefined_Throws() =>
        Assert.That(() => new OtlpJsonSourceOptions().Mode = (ReadMode)2, Throws.InstanceOf<ArgumentOutOfRangeException>());
}
