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
            silo.UseLocalhostClustering(siloPort: FreePort(), gatewayPort: FreePort());
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

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
