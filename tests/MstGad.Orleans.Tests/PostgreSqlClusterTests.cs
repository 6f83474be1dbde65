using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace MstGad.Orleans.Tests;

/// <summary>A cluster as deployed: two silo hosts and a client host that find each other in PostgreSQL (Orleans' ADO.NET
/// clustering with MstGad's schema), checkpoints and models in the same database.</summary>
[TestFixture]
[NonParallelizable]
public sealed class PostgreSqlClusterTests
{
    [Test]
    public async Task TwoSilosAndAClient_MeetInPostgreSql_AndGiveTheVerdictsOfOneProcess()
    {
        await using var server = await PostgresServer.StartAsync();
        await MstGadPostgreSql.CreateSchemaAsync(server.ConnectionString);
        string[] systems = ["alpha", "beta", "gamma", "delta"];
        var models = new PostgreSqlModelStore(server.ConnectionString);
        using (var detector = Detector.Load(new MemoryStream(ClusterTesting.ModelBytes, writable: false)))
        {
            foreach (var system in systems)
            {
                await models.PutAsync(system, "v0", detector);
                await models.PutAsync(system, "v1", detector);
            }
        }

        Assert.That((await models.GetNewestAsync("alpha"))?.Version, Is.EqualTo("v1"));
        Assert.That(await models.GetNewestAsync("omega"), Is.Null);

        var silos = new List<IHost>();
        for (var i = 0; i < 2; i++)
        {
            var silo = new HostBuilder()
                .ConfigureLogging(l => l.ClearProviders())
                .UseOrleans(s =>
                {
                    s.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = ("test", "mstgad"));
                    s.ConfigureEndpoints(IPAddress.Loopback, Ports.Free(), Ports.Free());
                    s.UseMstGadPostgreSqlClustering(server.ConnectionString);
                    s.AddMstGadPostgreSqlStorage(server.ConnectionString);
                    s.AddMstGad(o =>
                    {
                        o.ModelStore = models;
                        o.CheckpointEveryDeliveries = 4;
                        o.ConfigureOnline = ClusterTesting.Online;
                    });
                })
                .Build();
            await silo.StartAsync();
            silos.Add(silo);
        }

        using var client = new HostBuilder()
            .ConfigureLogging(l => l.ClearProviders())
            .UseOrleansClient(c =>
            {
                c.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = ("test", "mstgad"));
                c.UseMstGadPostgreSqlClustering(server.ConnectionString);
                c.AddMstGadClient();
            })
            .Build();
        await client.StartAsync();
        try
        {
            var grains = client.Services.GetRequiredService<IClusterClient>();
            var collector = new StepCollector();
            var observer = grains.CreateObjectReference<ISystemVerdictObserver>(collector);
            var sender = new MstGadClusterSender(grains, "pg-test");
            var deliveries = systems.Select((_, i) => ClusterTesting.Deliveries(30 + i, steps: 40)).ToList();
            for (var i = 0; i < systems.Length; i++)
            {
                await grains.GetGrain<IMonitoredSystemGrain>(systems[i]).SubscribeAsync(observer);
            }

            await Task.WhenAll(systems.Select(async (system, i) =>
            {
                foreach (var d in deliveries[i])
                {
                    await sender.SendAsync(system, d.Metrics, d.Logs, d.Spans);
                }
            }));
            await sender.FlushAsync();

            var expected = deliveries.Select(ClusterTesting.SingleProcess).ToList();
            await Until(() => collector.Count >= expected.Sum(e => e.Count), "the observer has every closed step", 60);

            for (var i = 0; i < systems.Length; i++)
            {
                Assert.That(collector.Of(systems[i]), Is.EqualTo(expected[i]), systems[i]);
            }

            Assert.That(await server.CountRowsAsync("mstgad_membership WHERE status = 3"), Is.EqualTo(2), "two active silos in the membership table");
            Assert.That(await server.CountRowsAsync("mstgad_grain_state"), Is.EqualTo(systems.Length));
        }
        finally
        {
            await client.StopAsync();
            foreach (var silo in silos)
            {
                await silo.StopAsync();
                silo.Dispose();
            }
        }
    }
}
