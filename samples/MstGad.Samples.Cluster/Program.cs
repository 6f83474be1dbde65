using MstGad.Samples.Cluster;

// Usage: MstGad.Samples.Cluster [systems] [minutes]
var options = new ClusterSampleOptions();
if (args.Length > 0)
{
    options.Systems = int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture);
}

if (args.Length > 1)
{
    options.Minutes = int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture);
}

var result = await ClusterSample.RunAsync(options, Console.Out).ConfigureAwait(false);
return result.Statuses.All(s => s.StepsScored > 0) ? 0 : 1;
