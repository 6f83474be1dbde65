using System.CommandLine;
using MstGad.Features;

namespace MstGad.Cli;

/// <summary>
/// An error that the user can fix: the command prints <c>error: &lt;message&gt;; &lt;what to do&gt;</c> on one
/// line of standard error and exits with <see cref="ExitCode"/>.
/// </summary>
internal sealed class CliException : Exception
{
    public CliException()
        : this("the command failed", "see --help")
    {
    }

    public CliException(string message)
        : this(message, "see --help")
    {
    }

    public CliException(string message, Exception innerException)
        : base(message, innerException)
    {
        WhatToDo = "see --help";
    }

    /// <param name="message">What is wrong, naming the file or value (no final full stop).</param>
    /// <param name="whatToDo">What to do about it.</param>
    /// <param name="exitCode">The exit code: 1 for errors met while running, 2 for bad options.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public CliException(string message, string whatToDo, int exitCode = CliErrors.Failed, Exception? innerException = null)
        : base(message, innerException)
    {
        WhatToDo = whatToDo;
        ExitCode = exitCode;
    }

    public string WhatToDo { get; }

    public int ExitCode { get; } = CliErrors.Failed;
}

/// <summary>
/// The one place that turns what goes wrong in a command into one line on standard error and an exit
/// code: <c>error: &lt;what, naming the file or value&gt;; &lt;what to do&gt;</c>. Errors the user can fix
/// (missing or unreadable files and folders, telemetry that strict mode rejects, a model that cannot be
/// loaded, an output that cannot be written, bad options) print no stack trace; anything else is a bug and
/// prints <c>internal error: …</c> followed by the stack trace.
/// </summary>
internal static class CliErrors
{
    /// <summary>The exit code of an error met while running.</summary>
    public const int Failed = 1;

    /// <summary>The exit code of bad options.</summary>
    public const int Usage = 2;

    /// <summary>The exit code of a bug (EX_SOFTWARE).</summary>
    public const int Internal = 70;

    /// <summary>
    /// Sets a command's action so that every exception it throws (except cancellation) is reported by
    /// <see cref="Report"/>; <paramref name="strict"/> is the command's <c>--strict</c> option, if it has one.
    /// </summary>
    public static void SetGuardedAction(this Command command, Func<ParseResult, CancellationToken, Task<int>> action, Option<bool>? strict = null)
    {
        command.SetAction(async (result, cancellationToken) =>
        {
            try
            {
                return await action(result, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                return Report(ex, strict is not null && result.GetValue(strict), Console.Error);
            }
        });
    }

    /// <summary>Sets a synchronous action, guarded as <see cref="SetGuardedAction(Command, Func{ParseResult, CancellationToken, Task{int}}, Option{bool}?)"/>.</summary>
    public static void SetGuardedAction(this Command command, Func<ParseResult, int> action) =>
        command.SetGuardedAction((result, _) => Task.FromResult(action(result)));

    /// <summary>
    /// When the command line does not parse (an unknown option, a missing required one), writes one line naming
    /// every problem and where to read the usage, and returns <see cref="Usage"/>; otherwise <see langword="null"/>.
    /// </summary>
    public static int? ReportParseErrors(ParseResult parsed, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(parsed);
        if (parsed.Errors.Count == 0)
        {
            return null;
        }

        var path = string.Join(' ', parsed.CommandResult.Command.Parents.OfType<Command>().Reverse().Select(c => c.Name).Append(parsed.CommandResult.Command.Name));
        var problems = parsed.Errors.Select(e => e.Message.EndsWith('.') ? e.Message[..^1] : e.Message);
        error.WriteLine(OneLine($"error: {string.Join("; ", problems)}; see {path} --help"));
        error.Flush();
        return Usage;
    }

    /// <summary>Writes the error line (and for a bug the stack trace) and returns the exit code.</summary>
    public static int Report(Exception exception, bool strict, TextWriter error)
    {
        var (line, exitCode) = Describe(exception, strict);
        error.WriteLine(line);
        if (exitCode == Internal)
        {
            error.WriteLine(exception.ToString());
        }

        error.Flush();
        return exitCode;
    }

    /// <summary>The one line that describes an exception, and the exit code.</summary>
    /// <param name="exception">What was thrown.</param>
    /// <param name="strict">Whether the command read telemetry in strict mode.</param>
    public static (string Line, int ExitCode) Describe(Exception exception, bool strict)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception switch
        {
            CliException e => (Error(e.Message, e.WhatToDo), e.ExitCode),
            TelemetryFormatException e => (Error(WithoutHint(e), WhatToDo(e, strict)), Failed),
            DetectorConfigurationException e => (Error("the detector options are not valid: " + string.Join("; ", e.Problems.Select(p => p.TrimEnd('.'))), "see --help"), Usage),
            FormatException => (Error(exception.Message, "see --help"), Usage),
            DirectoryNotFoundException or FileNotFoundException => (Error(exception.Message, "check the path"), Failed),
            UnauthorizedAccessException or IOException => (Error(exception.Message, "check the path and its permissions"), Failed),
            InvalidDataException => (Error(exception.Message, "check the file"), Failed),
            _ => (OneLine($"internal error: {exception.GetType().FullName}: {exception.Message} (a bug in mstgad; the stack trace follows)"), Internal),
        };
    }

    /// <summary>A message on one line: line breaks (in a quoted value, say) become <c>\n</c>.</summary>
    public static string OneLine(string text) =>
        text.Replace("\r\n", "\\n", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal).Replace("\r", "\\r", StringComparison.Ordinal);

    private static string Error(string what, string whatToDo) =>
        OneLine($"error: {(what.EndsWith('.') && !what.EndsWith("..", StringComparison.Ordinal) ? what[..^1] : what)}; {whatToDo}");

    // The reader's hint speaks of the library's lenient mode; the command line says it with its own option.
    private static string WithoutHint(TelemetryFormatException e) =>
        e.Hint is { } hint && e.Message.EndsWith("; " + hint, StringComparison.Ordinal) ? e.Message[..^(hint.Length + 2)] : e.Message;

    private static string WhatToDo(TelemetryFormatException e, bool strict) =>
        e.Hint is not null ? "run without --strict to skip it"
        : strict ? "fix the record, or run without --strict to count and skip bad records"
        : "fix or remove the file";
}
