using MstGad.Model;

namespace MstGad.Samples.Tests;

/// <summary>Makes TorchSharp's native library loadable before any sample trains a detector.</summary>
[SetUpFixture]
public sealed class TorchSetUp
{
    [OneTimeSetUp]
    public void LoadNative()
    {
        TorchNative.EnsureLoadable();
        TorchSharp.torch.set_num_threads(1);
    }
}
