using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Globalization;
using Orleans.Serialization;
using Orleans.Storage;

namespace MstGad.Orleans;

/// <summary>
/// Grain storage in a folder: one file per grain and state (<c>{root}/{state}/{grain id, escaped}.state</c>), written
/// to a temporary file and moved into place, with a version number as ETag (a write over a stale version is refused
/// with <see cref="InconsistentStateException"/>). For clusters on one machine or sharing a file system — silos of
/// one process or of several on the same folder — and for tests; PostgreSQL for clusters of machines. Register with
/// <see cref="MstGadSiloBuilderExtensions.AddMstGadFolderStorage"/>.
/// </summary>
public sealed class FolderGrainStorage : IGrainStorage
{
    private static readonly ConcurrentDictionary<string, object> Locks = new(StringComparer.Ordinal);
    private readonly string _root;
    private readonly Serializer _serializer;

    /// <summary>Creates the storage.</summary>
    /// <param name="root">The folder (created when missing).</param>
    /// <param name="serializer">Orleans' serializer (the silo's).</param>
    public FolderGrainStorage(string root, Serializer serializer)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        ArgumentNullException.ThrowIfNull(serializer);
        _root = Path.GetFullPath(root);
        _serializer = serializer;
        Directory.CreateDirectory(_root);
    }

    /// <inheritdoc/>
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var path = PathOf(stateName, grainId);
        lock (Locks.GetOrAdd(path, _ => new object()))
        {
            if (Read(path) is { } stored)
            {
                try
                {
                    grainState.State = _serializer.Deserialize<T>(stored.Payload);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    throw new InvalidDataException($"{path}: the stored state cannot be read ({ex.Message}); move the file away to start the grain afresh.", ex);
                }

                grainState.ETag = stored.Version.ToString(CultureInfo.InvariantCulture);
                grainState.RecordExists = true;
            }
            else
            {
                grainState.ETag = null;
                grainState.RecordExists = false;
            }
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var path = PathOf(stateName, grainId);
        var payload = _serializer.SerializeToArray(grainState.State);
        lock (Locks.GetOrAdd(path, _ => new object()))
        {
            var current = Read(path)?.Version;
            if (current?.ToString(CultureInfo.InvariantCulture) != grainState.ETag)
            {
                throw new InconsistentStateException($"{path}: stored version {current?.ToString(CultureInfo.InvariantCulture) ?? "none"}, the grain wrote over {grainState.ETag ?? "none"}.", current?.ToString(CultureInfo.InvariantCulture), grainState.ETag);
            }

            var version = (current ?? 0) + 1;
            var bytes = new byte[8 + payload.Length];
            BinaryPrimitives.WriteInt64LittleEndian(bytes, version);
            payload.CopyTo(bytes, 8);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
            File.WriteAllBytes(temporary, bytes);
            File.Move(temporary, path, overwrite: true);
            grainState.ETag = version.ToString(CultureInfo.InvariantCulture);
            grainState.RecordExists = true;
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var path = PathOf(stateName, grainId);
        lock (Locks.GetOrAdd(path, _ => new object()))
        {
            File.Delete(path);
            grainState.ETag = null;
            grainState.RecordExists = false;
        }

        return Task.CompletedTask;
    }

    private string PathOf(string stateName, GrainId grainId) =>
        Path.Combine(_root, Uri.EscapeDataString(stateName), Uri.EscapeDataString(grainId.ToString()) + ".state");

    private static (long Version, byte[] Payload)? Read(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 8)
        {
            throw new InvalidDataException($"{path}: a grain state file of {bytes.Length} bytes (it starts with an 8-byte version); move it away to start the grain afresh.");
        }

        return (BinaryPrimitives.ReadInt64LittleEndian(bytes), bytes[8..]);
    }
}
