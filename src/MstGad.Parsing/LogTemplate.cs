namespace MstGad.Parsing;

/// <summary>How a call to <see cref="DrainParser.Parse(ReadOnlySpan{char})"/> changed the templates.</summary>
public enum TemplateChange
{
    /// <summary>The message joined an existing template without changing it (or nothing was learnt).</summary>
    None = 0,

    /// <summary>The message created a new template.</summary>
    Created = 1,

    /// <summary>The message joined an existing template and turned some of its tokens into <c>&lt;*&gt;</c>.</summary>
    Updated = 2,
}

/// <summary>The template a message was assigned to.</summary>
/// <param name="TemplateId">The stable template id (ids start at 1 and are never reused).</param>
/// <param name="Change">What the call changed.</param>
/// <param name="Template">The template text after the call, tokens joined by one space.</param>
/// <param name="Size">How many messages the template has absorbed so far.</param>
public readonly record struct DrainResult(int TemplateId, TemplateChange Change, string Template, long Size);

/// <summary>A snapshot of one learnt template.</summary>
/// <param name="Id">The stable template id.</param>
/// <param name="Text">The template text, tokens joined by one space; <c>&lt;*&gt;</c> marks a parameter.</param>
/// <param name="Size">How many messages the template has absorbed.</param>
public sealed record LogTemplate(int Id, string Text, long Size);

/// <summary>One parameter of a message: the original text behind a <c>&lt;*&gt;</c> or a named mask of its template.</summary>
/// <param name="Value">The original text of the message at that place (masks undone).</param>
/// <param name="MaskName">
/// <c>*</c> for a generic parameter, or the name of the masking rule that produced it (for example <c>IP</c>).
/// </param>
public sealed record TemplateParameter(string Value, string MaskName);
