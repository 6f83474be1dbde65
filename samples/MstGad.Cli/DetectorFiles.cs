namespace MstGad.Cli;

/// <summary>Loading saved detectors for the commands that use one.</summary>
internal static class DetectorFiles
{
    /// <summary>Loads a detector, or prints why it cannot be loaded and returns <see langword="null"/>.</summary>
    public static Detector? Load(FileInfo file)
    {
        MstGad.Model.TorchNative.EnsureLoadable();
        try
        {
            return Detector.Load(file.FullName);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException)
        {
            Console.Error.WriteLine("error: " + ex.Message);
            return null;
        }
    }
}
