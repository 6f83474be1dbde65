using MstGad;
using MstGad.Datasets;
using MstGad.Features;
using MstGad.Model;
using MstGad.Samples.Streaming;

// Usage: MstGad.Samples.Streaming <model.mstgad> <telemetry folder> [lateness, e.g. 00:02:00]
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: MstGad.Samples.Streaming <model.mstgad> <telemetry folder> [lateness hh:mm:ss]");
    return 2;
}

TorchNative.EnsureLoadable();
using var detector = Detector.Load(args[0]);
var feed = await TelemetryFeed.FromSourceAsync(TelemetryDirectory.Open(args[1], ReadMode.Lenient)).ConfigureAwait(false);
var options = new StreamingSampleOptions();
if (args.Length > 2)
{
    options.Lateness = TimeSpan.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture);
}

var summary = await StreamingSample.RunAsync(detector, feed, options, Console.Out).ConfigureAwait(false);
return summary.Steps.Count > 0 ? 0 : 1;
