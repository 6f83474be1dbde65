using MstGad.Cli.Tests.Support;

namespace MstGad.Cli.Tests;

[TestFixture]
public sealed class TrainCommandTests
{
    [Test]
    public async Task Train_MissingDataFolder_PrintsOneErrorLine()
    {
        using var dir = new TempDirectory();
        var missing = dir.File("no-such-day");

        var run = await CommandRun.InvokeAsync(TrainCommand.Create(), "--data", missing, "--out", dir.File("m.mstgad"));

        Assert.Multiple(() =>
        {
            Assert.That(run.ExitCode, Is.EqualTo(1));
            Assert.That(run.Error, Is.EqualTo($"error: the --data folder does not exist: {missing}; check the path{Environment.NewLine}"));
            Assert.That(File.Exists(dir.File("m.mstgad")), Is.False);
        });
    }

    [Test]
    public async Task Train_StrictOnAFileThatIsNotTelemetry_PrintsOneErrorLineAndWritesNoModel()
    {
        using var dir = new TempDirectory();
        NezhaFolders.WriteMetricsDay(dir, 3);

        var run = await CommandRun.InvokeAsync(TrainCommand.Create(), "--data", dir.Path, "--out", dir.File("m.mstgad"), "--strict");

        var file = dir.File(NezhaFolders.Metric("dependency.csv"));
        Assert.Multiple(() =>
        {
            Assert.That(run.ExitCode, Is.EqualTo(1));
            Assert.That(run.ErrorLines[^1], Is.EqualTo(
                $"error: {file}:1: not a metric file: its header lacks 'Time' and 'PodName' (or 'ServiceName'): 'Source,Target,Weight'; run without --strict to skip it"));
            Assert.That(run.ErrorLines.Count(l => l.StartsWith("error:", StringComparison.Ordinal)), Is.EqualTo(1));
            Assert.That(run.Error, Does.Not.Contain("   at "));
            Assert.That(File.Exists(dir.File("m.mstgad")), Is.False);
        });
    }

    [Test]
    public async Task Train_TooLittleData_PrintsOneErrorLine()
    {
        using var dir = new TempDirectory();
        NezhaFolders.WriteMetricsDay(dir, 3);

        var run = await CommandRun.InvokeAsync(TrainCommand.Create(), "--data", dir.Path, "--out", dir.File("m.mstgad"));

        Assert.Multiple(() =>
        {
            Assert.That(run.ExitCode, Is.EqualTo(1));
            Assert.That(run.ErrorLines[^1], Is.EqualTo(
                "error: Too little data to train: the training part has 3 steps of 00:01:00, fewer than the window of 10; " +
                "give --data a longer period, or a shorter --window or --interval, or other --train-fraction/--validation-fraction"));
        });
    }

    [Test]
    public async Task Train_OutputFolderMissing_FailsBeforeReading()
    {
        using var dir = new TempDirectory();
        var output = dir.File(Path.Combine("models", "m.mstgad"));

        var run = await CommandRun.InvokeAsync(TrainCommand.Create(), "--data", dir.File("no-such-day"), "--out", output);

        Assert.That((run.ExitCode, run.Error), Is.EqualTo((1, $"error: the folder of --out does not exist: {dir.File("models")}; create it or choose another path{Environment.NewLine}")));
    }

    [Test]
    public async Task Train_InvalidOptions_PrintsEveryProblemOnOneLine()
    {
        using var dir = new TempDirectory();
        NezhaFolders.WriteMetricsDay(dir, 3);

        var run = await CommandRun.InvokeAsync(TrainCommand.Create(), "--data", dir.Path, "--out", dir.File("m.mstgad"), "--window", "0", "--epochs", "0");

        Assert.That((run.ExitCode, run.Error), Is.EqualTo((2,
            $"error: the detector options are not valid: Training: MaxEpochs must be at least 1; it is 0; Window must be at least 2 steps; it is 0; see --help{Environment.NewLine}")));
    }

    [Test]
    public async Task Train_MissingRequiredOptions_PrintsOneUsageLine()
    {
        var run = await CommandRun.InvokeAsync(TrainCommand.Create());

        Assert.That((run.ExitCode, run.Error), Is.EqualTo((2, $"error: Option '--data' is required; Option '--out' is required; see train --help{Environment.NewLine}")));
    }
}
