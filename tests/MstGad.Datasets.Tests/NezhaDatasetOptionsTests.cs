using Microsoft.Extensions.Logging.Abstractions;
using MstGad.Features;

namespace MstGad.Datasets.Tests;

public sealed class NezhaDatasetOptionsTests
{
    [Test]
    public void Defaults_ArePinned()
    {
        var options = new NezhaDatasetOptions();

        Assert.Multiple(() =>
        {
            Assert.That(options.Mode, Is.EqualTo(ReadMode.Strict));
            Assert.That(options.IncludeConstructData, Is.True);
            Assert.That(options.IncludeFrontend, Is.True);
            Assert.That(options.SkipNaNValues, Is.True);
            Assert.That(options.MetricCoverage, Is.EqualTo(TimeSpan.FromSeconds(60)));
            Assert.That(options.FaultDuration, Is.EqualTo(TimeSpan.FromMinutes(3)));
            Assert.That(options.Dates, Is.Empty);
            Assert.That(options.LoggerFactory, Is.SameAs(NullLoggerFactory.Instance));
        });
    }

    [Test]
    public void MetricCoverage_Negative_Throws()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new NezhaDatasetOptions().MetricCoverage = TimeSpan.FromSeconds(-1));

        Assert.That(e!.Message, Is.EqualTo("value ('-00:00:01') must be greater than or equal to '00:00:00'. (Parameter 'value')\nActual value was -00:00:01."));
    }

    [Test]
    public void FaultDuration_Zero_Throws()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new NezhaDatasetOptions().FaultDuration = TimeSpan.Zero);

        Assert.That(e!.Message, Is.EqualTo("value ('00:00:00') must be greater than '00:00:00'. (Parameter 'value')\nActual value was 00:00:00."));
    }

    [Test]
    public void Mode_Undefined_Throws()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new NezhaDatasetOptions().Mode = (ReadMode)7);

        Assert.That(e!.Message, Is.EqualTo("The mode must be Strict or Lenient. (Parameter 'value')\nActual value was 7."));
    }

    [Test]
    public void LoggerFactory_Null_Throws() =>
        Assert.That(() => new NezhaDatasetOptions().LoggerFactory = null!, Throws.ArgumentNullException);

    [Test]
    public async Task Options_ChangedAfterCreation_DoNotAffectTheDataset()
    {
        var options = new NezhaDatasetOptions();
        var dataset = new NezhaDataset(Support.Nezha.Root, options);
        options.FaultDuration = TimeSpan.FromHours(1);

        var fault = await dataset.ReadFaultsAsync().FirstAsync();

        Assert.That(fault.Duration, Is.EqualTo(TimeSpan.FromMinutes(3)));
    }
}
