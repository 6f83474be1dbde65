using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MstGad.Features;
using MstGad.Methods;
using MstGad.Model;
using MstGad.Parsing;
using MstGad.Scoring;

namespace MstGad;

public sealed partial class Detector
{
    /// <summary>The artifact format version written by <see cref="Save(Stream)"/>.</summary>
    public const int ArtifactVersion = 1;

    private static ReadOnlySpan<byte> Magic => "MSTGAD-DETECTOR1"u8;

    private static readonly string[] RequiredSections = ["settings", "drain", "features", "instances", "state", "model"];

    /// <summary>Saves everything learnt and every setting as one artifact (versioned, each section checksummed).</summary>
    /// <param name="stream">A writable stream; not closed.</param>
    /// <exception cref="InvalidOperationException">Not trained.</exception>
    public void Save(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var trained = Require();
        var sections = new List<(string Name, byte[] Data)>
        {
            ("settings", JsonSerializer.SerializeToUtf8Bytes(SavedSettings.From(_settings), ArtifactJson.Default.SavedSettings)),
            ("drain", Bytes(trained.Parser.Save)),
            ("features", Bytes(trained.Space.Save)),
            ("instances", JsonSerializer.SerializeToUtf8Bytes([.. trained.Instances], ArtifactJson.Default.StringArray)),
            ("state", JsonSerializer.SerializeToUtf8Bytes(new SavedState(trained.Threshold, trained.TrainedUntil, [.. trained.Examples.Select(p => new SavedExample(p.Key, p.Value))]), ArtifactJson.Default.SavedState)),
            ("method", JsonSerializer.SerializeToUtf8Bytes(new SavedMethod(_settings.Method.Name, _settings.Method.FormatVersion), ArtifactJson.Default.SavedMethod)),
            ("model", Bytes(trained.Model.Save)),
        };
        if (trained.Calibration is { } calibration)
        {
            sections.Add(("calibration", Bytes(stream => CalibrationFile.Write(stream, calibration))));
        }

        SectionFile.Write(stream, Magic, ArtifactVersion, sections);
    }

    /// <summary>Saves the artifact to a file (written to a temporary file first, then moved into place).</summary>
    /// <param name="path">The file path.</param>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        SectionFile.WriteFile(path, Save);
    }

    /// <summary>Loads an artifact written by <see cref="Save(Stream)"/>. Either everything loads or nothing does.</summary>
    /// <param name="stream">A readable stream; not closed.</param>
    /// <param name="loggerFactory">Logging for the loaded detector.</param>
    /// <param name="customInstanceKey">The instance key, when the artifact was trained with a custom mapping.</param>
    /// <param name="device">Overrides the saved TorchSharp device (for example to load a GPU-trained artifact on a CPU).</param>
    /// <returns>The trained detector.</returns>
    /// <exception cref="InvalidDataException">Not an artifact, an unsupported version, truncated or corrupt.</exception>
    public static Detector Load(Stream stream, ILoggerFactory? loggerFactory = null, InstanceKey? customInstanceKey = null, string? device = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var sections = SectionFile.Read(stream, Magic, ArtifactVersion, "detector artifact", "MstGad artifact", RequiredSections);
        ITrainedMethod? model = null;
        try
        {
            var settings = JsonSerializer.Deserialize(sections["settings"], ArtifactJson.Default.SavedSettings)
                ?? throw new InvalidDataException("MstGad artifact: the settings section is empty.");
            var parser = DrainParser.Load(new MemoryStream(sections["drain"], writable: false));
            var space = FeatureSpace.Load(new MemoryStream(sections["features"], writable: false), parser.Options, customInstanceKey);
            var instances = JsonSerializer.Deserialize(sections["instances"], ArtifactJson.Default.StringArray)
                ?? throw new InvalidDataException("MstGad artifact: the instances section is empty.");
            var state = JsonSerializer.Deserialize(sections["state"], ArtifactJson.Default.SavedState)
                ?? throw new InvalidDataException("MstGad artifact: the state section is empty.");
            var modelStream = new MemoryStream(sections["model"], writable: false);
            var saved = sections.TryGetValue("method", out var methodBytes)
                ? JsonSerializer.Deserialize(methodBytes, ArtifactJson.Default.SavedMethod) ?? throw new InvalidDataException("MstGad artifact: the method section is empty.")
                : new SavedMethod(settings.Method == 1 ? StatisticalMethod.MethodName : MstgadMethod.MethodName, 1); // saved before methods had names
            var method = DetectionMethods.Find(saved.Name)
                ?? throw new InvalidDataException($"MstGad artifact was made by the detection method '{saved.Name}' (format {saved.FormatVersion}), which this program does not have. {DetectionMethods.NotFound(saved.Name)}");
            if (saved.FormatVersion > method.FormatVersion || saved.FormatVersion < 1)
            {
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                    $"MstGad artifact was made by the detection method '{saved.Name}' in its format {saved.FormatVersion}; this build of it reads formats 1 to {method.FormatVersion}: use the version of MstGad that made it, or train again."));
            }

            var threads = settings.Threads;
            model = method.Load(modelStream, saved.FormatVersion, new MethodRunContext { Device = device ?? settings.Device, Threads = threads });
            var calibration = sections.TryGetValue("calibration", out var calibrationBytes)
                ? CalibrationFile.Read(new MemoryStream(calibrationBytes, writable: false), model.ErrorLayout)
                : null;
            if (calibration is null && settings.Decision is DecisionRule.Unsupervised or DecisionRule.Combined)
            {
                throw new InvalidDataException($"MstGad artifact is incomplete: decision rule {settings.Decision} needs the calibration section.");
            }

            var features = space.Options;
            var modelOptions = model is TrainedMstgad network ? network.Model.Options : new ModelOptions();
            IDetectionMethod configured = model switch
            {
                TrainedMstgad => new MstgadMethod(modelOptions, settings.Training),
                StatisticalModel statistical => new StatisticalMethod(statistical.Recent),
                _ => method,
            };
            var detectorSettings = new DetectorSettings(features, modelOptions, settings.Training, settings.Split, settings.Window, settings.Decision, settings.ExtremeValueRisk, device ?? settings.Device, settings.Threads, settings.Unsupervised ?? new UnsupervisedOptions(), configured);
            var detector = new Detector(detectorSettings, loggerFactory ?? NullLoggerFactory.Instance, TimeProvider.System)
            {
                _trained = new Trained(parser, space, instances, model, state.Threshold, state.TrainedUntil, state.Examples.ToDictionary(e => e.TemplateId, e => e.Message), calibration),
            };
            model = null;
            return detector;
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or KeyNotFoundException)
        {
            throw new InvalidDataException("MstGad artifact is corrupt: " + ex.Message, ex);
        }
        finally
        {
            model?.Dispose();
        }
    }

    /// <summary>Loads an artifact from a file.</summary>
    /// <param name="path">The file path.</param>
    /// <param name="loggerFactory">Logging for the loaded detector.</param>
    /// <returns>The trained detector.</returns>
    /// <exception cref="InvalidDataException">Not an artifact, an unsupported version, truncated or corrupt (the message names the file).</exception>
    public static Detector Load(string path, ILoggerFactory? loggerFactory = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = File.OpenRead(path);
        try
        {
            return Load(file, loggerFactory);
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidDataException($"{path}: {ex.Message}", ex);
        }
    }

    private static byte[] Bytes(Action<Stream> write) => SectionFile.Bytes(write);
}

/// <summary>The settings saved in an artifact (features and the network's options are saved with their parts).</summary>
internal sealed record SavedSettings(TrainingOptions Training, SplitOptions Split, int Window, DecisionRule Decision, double ExtremeValueRisk, string Device, int Threads)
{
    /// <summary>The unsupervised settings (absent in artifacts saved before they existed).</summary>
    public UnsupervisedOptions? Unsupervised { get; init; }

    /// <summary>The detection method of artifacts saved before the method section (0 or absent: MSTGAD, 1: statistical); not written since.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Method { get; init; }

    public static SavedSettings From(DetectorSettings s) => new(s.Training, s.Split, s.Window, s.Decision, s.ExtremeValueRisk, s.Device, s.Threads) { Unsupervised = s.Unsupervised };
}

internal sealed record SavedExample(int TemplateId, string Message);

/// <summary>The method that made an artifact: its name and the format of its section "model".</summary>
internal sealed record SavedMethod(string Name, int FormatVersion);

internal sealed record SavedState(double Threshold, DateTimeOffset TrainedUntil, SavedExample[] Examples);

[JsonSourceGenerationOptions(NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(SavedSettings))]
[JsonSerializable(typeof(SavedState))]
[JsonSerializable(typeof(SavedMethod))]
[JsonSerializable(typeof(string[]))]
internal sealed partial class ArtifactJson : JsonSerializerContext;
