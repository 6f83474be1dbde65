using System.Buffers;

namespace MstGad.Parsing;

/// <summary>
/// A hand-written recogniser for one of the common masking patterns, giving exactly the matches of the regular
/// expression it stands for (leftmost first, each search resuming where the last match ended) on ASCII text, where
/// <c>\d</c> is <c>[0-9]</c> and <c>\w</c> is <c>[A-Za-z0-9_]</c>. Lines with other characters keep the regular
/// expression (<see cref="DrainParser"/> checks). Patterns it does not know keep the regular expression too.
/// </summary>
internal abstract class MaskScanner
{
    private static readonly SearchValues<char> Digits = SearchValues.Create("0123456789");
    private static readonly SearchValues<char> DigitsAndSigns = SearchValues.Create("0123456789+-");
    private static readonly SearchValues<char> HexDigits = SearchValues.Create("0123456789abcdefABCDEF");
    private static readonly SearchValues<char> WordCharacters = SearchValues.Create("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz");

    /// <summary>The regular expression this scanner stands for.</summary>
    public abstract string Pattern { get; }

    /// <summary>The scanner for <paramref name="pattern"/> (compared as written), or null.</summary>
    public static MaskScanner? For(string pattern) => pattern switch
    {
        BlockId.Text => new BlockId(),
        Ipv4.Unbounded => new Ipv4(bounded: false, port: true),
        Ipv4.UnboundedWithoutPort => new Ipv4(bounded: false, port: false),
        Ipv4.Bounded => new Ipv4(bounded: true, port: true),
        DigitRun.Text => new DigitRun(),
        Uuid.Text => new Uuid(),
        HexWord.Text => new HexWord(),
        Number.Text => new Number(),
        _ => null,
    };

    /// <summary>The leftmost match that starts at or after <paramref name="from"/> (characters before it are still
    /// seen by look-behinds and word boundaries): its index, or −1.</summary>
    public abstract int Find(ReadOnlySpan<char> text, int from, out int length);

    private static bool IsDigit(char c) => char.IsAsciiDigit(c);

    private static bool IsWord(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

    private static int SkipDigits(ReadOnlySpan<char> text, int i)
    {
        while (i < text.Length && IsDigit(text[i]))
        {
            i++;
        }

        return i;
    }

    private static int NextDigit(ReadOnlySpan<char> text, int from)
    {
        var at = text[from..].IndexOfAny(Digits);
        return at < 0 ? -1 : from + at;
    }

    /// <summary><c>blk_-?\d+</c></summary>
    private sealed class BlockId : MaskScanner
    {
        public const string Text = @"blk_-?\d+";

        public override string Pattern => Text;

        public override int Find(ReadOnlySpan<char> text, int from, out int length)
        {
            for (var p = from; p < text.Length;)
            {
                var at = text[p..].IndexOf("blk_", StringComparison.Ordinal);
                if (at < 0)
                {
                    break;
                }

                p += at;
                var i = p + 4;
                if (i + 1 < text.Length && text[i] == '-' && IsDigit(text[i + 1]))
                {
                    i++;
                }

                if (i < text.Length && IsDigit(text[i]))
                {
                    length = SkipDigits(text, i) - p;
                    return p;
                }

                p++;
            }

            length = 0;
            return -1;
        }
    }

    /// <summary><c>\d+</c></summary>
    private sealed class DigitRun : MaskScanner
    {
        public const string Text = @"\d+";

        public override string Pattern => Text;

        public override int Find(ReadOnlySpan<char> text, int from, out int length)
        {
            var p = NextDigit(text, from);
            length = p < 0 ? 0 : SkipDigits(text, p) - p;
            return p;
        }
    }

    /// <summary><c>(\d+\.){3}\d+(:\d+)?</c>, <c>(\d+\.){3}\d+</c> and <c>(\d{1,3}\.){3}\d{1,3}(:\d+)?</c>.</summary>
    private sealed class Ipv4(bool bounded, bool port) : MaskScanner
    {
        public const string Unbounded = @"(\d+\.){3}\d+(:\d+)?";
        public const string UnboundedWithoutPort = @"(\d+\.){3}\d+";
        public const string Bounded = @"(\d{1,3}\.){3}\d{1,3}(:\d+)?";

        public override string Pattern => bounded ? Bounded : port ? Unbounded : UnboundedWithoutPort;

        public override int Find(ReadOnlySpan<char> text, int from, out int length)
        {
            for (var a = NextDigit(text, from); a >= 0; a = NextDigit(text, a))
            {
                // Every start inside one run of digits reaches the same character after the run, so one start per run
                // decides: its first digit, or (with at most three digits per group) the third digit from its end.
                var b = SkipDigits(text, a);
                var p = bounded ? Math.Max(a, b - 3) : a;
                var end = Match(text, p);
                if (end > 0)
                {
                    length = end - p;
                    return p;
                }

                if (b >= text.Length)
                {
                    break;
                }

                a = b;
            }

            length = 0;
            return -1;
        }

        /// <summary>The end of the match that starts at <paramref name="p"/>, or −1.</summary>
        private int Match(ReadOnlySpan<char> text, int p)
        {
            var i = p;
            for (var group = 0; group < 3; group++)
            {
                var j = DigitsFrom(text, i);
                if (j == i || j >= text.Length || text[j] != '.')
                {
                    return -1;
                }

                i = j + 1;
            }

            var end = DigitsFrom(text, i);
            if (end == i)
            {
                return -1;
            }

            return port && end + 1 < text.Length && text[end] == ':' && IsDigit(text[end + 1]) ? SkipDigits(text, end + 1) : end;
        }

        /// <summary>Past the digits from <paramref name="i"/>: all of them, or at most three when bounded.</summary>
        private int DigitsFrom(ReadOnlySpan<char> text, int i)
        {
            var limit = bounded ? Math.Min(text.Length, i + 3) : text.Length;
            var j = i;
            while (j < limit && IsDigit(text[j]))
            {
                j++;
            }

            return j;
        }
    }

    /// <summary><c>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}</c></summary>
    private sealed class Uuid : MaskScanner
    {
        public const string Text = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";

        public override string Pattern => Text;

        public override int Find(ReadOnlySpan<char> text, int from, out int length)
        {
            // A match's first hyphen is its ninth character: candidates in order of their hyphens.
            for (var d = from + 8; d + 28 <= text.Length; d++)
            {
                var at = text[d..].IndexOf('-');
                if (at < 0)
                {
                    break;
                }

                d += at;
                var p = d - 8;
                if (d + 28 <= text.Length && Hex(text, p, 8) && Hex(text, d + 1, 4) && text[d + 5] == '-' && Hex(text, d + 6, 4)
                    && text[d + 10] == '-' && Hex(text, d + 11, 4) && text[d + 15] == '-' && Hex(text, d + 16, 12))
                {
                    length = 36;
                    return p;
                }
            }

            length = 0;
            return -1;
        }

        private static bool Hex(ReadOnlySpan<char> text, int at, int count) => !text.Slice(at, count).ContainsAnyExcept(HexDigits);
    }

    /// <summary><c>\b[0-9a-fA-F]{16,}\b</c></summary>
    private sealed class HexWord : MaskScanner
    {
        public const string Text = @"\b[0-9a-fA-F]{16,}\b";

        public override string Pattern => Text;

        public override int Find(ReadOnlySpan<char> text, int from, out int length)
        {
            // A run of hex digits between two word boundaries has no word character on either side: it is a whole word
            // (a maximal run of [A-Za-z0-9_]) made of hex digits only. So the scan goes word by word.
            for (var a = from; a < text.Length;)
            {
                var at = text[a..].IndexOfAny(WordCharacters);
                if (at < 0)
                {
                    break;
                }

                a += at;
                var b = a + text[a..].IndexOfAnyExcept(WordCharacters);
                if (b < a)
                {
                    b = text.Length;
                }

                if (b - a >= 16 && (a == 0 || !IsWord(text[a - 1])) && !text[a..b].ContainsAnyExcept(HexDigits))
                {
                    length = b - a;
                    return a;
                }

                a = b;
            }

            length = 0;
            return -1;
        }
    }

    /// <summary><c>(?&lt;![\w.])[-+]?\d+(\.\d+)?(?![\w.])</c></summary>
    private sealed class Number : MaskScanner
    {
        public const string Text = @"(?<![\w.])[-+]?\d+(\.\d+)?(?![\w.])";

        public override string Pattern => Text;

        public override int Find(ReadOnlySpan<char> text, int from, out int length)
        {
            for (var p = from; p < text.Length; p++)
            {
                var at = text[p..].IndexOfAny(DigitsAndSigns);
                if (at < 0)
                {
                    break;
                }

                p += at;
                if (p > 0 && Blocks(text[p - 1]))
                {
                    continue;
                }

                var i = text[p] is '+' or '-' ? p + 1 : p;
                if (i >= text.Length || !IsDigit(text[i]))
                {
                    continue;
                }

                var end = SkipDigits(text, i);
                if (end + 1 < text.Length && text[end] == '.' && IsDigit(text[end + 1]))
                {
                    end = SkipDigits(text, end + 1);
                }

                // Backing off to fewer digits, or to no fraction, leaves a digit or '.' next: the look-ahead fails then too.
                if (end == text.Length || !Blocks(text[end]))
                {
                    length = end - p;
                    return p;
                }
            }

            length = 0;
            return -1;
        }

        private static bool Blocks(char c) => IsWord(c) || c == '.';
    }
}
