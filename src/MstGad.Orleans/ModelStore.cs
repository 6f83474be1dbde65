using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;

namespace MstGad.Orleans;

/// <summary>One version of a monitored system's trained detector, as a model store holds it.</summary>
/// <param name="System">The system.</param>
/// <param name="Version">The version's name (unique for the system).</param>
/// <param name="Open">Opens the artifact (a stream of a saved <see cref="Detector"/>; the caller disposes it).</param>
public sealed record ModelVersion(string System, string Version, Func<Stream> Open);

/// <summary>Where the silos find each monitored system's trained detector.</summary>
public interface IMstGadModelStore
{
    /// <summary>The newest version of a system's model.</summary>
    /// <param name="system">The system's name.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <returns>The version, or <see langword="null"/> when the store has no model for the system.</returns>
    ValueTask<ModelVersion?> GetNewestAsync(string system, CancellationToken cancellationToken = default);

    /// <summary>One version of a system's model (the one a checkpoint was made with).</summary>
    /// <param name="system">The system's name.</param>
    /// <param name="version">The version's name.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <returns>The version, or <see langword="null"/> when the store no longer has it.</returns>
    ValueTask<ModelVersion?> GetAsync(string system, string version, CancellationToken cancellationToken = default);
}

/// <summary>
/// A model store in a folder: <c>{root}/{system}/{version}.mstgad</c>, the newest version of a system being the
/// greatest file name in ordinal order (name versions so that they sort: <c>2026-12-07T1800.mstgad</c>,
/// <c>v0007.mstgad</c>). A system's folder may be replaced or added to while the silos run.
/// </summary>
public sealed class FolderModelStore : IMstGadModelStore
{
    /// <summary>The extension of model files.</summary>
    public const string Extension = ".mstgad";

    /// <summary>Creates a store reading <paramref name="root"/>.</summary>
    /// <param name="root">The folder holding one folder per system.</param>
    public FolderModelStore(string root)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        Root = Path.GetFullPath(root);
    }

    /// <summary>The folder.</summary>
    public string Root { get; }

    /// <inheritdoc/>
    public ValueTask<ModelVersion?> GetNewestAsync(string system, CancellationToken cancellationToken = default)
    {
        var folder = Folder(system);
        if (!Directory.Exists(folder))
        {
            return ValueTask.FromResult<ModelVersion?>(null);
        }

        var newest = Directory.EnumerateFiles(folder, "*" + Extension)
            .Select(Path.GetFileName)
            .OfType<string>()
            .OrderBy(name => name, StringComparer.Ordinal)
            .LastOrDefault();
        if (newest is null)
        {
            return ValueTask.FromResult<ModelVersion?>(null);
        }

        var path = Path.Combine(folder, newest);
        return ValueTask.FromResult<ModelVersion?>(new ModelVersion(system, newest[..^Extension.Length], () => File.OpenRead(path)));
    }

    /// <inheritdoc/>
    public ValueTask<ModelVersion?> GetAsync(string system, string version, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(version);
        var path = Path.Combine(Folder(system), Name(version, nameof(version)) + Extension);
        return ValueTask.FromResult(File.Exists(path) ? new ModelVersion(system, version, () => File.OpenRead(path)) : null);
    }

    /// <summary>Stores a version of a system's model (written to a temporary file, then moved into place).</summary>
    /// <param name="system">The system.</param>
    /// <param name="version">The version's name.</param>
    /// <param name="detector">The trained detector.</param>
    public void Put(string system, string version, Detector detector)
    {
        ArgumentException.ThrowIfNullOrEmpty(system);
        ArgumentException.ThrowIfNullOrEmpty(version);
        ArgumentNullException.ThrowIfNull(detector);
        var folder = Folder(system);
        Name(version, nameof(version));
        Directory.CreateDirectory(folder);
        var temporary = Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $".{version}.{Environment.ProcessId}.tmp"));
        using (var file = File.Create(temporary))
        {
            detector.Save(file);
        }

        File.Move(temporary, Path.Combine(folder, version + Extension), overwrite: true);
    }

    private string Folder(string system) => Path.Combine(Root, Name(system, nameof(system)));

    private static string Name(string name, string parameter)
    {
        ArgumentException.ThrowIfNullOrEmpty(name, parameter);
        if (name.IndexOfAny(['/', '\\', '\0']) >= 0 || name is "." or ".." || name.StartsWith('.'))
        {
            throw new ArgumentException($"'{name}' is not usable as a {parameter} in a folder model store (no path separators, not starting with '.').", parameter);
        }

        return name;
    }
}

/// <summary>
/// The detectors a silo has loaded, shared by the grains whose model is the same artifact (same bytes): a detector
/// scores from any thread, so 50 systems with one model hold it once.
/// </summary>
internal sealed class DetectorCache : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<Detector>> _byContent = new(StringComparer.Ordinal);

    /// <summary>Loads (or finds) the detector of a model version.</summary>
    public (Detector Detector, string ContentHash) Get(ModelVersion version)
    {
        byte[] bytes;
        using (var stream = version.Open())
        using (var copy = new MemoryStream())
        {
            stream.CopyTo(copy);
            bytes = copy.ToArray();
        }

        var hash = Convert.ToHexString(SHA256.HashData(bytes));
        var lazy = _byContent.GetOrAdd(hash, _ => new Lazy<Detector>(() =>
        {
            try
            {
                return Detector.Load(new MemoryStream(bytes, writable: false));
            }
            catch (InvalidDataException ex)
            {
                throw new InvalidDataException($"The model '{version.Version}' of system '{version.System}' is not a MstGad artifact: {ex.Message}", ex);
            }
        }));
        try
        {
            return (lazy.Value, hash);
        }
        catch
        {
            _byContent.TryRemove(hash, out _);
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var lazy in _byContent.Values)
        {
            if (lazy.IsValueCreated)
            {
                lazy.Value.Dispose();
            }
        }

        _byContent.Clear();
    }
}
