using System.Diagnostics;
using MstGad.Orleans;
using Orleans.TestingHost;

namespace MstGad.Benchmarks;

/// <summary>
/// <c>--idle-grains N</c>: what an idle system grain costs. One silo (in this process) activates N system grains
/// sharing one detector, each given one minute of its telemetry (so its aggregator and window hold state) and then
/// left alone; the managed heap after a full collection and the process's resident memory are read before and after.
/// </summary>
internal static class IdleGrains
{
    public static async Task MeasureAsync(int count)
    {
        ClusterModel.Ensure();
        var builder = new TestClusterBuilder(1);
        builder.Options.ConfigureFileLogging = false; // no logs/ folder in the working directory
        builder.AddSiloBuilderConfigurator<ClusterModel.Silo>();
        builder.AddClientBuilderConfigurator<ClusterModel.Client>();
        var cluster = builder.Build();
        await cluster.DeployAsync().ConfigureAwait(false);
        try
        {
            var minute = ClusterModel.Stream(new DateTimeOffset(2024, 1, 1, 2, 0, 0, TimeSpan.Zero), 1, seed: 7);
            var sender = new MstGadClusterSender(cluster.Client, "idle");
            // One grain first: the shared detector, the code and Orleans' own state are paid once, not per grain.
            await SendAsync(sender, "warm", minute).ConfigureAwait(false);
            var (heapEmpty, rssEmpty) = Memory();
            for (var i = 0; i < count; i += 50)
            {
                await Task.WhenAll(Enumerable.Range(i, Math.Min(50, count - i)).Select(n => cluster.Client.GetGrain<IMonitoredSystemGrain>("empty-" + n).GetStatusAsync())).ConfigureAwait(false);
            }

            var (heap0, rss0) = Memory();
            Console.WriteLine($"{count} system grains activated without records: managed heap +{(heap0 - heapEmpty) / 1048576.0:F1} MiB ({(heap0 - heapEmpty) / (double)count / 1024:F1} KiB per grain), " +
                $"resident +{(rss0 - rssEmpty) / 1048576.0:F1} MiB ({(rss0 - rssEmpty) / (double)count / 1024:F1} KiB per grain)");
            var stopwatch = Stopwatch.StartNew();
            for (var i = 0; i < count; i += 50)
            {
                await Task.WhenAll(Enumerable.Range(i, Math.Min(50, count - i)).Select(n => SendAsync(sender, "idle-" + n, minute))).ConfigureAwait(false);
            }

            await sender.FlushAsync().ConfigureAwait(false);
            var elapsed = stopwatch.Elapsed;
            var (heap1, rss1) = Memory();
            Console.WriteLine($"{count} idle system grains (one minute of {minute.Sum(d => d.Count):N0} records each, then idle): " +
                $"managed heap +{(heap1 - heap0) / 1048576.0:F1} MiB ({(heap1 - heap0) / (double)count / 1024:F1} KiB per grain), " +
                $"resident +{(rss1 - rss0) / 1048576.0:F1} MiB ({(rss1 - rss0) / (double)count / 1024:F1} KiB per grain); activated and fed in {elapsed.TotalSeconds:F1} s");
        }
        finally
        {
            await cluster.StopAllSilosAsync().ConfigureAwait(false);
            await cluster.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static async Task SendAsync(MstGadClusterSender sender, string system, List<TelemetryDelivery> deliveries)
    {
        foreach (var d in deliveries)
        {
            await sender.SendAsync(system, d.Metrics, d.Logs, d.Spans).ConfigureAwait(false);
        }
    }

    private static (long Heap, long Resident) Memory()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        return (GC.GetTotalMemory(forceFullCollection: true), process.WorkingSet64);
    }
}
