using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MstGad.Features;
using MstGad.Model;
using MstGad.Parsing;

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
            ("model", Bytes(trained.Model.Save)),
        };

        stream.Write(Magic);
        Span<byte> number = stackalloc byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(number, ArtifactVersion);
        stream.Write(number[..4]);
        BinaryPrimitives.WriteInt32LittleEndian(number, sections.Count);
        stream.Write(number[..4]);
        foreach (var (name, data) in sections)
        {
            var nameBytes = Encoding.UTF8.GetBytes(name);
            BinaryPrimitives.WriteInt32LittleEndian(number, nameBytes.Length);
            stream.Write(number[..4]);
            stream.Write(nameBytes);
            BinaryPrimitives.WriteInt64LittleEndian(number, data.Length);
            stream.Write(number);
            stream.Write(data);
            BinaryPrimitives.WriteUInt64LittleEndian(number, Checksum.Fnv1a(data));
            stream.Write(number);
        }
    }

    /// <summary>Saves the artifact to a file (written to a temporary file first, then moved into place).</summary>
    /// <param name="path">The file path.</param>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var temporary = path + ".tmp";
        using (var file = File.Create(temporary))
        {
            Save(file);
        }

        File.Move(temporary, path, overwrite: true);
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
        var sections = ReadSections(stream);
        MstgadModel? model = null;
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
            model = MstgadModel.Load(new MemoryStream(sections["model"], writable: false), device ?? settings.Device);
            var features = space.Options;
            var detectorSettings = new DetectorSettings(features, model.Options, settings.Training, settings.Split, settings.Window, settings.Decision, settings.ExtremeValueRisk, device ?? settings.Device, settings.Threads);
            var detector = new Detector(detectorSettings, loggerFactory ?? NullLoggerFactory.Instance, TimeProvider.System)
            {
                _trained = new Trained(parser, space, instances, model, state.Threshold, state.TrainedUntil, state.Examples.ToDictionary(e => e.TemplateId, e => e.Message)),
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

    private static Dictionary<string, byte[]> ReadSections(Stream stream)
    {
        var header = new byte[Magic.Length + 8];
        var read = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        if (read < Magic.Length || !header.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            throw new InvalidDataException("Not a MstGad detector artifact: it does not start with 'MSTGAD-DETECTOR1'.");
        }

        if (read < header.Length)
        {
            throw new InvalidDataException("MstGad artifact is truncated: its header is incomplete.");
        }

        var version = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(Magic.Length));
        if (version != ArtifactVersion)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"MstGad artifact version {version} is not supported; this build reads version {ArtifactVersion}."));
        }

        var count = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(Magic.Length + 4));
        if (count is < 0 or > 64)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"MstGad artifact is corrupt: {count} sections."));
        }

        var sections = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var number = new byte[8];
        for (var s = 0; s < count; s++)
        {
            ReadExactly(stream, number.AsSpan(0, 4), "a section header");
            var nameLength = BinaryPrimitives.ReadInt32LittleEndian(number);
            if (nameLength is < 1 or > 256)
            {
                throw new InvalidDataException("MstGad artifact is corrupt: a section name has an invalid length.");
            }

            var name = new byte[nameLength];
            ReadExactly(stream, name, "a section name");
            var sectionName = Encoding.UTF8.GetString(name);
            ReadExactly(stream, number, $"the length of section '{sectionName}'");
            var length = BinaryPrimitives.ReadInt64LittleEndian(number);
            if (length is < 0 or > int.MaxValue)
            {
                throw new InvalidDataException($"MstGad artifact is corrupt: section '{sectionName}' has an invalid length.");
            }

            var data = GC.AllocateUninitializedArray<byte>((int)length);
            ReadExactly(stream, data, $"section '{sectionName}'");
            ReadExactly(stream, number, $"the checksum of section '{sectionName}'");
            if (BinaryPrimitives.ReadUInt64LittleEndian(number) != Checksum.Fnv1a(data))
            {
                throw new InvalidDataException($"MstGad artifact is corrupt: the checksum of section '{sectionName}' does not match.");
            }

            sections[sectionName] = data;
        }

        var missing = RequiredSections.Where(r => !sections.ContainsKey(r)).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidDataException("MstGad artifact is incomplete: missing section(s) " + string.Join(", ", missing) + ".");
        }

        return sections;
    }

    private static void ReadExactly(Stream stream, Span<byte> buffer, string what)
    {
        if (stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false) < buffer.Length)
        {
            throw new InvalidDataException($"MstGad artifact is truncated: it ends inside {what}.");
        }
    }

    private static byte[] Bytes(Action<Stream> write)
    {
        using var buffer = new MemoryStream();
        write(buffer);
        return buffer.ToArray();
    }
}

/// <summary>The settings saved in an artifact (features and the network's options are saved with their parts).</summary>
internal sealed record SavedSettings(TrainingOptions Training, SplitOptions Split, int Window, DecisionRule Decision, double ExtremeValueRisk, string Device, int Threads)
{
    public static SavedSettings From(DetectorSettings s) => new(s.Training, s.Split, s.Window, s.Decision, s.ExtremeValueRisk, s.Device, s.Threads);
}

internal sealed record SavedExample(int TemplateId, string Message);

internal sealed record SavedState(double Threshold, DateTimeOffset TrainedUntil, SavedExample[] Examples);

[JsonSourceGenerationOptions(NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(SavedSettings))]
[JsonSerializable(typeof(SavedState))]
[JsonSerializable(typeof(string[]))]
internal sealed partial class ArtifactJson : JsonSerializerContext;
