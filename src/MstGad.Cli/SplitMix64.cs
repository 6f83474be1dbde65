namespace MstGad.Cli;

/// <summary>
/// A seedable generator (SplitMix64) whose sequence depends only on its seed — never on the process, the
/// platform or the .NET version — so that <c>mstgad inject</c> writes the same bytes for the same seed anywhere.
/// </summary>
internal sealed class SplitMix64
{
    private const string HexDigits = "0123456789abcdef";
    private ulong _state;

    public SplitMix64(ulong seed)
    {
        _state = seed;
    }

    /// <summary>A generator for one purpose: the seed mixed with a purpose and up to two indices.</summary>
    public static SplitMix64 For(long seed, ulong purpose, long a = 0, long b = 0) =>
        new(Mix(Mix(Mix((ulong)seed ^ 0x9E3779B97F4A7C15UL) ^ purpose) ^ (ulong)a) ^ Mix((ulong)b + 0x632BE59BD9B4E019UL));

    public ulong NextUInt64()
    {
        _state += 0x9E3779B97F4A7C15UL;
        return Mix(_state);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [0, <paramref name="max"/>).</summary>
    public int Next(int max) => max <= 1 ? 0 : (int)(NextUInt64() % (ulong)max);

    /// <summary>Uniform in [0, <paramref name="max"/>).</summary>
    public long NextInt64(long max) => max <= 1 ? 0 : (long)(NextUInt64() % (ulong)max);

    /// <summary>Uniform in [<paramref name="min"/>, <paramref name="max"/>).</summary>
    public double Uniform(double min, double max) => min + ((max - min) * NextDouble());

    /// <summary>A Poisson count (Knuth's method below a mean of 30, a rounded normal deviate above).</summary>
    public int Poisson(double mean)
    {
        if (mean <= 0)
        {
            return 0;
        }

        if (mean >= 30)
        {
            var u = 1.0 - NextDouble();
            var v = NextDouble();
            var normal = Math.Sqrt(-2.0 * Math.Log(u)) * Math.Cos(2.0 * Math.PI * v);
            return Math.Max(0, (int)Math.Round(mean + (Math.Sqrt(mean) * normal)));
        }

        var limit = Math.Exp(-mean);
        var k = 0;
        var p = NextDouble();
        while (p > limit)
        {
            k++;
            p *= NextDouble();
        }

        return k;
    }

    /// <summary>Lower-case hexadecimal digits, such as a trace id (32) or a span id (16).</summary>
    public string Hex(int digits)
    {
        Span<char> chars = stackalloc char[digits];
        for (var i = 0; i < digits; i += 16)
        {
            var bits = NextUInt64();
            for (var j = i; j < Math.Min(digits, i + 16); j++)
            {
                chars[j] = HexDigits[(int)(bits & 0xF)];
                bits >>= 4;
            }
        }

        return new string(chars);
    }

    /// <summary>Shuffles a list in place (Fisher–Yates).</summary>
    public void Shuffle<T>(IList<T> list)
    {
        for (var i = list.Count - 1; i > 0; i--)
        {
            var j = Next(i + 1);
            (list[i], list[j]) = (list[j], list[i]);
        }
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
