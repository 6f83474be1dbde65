using System.Globalization;
using BenchmarkDotNet.Running;

// --idle-grains N measures what an idle system grain of MstGad.Orleans costs (not a BenchmarkDotNet benchmark:
// retained memory, not time); everything else goes to BenchmarkDotNet.
if (args is ["--idle-grains", var count])
{
    await MstGad.Benchmarks.IdleGrains.MeasureAsync(int.Parse(count, CultureInfo.InvariantCulture)).ConfigureAwait(false);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(MstGad.Benchmarks.SharedData).Assembly).Run(args);
