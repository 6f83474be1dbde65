using System.Text.Json;
using System.Text.RegularExpressions;
using BenchmarkDotNet.Attributes;
using MstGad.Parsing;

namespace MstGad.Benchmarks;

/// <summary>
/// The Drain parser core on the contents of a Loghub 2k system with its standard settings: per
/// operation one line (OperationsPerInvoke = the number of lines), so the mean is the time per line
/// and the allocation column is bytes per line.
/// </summary>
[MemoryDiagnoser]
public class DrainParserBenchmarks
{
    private string[] _contents = [];
    private DrainOptions _options = new();
    private DrainParser _warm = new();
    private Regex[] _masks = [];

    /// <summary>The Loghub system.</summary>
    [Params("HDFS", "Android", "Mac")]
    public string Dataset { get; set; } = "HDFS";

    [GlobalSetup]
    public void Setup()
    {
        using var settings = JsonDocument.Parse(File.ReadAllText(SharedData.PathOf("loghub_2k", "drain-benchmark.json")));
        var setting = settings.RootElement.GetProperty("datasets").GetProperty(Dataset);
        var format = LogFormat.Create(setting.GetProperty("logFormat").GetString()!);
        _options = new DrainOptions { SimilarityThreshold = setting.GetProperty("st").GetDouble(), Depth = setting.GetProperty("depth").GetInt32() };
        foreach (var regex in setting.GetProperty("regex").EnumerateArray())
        {
            _options.Masks.Add(new MaskingRule(regex.GetString()!));
        }

        var reader = new LogFileReader(format, lenient: false);
        _contents = [.. reader.Read(SharedData.PathOf("loghub_2k", Dataset, Dataset + "_2k.log")).Select(l => l.Content)];
        _masks = [.. _options.Masks.Select(m => new Regex(m.Pattern, RegexOptions.Compiled | RegexOptions.CultureInvariant))];

        // A parser that has already learnt the templates: the steady state of a long-running miner.
        _warm = new DrainParser(_options);
        foreach (var line in _contents)
        {
            _warm.Parse(line);
        }
    }

    /// <summary>Naive preprocessing only (Regex.Replace per mask and string.Split), as a reference point.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = 2000)]
    public int NaiveMaskAndSplit()
    {
        var tokens = 0;
        foreach (var line in _contents)
        {
            var text = line;
            foreach (var mask in _masks)
            {
                text = mask.Replace(text, "<*>");
            }

            tokens += text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
        }

        return tokens;
    }

    /// <summary>Learning on a parser that already knows the templates (steady state).</summary>
    [Benchmark(OperationsPerInvoke = 2000)]
    public long ParseSteadyState()
    {
        long sum = 0;
        foreach (var line in _contents)
        {
            sum += _warm.Parse(line.AsSpan()).TemplateId;
        }

        return sum;
    }

    /// <summary>Inference: match-only lookups against the learnt templates.</summary>
    [Benchmark(OperationsPerInvoke = 2000)]
    public long MatchOnly()
    {
        long sum = 0;
        foreach (var line in _contents)
        {
            if (_warm.TryMatch(line.AsSpan(), out var result))
            {
                sum += result.TemplateId;
            }
        }

        return sum;
    }
}
