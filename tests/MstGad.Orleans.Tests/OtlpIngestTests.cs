using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MstGad.AspNetCore;
using MstGad.Hosting;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace MstGad.Orleans.Tests;

/// <summary>OTLP into a silo: OpenTelemetry's SDK exports two systems' spans (told apart by service.namespace) to
/// the OTLP endpoints of a host that is also a silo; each system's grain gets its own, renamed to its instances.</summary>
[TestFixture]
[NonParallelizable]
public sealed class OtlpIngestTests
{
    [Test]
    public async Task SpansOfTwoSystems_ReachEachSystemsGrain()
    {
        using var models = new TempDirectory();
        ClusterTesting.StoreModels(models.Path, ["shop", "bank"]);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http1));
        builder.Host.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(siloPort: Ports.Free(), gatewayPort: Ports.Free());
            silo.AddMstGad(o =>
            {
                o.ModelStore = new FolderModelStore(models.Path);
                o.ConfigureOnline = ClusterTesting.Online;
            });
            silo.AddMemoryGrainStorage(MstGadClusterOptions.DefaultStorageName);
        });
        builder.Services.AddMstGadOtlp(o => o.SystemAttribute = "service.namespace");
        await using var app = builder.Build();
        app.MapMstGadOtlp();
        await app.StartAsync();
        var http = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

        var sent = new Dictionary<string, int> { ["shop"] = 0, ["bank"] = 0 };
        foreach (var (system, instances) in new[] { ("shop", new[] { "a", "b" }), ("bank", new[] { "c" }) })
        {
            foreach (var instance in instances)
            {
                using var source = new ActivitySource("test." + system + "." + instance);
                using (var tracer = Sdk.CreateTracerProviderBuilder()
                    .SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService(instance, serviceNamespace: system, autoGenerateServiceInstanceId: false))
                    .AddSource(source.Name)
                    .AddOtlpExporter(o =>
                    {
                        o.Protocol = OtlpExportProtocol.HttpProtobuf;
                        o.Endpoint = new Uri(http, "/v1/traces");
                        o.ExportProcessorType = ExportProcessorType.Simple;
                    })
                    .Build()!)
                {
                    for (var i = 0; i < 5; i++)
                    {
                        using var activity = source.StartActivity("GET /" + instance, ActivityKind.Server);
                        sent[system]++;
                    }
                }
            }
        }

        var receiver = app.Services.GetRequiredService<ClusterTelemetryReceiver>();
        await receiver.FlushAsync();
        var grains = app.Services.GetRequiredService<IGrainFactory>();
        var counts = receiver.GetCounts();
        foreach (var (system, count) in sent)
        {
            var status = await grains.GetGrain<IMonitoredSystemGrain>(system).GetStatusAsync();
            Assert.Multiple(() =>
            {
                Assert.That(status.RecordsPushed, Is.EqualTo(count), system);
                Assert.That(counts[system], Is.EqualTo(new ClusterReceiverCounts(count, 0, count, 0, 0)), system);
            });
        }

        Assert.That(counts.Keys, Is.EquivalentTo(new[] { "shop", "bank" }), "no record without a system");
        await app.StopAsync();
    }

    [Test]
    public async Task AGrainThatFallsBehind_GetsItsBatchesRefusedWhole_UntilItCatchesUp()
    {
        using var models = new TempDirectory();
        ClusterTesting.StoreModels(models.Path, ["shop"]);
        var store = new GatedModelStore(new FolderModelStore(models.Path));
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(siloPort: Ports.Free(), gatewayPort: Ports.Free());
            silo.AddMstGad(o =>
            {
                o.ModelStore = store;
                o.MaxQueuedRecords = 20;
                o.ConfigureOnline = ClusterTesting.Online;
            });
            silo.AddMemoryGrainStorage(MstGadClusterOptions.DefaultStorageName);
        });
        using var host = builder.Build();
        await host.StartAsync();
        var receiver = host.Services.GetRequiredService<ClusterTelemetryReceiver>();
        var records = ClusterTesting.Deliveries(3, steps: 8).SelectMany(d => d.Metrics).ToList();

        // The grain's activation waits for its model: the first batch goes to the grain and waits with it, the
        // next ones wait on this silo until 20 records are waiting, then whole batches are refused.
        var statuses = new List<ReceiveStatus>();
        for (var i = 0; i < 6; i++)
        {
            var batch = new TelemetryBatch();
            foreach (var sample in records.Skip(i * 6).Take(6))
            {
                batch.Metrics.Add(sample with { Instance = "shop/" + sample.Instance });
            }

            statuses.Add(receiver.Receive(batch));
            if (i == 0)
            {
                await Until(() => receiver.GetCounts()["shop"].Queued == 0, "the first batch left the queue for the grain");
            }
        }

        Assert.That(statuses, Is.EqualTo(new[] { ReceiveStatus.Accepted, ReceiveStatus.Accepted, ReceiveStatus.Accepted, ReceiveStatus.Accepted, ReceiveStatus.QueueFull, ReceiveStatus.QueueFull }));
        store.Open();
        await receiver.FlushAsync();
        var counts = receiver.GetCounts()["shop"];
        var status = await host.Services.GetRequiredService<IGrainFactory>().GetGrain<IMonitoredSystemGrain>("shop").GetStatusAsync();
        Assert.Multiple(() =>
        {
            Assert.That(counts, Is.EqualTo(new ClusterReceiverCounts(24, 0, 24, 12, 0)), "4 batches taken, 2 refused whole");
            Assert.That(status.RecordsPushed, Is.EqualTo(24));
        });
        await host.StopAsync();
    }

    /// <summary>A model store whose lookups wait until it is opened (a grain slow to come up).</summary>
    private sealed class GatedModelStore(IMstGadModelStore inner) : IMstGadModelStore
    {
        private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Open() => _open.TrySetResult();

        public async ValueTask<ModelVersion?> GetNewestAsync(string system, CancellationToken cancellationToken = default)
        {
            await _open.Task.WaitAsync(cancellationToken);
            return await inner.GetNewestAsync(system, cancellationToken);
        }

        public async ValueTask<ModelVersion?> GetAsync(string system, string version, CancellationToken cancellationToken = default)
        {
            await _open.Task.WaitAsync(cancellationToken);
            return await inner.GetAsync(system, version, cancellationToken);
        }
    }
}
