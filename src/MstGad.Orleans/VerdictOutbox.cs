namespace MstGad.Orleans;

/// <summary>One observer's subscription as grain state: when it last subscribed, and the steps told to it that it has
/// not yet taken (sent again until it does).</summary>
[GenerateSerializer]
[Alias("MstGad.Orleans.ObserverState")]
internal sealed class ObserverState
{
    [Id(0)] public DateTime Subscribed { get; set; }

    [Id(1)] public List<SystemStep> Pending { get; set; } = [];

    [Id(2)] public long Dropped { get; set; }
}

/// <summary>
/// The closed steps on their way to a system's observers: each observer gets every step at least once, in step
/// order, one call at a time, what it has not acknowledged kept (with the checkpoint, so a grain activated again after
/// its silo was lost sends them too) and sent again. Not thread-safe: the grain's turns use it.
/// </summary>
internal sealed class VerdictOutbox(TimeSpan expiry, int capacity)
{
    private readonly Dictionary<ISystemVerdictObserver, Entry> _entries = [];

    public int Count => _entries.Count;

    /// <summary>Steps waiting for an observer, over all observers.</summary>
    public long Pending => _entries.Values.Sum(e => (long)e.Steps.Count);

    /// <summary>Steps given up because an observer had <c>capacity</c> waiting, over all observers.</summary>
    public long Dropped => _entries.Values.Sum(e => e.Dropped);

    public void Subscribe(ISystemVerdictObserver observer, DateTime now)
    {
        if (!_entries.TryGetValue(observer, out var entry))
        {
            entry = new Entry();
            _entries.Add(observer, entry);
        }

        entry.Subscribed = now;
    }

    public bool Unsubscribe(ISystemVerdictObserver observer) => _entries.Remove(observer);

    /// <summary>Queues a step for every observer whose subscription has not expired (and forgets the others).</summary>
    public void Tell(SystemStep step, DateTime now)
    {
        Expire(now);
        foreach (var entry in _entries.Values)
        {
            entry.Steps[step.Step.Step] = step;
            while (entry.Steps.Count > capacity)
            {
                entry.Steps.Remove(entry.Steps.Keys.First());
                entry.Dropped++;
            }
        }
    }

    /// <summary>Starts a delivery to every observer with steps waiting and none under way.</summary>
    public void Deliver(Func<ISystemVerdictObserver, SystemStep, Task> send, Action<Exception> failed)
    {
        foreach (var (observer, entry) in _entries)
        {
            if (!entry.Sending && entry.Steps.Count > 0)
            {
                entry.Sending = true;
                _ = DeliverAsync(observer, entry, send, failed);
            }
        }
    }

    public Dictionary<ISystemVerdictObserver, ObserverState> Save() => _entries.ToDictionary(
        p => p.Key,
        p => new ObserverState { Subscribed = p.Value.Subscribed, Pending = [.. p.Value.Steps.Values], Dropped = p.Value.Dropped });

    public void Load(Dictionary<ISystemVerdictObserver, ObserverState> saved, DateTime now)
    {
        _entries.Clear();
        foreach (var (observer, state) in saved)
        {
            var entry = new Entry { Subscribed = state.Subscribed, Dropped = state.Dropped };
            foreach (var step in state.Pending)
            {
                entry.Steps[step.Step.Step] = step;
            }

            _entries.Add(observer, entry);
        }

        Expire(now);
    }

    private void Expire(DateTime now)
    {
        foreach (var observer in _entries.Where(p => now - p.Value.Subscribed >= expiry).Select(p => p.Key).ToList())
        {
            _entries.Remove(observer);
        }
    }

    private static async Task DeliverAsync(ISystemVerdictObserver observer, Entry entry, Func<ISystemVerdictObserver, SystemStep, Task> send, Action<Exception> failed)
    {
        try
        {
            while (entry.Steps.Count > 0)
            {
                var (number, step) = entry.Steps.First();
                await send(observer, step).ConfigureAwait(true);
                // Told again meanwhile (a step closed anew after a restore is the same): keep the newer telling.
                if (entry.Steps.TryGetValue(number, out var now) && ReferenceEquals(now, step))
                {
                    entry.Steps.Remove(number);
                }
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            failed(ex);
        }
        finally
        {
            entry.Sending = false;
        }
    }

    private sealed class Entry
    {
        public DateTime Subscribed { get; set; }

        public SortedDictionary<long, SystemStep> Steps { get; } = [];

        public long Dropped { get; set; }

        public bool Sending { get; set; }
    }
}
