namespace MstGad.Simulation;

/// <summary>
/// A small, fast, seedable generator (SplitMix64) whose sequence depends only on its seed — never on
/// the process, the platform or the .NET version — so that a simulation is reproducible anywhere.
/// </summary>
internal struct Rng
{
    private const string HexDigits = "0123456789abcdef";
    private ulong _state;

    public Rng(ulong seed)
    {
        _state = seed;
    }

    /// <summary>A generator for one purpose of one piece of a simulation: the seed mixed with up to three labels.</summary>
    public static Rng For(long seed, ulong purpose, long a = 0, long b = 0) =>
        new(Mix(Mix(Mix((ulong)seed ^ 0x9E3779B97F4A7C15UL) ^ purpose) ^ (ulong)a) ^ Mix((ulong)b + 0x632BE59BD9B4E019UL));

    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A stable 64-bit FNV-1a hash of a string (for names and labels).</summary>
    public static ulong Hash(string text)
    {
        var h = 14695981039346656037UL;
        foreach (var c in text)
        {
            h = (h ^ c) * 1099511628211UL;
        }

        return h;
    }

    public ulong NextUInt64()
    {
        _state += 0x9E3779B97F4A7C15UL;
        return Mix(_state);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [0, max).</summary>
    public int Next(int max) => max <= 1 ? 0 : (int)(NextUInt64() % (ulong)max);

    /// <summary>Uniform in [min, max).</summary>
    public double Uniform(double min, double max) => min + ((max - min) * NextDouble());

    public bool Chance(double probability) => NextDouble() < probability;

    /// <summary>A standard normal deviate (Box–Muller).</summary>
    public double Normal()
    {
        var u = 1.0 - NextDouble();
        var v = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u)) * Math.Cos(2.0 * Math.PI * v);
    }

    /// <summary>A log-normal factor with median 1 and the given σ of its logarithm.</summary>
    public double LogNormal(double sigma) => Math.Exp(sigma * Normal());

    /// <summary>A Poisson count with mean <paramref name="mean"/> (Knuth below 30, a rounded normal above).</summary>
    public int Poisson(double mean)
    {
        if (mean <= 0)
        {
            return 0;
        }

        if (mean >= 30)
        {
            return Math.Max(0, (int)Math.Round(mean + (Math.Sqrt(mean) * Normal())));
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

    /// <summary>Lower-case hexadecimal of the given number of random digits (at most 64).</summary>
    public string Hex(int digits)
    {
        Span<char> text = stackalloc char[digits];
        ulong bits = 0;
        for (var i = 0; i < digits; i++)
        {
            if (i % 16 == 0)
            {
                bits = NextUInt64();
            }

            text[i] = HexDigits[(int)(bits & 0xF)];
            bits >>= 4;
        }

        return new string(text);
    }

    /// <summary>A random UUID-formatted string.</summary>
    public string Uuid()
    {
        var h = Hex(32);
        return $"{h[..8]}-{h[8..12]}-{h[12..16]}-{h[16..20]}-{h[20..]}";
    }
}
