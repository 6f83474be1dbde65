using MstGad.Model;
using TorchSharp;

/// <summary>
/// Makes the native TorchSharp library loadable (Debian 12 needs the GLIBCXX patch) before any torch
/// call, and pins one intra-op thread so that results are bit-reproducible.
/// </summary>
[SetUpFixture]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1050:Declare types in namespaces", Justification = "An assembly-wide NUnit set-up fixture lives in the global namespace.")]
public sealed class TorchSetUp
{
    /// <summary>What <see cref="TorchNative.EnsureLoadable"/> reported.</summary>
    public static string LoadReport { get; private set; } = "";

    [OneTimeSetUp]
    public void LoadTorch()
    {
        LoadReport = TorchNative.EnsureLoadable();
        torch.set_num_threads(1);
    }
}
