using System.Text.RegularExpressions;

namespace MstGad.Parsing;

/// <summary>
/// A masking rule: every match of <see cref="Pattern"/> in a log message is replaced, before
/// tokenisation, by the placeholder <c>&lt;MaskName&gt;</c>.
/// </summary>
/// <remarks>
/// The mask name <c>*</c> (the default) produces the generic parameter <c>&lt;*&gt;</c>, which Drain
/// treats as a wildcard. Any other name, such as <c>IP</c>, produces a named placeholder
/// (<c>&lt;IP&gt;</c>) that is compared like an ordinary token but still reported as a parameter by
/// <see cref="DrainParser.ExtractParameters(int, string)"/>. Patterns use .NET regular expression
/// syntax and are applied in the order the rules are listed, each to the output of the previous one.
/// Zero-width matches (such as those of <c>\b</c>) are ignored.
/// </remarks>
/// <param name="Pattern">A .NET regular expression. Must not be empty and must not match the empty string.</param>
/// <param name="MaskName">The placeholder name: <c>*</c> or a name of letters, digits, <c>_</c>, <c>-</c> and <c>.</c>.</param>
public sealed partial record MaskingRule(string Pattern, string MaskName = "*")
{
    /// <summary>The text that replaces each match: <c>&lt;</c> + <see cref="MaskName"/> + <c>&gt;</c>.</summary>
    public string Placeholder => "<" + MaskName + ">";

    /// <summary>Compiles the pattern. Groups never capture unless the pattern refers back to one
    /// (capturing costs time and a mask only needs the whole match).</summary>
    internal Regex CreateRegex()
    {
        var options = RegexOptions.Compiled | RegexOptions.CultureInvariant;
        if (!BackReference().IsMatch(Pattern))
        {
            options |= RegexOptions.ExplicitCapture;
        }

        return new Regex(Pattern, options);
    }

    [GeneratedRegex(@"\\[1-9]|\\k<|\\k'|\(\?\(")]
    private static partial Regex BackReference();

    internal string? Validate(int index)
    {
        if (string.IsNullOrEmpty(Pattern))
        {
            return $"Masks[{index}]: the pattern is empty.";
        }

        if (MaskName != "*" && (MaskName.Length == 0 || !MaskName.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.')))
        {
            return $"Masks[{index}]: the mask name '{MaskName}' is not valid; use '*' or letters, digits, '_', '-' and '.'.";
        }

        if (MaskScanner.For(Pattern) is not null)
        {
            return null; // one of the common masks: valid and never empty (MaskScannerTests), no regex needed to know it
        }

        try
        {
            var regex = new Regex(Pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            if (regex.IsMatch(string.Empty))
            {
                return $"Masks[{index}]: the pattern '{Pattern}' matches the empty string.";
            }
        }
        catch (ArgumentException ex)
        {
            return $"Masks[{index}]: the pattern '{Pattern}' is not a valid regular expression: {ex.Message}";
        }

        return null;
    }
}
