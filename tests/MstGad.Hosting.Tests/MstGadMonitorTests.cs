using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using MstGad.Tests.Detection;
using MstGad.Tests.Online;
using static MstGad.Hosting.Tests.HostingTesting;

namespace MstGad.Hosting.Tests;

[NonParallelizable]
public sealed partial class MstGadMonitorTests
{
    private TempDirectory _folder = null!;
    private Detector _detector = null!;
    private string _model = null!;

    [OneTimeSetUp]
    public void Train()
    {
        _folder = new TempDirectory();
        _detector = OnlineTesting.TrainTiny();
        _model = _folder.File("tiny.mstgad");
        _detector.Save(_model);
    }

    [OneTimeTearDown]
    public void CleanUp()
    {
        _detector.Dispose();
        _folder.Dispose();
    }

    // ------------------------------------------------------------------ options

    [Test]
    public void Start_InvalidOptions_FailsListingEveryProblem()
    {
        using var host = Build(_folder.File("missing.mstgad"), new FakeTimeProvider(ClockStart), configure: o =>
        {
            o.CheckpointsToKeep = 0;
            o.QueueCapacity = 0;
            o.Lateness = TimeSpan.FromSeconds(-1);
            o.Incidents.MinFlaggedSteps = 0;
        });

        var ex = Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.That(ex!.Failures, Is.EqualTo(new[]
        {
            $"MstGad: ModelPath names no file: '{_folder.File("missing.mstgad")}'.",
            "MstGad: CheckpointsToKeep must be at least 1; it is 0.",
            "MstGad: Lateness must be between 00:00:00 and 1 day; it is -00:00:01.",
            "MstGad: QueueCapacity must be at least 1; it is 0.",
            "MstGad: Incidents.MinFlaggedSteps must be at least 1; it is 0.",
        }));
    }

    [Test]
    public void AddMstGad_FromConfiguration_BindsTheSection()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["MstGad:ModelPath"] = _model,
            ["MstGad:CheckpointDirectory"] = "/var/lib/mstgad",
            ["MstGad:CheckpointInterval"] = "00:01:00",
            ["MstGad:Lateness"] = "00:00:30",
            ["MstGad:MaxClockSkew"] = "00:05:00",
            ["MstGad:QueueCapacity"] = "5000",
            ["MstGad:Incidents:CoolDown"] = "00:03:00",
            ["MstGad:Incidents:MinFlaggedSteps"] = "2",
        }).Build();
        var services = new ServiceCollection().AddMstGad(configuration.GetSection(MstGadHostOptions.SectionName));
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<MstGadHostOptions>>().Value;

        Assert.Multiple(() =>
        {
            Assert.That(options.ModelPath, Is.EqualTo(_model));
            Assert.That(options.CheckpointDirectory, Is.EqualTo("/var/lib/mstgad"));
            Assert.That(options.CheckpointInterval, Is.EqualTo(TimeSpan.FromMinutes(1)));
            Assert.That(options.Lateness, Is.EqualTo(TimeSpan.FromSeconds(30)));
            Assert.That(options.MaxClockSkew, Is.EqualTo(TimeSpan.FromMinutes(5)));
            Assert.That(options.QueueCapacity, Is.EqualTo(5000));
            Assert.That(options.Incidents.CoolDown, Is.EqualTo(TimeSpan.FromMinutes(3)));
            Assert.That(options.Incidents.MinFlaggedSteps, Is.EqualTo(2));
            Assert.That(options.Validate(), Is.Empty);
        });
    }

    // ------------------------------------------------------------------ records in, verdicts and incidents out

    [Test]
    public async Task Receive_Records_GiveTheVerdictsAndIncidentsOfTheOnlineDetector()
    {
        var records = TinySystem.Records(60);
        var (expectedRows, expectedIncidents) = Reference(_detector, records);
        var sink = new RecordingSink();
        using var host = Build(_model, new FakeTimeProvider(ClockStart), services: s => s.AddSingleton<IIncidentSink>(sink));
        var monitor = host.Services.GetRequiredService<MstGadMonitor>();
        await host.StartAsync();
        var verdicts = Collect(monitor.ReadVerdictsAsync());
        var incidents = Collect(monitor.ReadIncidentsAsync());

        Send(monitor, records);
        await host.StopAsync();

        var rows = (await verdicts).SelectMany(s => s.Verdicts).Select(OnlineTesting.Row).ToList();
        Assert.Multiple(async () =>
        {
            Assert.That(expectedRows, Has.Count.GreaterThan(100), "the reference scores most steps");
            Assert.That(expectedIncidents, Is.Not.Empty, "the tiny fault raises an incident");
            Assert.That(rows, Is.EqualTo(expectedRows));
            Assert.That(await incidents, Is.EqualTo(expectedIncidents));
            Assert.That(sink.Changes, Is.EqualTo(expectedIncidents));
            Assert.That(monitor.Status.RecordsReceived, Is.EqualTo(records.Count));
            Assert.That(monitor.Status.QueuedRecords, Is.Zero);
            Assert.That(monitor.State, Is.EqualTo(MstGadState.Stopped));
            Assert.That(monitor.Receive(Batches(records.Take(1), 1).Single()), Is.EqualTo(ReceiveStatus.Stopped));
        });
    }

    [Test]
    public async Task Receive_OneBatchOfTheWholeRecording_MergesTheKindsByEventTime()
    {
        var records = TinySystem.Records(60);
        var expected = Reference(_detector, records).Rows;
        using var host = Build(_model, new FakeTimeProvider(ClockStart));
        var monitor = host.Services.GetRequiredService<MstGadMonitor>();
        await host.StartAsync();
        var verdicts = Collect(monitor.ReadVerdictsAsync());

        Send(monitor, records, size: records.Count);
        await host.StopAsync();

        var steps = await verdicts;
        Assert.Multiple(() =>
        {
            Assert.That(steps.SelectMany(s => s.Verdicts).Select(OnlineTesting.Row), Is.EqualTo(expected), "10 minutes of metrics, logs and spans in one batch: no kind made late by another");
            Assert.That(steps.Where(s => s.Scored).Select(s => s.Calls.Count), Is.All.EqualTo(2));
            Assert.That(monitor.Report!.Aggregation.SpansLate, Is.Zero);
        });
    }

    [Test]
    public async Task IncidentSink_Throwing_IsCountedAndTheNextSinkStillReceives()
    {
        var records = TinySystem.Records(60);
        var expected = Reference(_detector, records).Incidents;
        var after = new RecordingSink();
        var logs = new FakeLogCollector();
        using var host = Build(_model, new FakeTimeProvider(ClockStart), services: s =>
        {
            s.AddSingleton<IIncidentSink>(new ThrowingSink());
            s.AddSingleton<IIncidentSink>(after);
            s.AddLogging(l => l.AddProvider(new FakeLoggerProvider(logs)));
        });
        var monitor = host.Services.GetRequiredService<MstGadMonitor>();
        using var failures = new MetricCollector<long>(host.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), MstGadMonitor.TelemetryName, "mstgad.incident_sink.failures");
        await host.StartAsync();

        Send(monitor, records);
        await host.StopAsync();

        Assert.Multiple(() =>
        {
            Assert.That(after.Changes, Is.EqualTo(expected));
            Assert.That(failures.GetMeasurementSnapshot().EvaluateAsCounter(), Is.EqualTo(expected.Count));
            Assert.That(logs.GetSnapshot().Count(r => r.Id.Id == 5208), Is.EqualTo(expected.Count));
            Assert.That(logs.GetSnapshot().Count(r => r.Id.Id == 5206), Is.EqualTo(expected.Count(e => e.Change == IncidentChange.Opened)));
            Assert.That(logs.GetSnapshot().Select(r => r.Id.Id), Does.Contain(5201).And.Contain(5211));
        });
    }

    // ------------------------------------------------------------------ checkpoints

    [Test]
    public async Task Restart_RestoresTheShutdownCheckpointAndGoesOn()
    {
        using var checkpoints = new TempDirectory();
        var records = TinySystem.Records(60);
        var expected = Reference(_detector, records).Rows;
        var half = records.Count / 2;

        var first = await RunHost(checkpoints.Path, records.Take(half));
        var files = Directory.GetFiles(checkpoints.Path);
        var second = await RunHost(checkpoints.Path, records.Skip(half));

        Assert.Multiple(() =>
        {
            Assert.That(files, Has.Length.EqualTo(1), "one shutdown checkpoint");
            Assert.That(first.Status.RestoredFrom, Is.Null);
            Assert.That(second.Status.RestoredFrom, Is.EqualTo(files[0]));
            Assert.That(first.Rows.Concat(second.Rows), Is.EqualTo(expected));
            Assert.That(first.Rows, Is.Not.Empty);
            Assert.That(second.Rows, Is.Not.Empty);
        });
    }

    [Test]
    public async Task Start_CorruptNewestCheckpoint_IsReportedSkippedAndTheOlderOneRestored()
    {
        using var checkpoints = new TempDirectory();
        var records = TinySystem.Records(60);
        var expected = Reference(_detector, records).Rows;
        var half = records.Count / 2;
        var first = await RunHost(checkpoints.Path, records.Take(half));
        var good = Directory.GetFiles(checkpoints.Path).Single();
        var corrupt = Path.Combine(checkpoints.Path, "checkpoint-0000000009.mstgad-checkpoint");
        var bytes = await File.ReadAllBytesAsync(good);
        bytes[bytes.Length / 2] ^= 0xFF;
        await File.WriteAllBytesAsync(corrupt, bytes);
        var logs = new FakeLogCollector();

        var second = await RunHost(checkpoints.Path, records.Skip(half), s => s.AddLogging(l => l.AddProvider(new FakeLoggerProvider(logs))));

        var rejected = logs.GetSnapshot().Where(r => r.Id.Id == 5203).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(second.Status.RestoredFrom, Is.EqualTo(good));
            Assert.That(first.Rows.Concat(second.Rows), Is.EqualTo(expected), "nothing of the corrupt file was used");
            Assert.That(rejected, Has.Count.EqualTo(1));
            Assert.That(rejected[0].Message, Does.StartWith($"Checkpoint {corrupt} skipped"));
            Assert.That(File.Exists(corrupt + ".rejected"), Is.True);
            Assert.That(second.Checkpoints, Is.EqualTo(new[] { ("rejected", 1L), ("restored", 1L), ("written", 1L) }));
            Assert.That(Path.GetFileName(second.Status.LastCheckpoint), Is.EqualTo("checkpoint-0000000010.mstgad-checkpoint"), "numbering goes on after the highest");
        });
    }

    [Test]
    public async Task Schedule_WritesACheckpointEveryIntervalAndKeepsTheNewest()
    {
        using var checkpoints = new TempDirectory();
        var time = new FakeTimeProvider(ClockStart);
        var activities = new List<Activity>();
        using var listener = Listen(activities);
        using var host = Build(_model, time, checkpoints.Path, o =>
        {
            o.CheckpointInterval = TimeSpan.FromMinutes(1);
            o.CheckpointsToKeep = 2;
        });
        var monitor = host.Services.GetRequiredService<MstGadMonitor>();
        await host.StartAsync();
        Send(monitor, TinySystem.Records(20));

        for (var i = 1; i <= 4; i++)
        {
            var written = i;
            time.Advance(TimeSpan.FromSeconds(61));
            await Until(() => monitor.Status.LastCheckpoint?.EndsWith($"{written:D10}.mstgad-checkpoint", StringComparison.Ordinal) == true, $"checkpoint {written} is written");
        }

        await host.StopAsync();

        Assert.Multiple(() =>
        {
            Assert.That(Directory.GetFiles(checkpoints.Path).Select(Path.GetFileName).Order(), Is.EqualTo(new[]
            {
                "checkpoint-0000000004.mstgad-checkpoint",
                "checkpoint-0000000005.mstgad-checkpoint",
            }));
            Assert.That(activities.Count(a => a.OperationName == "mstgad.checkpoint"), Is.EqualTo(5));
            Assert.That(activities.Count(a => a.OperationName == "mstgad.score_step"), Is.EqualTo(monitor.Report!.StepsScored));
            Assert.That(activities.Where(a => a.OperationName == "mstgad.score_step").Select(a => a.GetTagItem("mstgad.step.instances")), Is.All.EqualTo(3));
        });
    }

    // ------------------------------------------------------------------ quiet periods, back-pressure, health

    [Test]
    public async Task IdleAdvance_QuietPeriod_ClosesTheOpenSteps()
    {
        var time = new FakeTimeProvider(ClockStart);
        using var host = Build(_model, time, configure: o => o.IdleAdvanceAfter = TimeSpan.FromSeconds(30));
        var monitor = host.Services.GetRequiredService<MstGadMonitor>();
        await host.StartAsync();
        Send(monitor, TinySystem.Records(20));
        await Until(() => monitor.Status.QueuedRecords == 0, "the records are pushed");
        var before = monitor.Status;

        time.Advance(TimeSpan.FromSeconds(20));
        await Task.Delay(50);
        var tooEarly = monitor.Status.StepsClosed;
        time.Advance(TimeSpan.FromSeconds(100));
        await Until(() => monitor.Status.StepsClosed > before.StepsClosed, "steps close without records");
        await host.StopAsync();

        Assert.Multiple(() =>
        {
            Assert.That(tooEarly, Is.EqualTo(before.StepsClosed), "nothing moves before IdleAdvanceAfter");
            Assert.That(monitor.Status.Watermark, Is.EqualTo(before.Watermark!.Value.AddSeconds(120)));
            Assert.That(monitor.Status.StepsClosed, Is.EqualTo(before.StepsClosed + 12), "the 60-s lateness of 2 min of event time: 12 more 10-s steps");
        });
    }

    [Test]
    public async Task Receive_QueueFull_RefusesTheWholeBatchCountsItAndLosesNothingAccepted()
    {
        var records = TinySystem.Records(2);
        using var host = Build(_model, new FakeTimeProvider(ClockStart), configure: o => o.QueueCapacity = 20);
        var monitor = host.Services.GetRequiredService<MstGadMonitor>();
        var meters = host.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        using var rejected = new MetricCollector<long>(meters, MstGadMonitor.TelemetryName, "mstgad.records.rejected");
        using var received = new MetricCollector<long>(meters, MstGadMonitor.TelemetryName, "mstgad.records.received");
        using var used = new MetricCollector<long>(meters, MstGadMonitor.TelemetryName, "mstgad.records.used");
        var batches = Batches(records, 8).ToList();

        // Not started: nothing is scored, so the queue fills.
        var results = batches.Select(monitor.Receive).ToList();
        await host.StartAsync();
        await host.StopAsync();

        Assert.Multiple(() =>
        {
            Assert.That(records, Has.Count.EqualTo(26));
            Assert.That(batches.Select(b => b.Count), Is.EqualTo(new[] { 8, 8, 8, 2 }));
            Assert.That(results, Is.EqualTo(new[] { ReceiveStatus.Accepted, ReceiveStatus.Accepted, ReceiveStatus.QueueFull, ReceiveStatus.Accepted }), "a batch that fits is taken");
            Assert.That(monitor.Status.RecordsRejected, Is.EqualTo(8));
            Assert.That(rejected.GetMeasurementSnapshot().Where(m => Tag(m, "reason") == "queue_full").Sum(m => m.Value), Is.EqualTo(8));
            Assert.That(received.GetMeasurementSnapshot().EvaluateAsCounter(), Is.EqualTo(18));
            Assert.That(used.GetMeasurementSnapshot().EvaluateAsCounter(), Is.EqualTo(18), "every accepted record was pushed");
        });
    }

    [Test]
    public async Task Receive_LateRecords_AreCountedUnderTheirReason()
    {
        var records = TinySystem.Records(20);
        using var host = Build(_model, new FakeTimeProvider(ClockStart));
        var monitor = host.Services.GetRequiredService<MstGadMonitor>();
        using var skipped = new MetricCollector<long>(host.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), MstGadMonitor.TelemetryName, "mstgad.records.skipped");
        await host.StartAsync();

        Send(monitor, records);
        Send(monitor, TinySystem.Records(1));
        await host.StopAsync();

        var late = skipped.GetMeasurementSnapshot().Where(m => Tag(m, "reason") == "late").ToList();
        Assert.Multiple(() =>
        {
            Assert.That(late.Sum(m => m.Value), Is.EqualTo(monitor.Report!.Aggregation.MetricsLate + monitor.Report.Aggregation.LogsLate + monitor.Report.Aggregation.SpansLate));
            Assert.That(late.Where(m => Tag(m, "kind") == "metric").Sum(m => m.Value), Is.EqualTo(6));
            Assert.That(late.Where(m => Tag(m, "kind") == "log").Sum(m => m.Value), Is.EqualTo(3));
        });
    }

    [Test]
    public async Task HealthCheck_FollowsTheStateTheWatermarkAndTheCheckpoints()
    {
        using var checkpoints = new TempDirectory();
        var time = new FakeTimeProvider(ClockStart);
        using var host = Build(_model, time, checkpoints.Path, o =>
        {
            o.CheckpointInterval = TimeSpan.FromDays(1);
            o.HealthCheckpointAge = TimeSpan.FromMinutes(10);
            o.HealthWatermarkStall = TimeSpan.FromMinutes(20);
        }, s => s.AddHealthChecks().AddMstGad());
        var monitor = host.Services.GetRequiredService<MstGadMonitor>();
        var health = host.Services.GetRequiredService<HealthCheckService>();

        var notStarted = await health.CheckHealthAsync();
        await host.StartAsync();
        Send(monitor, TinySystem.Records(20));
        await Until(() => monitor.Status.QueuedRecords == 0, "the records are pushed");
        time.Advance(TimeSpan.FromSeconds(1));
        await Until(() => monitor.Status.LastCheckpointAt is not null, "the first checkpoint is written (at the first tick)");
        var running = await health.CheckHealthAsync();
        time.Advance(TimeSpan.FromMinutes(11));
        var oldCheckpoint = await health.CheckHealthAsync();
        time.Advance(TimeSpan.FromMinutes(10));
        var stalled = await health.CheckHealthAsync();
        await host.StopAsync();
        var stopped = await health.CheckHealthAsync();

        Assert.Multiple(() =>
        {
            Assert.That(notStarted.Status, Is.EqualTo(HealthStatus.Unhealthy));
            Assert.That(notStarted.Entries["mstgad"].Description, Is.EqualTo("MstGad is not running: NotStarted."));
            Assert.That(running.Status, Is.EqualTo(HealthStatus.Healthy), running.Entries["mstgad"].Description);
            Assert.That(running.Entries["mstgad"].Data["records_received"], Is.EqualTo(TinySystem.Records(20).Count));
            Assert.That(oldCheckpoint.Status, Is.EqualTo(HealthStatus.Degraded));
            Assert.That(oldCheckpoint.Entries["mstgad"].Description, Is.EqualTo("MstGad: the newest checkpoint is 660 s old."));
            Assert.That(stalled.Entries["mstgad"].Description, Is.EqualTo("MstGad: the watermark has not moved for 1261 s; the newest checkpoint is 1260 s old."));
            Assert.That(stopped.Status, Is.EqualTo(HealthStatus.Unhealthy));
        });
    }

    // ------------------------------------------------------------------ helpers

    private async Task<HostRun> RunHost(string checkpoints, IEnumerable<object> records, Action<IServiceCollection>? services = null)
    {
        using var host = Build(_model, new FakeTimeProvider(ClockStart), checkpoints, services: services);
        var monitor = host.Services.GetRequiredService<MstGadMonitor>();
        var meters = host.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        using var outcomes = new MetricCollector<long>(meters, MstGadMonitor.TelemetryName, "mstgad.checkpoints");
        await host.StartAsync();
        var verdicts = Collect(monitor.ReadVerdictsAsync());
        Send(monitor, records);
        await host.StopAsync();
        var rows = (await verdicts).SelectMany(s => s.Verdicts).Select(OnlineTesting.Row).ToList();
        var counts = outcomes.GetMeasurementSnapshot().Select(m => ((string)m.Tags["outcome"]!, m.Value)).ToList();
        return new HostRun(rows, monitor.Status, counts);
    }

    private static string? Tag<T>(CollectedMeasurement<T> measurement, string name)
        where T : struct => measurement.Tags.TryGetValue(name, out var value) ? value as string : null;

    private static ActivityListener Listen(List<Activity> activities)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == MstGadMonitor.TelemetryName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                lock (activities)
                {
                    activities.Add(a);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }

    private sealed record HostRun(List<string> Rows, MstGadStatus Status, List<(string Outcome, long Count)> Checkpoints);

    private sealed class RecordingSink : IIncidentSink
    {
        public List<IncidentEvent> Changes { get; } = [];

        public ValueTask OnIncidentAsync(IncidentEvent incident, CancellationToken cancellationToken)
        {
            Changes.Add(incident);
            return ValueTask.CompletedTask;
        }
    }

    private sealed class ThrowingSink : IIncidentSink
    {
        public ValueTask OnIncidentAsync(IncidentEvent incident, CancellationToken cancellationToken) => throw new InvalidOperationException("the pager is down");
    }
}
