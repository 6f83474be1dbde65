using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(MstGad.Benchmarks.SharedData).Assembly).Run(args);
