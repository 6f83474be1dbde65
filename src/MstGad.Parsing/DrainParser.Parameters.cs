using System.Text;
using System.Text.RegularExpressions;

namespace MstGad.Parsing;

public sealed partial class DrainParser
{
    private List<TemplateParameter> ExtractParameters(Cluster cluster, string content)
    {
        var spans = new List<MaskSpan>();
        var masked = MaskTracked(content, spans);
        if (_delimiters.Length > 0)
        {
            var chars = masked.ToCharArray();
            BlankDelimiters(chars);

            masked = new string(chars);
        }

        var count = Tokenise(masked);
        var tokens = cluster.Tokens;
        if (count != tokens.Length)
        {
            return [];
        }

        var result = new List<TemplateParameter>();
        for (var i = 0; i < count; i++)
        {
            var start = _tokenStart[i];
            var end = start + _tokenLength[i];
            if (ReferenceEquals(tokens[i], ParameterToken))
            {
                var covering = spans.FindAll(s => s.Start < end && s.End > start);
                var name = covering.Count == 1 && covering[0].Start == start && covering[0].End == end ? covering[0].MaskName : "*";
                result.Add(new TemplateParameter(Reconstruct(masked, covering, start, end), name));
            }
            else if (!tokens[i].AsSpan().SequenceEqual(masked.AsSpan(start, end - start)))
            {
                return [];
            }
            else
            {
                foreach (var s in spans)
                {
                    if (s.Start >= start && s.End <= end)
                    {
                        result.Add(new TemplateParameter(s.Original, s.MaskName));
                    }
                }
            }
        }

        return result;
    }

    /// <summary>Masks like the hot path, but remembers the original text behind every placeholder.</summary>
    private string MaskTracked(string content, List<MaskSpan> spans)
    {
        var current = content;
        for (var r = 0; r < _masks.Length; r++)
        {
            var matches = RegexOf(r).Matches(current);
            if (matches.Count == 0)
            {
                continue;
            }

            var builder = new StringBuilder(current.Length);
            var next = new List<MaskSpan>();
            var position = 0;
            var s = 0;
            foreach (Match m in matches)
            {
                if (m.Length == 0)
                {
                    continue;
                }

                // Placeholders entirely before this match move to the new text unchanged.
                while (s < spans.Count && spans[s].End <= m.Index)
                {
                    next.Add(spans[s] with { Start = builder.Length + (spans[s].Start - position) });
                    s++;
                }

                builder.Append(current, position, m.Index - position);
                var covered = new List<MaskSpan>();
                while (s < spans.Count && spans[s].Start < m.Index + m.Length)
                {
                    covered.Add(spans[s]);
                    s++;
                }

                var original = Reconstruct(current, covered, m.Index, m.Index + m.Length);
                next.Add(new MaskSpan(builder.Length, _placeholders[r].Length, original, _options.Masks[r].MaskName));
                builder.Append(_placeholders[r]);
                position = m.Index + m.Length;
            }

            var tailOffset = builder.Length - position;
            for (; s < spans.Count; s++)
            {
                next.Add(spans[s] with { Start = spans[s].Start + tailOffset });
            }

            builder.Append(current, position, current.Length - position);
            current = builder.ToString();
            spans.Clear();
            spans.AddRange(next);
        }

        return current;
    }

    private static string Reconstruct(string text, List<MaskSpan> covered, int start, int end)
    {
        if (covered.Count == 0)
        {
            return text[start..end];
        }

        var builder = new StringBuilder();
        var cursor = start;
        foreach (var span in covered)
        {
            if (span.Start > cursor)
            {
                builder.Append(text, cursor, span.Start - cursor);
            }

            builder.Append(span.Original);
            cursor = Math.Max(cursor, span.End);
        }

        if (cursor < end)
        {
            builder.Append(text, cursor, end - cursor);
        }

        return builder.ToString();
    }

    private readonly record struct MaskSpan(int Start, int Length, string Original, string MaskName)
    {
        public int End => Start + Length;
    }
}
