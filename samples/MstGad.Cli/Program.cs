using System.CommandLine;
using MstGad.Cli;

var root = new RootCommand("mstgad: multimodal anomaly detection for microservice instances (MSTGAD).")
{
    LoghubCommand.Create(),
    ParseCommand.Create(),
    InspectCommand.Create(),
    TrainCommand.Create(),
    DetectCommand.Create(),
    EvaluateCommand.Create(),
    BaselineCommand.Create(),
    DemoCommand.Create(),
    SoakCommand.Create(),
    InjectCommand.Create(),
};

return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
