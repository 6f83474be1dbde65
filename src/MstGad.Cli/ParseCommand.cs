using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using MstGad.Parsing;

namespace MstGad.Cli;

/// <summary><c>mstgad parse</c>: parse any log file with Drain in one streaming pass.</summary>
internal static class ParseCommand
{
    public static Command Create()
    {
        var input = new Option<FileInfo>("--input", "-i") { Description = "The log file (UTF-8; .gz is decompressed).", Required = true };
        var format = new Option<string?>("--format", "-f") { Description = "Line layout such as '<Date> <Time> <Level> <Component>: <Content>'. Default: the whole line is the content." };
        var masks = new Option<string[]>("--mask") { Description = "A regular expression whose matches become <*> (repeatable, applied in order).", AllowMultipleArgumentsPerToken = false };
        var namedMasks = new Option<string[]>("--named-mask") { Description = "NAME=REGEX: matches become <NAME> (repeatable; applied after --mask rules)." };
        var delimiters = new Option<string[]>("--delimiter") { Description = "An extra token delimiter besides white space (repeatable)." };
        var st = new Option<double>("--st") { Description = "Similarity threshold.", DefaultValueFactory = _ => 0.4 };
        var depth = new Option<int>("--depth") { Description = "Prefix tree depth.", DefaultValueFactory = _ => 4 };
        var maxChildren = new Option<int>("--max-children") { Description = "Maximum children of a tree node.", DefaultValueFactory = _ => 100 };
        var maxTemplates = new Option<int?>("--max-templates") { Description = "Evict the least recently used template beyond this many (default: unbounded)." };
        var lenient = new Option<bool>("--lenient") { Description = "Skip and count lines that do not match --format instead of failing." };
        var output = new Option<FileInfo?>("--out", "-o") { Description = "Write LineId,EventId,EventTemplate per line (the template as it stood when the line was parsed) and <out>.templates.csv with the final templates." };
        var loadState = new Option<FileInfo?>("--load-state") { Description = "Start from a saved parser state (its settings win over the options above)." };
        var saveState = new Option<FileInfo?>("--save-state") { Description = "Save the parser state at the end." };

        var command = new Command("parse", "Parse a log file with Drain; prints {\"lines\", \"templates\", \"seconds\"} as one JSON line.")
        {
            input, format, masks, namedMasks, delimiters, st, depth, maxChildren, maxTemplates, lenient, output, loadState, saveState,
        };
        command.SetGuardedAction(result =>
        {
            var options = new DrainOptions
            {
                SimilarityThreshold = result.GetValue(st),
                Depth = result.GetValue(depth),
                MaxChildren = result.GetValue(maxChildren),
                MaxTemplates = result.GetValue(maxTemplates),
            };
            foreach (var mask in result.GetValue(masks) ?? [])
            {
                options.Masks.Add(new MaskingRule(mask));
            }

            foreach (var named in result.GetValue(namedMasks) ?? [])
            {
                var eq = named.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0)
                {
                    Console.Error.WriteLine($"error: --named-mask '{named}' is not NAME=REGEX.");
                    return 2;
                }

                options.Masks.Add(new MaskingRule(named[(eq + 1)..], named[..eq]));
            }

            foreach (var delimiter in result.GetValue(delimiters) ?? [])
            {
                options.ExtraDelimiters.Add(delimiter);
            }

            return Run(result.GetRequiredValue(input), result.GetValue(format), options, result.GetValue(lenient),
                result.GetValue(output), result.GetValue(loadState), result.GetValue(saveState));
        });
        return command;
    }

    internal static int Run(FileInfo input, string? formatText, DrainOptions options, bool lenient, FileInfo? output, FileInfo? loadState, FileInfo? saveState)
    {
        if (!input.Exists)
        {
            Console.Error.WriteLine($"error: input file not found: {input.FullName}");
            return 2;
        }

        DrainParser parser;
        LogFormat? format;
        try
        {
            format = formatText is null ? null : LogFormat.Create(formatText);
            if (loadState is null)
            {
                parser = new DrainParser(options);
            }
            else
            {
                using var state = loadState.OpenRead();
                parser = DrainParser.Load(state);
            }
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidDataException or IOException)
        {
            Console.Error.WriteLine("error: " + ex.Message);
            return 2;
        }

        var stopwatch = Stopwatch.StartNew();
        var reader = new LogFileReader(format, lenient);
        StreamWriter? writer = output is null ? null : new StreamWriter(output.FullName, false, new UTF8Encoding(false), 1 << 16);
        try
        {
            writer?.Write("LineId,EventId,EventTemplate\n");
            reader.Process(input.FullName, (lineNumber, content, _) =>
            {
                var parsed = parser.Parse(content);
                if (writer is not null)
                {
                    Csv.WriteParsedLine(writer, lineNumber, parsed.TemplateId, parsed.Template);
                }
            });
        }
        catch (LogFormatException ex)
        {
            Console.Error.WriteLine("error: " + ex.Message);
            return 1;
        }
        finally
        {
            writer?.Dispose();
        }

        if (output is not null)
        {
            using var templates = new StreamWriter(output.FullName + ".templates.csv", false, new UTF8Encoding(false));
            templates.Write("EventId,Occurrences,EventTemplate\n");
            foreach (var t in parser.Templates)
            {
                templates.Write(string.Create(CultureInfo.InvariantCulture, $"T{t.Id},{t.Size},"));
                Csv.WriteField(templates, t.Text);
                templates.Write('\n');
            }
        }

        if (saveState is not null)
        {
            using var state = saveState.Create();
            parser.Save(state);
        }

        var report = reader.Report;
        foreach (var example in report.Examples)
        {
            Console.Error.WriteLine($"warning: skipped (does not match the format): {example}");
        }

        var summary = new ParseSummary(
            report.Returned,
            parser.TemplateCount,
            Math.Round(stopwatch.Elapsed.TotalSeconds, 3),
            report.Lines,
            new SkippedCounts(report.SkippedEmpty, report.SkippedMismatched),
            report.InvalidUtf8,
            parser.EvictedCount);
        Console.WriteLine(JsonSerializer.Serialize(summary, CliJsonContext.Default.ParseSummary));
        return 0;
    }
}

internal sealed record SkippedCounts(long Empty, long Mismatched);

internal sealed record ParseSummary(long Lines, int Templates, double Seconds, long Read, SkippedCounts Skipped, long InvalidUtf8, long Evicted);
