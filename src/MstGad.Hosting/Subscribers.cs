using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace MstGad.Hosting;

/// <summary>Fans items out to any number of readers, each with a bounded buffer that drops its oldest item when full.</summary>
/// <typeparam name="T">The item type.</typeparam>
internal sealed class Subscribers<T>(int capacity, Action dropped)
{
    private readonly Lock _gate = new();
    private Channel<T>[] _readers = [];
    private bool _completed;

    /// <summary>Subscribes now and returns the items published from now on.</summary>
    public IAsyncEnumerable<T> Subscribe(CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<T>(
            new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = true },
            _ => dropped());
        lock (_gate)
        {
            if (_completed)
            {
                channel.Writer.TryComplete();
            }
            else
            {
                _readers = [.. _readers, channel];
            }
        }

        return Read(channel, cancellationToken);
    }

    /// <summary>Hands an item to every reader (called by one thread at a time).</summary>
    public void Publish(T item)
    {
        foreach (var reader in Volatile.Read(ref _readers))
        {
            reader.Writer.TryWrite(item);
        }
    }

    /// <summary>Ends every reader's stream (after the items already published).</summary>
    public void Complete()
    {
        lock (_gate)
        {
            _completed = true;
            foreach (var reader in _readers)
            {
                reader.Writer.TryComplete();
            }

            _readers = [];
        }
    }

    private async IAsyncEnumerable<T> Read(Channel<T> channel, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var item in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return item;
            }
        }
        finally
        {
            lock (_gate)
            {
                _readers = [.. _readers.Where(r => r != channel)];
            }
        }
    }
}
