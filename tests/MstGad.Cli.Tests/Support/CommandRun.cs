using System.CommandLine;

namespace MstGad.Cli.Tests.Support;

/// <summary>Runs a command in-process and captures what it writes on standard output and standard error.</summary>
internal sealed record CommandRun(int ExitCode, string Output, string Error)
{
    /// <summary>The lines written on standard error.</summary>
    public string[] ErrorLines => Error.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);

    public static async Task<CommandRun> InvokeAsync(Command command, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var (previousOut, previousError) = (Console.Out, Console.Error);
        Console.SetOut(output);
        Console.SetError(error);
        try
        {
            var parsed = command.Parse(args);
            var exitCode = CliErrors.ReportParseErrors(parsed, Console.Error) ?? await parsed.InvokeAsync();
            return new CommandRun(exitCode, output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetOut(previousOut);
            Console.SetError(previousError);
        }
    }
}

/// <summary>Small Nezha-layout folders made from the real TrainTicket day (../shared/data/nezha-trainticket).</summary>
internal static class NezhaFolders
{
    public const string Date = "2023-01-29";

    public const string ContactsPod = "ts-contacts-service-866bd68c97-xcqfx";

    /// <summary>The header of a dependency list as the Nezha study publishes it beside the metric files.</summary>
    public const string DependencyCsv = "Source,Target,Weight\nfrontend,cartservice,12\nfrontend,currencyservice,7\n";

    /// <summary>A latency table per caller_callee pair, one row per minute (<c>source_50.csv</c>).</summary>
    public const string PairLatencyCsv =
        "time,timestamp,frontend_cartservice,frontend_currencyservice\n2023-01-29 08:41:00,1674981660,0.012,0.004\n";

    /// <summary>The relative path of a metric file.</summary>
    public static string Metric(string name) => Path.Combine("rca_data", Date, "metric", name);

    /// <summary>
    /// A day with the first <paramref name="rows"/> rows of one real pod's metric file, a <c>dependency.csv</c>
    /// and a <c>source_50.csv</c>, and no logs, traces or fault list.
    /// </summary>
    public static void WriteMetricsDay(TempDirectory dir, int rows)
    {
        var real = SharedData.PathOf("nezha-trainticket", "rca_data", Date, "metric", ContactsPod + "_metric.csv");
        dir.Write(Metric(ContactsPod + "_metric.csv"), string.Join('\n', File.ReadLines(real).Take(rows + 1)) + "\n");
        dir.Write(Metric("dependency.csv"), DependencyCsv);
        dir.Write(Metric("source_50.csv"), PairLatencyCsv);
    }
}
