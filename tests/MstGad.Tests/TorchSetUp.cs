using MstGad.Model;

namespace MstGad.Tests;

/// <summary>Makes TorchSharp's native library loadable before any test uses the network.</summary>
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
