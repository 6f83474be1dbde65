namespace MstGad.Graph;

/// <summary>
/// Assigns every instance key a stable node index: indices are given in order of registration and
/// never change or get reused, so a model keeps its node numbering when instances appear (new index)
/// or disappear (index kept; its features become zero and its mask empty).
/// </summary>
/// <remarks>Thread-safe.</remarks>
public sealed class InstanceRegistry
{
    private readonly Lock _sync = new();
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
    private readonly List<string> _keys = [];

    /// <summary>Creates an empty registry.</summary>
    public InstanceRegistry()
    {
    }

    /// <summary>Creates a registry with keys in the given order (for example from a saved model).</summary>
    /// <param name="keys">The keys; duplicates are not allowed.</param>
    /// <exception cref="ArgumentException">A key is repeated or empty.</exception>
    public InstanceRegistry(IEnumerable<string> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        foreach (var key in keys)
        {
            ArgumentException.ThrowIfNullOrEmpty(key, nameof(keys));
            if (!_index.TryAdd(key, _keys.Count))
            {
                throw new ArgumentException($"Instance key '{key}' is repeated.", nameof(keys));
            }

            _keys.Add(key);
        }
    }

    /// <summary>The number of registered instances.</summary>
    public int Count
    {
        get
        {
            lock (_sync)
            {
                return _keys.Count;
            }
        }
    }

    /// <summary>A snapshot of the keys in index order.</summary>
    public IReadOnlyList<string> Keys
    {
        get
        {
            lock (_sync)
            {
                return [.. _keys];
            }
        }
    }

    /// <summary>Returns the index of a key, registering it if new.</summary>
    /// <param name="key">The instance key.</param>
    /// <returns>The stable node index.</returns>
    public int GetOrAdd(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        lock (_sync)
        {
            if (!_index.TryGetValue(key, out var i))
            {
                i = _keys.Count;
                _index.Add(key, i);
                _keys.Add(key);
            }

            return i;
        }
    }

    /// <summary>Looks up the index of a key.</summary>
    /// <param name="key">The instance key.</param>
    /// <param name="index">The index, or -1.</param>
    /// <returns>Whether the key is registered.</returns>
    public bool TryGetIndex(string key, out int index)
    {
        lock (_sync)
        {
            if (_index.TryGetValue(key, out index))
            {
                return true;
            }
        }

        index = -1;
        return false;
    }

    /// <summary>The key of an index.</summary>
    /// <param name="index">The node index.</param>
    /// <returns>The key.</returns>
    public string KeyOf(int index)
    {
        lock (_sync)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, _keys.Count);
            return _keys[index];
        }
    }
}
