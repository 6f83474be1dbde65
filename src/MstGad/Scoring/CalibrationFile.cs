using System.Globalization;
using System.Text;

namespace MstGad.Scoring;

/// <summary>The binary layout of the artifact's <c>calibration</c> section (versioned).</summary>
internal static class CalibrationFile
{
    private const int Version = 1;

    public static void Write(Stream stream, Calibration calibration)
    {
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        var profile = calibration.Profile;
        writer.Write(Version);
        writer.Write(profile.Instances);
        writer.Write(profile.MetricWidth);
        writer.Write(profile.LogWidth);
        writer.Write(profile.TraceWidth);
        writer.Write(profile.TopFeatures);
        writer.Write(profile.RelativeToStep);
        WriteFloats(writer, profile.Fitted);
        WriteFloats(writer, profile.Pooled);
        writer.Write(calibration.Threshold);
        writer.Write(calibration.ClassWeight);
        writer.Write(calibration.ClassifierTrained);
        writer.Write(calibration.AlarmBudgetPerHour);
        writer.Write(calibration.Risk);
        writer.Write(calibration.CalibrationPoints);
        writer.Write(calibration.ExtremeValue);
        writer.Write(calibration.ClassifierThreshold);
        writer.Write(calibration.Persistence);
        writer.Write(profile.ExcludedFeatures.Count);
        foreach (var f in profile.ExcludedFeatures)
        {
            writer.Write(f);
        }

        writer.Write(profile.RecentChange);
        writer.Write(calibration.EventPersistence);
        foreach (var t in calibration.ModalityThresholds)
        {
            writer.Write(t);
        }

        writer.Write(profile.EdgeTraceResiduals);
    }

    /// <exception cref="InvalidDataException">Another version, or widths that do not match the model's.</exception>
    public static Calibration Read(Stream stream, (int Metrics, int Logs, int Traces) layout)
    {
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        try
        {
            var version = reader.ReadInt32();
            if (version != Version)
            {
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"MstGad artifact: calibration version {version} is not supported; this build reads version {Version}."));
            }

            var instances = reader.ReadInt32();
            var metrics = reader.ReadInt32();
            var logs = reader.ReadInt32();
            var traces = reader.ReadInt32();
            if ((metrics, logs, traces) != layout || instances is < 0 or > 10_000_000)
            {
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                    $"MstGad artifact is corrupt: the calibration has error widths {metrics}/{logs}/{traces} for {instances} instances; the model has {layout.Metrics}/{layout.Logs}/{layout.Traces}."));
            }

            var top = reader.ReadInt32();
            var relative = reader.ReadBoolean();
            var width = metrics + logs + traces;
            var fitted = ReadFloats(reader, instances * width * ErrorProfile.Parameters);
            var pooled = ReadFloats(reader, width * ErrorProfile.Parameters);
            var (threshold, classWeight, classifierTrained) = (reader.ReadDouble(), reader.ReadDouble(), reader.ReadBoolean());
            var (budget, risk, points, extremeValue) = (reader.ReadDouble(), reader.ReadDouble(), reader.ReadInt32(), reader.ReadBoolean());

            // Fields added later in version 1, in this order; an artifact ends where its build stopped writing. Absent, they
            // keep the defaults of Calibration and ErrorProfile: no persistence, no excluded feature, no recent-change cap,
            // thresholds of 1 and the network's node-level trace errors.
            bool More() => stream.Position < stream.Length;
            var classifierThreshold = More() ? reader.ReadDouble() : 1;
            var persistence = More() ? reader.ReadInt32() : 1;
            var excluded = Array.Empty<int>();
            var recentChange = false;
            if (More())
            {
                excluded = new int[reader.ReadInt32()];
                for (var i = 0; i < excluded.Length; i++)
                {
                    excluded[i] = reader.ReadInt32();
                }

                recentChange = More() && reader.ReadBoolean();
            }

            var eventPersistence = More() ? reader.ReadInt32() : 1;
            double[] modalityThresholds = More() ? [reader.ReadDouble(), reader.ReadDouble(), reader.ReadDouble()] : [1, 1, 1];
            var edgeTraceResiduals = More() && reader.ReadBoolean();
            var profile = new ErrorProfile(instances, metrics, logs, traces, fitted, pooled, top, relative)
            {
                ExcludedFeatures = excluded,
                RecentChange = recentChange,
                EdgeTraceResiduals = edgeTraceResiduals,
            };
            return new Calibration(profile, threshold, classWeight, classifierTrained, budget, risk, points, extremeValue)
            {
                ClassifierThreshold = classifierThreshold,
                Persistence = persistence,
                EventPersistence = eventPersistence,
                ModalityThresholds = modalityThresholds,
            };
        }
        catch (EndOfStreamException ex)
        {
            throw new InvalidDataException("MstGad artifact is corrupt: the calibration section is truncated.", ex);
        }
    }

    private static void WriteFloats(BinaryWriter writer, ReadOnlySpan<float> values)
    {
        writer.Write(values.Length);
        foreach (var v in values)
        {
            writer.Write(v);
        }
    }

    private static float[] ReadFloats(BinaryReader reader, int expected)
    {
        var count = reader.ReadInt32();
        if (count != expected)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"MstGad artifact is corrupt: the calibration holds {count} values where {expected} are expected."));
        }

        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = reader.ReadSingle();
        }

        return values;
    }
}
