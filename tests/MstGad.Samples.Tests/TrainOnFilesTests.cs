using MstGad.Samples.Tests.Support;
using MstGad.Samples.TrainOnFiles;
using MstGad.Simulation;

namespace MstGad.Samples.Tests;

[TestFixture]
[NonParallelizable]
public sealed class TrainOnFilesTests
{
    private static SimulationOptions SmallSystem() => new()
    {
        Seed = 4,
        Start = new DateTimeOffset(2024, 3, 4, 10, 0, 0, TimeSpan.Zero),
        Duration = TimeSpan.FromHours(1),
        MetricInterval = TimeSpan.FromSeconds(30),
        RequestsPerSecond = 1,
        FaultCount = 6,
    };

    [TestCase(false)]
    [TestCase(true)]
    public async Task RunAsync_CsvAndJsonLinesFiles_TrainsWithTheLabelsAndSavesALoadableDetector(bool compress)
    {
        using var folder = new TempDirectory();
        var simulator = new TelemetrySimulator(SmallSystem());
        await ExampleFiles.WriteAsync(simulator, folder.Path, compress);
        var model = folder.File("detector.mstgad");
        using var output = new StringWriter();

        var fit = await TrainOnFiles.TrainOnFiles.RunAsync(folder.Path, model, output, epochs: 2);

        var text = output.ToString();
        var gz = compress ? ".gz" : string.Empty;
        Assert.Multiple(() =>
        {
            Assert.That(Directory.GetFiles(folder.Path).Select(Path.GetFileName), Is.SupersetOf(new[] { "metrics.csv" + gz, "logs.jsonl" + gz, "spans.csv" + gz, "faults.csv" }));
            Assert.That(text, Does.StartWith("6 labelled faults: the anomaly score and the classifier decide, each under its share of the alarm budget."));
            Assert.That(text, Does.Contain($"Read spans:   files 1, rows {simulator.Report.Spans.Records}, records {simulator.Report.Spans.Records}"));
            // 8 services and 2 peer nodes: client calls whose callee recorded no span (a crashed instance) go to a node named
            // peer:<operation>, since the CSV files carry no span attributes to name the peer.
            Assert.That(fit.Instances, Is.EqualTo(10));
            Assert.That(fit.Training.Epochs, Has.Count.EqualTo(2));
            Assert.That(File.Exists(model), Is.True);
            Assert.That(text, Does.Contain("it loads back with 10 instances"));
        });
    }

    [Test]
    public async Task RunAsync_OtlpExportsWithoutLabels_TheAnomalyScoreDecidesAlone()
    {
        using var folder = new TempDirectory();
        await OtlpFiles.WriteAsync(new TelemetrySimulator(SmallSystem()), folder.File("export.otlp.jsonl"));
        var model = folder.File("detector.mstgad");
        using var output = new StringWriter();

        var fit = await TrainOnFiles.TrainOnFiles.RunAsync(folder.Path, model, output, epochs: 2);

        Assert.Multiple(() =>
        {
            Assert.That(output.ToString(), Does.StartWith("No fault labels: the anomaly score decides under the alarm budget."));
            Assert.That(fit.Instances, Is.EqualTo(10));
            Assert.That(fit.Threshold, Is.EqualTo(1), "the anomaly score is a multiple of its thresholds");
            Assert.That(File.Exists(model), Is.True);
        });
    }

    [Test]
    public void RunAsync_MissingFolder_Throws()
    {
        using var output = new StringWriter();

        Assert.ThrowsAsync<DirectoryNotFoundException>(() => TrainOnFiles.TrainOnFiles.RunAsync("/no/such/telemetry", "x.mstgad", output));
    }
}
