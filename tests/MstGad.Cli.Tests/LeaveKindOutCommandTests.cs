using System.Text.Json;
using System.Text.RegularExpressions;
using MstGad.Cli.Tests.Support;
using MstGad.Simulation;

namespace MstGad.Cli.Tests;

[TestFixture]
[NonParallelizable]
public sealed partial class LeaveKindOutCommandTests
{
    private const string Kinds = "cpu_hog, memory_leak, disk_io_hog, network_delay, error_burst, instance_crash, slow_dependency";
    private const string SeeHelp = "; see mstgad leave-kind-out --help";

    /// <summary>Two services, one training hour (6 faults), half a test hour (3 faults: error_burst, instance_crash, slow_dependency), 2 epochs.</summary>
    private static readonly string[] Tiny = ["--services", "2", "--hours", "1", "--test-hours", "0.5", "--epochs", "2"];

    [Test]
    public void Defaults_AreTheDemosSystemEveryKindHeldOutInTurnAndTheLibrarysAlarmBudget()
    {
        var settings = new LeaveKindOutSettings();

        Assert.Multiple(() =>
        {
            Assert.That(settings.Seeds, Is.EqualTo(new[] { 1L }));
            Assert.That(settings.Kinds, Is.EqualTo(Enum.GetValues<FaultKind>()));
            Assert.That(settings.Labels, Is.EqualTo(LabelMode.HoldOut));
            Assert.That(settings.DropUnlabelledFaults, Is.False);
            Assert.That(settings.Method, Is.EqualTo("mstgad"));
            Assert.That(settings.AlarmBudgetPerHour, Is.EqualTo(0.25));
            Assert.That(settings.Demo, Is.EqualTo(new DemoSettings()));
            Assert.That((settings.Demo.TrainingHours, settings.Demo.TestHours, settings.Demo.Services, settings.Demo.Epochs), Is.EqualTo((6.0, 2.0, 8, 40)));
            Assert.That(settings.Problems(), Is.Empty);
        });
    }

    [Test]
    public void Read_NoOptions_GivesTheDefaults()
    {
        var settings = LeaveKindOutSettings.Read(new DemoSettings(), 1, seedGiven: false, seeds: null, kinds: null, "hold-out", drop: false, "mstgad", "0.25/h");

        Assert.Multiple(() =>
        {
            var defaults = new LeaveKindOutSettings();
            Assert.That(settings.Seeds, Is.EqualTo(defaults.Seeds));
            Assert.That(settings.Kinds, Is.EqualTo(defaults.Kinds));
            Assert.That((settings.Demo, settings.Labels, settings.DropUnlabelledFaults, settings.Method, settings.AlarmBudgetPerHour),
                Is.EqualTo((defaults.Demo, defaults.Labels, defaults.DropUnlabelledFaults, defaults.Method, defaults.AlarmBudgetPerHour)));
        });
    }

    [Test]
    public void Read_EveryOption_IsTakenOver()
    {
        var demo = new DemoSettings { TrainingHours = 3, TestHours = 1, Services = 5, Epochs = 7, Threads = 2 };

        var settings = LeaveKindOutSettings.Read(demo, 1, seedGiven: false, "4, 5,6", "network-delay,CPU_HOG", "hold-out", drop: true, "statistical", "48/d");

        Assert.Multiple(() =>
        {
            Assert.That(settings.Demo, Is.EqualTo(demo));
            Assert.That(settings.Seeds, Is.EqualTo(new[] { 4L, 5L, 6L }));
            Assert.That(settings.Kinds, Is.EqualTo(new[] { FaultKind.NetworkDelay, FaultKind.CpuHog }));
            Assert.That(settings.DropUnlabelledFaults, Is.True);
            Assert.That(settings.Method, Is.EqualTo("statistical"));
            Assert.That(settings.AlarmBudgetPerHour, Is.EqualTo(2));
        });
    }

    [TestCase("cpu_hog", new[] { FaultKind.CpuHog })]
    [TestCase("slow-dependency, Error_Burst ,slow_dependency", new[] { FaultKind.SlowDependency, FaultKind.ErrorBurst })]
    [TestCase("disk-io-hog,memory-leak,instance-crash", new[] { FaultKind.DiskIoHog, FaultKind.MemoryLeak, FaultKind.InstanceCrash })]
    public void ParseKinds_Names_KeepTheirOrderAndCountOnce(string text, FaultKind[] expected) =>
        Assert.That(LeaveKindOutSettings.ParseKinds(text), Is.EqualTo(expected));

    [TestCase("cpu,memory_leak", "--kinds: unknown fault kind 'cpu' (the kinds are " + Kinds + ")")]
    [TestCase(" , ", "--kinds names no fault kind (the kinds are " + Kinds + ")")]
    public void ParseKinds_Bad_ThrowsWithTheMessage(string text, string message) =>
        Assert.That(() => LeaveKindOutSettings.ParseKinds(text), Throws.TypeOf<FormatException>().With.Message.EqualTo(message));

    [TestCase("1,x", "--seeds '1,x' is not a comma-separated list of integers, such as 1,2,3")]
    [TestCase("1,,2", "--seeds '1,,2' is not a comma-separated list of integers, such as 1,2,3")]
    [TestCase("3,1,3", "--seeds '3,1,3' names seed 3 twice")]
    public void ParseSeeds_Bad_ThrowsWithTheMessage(string text, string message) =>
        Assert.That(() => LeaveKindOutSettings.ParseSeeds(text), Throws.TypeOf<FormatException>().With.Message.EqualTo(message));

    [TestCase("hold-out", nameof(LabelMode.HoldOut))]
    [TestCase("none", nameof(LabelMode.None))]
    [TestCase("all", nameof(LabelMode.All))]
    public void ParseLabels_Names_GiveTheirMode(string text, string expected) =>
        Assert.That(LeaveKindOutSettings.ParseLabels(text).ToString(), Is.EqualTo(expected));

    [TestCase(new[] { "--kinds", "foo" }, "--kinds: unknown fault kind 'foo' (the kinds are " + Kinds + ")")]
    [TestCase(new[] { "--seed", "2", "--seeds", "1,2" }, "give --seed or --seeds, not both")]
    [TestCase(new[] { "--seeds", "1,1" }, "--seeds '1,1' names seed 1 twice")]
    [TestCase(new[] { "--labels", "some" }, "--labels 'some' is not one of hold-out, none, all")]
    [TestCase(new[] { "--labels", "all", "--drop-unlabelled-faults" }, "--drop-unlabelled-faults has nothing to drop with --labels all (every fault is labelled)")]
    [TestCase(new[] { "--method", "magic" }, "--method 'magic': No detection method 'magic' is known here: reference its package (for example MstGad.Methods.Magic) or register it with DetectionMethods.Register; known: mstgad, robust-z, statistical")]
    [TestCase(new[] { "--alarm-budget", "0" }, "--alarm-budget '0' is not a positive number of alarms per period, such as 0.5/h or 12/d")]
    [TestCase(new[] { "--hours", "0" }, "--hours: Simulated periods must last more than 0 and at most 48 hours; one lasts 0 h")]
    [TestCase(new[] { "--test-hours", "0.1" }, "--test-hours: Duration must hold (2 × FaultCount + 1) fault durations so that faults are separated by normal time: 1 faults of 00:04:00 need at least 00:12:00; it is 00:06:00")]
    [TestCase(new[] { "--services", "1", "--epochs", "0", "--threads", "0" }, "--services must be from 2 to 500; it is 1; --epochs must be at least 1; it is 0; --threads must be at least 1; it is 0")]
    public async Task Invoke_BadOption_PrintsOneErrorLineAndExits2(string[] args, string message)
    {
        var run = await CommandRun.InvokeAsync(LeaveKindOutCommand.Create(), args);

        Assert.Multiple(() =>
        {
            Assert.That(run.ExitCode, Is.EqualTo(2));
            Assert.That(run.Error, Is.EqualTo("error: " + message + SeeHelp + Environment.NewLine));
            Assert.That(run.Output, Is.Empty);
        });
    }

    [Test]
    public async Task Invoke_TinySettings_PrintsTheHeaderARowAndTheSummaryLine()
    {
        var run = await CommandRun.InvokeAsync(LeaveKindOutCommand.Create(), [.. Tiny, "--kinds", "error-burst"]);

        var lines = run.Output.TrimEnd().Split(Environment.NewLine);
        Assert.Multiple(() =>
        {
            Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
            Assert.That(lines[0], Does.StartWith("Leave-kind-out on the simulator: 2 services, 1 h of training (seed s), 0.5 h of test (seed s + 1)"));
            Assert.That(lines[2], Does.Match(@"^held out +its recall +by anomaly +other kinds +all kinds +false alarms/h +precision +recall +F1 +MTTD +its MTTD$"));
            Assert.That(lines[3], Does.Match(@"^error_burst +\d\.\d\d \(\d/1\) "));
            Assert.That(lines[^1], Does.Match(SummaryLine()));
            Assert.That(lines, Has.Length.EqualTo(5));
            Assert.That(run.Error, Does.Contain("[seed 1, error_burst held out] 5 labelled, 1 unlabelled and 0 dropped training faults; 2 epochs;"));
        });
    }

    [Test]
    public async Task Invoke_DropUnlabelledFaultsWithJson_DropsExactlyTheHeldOutKindsTrainingFaults()
    {
        var training = new TelemetrySimulator(new DemoSettings { TrainingHours = 1, Services = 2 }.TrainingPeriod());
        var slow = training.Faults.Count(f => f.Kind == FaultKind.SlowDependency);
        Assert.That(slow, Is.EqualTo(1), "the tiny training period has one slow dependency");

        var run = await CommandRun.InvokeAsync(LeaveKindOutCommand.Create(), [.. Tiny, "--kinds", "slow-dependency", "--drop-unlabelled-faults", "--json"]);

        using var json = JsonDocument.Parse(run.Output);
        var report = json.RootElement;
        var only = report.GetProperty("runs")[0];
        Assert.Multiple(() =>
        {
            Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
            Assert.That(report.GetProperty("labels").GetString(), Is.EqualTo("hold-out"));
            Assert.That(report.GetProperty("dropUnlabelledFaults").GetBoolean(), Is.True);
            Assert.That(only.GetProperty("heldOut").GetString(), Is.EqualTo("slow_dependency"));
            Assert.That(only.GetProperty("droppedTrainingFaults").GetInt32(), Is.EqualTo(slow));
            Assert.That(only.GetProperty("unlabelledTrainingFaults").GetInt32(), Is.Zero);
            Assert.That(only.GetProperty("labelledTrainingFaults").GetInt32(), Is.EqualTo(training.Faults.Count - slow));
            Assert.That(only.GetProperty("kinds").EnumerateArray().Sum(k => k.GetProperty("faults").GetInt32()), Is.EqualTo(3));
            Assert.That(report.GetProperty("rows").GetArrayLength(), Is.EqualTo(1));
            Assert.That(run.Error, Does.Match(@"held out +its recall"), "with --json the table goes to standard error");
        });
    }

    [Test]
    public async Task Invoke_LabelsNone_TrainsOnceWithoutLabelsAndGivesARowPerKind()
    {
        var run = await CommandRun.InvokeAsync(LeaveKindOutCommand.Create(), [.. Tiny, "--labels", "none", "--kinds", "instance-crash,error-burst", "--json"]);

        using var json = JsonDocument.Parse(run.Output);
        var report = json.RootElement;
        var runs = report.GetProperty("runs");
        Assert.Multiple(() =>
        {
            Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
            Assert.That(runs.GetArrayLength(), Is.EqualTo(1));
            Assert.That(runs[0].GetProperty("labelledTrainingFaults").GetInt32(), Is.Zero);
            Assert.That(runs[0].GetProperty("unlabelledTrainingFaults").GetInt32(), Is.EqualTo(6));
            Assert.That(runs[0].GetProperty("heldOut").ValueKind, Is.EqualTo(JsonValueKind.Null));
            Assert.That(report.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("kind").GetString()), Is.EqualTo(new[] { "instance_crash", "error_burst" }));
            Assert.That(run.Error, Does.Contain("Training labels: none; the faults stay in the training telemetry, unlabelled (one training per seed; every row reads the same run)."));
        });
    }

    [Test]
    public async Task Invoke_LabelsNoneDroppingUnlabelledFaults_TrainsOnAFaultFreeSimulation()
    {
        var run = await CommandRun.InvokeAsync(LeaveKindOutCommand.Create(), [.. Tiny, "--labels", "none", "--drop-unlabelled-faults", "--kinds", "error-burst", "--json"]);

        using var json = JsonDocument.Parse(run.Output);
        var only = json.RootElement.GetProperty("runs")[0];
        Assert.Multiple(() =>
        {
            Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
            Assert.That(only.GetProperty("labelledTrainingFaults").GetInt32(), Is.Zero);
            Assert.That(only.GetProperty("unlabelledTrainingFaults").GetInt32(), Is.Zero);
            Assert.That(only.GetProperty("droppedTrainingFaults").GetInt32(), Is.EqualTo(6));
            Assert.That(run.Error, Does.Contain("Training labels: none, and no fault in the training simulation (fault-free training;"));
        });
    }

    [Test]
    public void SummaryLine_TwoRowsTwoSeeds_PoolsTheRowKindsAndAveragesTheRest()
    {
        static LeaveKindOutRow Row(string kind, int detected, int faults, double others, double alarms, double f1) => new(
            kind,
            new RecallFigure(detected, faults, (double)detected / faults, 0),
            new RecallFigure(0, 0, others, 0),
            new RecallFigure(0, 0, null, null),
            0,
            new SpreadFigure(alarms, 0),
            new SpreadFigure(0, 0),
            new SpreadFigure(0, 0),
            new SpreadFigure(f1, 0),
            null,
            null);
        var report = new LeaveKindOutReport("hold-out", false, "mstgad", 0.5, [1, 2], 6, 2, 8, 40, 60,
            [Row("cpu_hog", 1, 4, 0.8, 1.0, 0.5), Row("memory_leak", 2, 2, 0.6, 2.0, 0.7)], [], 61.4);

        Assert.That(LeaveKindOutCommand.SummaryLine(report), Is.EqualTo(
            "labels hold-out, 2 kinds, 2 seeds: held-out recall 0.50 (3/6), other kinds 0.70, false alarms per hour 1.50, point F1 0.60; 61 s"));
    }

    [Test]
    public void Spread_OneValueHasNoDeviation_SeveralHaveTheSampleDeviation()
    {
        Assert.Multiple(() =>
        {
            Assert.That(LeaveKindOutCommand.Spread([0.5]), Is.EqualTo(new SpreadFigure(0.5, null)));
            Assert.That(LeaveKindOutCommand.Spread([1, 2, 3]), Is.EqualTo(new SpreadFigure(2, 1)));
        });
    }

    [GeneratedRegex(@"^labels hold-out, 1 kind, 1 seed: held-out recall \d\.\d\d \(\d/1\), other kinds \d\.\d\d, false alarms per hour \d+\.\d\d, point F1 \d\.\d\d; \d+ s$")]
    private static partial Regex SummaryLine();
}
