using MstGad.Samples.QuickStart;

// Makes TorchSharp's native library loadable on systems with an older libstdc++ (see the README).
MstGad.Model.TorchNative.EnsureLoadable();
await QuickStart.RunAsync(Console.Out).ConfigureAwait(false);
