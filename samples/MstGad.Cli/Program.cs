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
};

// Every error is one line on standard error (MstGad.Cli.CliErrors): bad command lines here, the rest in each command's action.
var parsed = root.Parse(args);
return CliErrors.ReportParseErrors(parsed, Console.Error) ?? await parsed.InvokeAsync().ConfigureAwait(false);
