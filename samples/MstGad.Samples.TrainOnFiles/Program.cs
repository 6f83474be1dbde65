using MstGad.Samples.TrainOnFiles;
using MstGad.Simulation;

// Usage:
//   TrainOnFiles <telemetry folder> [<model file>]   train on the folder and save the detector (default: detector.mstgad)
//   TrainOnFiles --write-example <folder>           write six simulated hours in the generic file layout to try it on
if (args.Length == 2 && args[0] == "--write-example")
{
    var simulator = new TelemetrySimulator(ExampleFiles.Options());
    await ExampleFiles.WriteAsync(simulator, args[1]).ConfigureAwait(false);
    Console.WriteLine($"Wrote {simulator.Instances.Count} instances, {simulator.End - simulator.Start} of telemetry and {simulator.Faults.Count} labelled faults to {args[1]}.");
    return 0;
}

if (args.Length is < 1 or > 2 || args[0].StartsWith("--", StringComparison.Ordinal))
{
    await Console.Error.WriteLineAsync("usage: TrainOnFiles <telemetry folder> [<model file>] | TrainOnFiles --write-example <folder>").ConfigureAwait(false);
    return 2;
}

// Makes TorchSharp's native library loadable on systems with an older libstdc++ (see the README).
MstGad.Model.TorchNative.EnsureLoadable();
await TrainOnFiles.RunAsync(args[0], args.Length > 1 ? args[1] : "detector.mstgad", Console.Out).ConfigureAwait(false);
return 0;
