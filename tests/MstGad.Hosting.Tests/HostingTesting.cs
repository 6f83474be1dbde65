using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using MstGad.Features;
using MstGad.Tests.Online;

namespace MstGad.Hosting.Tests;

/// <summary>A host with the hosted detector on a fake clock, and helpers to feed it and read what it says.</summary>
internal static class HostingTesting
{
    /// <summary>The fake clock's start (after the tiny system's data, which is replayed: no clock-skew check).</summary>
    public static readonly DateTimeOffset ClockStart = new(2025, 6, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>A host (not started) with the detector in <paramref name="model"/>.</summary>
    public static IHost Build(string model, FakeTimeProvider time, string? checkpoints = null, Action<MstGadHostOptions>? configure = null, Action<IServiceCollection>? services = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddMstGad(o =>
        {
            o.ModelPath = model;
            o.CheckpointDirectory = checkpoints;
            o.Lateness = TimeSpan.FromSeconds(60);
            o.MaxClockSkew = null;
            o.IdleAdvanceAfter = TimeSpan.Zero;
            configure?.Invoke(o);
        });
        services?.Invoke(builder.Services);
        return builder.Build();
    }

    /// <summary>The online detector's options that match <see cref="Build"/>'s.</summary>
    public static OnlineDetectorOptions OnlineOptions() => OnlineTesting.Options(latenessSeconds: 60);

    /// <summary>Records in batches of <paramref name="size"/>.</summary>
    public static IEnumerable<TelemetryBatch> Batches(IEnumerable<object> records, int size)
    {
        foreach (var chunk in records.Chunk(size))
        {
            var batch = new TelemetryBatch();
            foreach (var record in chunk)
            {
                switch (record)
                {
                    case MetricSample sample:
                        batch.Metrics.Add(sample);
                        break;
                    case LogRecord log:
                        batch.Logs.Add(log);
                        break;
                    case Span span:
                        batch.Spans.Add(span);
                        break;
                    default:
                        throw new ArgumentException($"Not a record: {record}", nameof(records));
                }
            }

            yield return batch;
        }
    }

    /// <summary>Sends every batch and asserts that each was accepted.</summary>
    public static void Send(MstGadMonitor monitor, IEnumerable<object> records, int size = 25)
    {
        foreach (var batch in Batches(records, size))
        {
            Assert.That(monitor.Receive(batch), Is.EqualTo(ReceiveStatus.Accepted));
        }
    }

    /// <summary>Collects a stream until it ends (in the background).</summary>
    public static Task<List<T>> Collect<T>(IAsyncEnumerable<T> stream) => Task.Run(async () =>
    {
        var items = new List<T>();
        await foreach (var item in stream)
        {
            items.Add(item);
        }

        return items;
    });

    /// <summary>The verdict rows and incident changes of records pushed into one online detector, without completing it.</summary>
    public static (List<string> Rows, List<IncidentEvent> Incidents) Reference(Detector detector, IEnumerable<object> records, IncidentOptions? incidents = null)
    {
        using var online = new OnlineDetector(detector, OnlineOptions());
        var tracker = new IncidentTracker(incidents);
        var rows = new List<string>();
        var changes = new List<IncidentEvent>();
        online.StepClosed += (_, e) =>
        {
            rows.AddRange(e.Verdicts.Verdicts.Select(OnlineTesting.Row));
            changes.AddRange(tracker.Observe(e.Verdicts));
        };
        foreach (var record in records)
        {
            OnlineTesting.Push(online, record);
        }

        return (rows, changes);
    }
}
