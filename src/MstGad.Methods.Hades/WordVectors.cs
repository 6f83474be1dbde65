using System.Globalization;
using System.Text;

namespace MstGad.Methods.Hades;

/// <summary>The settings of <see cref="WordVectors.Train"/> (fastText's CBOW with hashed character n-grams).</summary>
public sealed class WordVectorOptions
{
    /// <summary>Vector dimension (Hades: 32).</summary>
    public int Dimension { get; set; } = 32;

    /// <summary>Context words on each side of the predicted word.</summary>
    public int Window { get; set; } = 3;

    /// <summary>Negative samples per prediction.</summary>
    public int Negatives { get; set; } = 5;

    /// <summary>Passes over the sentences.</summary>
    public int Epochs { get; set; } = 20;

    /// <summary>The starting learning rate (decays linearly to 0).</summary>
    public double LearningRate { get; set; } = 0.05;

    /// <summary>The shortest character n-gram of a word (of <c>&lt;word&gt;</c>).</summary>
    public int MinN { get; set; } = 3;

    /// <summary>The longest character n-gram of a word.</summary>
    public int MaxN { get; set; } = 6;

    /// <summary>Hash buckets the n-grams share.</summary>
    public int Buckets { get; set; } = 1 << 14;

    /// <summary>The seed of initialisation and sampling.</summary>
    public long Seed { get; set; } = 42;

    /// <summary>Every problem of the settings (empty when valid).</summary>
    /// <returns>The problems.</returns>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        void Check(bool ok, string message)
        {
            if (!ok)
            {
                problems.Add(message);
            }
        }

        var c = CultureInfo.InvariantCulture;
        Check(Dimension is >= 1 and <= 1024, string.Create(c, $"Dimension must be from 1 to 1024; it is {Dimension}."));
        Check(Window is >= 1 and <= 50, string.Create(c, $"Window must be from 1 to 50; it is {Window}."));
        Check(Negatives is >= 1 and <= 100, string.Create(c, $"Negatives must be from 1 to 100; it is {Negatives}."));
        Check(Epochs is >= 1 and <= 10_000, string.Create(c, $"Epochs must be from 1 to 10000; it is {Epochs}."));
        Check(LearningRate is > 0 and <= 1, string.Create(c, $"LearningRate must be in (0, 1]; it is {LearningRate}."));
        Check(MinN >= 1 && MaxN >= MinN && MaxN <= 20, string.Create(c, $"MinN and MaxN must satisfy 1 ≤ MinN ≤ MaxN ≤ 20; they are {MinN} and {MaxN}."));
        Check(Buckets is >= 1 and <= 1 << 24, string.Create(c, $"Buckets must be from 1 to 16777216; it is {Buckets}."));
        return problems;
    }

    /// <summary>A copy.</summary>
    /// <returns>The copy.</returns>
    public WordVectorOptions Clone() => (WordVectorOptions)MemberwiseClone();
}

/// <summary>
/// Word vectors trained in the library, as Hades embeds log templates: fastText's continuous bag of words with
/// negative sampling, each word the mean of its own vector and its hashed character n-grams (so a word never seen in
/// training still has a vector from its n-grams). Single-threaded and seeded: the same sentences and options give the
/// same bits.
/// </summary>
public sealed class WordVectors
{
    private const int FormatVersion = 1;
    private readonly WordVectorOptions _options;
    private readonly Dictionary<string, int> _index;
    private readonly string[] _words;
    private readonly float[] _input; // [(words + buckets) × dimension]

    private WordVectors(WordVectorOptions options, string[] words, float[] input)
    {
        _options = options;
        _words = words;
        _index = words.Select((w, i) => (w, i)).ToDictionary(p => p.w, p => p.i, StringComparer.Ordinal);
        _input = input;
    }

    /// <summary>The vector dimension.</summary>
    public int Dimension => _options.Dimension;

    /// <summary>The words seen in training, in order of first appearance.</summary>
    public IReadOnlyList<string> Words => _words;

    /// <summary>The words of a text: its runs of letters, lower-cased (digits, punctuation and <c>&lt;*&gt;</c> separate them).</summary>
    /// <param name="text">The text, such as a log template.</param>
    /// <returns>The words, in order.</returns>
    public static IReadOnlyList<string> Tokens(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = new List<string>();
        var start = -1;
        for (var i = 0; i <= text.Length; i++)
        {
            var letter = i < text.Length && char.IsLetter(text[i]);
            if (letter && start < 0)
            {
                start = i;
            }
            else if (!letter && start >= 0)
            {
                tokens.Add(text[start..i].ToLowerInvariant());
                start = -1;
            }
        }

        return tokens;
    }

    /// <summary>Trains word vectors on sentences (for Hades: the log templates of the training lines).</summary>
    /// <param name="sentences">The sentences; their words are <see cref="Tokens"/>.</param>
    /// <param name="options">The settings (copied); <see langword="null"/> for the defaults.</param>
    /// <returns>The vectors.</returns>
    /// <exception cref="ArgumentException">The options are not valid.</exception>
    public static WordVectors Train(IEnumerable<string> sentences, WordVectorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(sentences);
        options = (options ?? new WordVectorOptions()).Clone();
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid word-vector options: " + string.Join(" ", problems), nameof(options));
        }

        var words = new List<string>();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var counts = new List<long>();
        var corpus = new List<int[]>();
        foreach (var sentence in sentences)
        {
            var ids = Tokens(sentence).Select(w =>
            {
                if (!index.TryGetValue(w, out var id))
                {
                    (id, index[w]) = (words.Count, words.Count);
                    words.Add(w);
                    counts.Add(0);
                }

                counts[id]++;
                return id;
            }).ToArray();
            if (ids.Length > 0)
            {
                corpus.Add(ids);
            }
        }

        var d = options.Dimension;
        var rows = words.Count + options.Buckets;
        var random = new SplitMix(options.Seed);
        var input = new float[rows * d];
        for (var i = 0; i < input.Length; i++)
        {
            input[i] = (float)((random.NextDouble() * 2 - 1) / d);
        }

        var result = new WordVectors(options, [.. words], input);
        if (words.Count < 2)
        {
            return result; // nothing to predict from: the initial vectors (their n-grams still tell words apart)
        }

        var output = new float[words.Count * d];
        var subwords = words.Select(result.Subwords).ToArray();
        var negatives = NegativeTable(counts, random);
        var total = (double)options.Epochs * corpus.Sum(s => s.Length);
        var seen = 0L;
        var hidden = new float[d];
        var gradient = new float[d];
        var context = new List<int>();
        for (var epoch = 0; epoch < options.Epochs; epoch++)
        {
            foreach (var sentence in corpus)
            {
                for (var position = 0; position < sentence.Length; position++, seen++)
                {
                    var rate = (float)(options.LearningRate * (1 - (seen / total)));
                    var reach = 1 + (int)(random.Next() % (ulong)options.Window);
                    context.Clear();
                    for (var c = Math.Max(0, position - reach); c <= Math.Min(sentence.Length - 1, position + reach); c++)
                    {
                        if (c != position)
                        {
                            context.AddRange(subwords[sentence[c]]);
                        }
                    }

                    if (context.Count == 0)
                    {
                        continue;
                    }

                    Array.Clear(hidden);
                    foreach (var row in context)
                    {
                        Add(hidden, input.AsSpan(row * d, d), 1f / context.Count);
                    }

                    Array.Clear(gradient);
                    Learn(sentence[position], 1);
                    for (var n = 0; n < options.Negatives; n++)
                    {
                        var negative = negatives[(int)(random.Next() % (ulong)negatives.Length)];
                        if (negative != sentence[position])
                        {
                            Learn(negative, 0);
                        }
                    }

                    foreach (var row in context)
                    {
                        Add(input.AsSpan(row * d, d), gradient, 1);
                    }

                    void Learn(int target, float label)
                    {
                        var weights = output.AsSpan(target * d, d);
                        var score = 0f;
                        for (var i = 0; i < d; i++)
                        {
                            score += hidden[i] * weights[i];
                        }

                        var g = rate * (label - (1 / (1 + MathF.Exp(-Math.Clamp(score, -30, 30)))));
                        Add(gradient, weights, g);
                        Add(weights, hidden, g);
                    }
                }
            }
        }

        return result;
    }

    /// <summary>A word's vector: the mean of its own vector (when it was seen in training) and its n-grams' vectors.</summary>
    /// <param name="word">A word (lower-case letters, as <see cref="Tokens"/> gives them).</param>
    /// <returns>A new vector of <see cref="Dimension"/> values.</returns>
    public float[] Word(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        var d = Dimension;
        var vector = new float[d];
        var rows = Subwords(word);
        foreach (var row in rows)
        {
            Add(vector, _input.AsSpan(row * d, d), 1f / rows.Length);
        }

        return vector;
    }

    /// <summary>A text's vector (a log template's): the mean of its words' vectors, each scaled to unit length; zero when it has no word.</summary>
    /// <param name="text">The text.</param>
    /// <returns>A new vector of <see cref="Dimension"/> values.</returns>
    public float[] Sentence(string text)
    {
        var tokens = Tokens(text);
        var vector = new float[Dimension];
        foreach (var token in tokens)
        {
            var w = Word(token);
            var norm = MathF.Sqrt(w.Sum(x => x * x));
            if (norm > 0)
            {
                Add(vector, w, 1f / (norm * tokens.Count));
            }
        }

        return vector;
    }

    /// <summary>The cosine similarity of two words' vectors.</summary>
    /// <param name="a">A word.</param>
    /// <param name="b">Another word.</param>
    /// <returns>The cosine, in [−1, 1] (0 when a vector is zero).</returns>
    public double Similarity(string a, string b)
    {
        var (x, y) = (Word(a), Word(b));
        double dot = 0, xx = 0, yy = 0;
        for (var i = 0; i < x.Length; i++)
        {
            (dot, xx, yy) = (dot + ((double)x[i] * y[i]), xx + ((double)x[i] * x[i]), yy + ((double)y[i] * y[i]));
        }

        return xx == 0 || yy == 0 ? 0 : dot / Math.Sqrt(xx * yy);
    }

    /// <summary>Writes the settings, the words and the input vectors (versioned).</summary>
    /// <param name="writer">The writer.</param>
    public void Save(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(FormatVersion);
        var o = _options;
        foreach (var v in (int[])[o.Dimension, o.Window, o.Negatives, o.Epochs, o.MinN, o.MaxN, o.Buckets])
        {
            writer.Write(v);
        }

        writer.Write(o.LearningRate);
        writer.Write(o.Seed);
        writer.Write(_words.Length);
        foreach (var w in _words)
        {
            writer.Write(w);
        }

        foreach (var v in _input)
        {
            writer.Write(v);
        }
    }

    /// <summary>Reads what <see cref="Save"/> wrote.</summary>
    /// <param name="reader">The reader.</param>
    /// <returns>The vectors.</returns>
    /// <exception cref="InvalidDataException">Another version, invalid settings or truncated data.</exception>
    public static WordVectors Load(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        try
        {
            var version = reader.ReadInt32();
            if (version != FormatVersion)
            {
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"Word vectors of format {version} are not supported; this build reads format {FormatVersion}."));
            }

            var o = new WordVectorOptions
            {
                Dimension = reader.ReadInt32(),
                Window = reader.ReadInt32(),
                Negatives = reader.ReadInt32(),
                Epochs = reader.ReadInt32(),
                MinN = reader.ReadInt32(),
                MaxN = reader.ReadInt32(),
                Buckets = reader.ReadInt32(),
                LearningRate = reader.ReadDouble(),
                Seed = reader.ReadInt64(),
            };
            var count = reader.ReadInt32();
            if (o.Validate().Count > 0 || count is < 0 or > 10_000_000)
            {
                throw new InvalidDataException("Word vectors are corrupt: " + string.Join(" ", o.Validate()));
            }

            var words = new string[count];
            for (var i = 0; i < count; i++)
            {
                words[i] = reader.ReadString();
            }

            var input = new float[(count + o.Buckets) * o.Dimension];
            for (var i = 0; i < input.Length; i++)
            {
                input[i] = reader.ReadSingle();
            }

            return new WordVectors(o, words, input);
        }
        catch (EndOfStreamException ex)
        {
            throw new InvalidDataException("Word vectors are truncated.", ex);
        }
    }

    /// <summary>The input rows of a word: its own (when known), then one per character n-gram of <c>&lt;word&gt;</c>.</summary>
    private int[] Subwords(string word)
    {
        var rows = new List<int>();
        if (_index.TryGetValue(word, out var id))
        {
            rows.Add(id);
        }

        var padded = "<" + word + ">";
        for (var start = 0; start < padded.Length; start++)
        {
            for (var n = _options.MinN; n <= _options.MaxN && start + n <= padded.Length; n++)
            {
                if (n == padded.Length)
                {
                    continue; // the whole word is its own row
                }

                rows.Add(_words.Length + (int)(Hash(padded.AsSpan(start, n)) % (uint)_options.Buckets));
            }
        }

        if (rows.Count == 0)
        {
            rows.Add(_words.Length + (int)(Hash(padded) % (uint)_options.Buckets)); // a word too short for any n-gram
        }

        return [.. rows];
    }

    /// <summary>FNV-1a (32 bits) over the UTF-8 bytes, as fastText hashes n-grams.</summary>
    private static uint Hash(ReadOnlySpan<char> text)
    {
        Span<byte> bytes = stackalloc byte[Encoding.UTF8.GetMaxByteCount(text.Length)];
        var length = Encoding.UTF8.GetBytes(text, bytes);
        var hash = 2166136261u;
        foreach (var b in bytes[..length])
        {
            hash = (hash ^ b) * 16777619u;
        }

        return hash;
    }

    /// <summary>Words drawn in proportion to count^0.5 (fastText's negative sampling), shuffled.</summary>
    private static int[] NegativeTable(List<long> counts, SplitMix random)
    {
        const int size = 100_000;
        var weights = counts.Select(c => Math.Sqrt(c)).ToArray();
        var sum = weights.Sum();
        var table = new List<int>(size);
        for (var w = 0; w < weights.Length; w++)
        {
            var copies = Math.Max(1, (int)Math.Round(weights[w] / sum * size));
            table.AddRange(Enumerable.Repeat(w, copies));
        }

        var array = table.ToArray();
        for (var i = array.Length - 1; i > 0; i--)
        {
            var j = (int)(random.Next() % (ulong)(i + 1));
            (array[i], array[j]) = (array[j], array[i]);
        }

        return array;
    }

    private static void Add(Span<float> target, ReadOnlySpan<float> source, float scale)
    {
        for (var i = 0; i < target.Length; i++)
        {
            target[i] += source[i] * scale;
        }
    }

    /// <summary>SplitMix64: a seeded generator whose sequence does not depend on the .NET version.</summary>
    private sealed class SplitMix(long seed)
    {
        private ulong _state = unchecked((ulong)seed);

        public ulong Next()
        {
            var z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }

        public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));
    }
}
