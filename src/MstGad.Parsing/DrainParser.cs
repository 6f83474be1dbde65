using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text.RegularExpressions;

namespace MstGad.Parsing;

/// <summary>
/// A streaming Drain log template miner (He et al., ICWS 2017): masks variable parts of a message,
/// routes it through a fixed-depth prefix tree (token count, then the first tokens) and assigns it to
/// the most similar template of the leaf, generalising differing tokens to <c>&lt;*&gt;</c>.
/// </summary>
/// <remarks>
/// <para>
/// Template ids start at 1, are never reused or renumbered, and survive <see cref="Save(Stream)"/> /
/// <see cref="Load(Stream)"/>. A message that is an instance of a template it already belongs to (each
/// of its tokens equals the template's token or stands under a <c>&lt;*&gt;</c>) never creates a new
/// template, so feeding the same lines again learns nothing new (unless templates were evicted by
/// <see cref="DrainOptions.MaxTemplates"/>).
/// </para>
/// <para>
/// Thread safety: all public members are thread-safe; calls are serialised by an internal lock, so
/// several producers may share one parser (throughput does not grow with threads).
/// </para>
/// </remarks>
public sealed partial class DrainParser
{
    /// <summary>The generic parameter token.</summary>
    public const string ParameterToken = "<*>";

    private readonly Lock _sync = new();
    private readonly DrainOptions _options;
    private readonly Regex?[] _masks; // made when first needed where a scanner stands in for the pattern
    private readonly MaskScanner?[] _scanners;
    private readonly bool _anyScanner;
    private readonly string[] _placeholders;
    private readonly string[] _delimiters;
    private readonly int _maxNodeDepth;
    private readonly int _maxChildren;
    private readonly double _similarityThreshold;
    private readonly bool _parametrizeNumeric;
    private readonly int _maxTemplates;

    private readonly Dictionary<int, TreeNode> _root = [];
    private readonly Dictionary<int, List<Cluster>> _byLength = [];
    private readonly Dictionary<int, Cluster> _byId = [];
    private int _nextId = 1;
    private long _evicted;
    private long _messages;
    private Cluster? _lruHead;
    private Cluster? _lruTail;

    // Scratch space for the hot path; guarded by _sync.
    private char[] _bufferA = new char[512];
    private char[] _bufferB = new char[512];
    private int[] _tokenStart = new int[64];
    private int[] _tokenLength = new int[64];

    /// <summary>Creates a parser with the given options (validated and copied).</summary>
    /// <param name="options">The settings; <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentException">The options are not valid; the message lists every problem.</exception>
    public DrainParser(DrainOptions? options = null)
    {
        options ??= new DrainOptions();
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid Drain options:" + Environment.NewLine + "- " + string.Join(Environment.NewLine + "- ", problems), nameof(options));
        }

        _options = options.Clone();
        _scanners = [.. _options.Masks.Select(m => MaskScanner.For(m.Pattern))];
        _anyScanner = _scanners.Any(scanner => scanner is not null);
        _masks = [.. _options.Masks.Select((m, i) => _scanners[i] is null ? m.CreateRegex() : null)];
        _placeholders = [.. _options.Masks.Select(m => m.Placeholder)];
        _delimiters = [.. _options.ExtraDelimiters];
        _maxNodeDepth = _options.Depth - 2;
        _maxChildren = _options.MaxChildren;
        _similarityThreshold = _options.SimilarityThreshold;
        _parametrizeNumeric = _options.ParametrizeNumericTokens;
        _maxTemplates = _options.MaxTemplates ?? int.MaxValue;
    }

    /// <summary>A copy of the options this parser uses.</summary>
    public DrainOptions Options => _options.Clone();

    /// <summary>The number of templates currently held.</summary>
    public int TemplateCount
    {
        get
        {
            lock (_sync)
            {
                return _byId.Count;
            }
        }
    }

    /// <summary>The number of templates evicted because <see cref="DrainOptions.MaxTemplates"/> was reached.</summary>
    public long EvictedCount
    {
        get
        {
            lock (_sync)
            {
                return _evicted;
            }
        }
    }

    /// <summary>The number of messages learnt by <see cref="Parse(ReadOnlySpan{char})"/> since creation (snapshots included).</summary>
    public long MessageCount
    {
        get
        {
            lock (_sync)
            {
                return _messages;
            }
        }
    }

    /// <summary>A snapshot of all templates, ordered by id.</summary>
    public IReadOnlyList<LogTemplate> Templates
    {
        get
        {
            lock (_sync)
            {
                return [.. _byId.Values.OrderBy(c => c.Id).Select(c => new LogTemplate(c.Id, c.Text, c.Size))];
            }
        }
    }

    /// <summary>Returns the template with the given id.</summary>
    /// <param name="id">A template id.</param>
    /// <param name="template">The template, or <see langword="null"/>.</param>
    /// <returns><see langword="true"/> when the template exists (it may have been evicted).</returns>
    public bool TryGetTemplate(int id, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out LogTemplate? template)
    {
        lock (_sync)
        {
            if (_byId.TryGetValue(id, out var c))
            {
                template = new LogTemplate(c.Id, c.Text, c.Size);
                return true;
            }
        }

        template = null;
        return false;
    }

    /// <summary>Learns from one message (its content, without header fields) and returns its template.</summary>
    /// <param name="content">The message content.</param>
    /// <returns>The template the message was assigned to.</returns>
    public DrainResult Parse(string content)
    {
        ArgumentNullException.ThrowIfNull(content);
        return Parse(content.AsSpan());
    }

    /// <summary>Learns from one message (its content, without header fields) and returns its template.</summary>
    /// <param name="content">The message content.</param>
    /// <returns>The template the message was assigned to.</returns>
    public DrainResult Parse(ReadOnlySpan<char> content)
    {
        lock (_sync)
        {
            var text = Prepare(content, out var count);
            _messages++;
            var cluster = FindCluster(text, count, out var instance);
            if (cluster is null)
            {
                cluster = CreateCluster(text, count);
                cluster.Size = 1;
                return new DrainResult(cluster.Id, TemplateChange.Created, cluster.Text, 1);
            }

            var change = !instance && Generalise(cluster, text, count) ? TemplateChange.Updated : TemplateChange.None;
            cluster.Size++;
            Touch(cluster);
            return new DrainResult(cluster.Id, change, cluster.Text, cluster.Size);
        }
    }

    /// <summary>
    /// Finds the template that <see cref="Parse(ReadOnlySpan{char})"/> would assign the message to,
    /// without learning anything (inference mode).
    /// </summary>
    /// <param name="content">The message content.</param>
    /// <param name="result">The template (with <see cref="TemplateChange.None"/>) when found.</param>
    /// <returns><see langword="false"/> when the message would create a new template.</returns>
    public bool TryMatch(ReadOnlySpan<char> content, out DrainResult result)
    {
        lock (_sync)
        {
            var text = Prepare(content, out var count);
            var cluster = FindCluster(text, count, out _);
            if (cluster is null)
            {
                result = default;
                return false;
            }

            result = new DrainResult(cluster.Id, TemplateChange.None, cluster.Text, cluster.Size);
            return true;
        }
    }

    /// <summary>
    /// Returns the parameters of a message with respect to a template: the original text behind each
    /// <c>&lt;*&gt;</c> token and behind each named mask, in order.
    /// </summary>
    /// <param name="templateId">The template id, for example from <see cref="Parse(string)"/>.</param>
    /// <param name="content">The message content.</param>
    /// <returns>The parameters, or an empty list when the message does not fit the template
    /// (different token count or a differing constant token).</returns>
    /// <exception cref="KeyNotFoundException">No template has that id.</exception>
    public IReadOnlyList<TemplateParameter> ExtractParameters(int templateId, string content)
    {
        ArgumentNullException.ThrowIfNull(content);
        lock (_sync)
        {
            if (!_byId.TryGetValue(templateId, out var cluster))
            {
                throw new KeyNotFoundException(string.Create(CultureInfo.InvariantCulture, $"No template has id {templateId}."));
            }

            return ExtractParameters(cluster, content);
        }
    }

    // ---------------------------------------------------------------- hot path

    /// <summary>Masks, replaces extra delimiters and tokenises; token bounds land in the scratch arrays.</summary>
    private ReadOnlySpan<char> Prepare(ReadOnlySpan<char> content, out int count)
    {
        var text = Mask(content, out var buffer);
        if (_delimiters.Length > 0)
        {
            if (buffer == 0)
            {
                EnsureCapacity(ref _bufferA, text.Length, 0);
                text.CopyTo(_bufferA);
                buffer = 1;
            }

            // Each delimiter becomes as many spaces, so token offsets still index the masked text.
            var writable = (buffer == 1 ? _bufferA : _bufferB).AsSpan(0, text.Length);
            BlankDelimiters(writable);

            text = writable;
        }

        count = Tokenise(text);
        return text;
    }

    /// <summary>Replaces every extra delimiter by as many spaces (offsets into the text stay valid).</summary>
    private void BlankDelimiters(Span<char> text)
    {
        foreach (var delimiter in _delimiters)
        {
            var start = 0;
            int at;
            while ((at = text[start..].IndexOf(delimiter, StringComparison.Ordinal)) >= 0)
            {
                text.Slice(start + at, delimiter.Length).Fill(' ');
                start += at + delimiter.Length;
            }
        }
    }

    /// <summary>Applies the masks in order; <paramref name="buffer"/> tells where the result lives
    /// (0: the input itself, 1: <c>_bufferA</c>, 2: <c>_bufferB</c>).</summary>
    private ReadOnlySpan<char> Mask(ReadOnlySpan<char> content, out int buffer)
    {
        buffer = 0;
        var current = content;

        // The scanners stand for their regular expressions on ASCII text; the placeholders keep it ASCII.
        var ascii = _anyScanner && System.Text.Ascii.IsValid(content);
        for (var r = 0; r < _masks.Length; r++)
        {
            var toB = buffer == 1;
            ref var dest = ref toB ? ref _bufferB : ref _bufferA;
            var placeholder = _placeholders[r];
            var length = 0;
            var position = 0;
            if (ascii && _scanners[r] is { } scanner)
            {
                var index = scanner.Find(current, 0, out var matched);
                if (index < 0)
                {
                    continue;
                }

                do
                {
                    Append(ref dest, ref length, current[position..index]);
                    Append(ref dest, ref length, placeholder);
                    position = index + matched;
                    index = scanner.Find(current, position, out matched);
                }
                while (index >= 0);
            }
            else
            {
                var matches = RegexOf(r).EnumerateMatches(current);
                if (!matches.MoveNext())
                {
                    continue;
                }

                do
                {
                    var m = matches.Current;
                    if (m.Length == 0)
                    {
                        continue; // a zero-width match (such as \b) masks nothing
                    }

                    Append(ref dest, ref length, current[position..m.Index]);
                    Append(ref dest, ref length, placeholder);
                    position = m.Index + m.Length;
                }
                while (matches.MoveNext());
            }

            Append(ref dest, ref length, current[position..]);
            current = dest.AsSpan(0, length);
            buffer = toB ? 2 : 1;
        }

        return current;
    }

    /// <summary>Mask <paramref name="r"/>'s regular expression, made on first use where a scanner stands in for it
    /// (a line with non-ASCII text, or parameter extraction). Called under the parser's lock.</summary>
    private Regex RegexOf(int r) => _masks[r] ??= _options.Masks[r].CreateRegex();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Append(ref char[] buffer, ref int length, ReadOnlySpan<char> value)
    {
        if (length + value.Length > buffer.Length)
        {
            EnsureCapacity(ref buffer, length + value.Length, length);
        }

        value.CopyTo(buffer.AsSpan(length));
        length += value.Length;
    }

    private static void EnsureCapacity(ref char[] buffer, int needed, int keep)
    {
        if (needed <= buffer.Length)
        {
            return;
        }

        var bigger = new char[Math.Max(needed, buffer.Length * 2)];
        buffer.AsSpan(0, keep).CopyTo(bigger);
        buffer = bigger;
    }

    private int Tokenise(ReadOnlySpan<char> text)
    {
        // Room for the worst case (every other character a token) so that the loops need no checks.
        var maxTokens = (text.Length + 1) / 2;
        if (maxTokens > _tokenStart.Length)
        {
            var size = Math.Max(maxTokens, _tokenStart.Length * 2);
            _tokenStart = new int[size];
            _tokenLength = new int[size];
        }

        return Vector256.IsHardwareAccelerated && text.Length >= Vector256<ushort>.Count && !text.ContainsAnyExceptInRange(' ', '~')
            ? TokenisePrintableAscii(text, _tokenStart, _tokenLength)
            : TokeniseScalar(text, _tokenStart, _tokenLength);
    }

    private static int TokeniseScalar(ReadOnlySpan<char> text, int[] starts, int[] lengths)
    {
        var count = 0;
        var i = 0;
        while (true)
        {
            while (i < text.Length && IsSpace(text[i]))
            {
                i++;
            }

            if (i >= text.Length)
            {
                return count;
            }

            var start = i;
            do
            {
                i++;
            }
            while (i < text.Length && !IsSpace(text[i]));
            starts[count] = start;
            lengths[count] = i - start;
            count++;
        }
    }

    /// <summary>Tokenises text made only of printable ASCII (the only white space is ' '), 16 characters at a time.</summary>
    private static int TokenisePrintableAscii(ReadOnlySpan<char> text, int[] starts, int[] lengths)
    {
        ref var first = ref Unsafe.As<char, ushort>(ref MemoryMarshal.GetReference(text));
        var space = Vector256.Create((ushort)' ');
        var count = 0;
        var inToken = false;
        var tokenStart = 0;
        var block = 0;
        var length = text.Length;
        while (block < length)
        {
            // The last block overlaps the previous one; bits already seen are masked off below.
            var at = Math.Min(block, length - Vector256<ushort>.Count);
            var spaces = Vector256.Equals(Vector256.LoadUnsafe(ref first, (nuint)at), space).ExtractMostSignificantBits();
            var offset = block - at;
            while (offset < Vector256<ushort>.Count)
            {
                var pending = (inToken ? spaces : ~spaces & 0xFFFFu) & (0xFFFFu << offset);
                if (pending == 0)
                {
                    break;
                }

                offset = BitOperations.TrailingZeroCount(pending);
                if (inToken)
                {
                    starts[count] = tokenStart;
                    lengths[count] = at + offset - tokenStart;
                    count++;
                }
                else
                {
                    tokenStart = at + offset;
                }

                inToken = !inToken;
            }

            block = at + Vector256<ushort>.Count;
        }

        if (inToken)
        {
            starts[count] = tokenStart;
            lengths[count] = length - tokenStart;
            count++;
        }

        return count;
    }

    /// <summary>Unicode white space as <see cref="char.IsWhiteSpace(char)"/>, with a fast path for printable ASCII.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsSpace(char c) =>
        c <= ' ' ? c == ' ' || (uint)(c - '\t') <= '\r' - '\t' : c >= '\u0085' && char.IsWhiteSpace(c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ReadOnlySpan<char> Token(ReadOnlySpan<char> text, int i) => text.Slice(_tokenStart[i], _tokenLength[i]);

    /// <summary>Finds the template a message belongs to; <paramref name="instance"/> tells whether
    /// the message is an instance of it (so that it needs no generalisation).</summary>
    private Cluster? FindCluster(ReadOnlySpan<char> text, int count, out bool instance)
    {
        var leaf = SearchTree(text, count);
        if (leaf?.Clusters is { Count: > 0 } clusters)
        {
            var best = BestMatch(clusters, text, count, out instance);
            if (best is not null)
            {
                return best;
            }
        }

        instance = true;

        // No template of the leaf is similar enough. A message that is an instance of a template of
        // its length (every constant token equal) still belongs to it: this keeps template ids stable
        // when a template has become mostly parameters, or when a tree branch was added later.
        return _byLength.TryGetValue(count, out var sameLength) ? FindInstance(sameLength, text, count) : null;
    }

    private TreeNode? SearchTree(ReadOnlySpan<char> text, int count)
    {
        if (!_root.TryGetValue(count, out var node))
        {
            return null;
        }

        var depth = 1;
        for (var i = 0; i < count; i++)
        {
            if (depth >= _maxNodeDepth)
            {
                break;
            }

            if (node.Children is null)
            {
                return null;
            }

            var token = Token(text, i);
            if ((_parametrizeNumeric && token.ContainsAnyInRange('0', '9')) || !node.Lookup.TryGetValue(token, out var child))
            {
                if (!node.Children.TryGetValue(ParameterToken, out child))
                {
                    return null;
                }
            }

            node = child;
            depth++;
        }

        return node;
    }

    private Cluster? BestMatch(List<Cluster> clusters, ReadOnlySpan<char> text, int count, out bool instance)
    {
        Cluster? best = null;
        instance = false;
        var maxSimilarity = -1.0;
        var maxParameters = -1;
        foreach (var cluster in clusters)
        {
            var tokens = cluster.Tokens;
            var same = 0;
            var parameters = 0;
            for (var i = 0; i < tokens.Length; i++)
            {
                var t = tokens[i];
                if (ReferenceEquals(t, ParameterToken))
                {
                    parameters++;
                }
                else if (t.AsSpan().SequenceEqual(Token(text, i)))
                {
                    same++;
                }
            }

            var similarity = count == 0 ? 1.0 : (double)same / count;
            if (similarity > maxSimilarity || (similarity == maxSimilarity && parameters > maxParameters))
            {
                maxSimilarity = similarity;
                maxParameters = parameters;
                best = cluster;
                instance = same + parameters == count;
            }
        }

        return maxSimilarity >= _similarityThreshold ? best : null;
    }

    private Cluster? FindInstance(List<Cluster> clusters, ReadOnlySpan<char> text, int count)
    {
        Cluster? best = null;
        var fewestParameters = int.MaxValue;
        foreach (var cluster in clusters)
        {
            var tokens = cluster.Tokens;
            var parameters = 0;
            var instance = true;
            for (var i = 0; i < count; i++)
            {
                var t = tokens[i];
                if (ReferenceEquals(t, ParameterToken))
                {
                    parameters++;
                }
                else if (!t.AsSpan().SequenceEqual(Token(text, i)))
                {
                    instance = false;
                    break;
                }
            }

            if (instance && parameters < fewestParameters)
            {
                fewestParameters = parameters;
                best = cluster;
            }
        }

        return best;
    }

    private bool Generalise(Cluster cluster, ReadOnlySpan<char> text, int count)
    {
        var tokens = cluster.Tokens;
        var changed = false;
        for (var i = 0; i < count; i++)
        {
            var t = tokens[i];
            if (!ReferenceEquals(t, ParameterToken) && !t.AsSpan().SequenceEqual(Token(text, i)))
            {
                tokens[i] = ParameterToken;
                changed = true;
            }
        }

        if (changed)
        {
            cluster.InvalidateText();
        }

        return changed;
    }

    private Cluster CreateCluster(ReadOnlySpan<char> text, int count)
    {
        var tokens = new string[count];
        for (var i = 0; i < count; i++)
        {
            var token = Token(text, i);
            tokens[i] = token.SequenceEqual(ParameterToken) ? ParameterToken : new string(token);
        }

        var cluster = new Cluster(_nextId++, tokens);
        Register(cluster);
        AddToTree(cluster);
        if (_byId.Count > _maxTemplates)
        {
            Evict(_lruTail!);
        }

        return cluster;
    }

    private void Register(Cluster cluster)
    {
        _byId.Add(cluster.Id, cluster);
        var length = cluster.Tokens.Length;
        if (!_byLength.TryGetValue(length, out var list))
        {
            list = [];
            _byLength.Add(length, list);
        }

        list.Add(cluster);
        LinkFirst(cluster);
    }

    private void AddToTree(Cluster cluster)
    {
        var tokens = cluster.Tokens;
        if (!_root.TryGetValue(tokens.Length, out var node))
        {
            node = new TreeNode();
            _root.Add(tokens.Length, node);
        }

        var depth = 1;
        foreach (var token in tokens)
        {
            if (depth >= _maxNodeDepth)
            {
                break;
            }

            var children = node.EnsureChildren();
            if (children.TryGetValue(token, out var child))
            {
                node = child;
            }
            else if (_parametrizeNumeric && token.AsSpan().ContainsAnyInRange('0', '9'))
            {
                node = node.GetOrAdd(ParameterToken);
            }
            else if (children.ContainsKey(ParameterToken))
            {
                node = children.Count < _maxChildren ? node.GetOrAdd(token) : children[ParameterToken];
            }
            else if (children.Count + 1 < _maxChildren)
            {
                node = node.GetOrAdd(token);
            }
            else
            {
                // The last free child slot is kept for the <*> branch.
                node = node.GetOrAdd(ParameterToken);
            }

            depth++;
        }

        (node.Clusters ??= []).Add(cluster);
        cluster.Leaf = node;
    }

    // ---------------------------------------------------------------- LRU

    private void Touch(Cluster cluster)
    {
        if (_maxTemplates == int.MaxValue || ReferenceEquals(_lruHead, cluster))
        {
            return;
        }

        Unlink(cluster);
        LinkFirst(cluster);
    }

    private void LinkFirst(Cluster cluster)
    {
        cluster.Previous = null;
        cluster.Next = _lruHead;
        if (_lruHead is not null)
        {
            _lruHead.Previous = cluster;
        }

        _lruHead = cluster;
        _lruTail ??= cluster;
    }

    private void LinkLast(Cluster cluster)
    {
        cluster.Next = null;
        cluster.Previous = _lruTail;
        if (_lruTail is not null)
        {
            _lruTail.Next = cluster;
        }

        _lruTail = cluster;
        _lruHead ??= cluster;
    }

    private void Unlink(Cluster cluster)
    {
        if (cluster.Previous is not null)
        {
            cluster.Previous.Next = cluster.Next;
        }
        else
        {
            _lruHead = cluster.Next;
        }

        if (cluster.Next is not null)
        {
            cluster.Next.Previous = cluster.Previous;
        }
        else
        {
            _lruTail = cluster.Previous;
        }

        cluster.Previous = null;
        cluster.Next = null;
    }

    private void Evict(Cluster cluster)
    {
        Unlink(cluster);
        _byId.Remove(cluster.Id);
        _byLength[cluster.Tokens.Length].Remove(cluster);
        cluster.Leaf?.Clusters?.Remove(cluster);
        _evicted++;
    }

    // ---------------------------------------------------------------- types

    private sealed class Cluster(int id, string[] tokens)
    {
        private string? _text;

        public int Id { get; } = id;

        public string[] Tokens { get; } = tokens;

        public long Size { get; set; }

        public TreeNode? Leaf { get; set; }

        public Cluster? Previous { get; set; }

        public Cluster? Next { get; set; }

        public string Text => _text ??= string.Join(' ', Tokens);

        public void InvalidateText() => _text = null;
    }

    private sealed class TreeNode
    {
        public Dictionary<string, TreeNode>? Children { get; private set; }

        public Dictionary<string, TreeNode>.AlternateLookup<ReadOnlySpan<char>> Lookup { get; private set; }

        public List<Cluster>? Clusters { get; set; }

        public Dictionary<string, TreeNode> EnsureChildren()
        {
            if (Children is null)
            {
                Children = new Dictionary<string, TreeNode>(StringComparer.Ordinal);
                Lookup = Children.GetAlternateLookup<ReadOnlySpan<char>>();
            }

            return Children;
        }

        public TreeNode GetOrAdd(string key)
        {
            var children = EnsureChildren();
            if (!children.TryGetValue(key, out var child))
            {
                child = new TreeNode();
                children.Add(key, child);
            }

            return child;
        }
    }
}
