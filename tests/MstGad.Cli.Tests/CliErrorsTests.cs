using System.CommandLine;
using MstGad.Features;

namespace MstGad.Cli.Tests;

[TestFixture]
public sealed class CliErrorsTests
{
    [Test]
    public void Describe_FileThatIsNotTelemetry_SaysToRunWithoutStrict()
    {
        var ex = new TelemetryFormatException("/d/dependency.csv", 1, null, "Source,Target,Weight", "not a metric file: its header lacks 'Time'", "use lenient mode to skip it", null);

        Assert.That(CliErrors.Describe(ex, strict: true), Is.EqualTo((
            "error: /d/dependency.csv:1: not a metric file: its header lacks 'Time': 'Source,Target,Weight'; run without --strict to skip it", 1)));
    }

    [TestCase(true, "error: /d/m.csv:7: field 'value' not a number: 'abc'; fix the record, or run without --strict to count and skip bad records")]
    [TestCase(false, "error: /d/m.csv:7: field 'value' not a number: 'abc'; fix or remove the file")]
    public void Describe_BadRecord_SaysWhatToDoInEachMode(bool strict, string expected)
    {
        var ex = new TelemetryFormatException("/d/m.csv", 7, "value", "abc", "not a number");

        Assert.That(CliErrors.Describe(ex, strict), Is.EqualTo((expected, 1)));
    }

    [Test]
    public void Describe_ValueWithALineBreak_StaysOnOneLine()
    {
        var ex = new TelemetryFormatException("/d/l.csv", 2, null, "a\nb", "malformed CSV: a character follows a closing quote");

        Assert.That(CliErrors.Describe(ex, strict: true).Line, Is.EqualTo(
            "error: /d/l.csv:2: malformed CSV: a character follows a closing quote: 'a\\nb'; fix the record, or run without --strict to count and skip bad records"));
    }

    [Test]
    public void Describe_KnownExceptions_AreOneLineWithWhatToDo()
    {
        Assert.Multiple(() =>
        {
            Assert.That(CliErrors.Describe(new CliException("the --data folder does not exist: /x", "check the path"), false), Is.EqualTo(("error: the --data folder does not exist: /x; check the path", 1)));
            Assert.That(CliErrors.Describe(new CliException("bad", "see --help", CliErrors.Usage), false), Is.EqualTo(("error: bad; see --help", 2)));
            Assert.That(CliErrors.Describe(new DetectorConfigurationException(["Window must be at least 2 steps; it is 0.", "MaxEpochs must be at least 1; it is 0."]), false),
                Is.EqualTo(("error: the detector options are not valid: Window must be at least 2 steps; it is 0; MaxEpochs must be at least 1; it is 0; see --help", 2)));
            Assert.That(CliErrors.Describe(new FormatException("'10x' is not a duration."), false), Is.EqualTo(("error: '10x' is not a duration; see --help", 2)));
            Assert.That(CliErrors.Describe(new DirectoryNotFoundException("Could not find a part of the path '/x/y'."), false), Is.EqualTo(("error: Could not find a part of the path '/x/y'; check the path", 1)));
            Assert.That(CliErrors.Describe(new UnauthorizedAccessException("Access to the path '/x' is denied."), false), Is.EqualTo(("error: Access to the path '/x' is denied; check the path and its permissions", 1)));
            Assert.That(CliErrors.Describe(new InvalidDataException("/m: truncated."), false), Is.EqualTo(("error: /m: truncated; check the file", 1)));
        });
    }

    [Test]
    public void Report_UnexpectedException_SaysInternalErrorThenTheStackTrace()
    {
        using var error = new StringWriter();
        Exception thrown;
        try
        {
            throw new InvalidCastException("Unable to cast.");
        }
        catch (InvalidCastException ex)
        {
            thrown = ex;
        }

        var exitCode = CliErrors.Report(thrown, strict: false, error);

        var lines = error.ToString().Split(Environment.NewLine);
        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.EqualTo(70));
            Assert.That(lines[0], Is.EqualTo("internal error: System.InvalidCastException: Unable to cast. (a bug in mstgad; the stack trace follows)"));
            Assert.That(lines[1], Is.EqualTo("System.InvalidCastException: Unable to cast."));
            Assert.That(lines[2], Does.StartWith("   at MstGad.Cli.Tests.CliErrorsTests."));
        });
    }

    [Test]
    public async Task SetGuardedAction_ActionThrows_ReportsOneLineAndTheExitCode()
    {
        var command = new Command("probe");
        command.SetGuardedAction((_, _) => throw new CliException("the model file does not exist: /m", "check --model"));
        using var error = new StringWriter();
        var previous = Console.Error;
        Console.SetError(error);
        int exitCode;
        try
        {
            exitCode = await command.Parse([]).InvokeAsync();
        }
        finally
        {
            Console.SetError(previous);
        }

        Assert.That((exitCode, error.ToString()), Is.EqualTo((1, $"error: the model file does not exist: /m; check --model{Environment.NewLine}")));
    }

    [Test]
    public void ReportParseErrors_UnknownOption_PrintsOneLineNamingTheCommandsHelp()
    {
        var root = new RootCommand("test") { new Command("inspect") { new Option<string>("--data") } };
        root.Subcommands[0].SetGuardedAction(_ => 0);
        using var error = new StringWriter();

        var exitCode = CliErrors.ReportParseErrors(root.Parse(["inspect", "--dta", "x"]), error);

        Assert.That((exitCode, error.ToString()), Is.EqualTo((2, $"error: Unrecognized command or argument '--dta'; Unrecognized command or argument 'x'; see {root.Name} inspect --help{Environment.NewLine}")));
    }

    [Test]
    public void ReportParseErrors_NoErrors_ReturnsNull()
    {
        var command = new Command("inspect") { new Option<string>("--data") };
        using var error = new StringWriter();

        Assert.Multiple(() =>
        {
            Assert.That(CliErrors.ReportParseErrors(command.Parse(["--data", "x"]), error), Is.Null);
            Assert.That(error.ToString(), Is.Empty);
        });
    }
}
