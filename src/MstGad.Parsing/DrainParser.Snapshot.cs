using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;

namespace MstGad.Parsing;

public sealed partial class DrainParser
{
    /// <summary>The snapshot format version written by <see cref="Save(Stream)"/>.</summary>
    public const int SnapshotVersion = 1;

    private static ReadOnlySpan<byte> Magic => "MSTGAD-DRAIN"u8;

    /// <summary>
    /// Writes the whole state (options, templates, tree, counters, least-recently-used order) to a
    /// stream. Parsing after <see cref="Load(Stream)"/> gives the same ids as without the round trip.
    /// </summary>
    /// <param name="stream">A writable stream; it is not closed.</param>
    public void Save(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        byte[] payload;
        lock (_sync)
        {
            payload = WritePayload();
        }

        Span<byte> header = stackalloc byte[12 + 4 + 8];
        Magic.CopyTo(header);
        BinaryPrimitives.WriteInt32LittleEndian(header[12..], SnapshotVersion);
        BinaryPrimitives.WriteInt64LittleEndian(header[16..], payload.Length);
        stream.Write(header);
        stream.Write(payload);
        Span<byte> hash = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(hash, Checksum.Fnv1a(payload));
        stream.Write(hash);
    }

    /// <summary>Reads a parser back from a stream written by <see cref="Save(Stream)"/>.</summary>
    /// <param name="stream">A readable stream positioned at the snapshot; it is not closed.</param>
    /// <returns>The restored parser.</returns>
    /// <exception cref="InvalidDataException">The stream is not a Drain snapshot, is of an unsupported
    /// version, is truncated or is corrupt. Nothing is half-loaded.</exception>
    public static DrainParser Load(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Span<byte> header = stackalloc byte[24];
        var read = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        if (read < Magic.Length || !header[..Magic.Length].SequenceEqual(Magic))
        {
            throw new InvalidDataException("Not a MstGad Drain snapshot: the stream does not start with 'MSTGAD-DRAIN'.");
        }

        if (read < header.Length)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"Drain snapshot is truncated: its header has {read} of 24 bytes."));
        }

        var version = BinaryPrimitives.ReadInt32LittleEndian(header[12..]);
        if (version != SnapshotVersion)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"Drain snapshot version {version} is not supported; this build reads version {SnapshotVersion}."));
        }

        var length = BinaryPrimitives.ReadInt64LittleEndian(header[16..]);
        if (length < 0 || length > Array.MaxLength - 8)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"Drain snapshot is corrupt: payload length {length}."));
        }

        var payload = ReadUpTo(stream, (int)length + 8, out read);
        if (read < length + 8)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"Drain snapshot is truncated: expected {length + 8} bytes after the header, found {read}."));
        }

        var body = payload.AsSpan(0, (int)length);
        if (BinaryPrimitives.ReadUInt64LittleEndian(payload.AsSpan((int)length)) != Checksum.Fnv1a(body))
        {
            throw new InvalidDataException("Drain snapshot is corrupt: its checksum does not match its content.");
        }

        try
        {
            return ReadPayload(payload, (int)length);
        }
        catch (Exception ex) when (ex is EndOfStreamException or ArgumentException or KeyNotFoundException or IndexOutOfRangeException)
        {
            throw new InvalidDataException("Drain snapshot is corrupt: " + ex.Message, ex);
        }
    }

    /// <summary>Reads up to <paramref name="count"/> bytes into an array that grows with the data
    /// actually present, so that a corrupt length field cannot make Load allocate gigabytes. The array
    /// has exactly <paramref name="count"/> bytes when <paramref name="read"/> reaches it.</summary>
    private static byte[] ReadUpTo(Stream stream, int count, out int read)
    {
        var buffer = new byte[Math.Min(count, 1 << 20)];
        read = 0;
        while (read < count)
        {
            if (read == buffer.Length)
            {
                Array.Resize(ref buffer, (int)Math.Min(count, 2L * buffer.Length));
            }

            var n = stream.Read(buffer, read, buffer.Length - read);
            if (n == 0)
            {
                break;
            }

            read += n;
        }

        return buffer;
    }

    private byte[] WritePayload()
    {
        using var memory = new MemoryStream();
        using (var w = new BinaryWriter(memory))
        {
            w.Write(_options.Depth);
            w.Write(_options.SimilarityThreshold);
            w.Write(_options.MaxChildren);
            w.Write(_options.MaxTemplates ?? -1);
            w.Write(_options.ParametrizeNumericTokens);
            w.Write(_delimiters.Length);
            foreach (var d in _delimiters)
            {
                WriteString(w, d);
            }

            w.Write(_options.Masks.Count);
            foreach (var m in _options.Masks)
            {
                WriteString(w, m.Pattern);
                WriteString(w, m.MaskName);
            }

            w.Write(_nextId);
            w.Write(_evicted);
            w.Write(_messages);
            w.Write(_byId.Count);
            for (var c = _lruHead; c is not null; c = c.Next)
            {
                w.Write(c.Id);
                w.Write(c.Size);
                w.Write(c.Tokens.Length);
                foreach (var t in c.Tokens)
                {
                    WriteString(w, t);
                }
            }

            w.Write(_root.Count);
            foreach (var (length, node) in _root.OrderBy(p => p.Key))
            {
                w.Write(length);
                WriteNode(w, node);
            }
        }

        return memory.ToArray();
    }

    private static void WriteNode(BinaryWriter w, TreeNode node)
    {
        var children = node.Children;
        w.Write(children?.Count ?? 0);
        if (children is not null)
        {
            foreach (var (key, child) in children)
            {
                WriteString(w, key);
                WriteNode(w, child);
            }
        }

        var clusters = node.Clusters;
        w.Write(clusters?.Count ?? 0);
        if (clusters is not null)
        {
            foreach (var c in clusters)
            {
                w.Write(c.Id);
            }
        }
    }

    private static DrainParser ReadPayload(byte[] payload, int length)
    {
        using var r = new BinaryReader(new MemoryStream(payload, 0, length, writable: false));
        var options = new DrainOptions
        {
            Depth = r.ReadInt32(),
            SimilarityThreshold = r.ReadDouble(),
            MaxChildren = r.ReadInt32(),
        };
        var maxTemplates = r.ReadInt32();
        options.MaxTemplates = maxTemplates < 0 ? null : maxTemplates;
        options.ParametrizeNumericTokens = r.ReadBoolean();
        var delimiterCount = ReadCount(r);
        for (var i = 0; i < delimiterCount; i++)
        {
            options.ExtraDelimiters.Add(ReadString(r));
        }

        var maskCount = ReadCount(r);
        for (var i = 0; i < maskCount; i++)
        {
            options.Masks.Add(new MaskingRule(ReadString(r), ReadString(r)));
        }

        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new InvalidDataException("Drain snapshot holds invalid options: " + string.Join(" ", problems));
        }

        var parser = new DrainParser(options)
        {
            _nextId = r.ReadInt32(),
            _evicted = r.ReadInt64(),
            _messages = r.ReadInt64(),
        };
        var clusterCount = ReadCount(r);
        for (var i = 0; i < clusterCount; i++)
        {
            var id = r.ReadInt32();
            var size = r.ReadInt64();
            var tokens = new string[ReadCount(r)];
            for (var t = 0; t < tokens.Length; t++)
            {
                var token = ReadString(r);
                tokens[t] = token == ParameterToken ? ParameterToken : token;
            }

            if (id <= 0 || id >= parser._nextId || parser._byId.ContainsKey(id))
            {
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"Drain snapshot is corrupt: template id {id} is invalid or repeated."));
            }

            var cluster = new Cluster(id, tokens) { Size = size };
            parser._byId.Add(id, cluster);
            parser.LinkLast(cluster);
        }

        // The per-length lists keep creation order, which decides ties in FindInstance.
        foreach (var cluster in parser._byId.Values.OrderBy(c => c.Id))
        {
            var list = CollectionsMarshal.GetValueRefOrAddDefault(parser._byLength, cluster.Tokens.Length, out _) ??= [];
            list.Add(cluster);
        }

        var rootCount = ReadCount(r);
        for (var i = 0; i < rootCount; i++)
        {
            var tokenCount = r.ReadInt32();
            var node = new TreeNode();
            parser._root.Add(tokenCount, node);
            parser.ReadNode(r, node, tokenCount, 1);
        }

        if (parser._byId.Values.Any(c => c.Leaf is null))
        {
            throw new InvalidDataException("Drain snapshot is corrupt: a template is missing from the tree.");
        }

        if (r.BaseStream.Position != length)
        {
            throw new InvalidDataException("Drain snapshot is corrupt: unexpected data after the tree.");
        }

        return parser;
    }

    private void ReadNode(BinaryReader r, TreeNode node, int tokenCount, int depth)
    {
        if (depth > _options.Depth)
        {
            throw new InvalidDataException("Drain snapshot is corrupt: the tree is deeper than its depth setting.");
        }

        var childCount = ReadCount(r);
        for (var i = 0; i < childCount; i++)
        {
            var child = node.GetOrAdd(ReadString(r));
            ReadNode(r, child, tokenCount, depth + 1);
        }

        var clusterCount = ReadCount(r);
        for (var i = 0; i < clusterCount; i++)
        {
            var id = r.ReadInt32();
            if (!_byId.TryGetValue(id, out var cluster) || cluster.Leaf is not null || cluster.Tokens.Length != tokenCount)
            {
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"Drain snapshot is corrupt: the tree refers to template {id} wrongly."));
            }

            (node.Clusters ??= []).Add(cluster);
            cluster.Leaf = node;
        }
    }

    private static int ReadCount(BinaryReader r)
    {
        var count = r.ReadInt32();
        if (count < 0 || count > r.BaseStream.Length - r.BaseStream.Position)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"Drain snapshot is corrupt: count {count} at byte {r.BaseStream.Position - 4}."));
        }

        return count;
    }

    private static void WriteString(BinaryWriter w, string value)
    {
        // UTF-16 code units, so that any string (even one with a lone surrogate) round-trips exactly.
        w.Write(value.Length);
        w.Write(MemoryMarshal.AsBytes(value.AsSpan()));
    }

    private static string ReadString(BinaryReader r)
    {
        var length = ReadCount(r);
        var bytes = r.ReadBytes(length * 2);
        if (bytes.Length != length * 2)
        {
            throw new EndOfStreamException("a string runs past the end of the snapshot.");
        }

        return new string(MemoryMarshal.Cast<byte, char>(bytes));
    }
}
