using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MstGad.AspNetCore;
using MstGad.Datasets;
using MstGad.Features;
using MstGad.Hosting;
using MstGad.Tests.Detection;
using MstGad.Tests.Online;

namespace MstGad.Cli.Tests;

/// <summary>
/// <c>mstgad replay-otlp --resume</c> against a real service that dies mid-stream: the client notices, waits until the
/// service is back, asks which deliveries its restored checkpoint holds, and re-sends exactly the requests accepted
/// after that checkpoint (and those in flight), so that the verdicts equal those of an uninterrupted run.
/// </summary>
[NonParallelizable]
public sealed class ReplayOtlpResumeTests
{
    private const string Sender = "replay-test";
    private const int Batch = 20;
    private TempDirectory _folder = null!;
    private string _model = null!;
    private RecordedTelemetry _records = null!;

    [OneTimeSetUp]
    public void Train()
    {
        _folder = new TempDirectory();
        using var detector = OnlineTesting.TrainTiny();
        _model = _folder.File("tiny.mstgad");
        detector.Save(_model);
        var records = TinySystem.Records(60);
        _records = new RecordedTelemetry([.. records.OfType<MetricSample>()], [.. records.OfType<LogRecord>()], [.. records.OfType<Span>()], []);
    }

    [OneTimeTearDown]
    public void CleanUp() => _folder.Dispose();

    [Test]
    public async Task Resume_ServiceKilledAfterACheckpoint_ResendsOnlyWhatItLacksAndGivesTheVerdictsOfAnUninterruptedRun()
    {
        const int checkpointed = 20, crashed = 30;

        // The reference: the same replay into a service that stays up.
        List<string> expected;
        await using (var service = await Service.StartAsync(_model, port: 0, checkpoints: null, gate: null))
        {
            var report = await ReplayOtlpCommand.SendAsync(_records, Settings(service.Address, sender: null), CancellationToken.None);
            Assert.That(report.Failed, Is.Zero);
            Assert.That(report.Requests, Is.GreaterThan(crashed + 10), "enough requests to stop in the middle");
            expected = await service.StopAsync();
        }

        using var first = new TempDirectory();
        using var second = new TempDirectory();
        var gate = new Gate(checkpointed);
        await using var before = await Service.StartAsync(_model, port: 0, first.Path, gate);
        var replay = Task.Run(() => ReplayOtlpCommand.SendAsync(_records, Settings(before.Address, Sender), CancellationToken.None));

        // The first requests are taken and checkpointed; the checkpoint is what the crash will leave behind.
        await gate.Reached(checkpointed);
        await Until(() => before.Monitor.GetDeliveries(Sender).Checkpointed.Below == checkpointed, "the first requests are checkpointed");
        var checkpoint = before.Monitor.Status.LastCheckpoint!;
        File.Copy(checkpoint, Path.Combine(second.Path, Path.GetFileName(checkpoint)));

        // More requests are accepted after that checkpoint; then the service dies with requests in flight.
        gate.Open(crashed);
        await gate.Reached(crashed);
        await Until(() => before.Monitor.Status.QueuedRecords == 0, "the accepted requests are taken");
        gate.Kill();
        var beforeRows = await before.StopAsync();

        // The service comes back on the same address from the checkpoint the crash left.
        await using var after = await Service.StartAsync(_model, before.Address.Port, second.Path, gate: null);
        var result = await replay.WaitAsync(TimeSpan.FromMinutes(2));
        var afterRows = await after.StopAsync();

        var firstAfter = afterRows[0].Split(',')[0];
        var kept = beforeRows.Where(r => string.CompareOrdinal(r.Split(',')[0], firstAfter) < 0).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(result.Restarts, Is.EqualTo(1));
            Assert.That(result.ResentRequests, Is.EqualTo(crashed - checkpointed), "re-sent: the requests accepted after the checkpoint, no more");
            Assert.That(result.InFlightResent, Is.GreaterThan(0), "the requests held when the service died were sent again");
            Assert.That(result.Failed, Is.Zero);
            Assert.That(result.CheckpointedAfter, Is.Not.Null, "every delivery reached the new service's checkpoint");
            Assert.That(after.Monitor.Status.DuplicateDeliveries, Is.Zero, "nothing the restored state held was sent again");
            Assert.That(kept.Count, Is.LessThan(beforeRows.Count), "steps closed between the checkpoint and the crash were made again");
            Assert.That(kept.Concat(afterRows), Is.EqualTo(expected), "nothing lost, nothing counted twice");
        });
    }

    private static ReplaySettings Settings(Uri to, string? sender) =>
        new(to, Grpc: false, Senders: 2, Batch, Window: TimeSpan.FromSeconds(10), Token: null, From: null, Until: null, sender, ResumeTimeout: TimeSpan.FromMinutes(1));

    /// <summary>
    /// Lets through the numbered export requests below a number and holds the others; after <see cref="Kill"/> the
    /// service is gone: every request, held or new, is dropped without an answer.
    /// </summary>
    private sealed class Gate(long open)
    {
        private readonly object _lock = new();
        private readonly HashSet<long> _answered = [];
        private long _open = open;
        private bool _killed;
        private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task InvokeAsync(HttpContext context, RequestDelegate next)
        {
            var number = DeliveryTag.TryParse(context.Request.Headers[DeliveryTag.HttpHeader].ToString(), out var tag) ? tag!.Sequence : -1;
            while (true)
            {
                Task changed;
                lock (_lock)
                {
                    if (_killed)
                    {
                        context.Abort();
                        return;
                    }

                    if (number < _open)
                    {
                        break;
                    }

                    changed = _changed.Task;
                }

                await changed.WaitAsync(context.RequestAborted);
            }

            await next(context);
            lock (_lock)
            {
                _answered.Add(number);
            }

            Changed();
        }

        public void Open(long below)
        {
            lock (_lock)
            {
                _open = below;
            }

            Changed();
        }

        public void Kill()
        {
            lock (_lock)
            {
                _killed = true;
            }

            Changed();
        }

        /// <summary>Waits until the requests numbered below <paramref name="below"/> were answered.</summary>
        public async Task Reached(long below)
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (true)
            {
                Task changed;
                lock (_lock)
                {
                    if (Enumerable.Range(0, (int)below).All(n => _answered.Contains(n)))
                    {
                        return;
                    }

                    changed = _changed.Task;
                }

                Assert.That(DateTime.UtcNow, Is.LessThan(deadline), $"timed out waiting for the requests below {below}");
                await Task.WhenAny(changed, Task.Delay(100));
            }
        }

        private void Changed()
        {
            TaskCompletionSource old;
            lock (_lock)
            {
                old = _changed;
                _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            old.TrySetResult();
        }
    }

    /// <summary><c>mstgad serve</c>'s pieces on a real Kestrel port: the hosted detector and the OTLP endpoints.</summary>
    private sealed class Service : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly Task<List<string>> _rows;

        private Service(WebApplication app)
        {
            _app = app;
            Monitor = app.Services.GetRequiredService<MstGadMonitor>();
            Address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");
            _rows = Task.Run(async () =>
            {
                var rows = new List<string>();
                await foreach (var step in Monitor.ReadVerdictsAsync())
                {
                    rows.AddRange(step.Verdicts.Select(OnlineTesting.Row));
                }

                return rows;
            });
        }

        public MstGadMonitor Monitor { get; }

        public Uri Address { get; }

        public static async Task<Service> StartAsync(string model, int port, string? checkpoints, Gate? gate)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, l => l.Protocols = HttpProtocols.Http1));
            builder.Services.AddMstGad(o =>
            {
                o.ModelPath = model;
                o.CheckpointDirectory = checkpoints;
                o.CheckpointInterval = TimeSpan.FromSeconds(1);
                o.Lateness = TimeSpan.FromSeconds(60);
                o.MaxClockSkew = null;
                o.IdleAdvanceAfter = TimeSpan.Zero;
            });
            builder.Services.AddMstGadOtlp();
            var app = builder.Build();
            if (gate is not null)
            {
                app.Use(gate.InvokeAsync);
            }

            app.MapMstGadOtlp();
            await app.StartAsync();
            return new Service(app);
        }

        /// <summary>Stops the service and returns the verdict rows it gave.</summary>
        public async Task<List<string>> StopAsync()
        {
            await _app.StopAsync();
            return await _rows;
        }

        public ValueTask DisposeAsync() => _app.DisposeAsync();
    }
}
