namespace MstGad.Cli;

/// <summary>Loading saved detectors for the commands that use one, and describing what they learnt.</summary>
internal static class DetectorFiles
{
    /// <summary>"anomaly thresholds M (metrics), L (logs), T (traces) for an alarm budget of B per hour", as train and calibrate print it.</summary>
    public static string AnomalyThresholds(IReadOnlyList<double> thresholds, double budgetPerHour) => string.Create(
        System.Globalization.CultureInfo.InvariantCulture,
        $"anomaly thresholds {thresholds[0]:G4} (metrics), {thresholds[1]:G4} (logs), {thresholds[2]:G4} (traces) for an alarm budget of {budgetPerHour:G4} per hour");

    /// <summary>", classifier P ≥ X under the same budget" when a classifier was trained on abnormal labels, else empty.</summary>
    public static string ClassifierThreshold(Detector detector) => detector.ClassifierAlarmThreshold is { } p
        ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $", classifier P ≥ {p:G4} under the same budget")
        : string.Empty;

    /// <summary>Loads a detector.</summary>
    /// <exception cref="CliException">The file does not exist, cannot be read, or is not a detector this build can load.</exception>
    public static Detector Load(FileInfo file)
    {
        var path = file.FullName;
        if (!file.Exists)
        {
            throw Directory.Exists(path)
                ? new CliException($"the --model path is a folder, not a model file: {path}", "pass the file that mstgad train wrote (--out)")
                : new CliException($"the model file does not exist: {path}", "check --model, or train one with mstgad train --out");
        }

        MstGad.Model.TorchNative.EnsureLoadable();
        try
        {
            return Detector.Load(path);
        }
        catch (InvalidDataException ex)
        {
            // The message names the file: '/m.mstgad: Not a MstGad artifact: …'.
            throw new CliException("cannot load the model " + ex.Message, "pass a model written by mstgad train (--out) with this version", CliErrors.Failed, ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot read the model {path}: {ex.Message}", "check the file and its permissions", CliErrors.Failed, ex);
        }
    }
}
