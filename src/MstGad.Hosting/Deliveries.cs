using System.Globalization;
using System.Text;

namespace MstGad.Hosting;

/// <summary>
/// Names one delivery of records by a sender: the sender's id and the delivery's number in the sender's own count
/// (0, 1, 2, …). A batch that carries one is taken at most once, and the checkpoints remember which deliveries the
/// detector's state includes, so that after a crash the sender re-sends exactly the others
/// (<see cref="MstGadMonitor.GetDeliveries(string)"/>).
/// </summary>
public sealed record DeliveryTag
{
    /// <summary>The OTLP/HTTP request header that carries a tag (<c>sender/sequence</c>).</summary>
    public const string HttpHeader = "MstGad-Delivery";

    /// <summary>The OTLP/gRPC metadata key that carries a tag (<c>sender/sequence</c>).</summary>
    public const string GrpcMetadataKey = "mstgad-delivery";

    /// <summary>The longest sender id.</summary>
    public const int MaxSenderLength = 128;

    /// <summary>Creates a tag.</summary>
    /// <param name="sender">The sender's id: 1 to <see cref="MaxSenderLength"/> characters of letters, digits, '-', '_', '.' and ':'.</param>
    /// <param name="sequence">The delivery's number, 0 or more (below <see cref="long.MaxValue"/>).</param>
    /// <exception cref="ArgumentException">An empty, too long or otherwise unusable sender id.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A negative number, or <see cref="long.MaxValue"/>.</exception>
    public DeliveryTag(string sender, long sequence)
    {
        ArgumentNullException.ThrowIfNull(sender);
        if (!IsSender(sender))
        {
            throw new ArgumentException($"'{sender}' is not a sender id: 1 to {MaxSenderLength} characters of letters, digits, '-', '_', '.' and ':'.", nameof(sender));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(sequence);
        ArgumentOutOfRangeException.ThrowIfEqual(sequence, long.MaxValue);
        Sender = sender;
        Sequence = sequence;
    }

    /// <summary>The sender's id.</summary>
    public string Sender { get; }

    /// <summary>The delivery's number in the sender's count.</summary>
    public long Sequence { get; }

    /// <summary>Parses the text form <c>sender/sequence</c> (the <c>MstGad-Delivery</c> header of the OTLP receiver).</summary>
    /// <param name="text">The text.</param>
    /// <param name="tag">The tag, when the text is one.</param>
    /// <returns>Whether the text is a tag.</returns>
    public static bool TryParse(string? text, out DeliveryTag? tag)
    {
        tag = null;
        var slash = text?.LastIndexOf('/') ?? -1;
        if (text is null || slash <= 0 || !IsSender(text.AsSpan(0, slash))
            || !long.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence)
            || sequence == long.MaxValue)
        {
            return false;
        }

        tag = new DeliveryTag(text[..slash], sequence);
        return true;
    }

    /// <summary>The text form, <c>sender/sequence</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Sender}/{Sequence}");

    /// <summary>Whether a text is a usable sender id.</summary>
    /// <param name="sender">The text.</param>
    /// <returns>Whether it is.</returns>
    public static bool IsSender(ReadOnlySpan<char> sender)
    {
        if (sender.IsEmpty || sender.Length > MaxSenderLength)
        {
            return false;
        }

        foreach (var c in sender)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':'))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>
/// A set of delivery numbers of one sender: every number below <see cref="Below"/> and those in <see cref="Above"/>.
/// </summary>
/// <param name="Below">Every delivery numbered below this one is in the set.</param>
/// <param name="Above">The deliveries in the set above <paramref name="Below"/>, ascending.</param>
public sealed record DeliverySet(long Below, IReadOnlyList<long> Above)
{
    /// <summary>Whether a delivery is in the set.</summary>
    /// <param name="sequence">Its number.</param>
    /// <returns>Whether it is.</returns>
    public bool Contains(long sequence)
    {
        if (sequence < Below)
        {
            return true;
        }

        int low = 0, high = Above.Count - 1;
        while (low <= high)
        {
            var middle = (low + high) >>> 1;
            var value = Above[middle];
            if (value == sequence)
            {
                return true;
            }

            if (value < sequence)
            {
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return false;
    }
}

/// <summary>
/// The deliveries of one sender that the hosted detector has (<see cref="MstGadMonitor.GetDeliveries(string)"/>).
/// </summary>
/// <param name="Sender">The sender's id.</param>
/// <param name="Received">Those taken: queued or in the detector's state. After a restart, those of the restored
/// checkpoint (and any taken since): a sender that lost its connection re-sends every accepted delivery not in it.</param>
/// <param name="Checkpointed">Those in the newest checkpoint written or restored: they survive a crash, and a sender
/// may forget them.</param>
public sealed record DeliveryState(string Sender, DeliverySet Received, DeliverySet Checkpointed);

/// <summary>
/// Which deliveries of which senders a state includes: per sender, everything below a mark and a set above it. Bounded:
/// at most <see cref="MaxSenders"/> senders (the one updated longest ago is forgotten) and <see cref="MaxGaps"/>
/// numbers above the mark (beyond, the mark moves up to the lowest of them: a delivery that never came is given up).
/// Not thread-safe.
/// </summary>
internal sealed class DeliveryLedger
{
    public const int MaxSenders = 4096;
    public const int MaxGaps = 65536;
    private const int Version = 1;

    private readonly Dictionary<string, Entry> _senders = new(StringComparer.Ordinal);
    private long _clock;

    public int SenderCount => _senders.Count;

    /// <summary>Senders forgotten because there were too many, and times a sender's gaps were given up (both only grow).</summary>
    public long Forgotten { get; private set; }

    public bool Contains(DeliveryTag tag) =>
        _senders.TryGetValue(tag.Sender, out var entry) && (tag.Sequence < entry.Below || entry.Above.Contains(tag.Sequence));

    public void Add(DeliveryTag tag)
    {
        if (!_senders.TryGetValue(tag.Sender, out var entry))
        {
            if (_senders.Count >= MaxSenders)
            {
                var oldest = _senders.MinBy(p => p.Value.Touched).Key;
                _senders.Remove(oldest);
                Forgotten++;
            }

            entry = new Entry();
            _senders.Add(tag.Sender, entry);
        }

        entry.Touched = ++_clock;
        if (tag.Sequence < entry.Below)
        {
            return;
        }

        if (tag.Sequence != entry.Below)
        {
            entry.Above.Add(tag.Sequence);
            if (entry.Above.Count <= MaxGaps)
            {
                return;
            }

            entry.Below = entry.Above.Min;
            entry.Above.Remove(entry.Below);
            Forgotten++;
        }

        entry.Below++;
        while (entry.Above.Remove(entry.Below))
        {
            entry.Below++;
        }
    }

    /// <summary>The deliveries of one sender, with <paramref name="extra"/> (e.g. deliveries queued but not yet in the state) added.</summary>
    public DeliverySet Get(string sender, IEnumerable<long> extra)
    {
        var below = 0L;
        var above = new SortedSet<long>();
        if (_senders.TryGetValue(sender, out var entry))
        {
            below = entry.Below;
            above.UnionWith(entry.Above);
        }

        above.UnionWith(extra.Where(s => s >= below));
        while (above.Remove(below))
        {
            below++;
        }

        return new DeliverySet(below, [.. above.Where(s => s > below)]);
    }

    public byte[] Write()
    {
        using var buffer = new MemoryStream();
        using (var w = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Version);
            w.Write(_senders.Count);
            foreach (var (sender, entry) in _senders.OrderBy(p => p.Value.Touched))
            {
                w.Write(sender);
                w.Write(entry.Below);
                w.Write(entry.Above.Count);
                foreach (var sequence in entry.Above)
                {
                    w.Write(sequence);
                }
            }

            w.Write(Forgotten);
        }

        return buffer.ToArray();
    }

    /// <summary>Reads what <see cref="Write"/> wrote; an empty input is an empty ledger (a checkpoint made without one).</summary>
    /// <exception cref="InvalidDataException">Not a ledger.</exception>
    public static DeliveryLedger Read(ReadOnlyMemory<byte> bytes)
    {
        var ledger = new DeliveryLedger();
        if (bytes.IsEmpty)
        {
            return ledger;
        }

        try
        {
            using var r = new BinaryReader(new MemoryStream(bytes.ToArray(), writable: false), Encoding.UTF8);
            if (r.ReadInt32() != Version)
            {
                throw new InvalidDataException("the checkpoint's deliveries have an unknown version");
            }

            var senders = r.ReadInt32();
            if (senders < 0 || senders > MaxSenders)
            {
                throw new InvalidDataException($"the checkpoint's deliveries name {senders} senders");
            }

            for (; senders > 0; senders--)
            {
                var sender = r.ReadString();
                var entry = new Entry { Below = r.ReadInt64(), Touched = ++ledger._clock };
                if (!DeliveryTag.IsSender(sender) || entry.Below < 0 || ledger._senders.ContainsKey(sender))
                {
                    throw new InvalidDataException($"the checkpoint's deliveries name an unusable sender '{sender}'");
                }

                var count = r.ReadInt32();
                if (count < 0 || count > MaxGaps)
                {
                    throw new InvalidDataException($"the checkpoint's deliveries list {count} numbers above the run of '{sender}'");
                }

                for (; count > 0; count--)
                {
                    var sequence = r.ReadInt64();
                    if (sequence <= entry.Below || sequence == long.MaxValue)
                    {
                        throw new InvalidDataException($"the checkpoint's deliveries list {sequence} above the run of '{sender}', which ends at {entry.Below}");
                    }

                    entry.Above.Add(sequence);
                }

                ledger._senders.Add(sender, entry);
            }

            ledger.Forgotten = r.ReadInt64();
            return ledger;
        }
        catch (EndOfStreamException ex)
        {
            throw new InvalidDataException("the checkpoint's deliveries are truncated", ex);
        }
        catch (FormatException ex)
        {
            throw new InvalidDataException("the checkpoint's deliveries are corrupt: " + ex.Message, ex);
        }
    }

    private sealed class Entry
    {
        public long Below { get; set; }

        public SortedSet<long> Above { get; } = [];

        public long Touched { get; set; }
    }
}
