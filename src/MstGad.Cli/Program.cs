using System.CommandLine;
using MstGad.Cli;

var root = new RootCommand("mstgad: multimodal anomaly detection for microservice instances (MSTGAD).")
{
    LoghubCommand.Create(),
    ParseCommand.Create(),
    InspectCommand.Create(),
    TrainCommand.Create(),
    CalibrateCommand.Create(),
    DetectCommand.Create(),
    EvaluateCommand.Create(),
    BaselineCommand.Create(),
    DemoCommand.Create(),
    LeaveKindOutCommand.Create(),
    SoakCommand.Create(),
    InjectCommand.Create(),
    ServeCommand.Create(),
    ReplayOtlpCommand.Create(),
};

// Every error is one line on standard error (MstGad.Cli.CliErrors): bad command lines here, the rest in each command's action.
var parsed = root.Parse(args);

// serve stops on Ctrl+C or SIGTERM through its host, which first pushes what it accepted and writes a checkpoint:
// System.CommandLine must not end the process after its own time-out meanwhile.
var invocation = parsed.CommandResult.Command.Name == "serve" ? new InvocationConfiguration { ProcessTerminationTimeout = null } : null;
return CliErrors.ReportParseErrors(parsed, Console.Error) ?? await parsed.InvokeAsync(invocation).ConfigureAwait(false);
