using System.Text.Json;
using MstGad.Cli.Tests.Support;

namespace MstGad.Cli.Tests;

[TestFixture]
public sealed class InspectCommandTests
{
    private const string NotMetricReason = "not a metric file: its header lacks 'Time' and 'PodName' (or 'ServiceName')";

    [Test]
    public async Task Inspect_DayWithFilesThatAreNotTelemetry_SkipsAndNamesThem()
    {
        using var dir = new TempDirectory();
        NezhaFolders.WriteMetricsDay(dir, 3);

        var run = await CommandRun.InvokeAsync(InspectCommand.Create(), "--data", dir.Path);

        var day = Path.Combine(dir.Path, "rca_data", NezhaFolders.Date);
        var lines = run.Output.Split(Environment.NewLine);
        Assert.Multiple(() =>
        {
            Assert.That(run.ExitCode, Is.Zero);
            Assert.That(run.Error, Is.Empty);
            Assert.That(lines[1], Is.EqualTo("  metrics: files 3, rows 3, records 54, skipped 3 (NaN value), skipped 2 files (dependency.csv, source_50.csv)"));
            Assert.That(lines[2], Is.EqualTo($"  logs:    files 0, rows 0, records 0, absent: {Path.Combine(day, "log")}"));
            Assert.That(lines[3], Is.EqualTo($"  spans:   files 0, rows 0, records 0, absent: {Path.Combine(day, "trace")}"));
            Assert.That(lines[6..8], Is.EqualTo(new[]
            {
                $"  skipped {Path.Combine(day, "metric", "dependency.csv")}: {NotMetricReason}",
                $"  skipped {Path.Combine(day, "metric", "source_50.csv")}: {NotMetricReason}",
            }));
        });
    }

    [Test]
    public async Task Inspect_JsonOnADayWithFilesThatAreNotTelemetry_ListsThemPerKind()
    {
        using var dir = new TempDirectory();
        NezhaFolders.WriteMetricsDay(dir, 3);

        var run = await CommandRun.InvokeAsync(InspectCommand.Create(), "--data", dir.Path, "--json");

        using var json = JsonDocument.Parse(run.Output);
        var metrics = json.RootElement.GetProperty("metrics");
        var day = Path.Combine(dir.Path, "rca_data", NezhaFolders.Date);
        Assert.Multiple(() =>
        {
            Assert.That(run.ExitCode, Is.Zero);
            Assert.That(metrics.GetProperty("skippedFiles").EnumerateArray().Select(f => (f.GetProperty("path").GetString(), f.GetProperty("reason").GetString())), Is.EqualTo(new[]
            {
                (Path.Combine(day, "metric", "dependency.csv"), NotMetricReason),
                (Path.Combine(day, "metric", "source_50.csv"), NotMetricReason),
            }));
            Assert.That(metrics.GetProperty("ignoredColumns").EnumerateObject(), Is.Empty);
            Assert.That(metrics.GetProperty("absent").GetArrayLength(), Is.Zero);
            Assert.That(json.RootElement.GetProperty("logs").GetProperty("absent").EnumerateArray().Select(a => a.GetString()), Is.EqualTo(new[] { Path.Combine(day, "log") }));
            Assert.That(json.RootElement.GetProperty("spans").GetProperty("skippedFiles").GetArrayLength(), Is.Zero);
        });
    }

    [Test]
    public async Task Inspect_StrictOnAFileThatIsNotTelemetry_PrintsOneErrorLine()
    {
        using var dir = new TempDirectory();
        NezhaFolders.WriteMetricsDay(dir, 3);

        var run = await CommandRun.InvokeAsync(InspectCommand.Create(), "--data", dir.Path, "--strict");

        var file = dir.File(NezhaFolders.Metric("dependency.csv"));
        Assert.Multiple(() =>
        {
            Assert.That(run.ExitCode, Is.EqualTo(1));
            Assert.That(run.Output, Is.Empty);
            Assert.That(run.Error, Is.EqualTo($"error: {file}:1: {NotMetricReason}: 'Source,Target,Weight'; run without --strict to skip it{Environment.NewLine}"));
        });
    }

    [Test]
    public async Task Inspect_StrictOnABadRecord_PrintsOneErrorLineWithFileAndLine()
    {
        using var dir = new TempDirectory();
        var file = dir.Write(NezhaFolders.Metric("pod-a_metric.csv"), "Time,TimeStamp,PodName,Cpu\nyesterday,1674981729,pod-a,1\n");

        var run = await CommandRun.InvokeAsync(InspectCommand.Create(), "--data", dir.Path, "--strict");

        Assert.Multiple(() =>
        {
            Assert.That(run.ExitCode, Is.EqualTo(1));
            Assert.That(run.Error, Is.EqualTo(
                $"error: {file}:2: field 'Time' not a time such as '2023-01-29 08:41:09.104907624 +0000 UTC': 'yesterday'; fix the record, or run without --strict to count and skip bad records{Environment.NewLine}"));
        });
    }

    [Test]
    public async Task Inspect_MissingFolder_PrintsOneErrorLine()
    {
        using var dir = new TempDirectory();
        var missing = dir.File("no-such-day");

        var run = await CommandRun.InvokeAsync(InspectCommand.Create(), "--data", missing);

        Assert.Multiple(() =>
        {
            Assert.That(run.ExitCode, Is.EqualTo(1));
            Assert.That(run.Error, Is.EqualTo($"error: the --data folder does not exist: {missing}; check the path{Environment.NewLine}"));
        });
    }

    [Test]
    public async Task Inspect_FolderInNoKnownLayout_PrintsOneErrorLine()
    {
        using var dir = new TempDirectory();
        dir.Write("dependency.csv", NezhaFolders.DependencyCsv);
        dir.Write("README.txt", "telemetry comes later");

        var run = await CommandRun.InvokeAsync(InspectCommand.Create(), "--data", dir.Path);

        Assert.Multiple(() =>
        {
            Assert.That(run.ExitCode, Is.EqualTo(1));
            Assert.That(run.Error, Is.EqualTo(
                $"error: {dir.Path} holds no telemetry in a known layout: expected an rca_data folder (Nezha), *.otlp.json files (OpenTelemetry), " +
                $"or files named metrics*, logs*, spans*, faults* (.csv or .jsonl, optionally .gz); point --data at a folder in one of these layouts (docs/formats.md){Environment.NewLine}"));
        });
    }

    [Test]
    public async Task Inspect_DataIsAFile_PrintsOneErrorLine()
    {
        using var dir = new TempDirectory();
        var file = dir.Write("metrics.csv", "time,instance,metric,value\n");

        var run = await CommandRun.InvokeAsync(InspectCommand.Create(), "--data", file);

        Assert.That((run.ExitCode, run.Error), Is.EqualTo((1, $"error: the --data path is a file, not a folder: {file}; pass the folder that holds the telemetry{Environment.NewLine}")));
    }

    [Test]
    public async Task Inspect_BadInterval_PrintsOneUsageLine()
    {
        using var dir = new TempDirectory();

        var run = await CommandRun.InvokeAsync(InspectCommand.Create(), "--data", dir.Path, "--interval", "10x");

        Assert.That((run.ExitCode, run.Error), Is.EqualTo((2, $"error: '10x' is not a duration; use for example 10s, 1m, 500ms, 2h or 00:00:10; see mstgad inspect --help{Environment.NewLine}")));
    }
}
