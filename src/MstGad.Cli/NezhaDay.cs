using System.Globalization;
using System.Text.Json;

namespace MstGad.Cli;

/// <summary>A fault of the original fault list: its time, pod, type and the JSON object as it is in the file.</summary>
internal sealed record OriginalFault(string Hour, DateTimeOffset Time, string Pod, string Type, JsonElement Json);

/// <summary>
/// What <c>mstgad inject</c> needs to know about one day of a Nezha folder before it writes anything: its
/// folders, the fault list, the metric files and their time range, and the minutes that already have
/// trace or log files.
/// </summary>
internal sealed class NezhaDay
{
    private NezhaDay()
    {
    }

    /// <summary>The absolute root folder (with <c>rca_data</c>).</summary>
    public string Root { get; private init; } = string.Empty;

    /// <summary>The date folder name, such as <c>2023-01-29</c>.</summary>
    public string Date { get; private init; } = string.Empty;

    /// <summary>The date at 00:00 UTC.</summary>
    public DateTimeOffset Midnight { get; private init; }

    /// <summary><c>rca_data/&lt;date&gt;</c>.</summary>
    public string RcaDay { get; private init; } = string.Empty;

    /// <summary><c>construct_data/&lt;date&gt;</c> (may not exist).</summary>
    public string ConstructDay { get; private init; } = string.Empty;

    /// <summary><c>rca_data/&lt;date&gt;/&lt;date&gt;-fault_list.json</c> (may not exist).</summary>
    public string FaultListPath { get; private init; } = string.Empty;

    /// <summary><c>faults-&lt;date&gt;.csv</c> in the root (the normalised fault list; may not exist).</summary>
    public string FaultsCsvPath { get; private init; } = string.Empty;

    /// <summary>The original faults, in time order.</summary>
    public IReadOnlyList<OriginalFault> Faults { get; private init; } = [];

    /// <summary>The metric file of each pod (<c>&lt;pod&gt;_metric.csv</c>).</summary>
    public IReadOnlyDictionary<string, string> MetricFiles { get; private init; } = new Dictionary<string, string>();

    /// <summary>The first metric row's time.</summary>
    public DateTimeOffset Start { get; private init; }

    /// <summary>The last metric row's time.</summary>
    public DateTimeOffset End { get; private init; }

    /// <summary>The minutes of the day (0–1439) named by a trace or log file (<c>HH_MM_*.csv</c>, covering the minute before HH:MM).</summary>
    public IReadOnlySet<int> TelemetryMinutes { get; private init; } = new HashSet<int>();

    /// <summary>Reads the folder's layout, fault list and metric time range.</summary>
    /// <exception cref="IOException">The folder or its <c>rca_data</c> does not exist.</exception>
    /// <exception cref="InvalidDataException">The date is missing or ambiguous, the fault list is not the Nezha format, or there are no metric rows.</exception>
    public static NezhaDay Open(string root, string? date)
    {
        root = Path.GetFullPath(root);
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"The Nezha folder '{root}' does not exist.");
        }

        var rca = Path.Combine(root, "rca_data");
        if (!Directory.Exists(rca))
        {
            throw new DirectoryNotFoundException($"'{root}' is not a Nezha folder: it has no rca_data folder.");
        }

        var dates = Directory.EnumerateDirectories(rca).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList();
        if (date is null)
        {
            date = dates.Count switch
            {
                1 => dates[0],
                0 => throw new InvalidDataException($"'{rca}' holds no date folder."),
                _ => throw new InvalidDataException($"'{rca}' holds several dates ({string.Join(", ", dates)}); choose one with --date."),
            };
        }
        else if (!dates.Contains(date, StringComparer.Ordinal))
        {
            throw new InvalidDataException($"'{rca}' has no date '{date}'; it has {string.Join(", ", dates)}.");
        }

        if (!DateTime.TryParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var day))
        {
            throw new InvalidDataException($"The date folder '{date}' is not named yyyy-MM-dd.");
        }

        var rcaDay = Path.Combine(rca, date);
        var constructDay = Path.Combine(root, "construct_data", date);
        var faultList = Path.Combine(rcaDay, date + "-fault_list.json");
        var metrics = MetricFilesOf(Path.Combine(rcaDay, "metric"));
        var (start, end) = MetricRange(metrics.Values);
        var minutes = new HashSet<int>();
        foreach (var folder in new[] { Path.Combine(rcaDay, "trace"), Path.Combine(rcaDay, "log"), Path.Combine(constructDay, "trace"), Path.Combine(constructDay, "log") })
        {
            if (!Directory.Exists(folder))
            {
                continue;
            }

            foreach (var name in Directory.EnumerateFiles(folder).Select(Path.GetFileName).OfType<string>())
            {
                if (name.Length > 5 && name[2] == '_' &&
                    int.TryParse(name.AsSpan(0, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var h) &&
                    int.TryParse(name.AsSpan(3, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var m))
                {
                    minutes.Add((h * 60) + m);
                }
            }
        }

        return new NezhaDay
        {
            Root = root,
            Date = date,
            Midnight = new DateTimeOffset(day, TimeSpan.Zero),
            RcaDay = rcaDay,
            ConstructDay = constructDay,
            FaultListPath = faultList,
            FaultsCsvPath = Path.Combine(root, $"faults-{date}.csv"),
            Faults = File.Exists(faultList) ? ReadFaults(faultList) : [],
            MetricFiles = metrics,
            Start = start,
            End = end,
            TelemetryMinutes = minutes,
        };
    }

    /// <summary>The file name of minute <paramref name="minuteOfDay"/> of a kind (<c>trace</c>, <c>log</c>, <c>traceid</c>).</summary>
    public static string FileName(int minuteOfDay, string kind) => $"{MinuteName(minuteOfDay)}_{kind}.csv";

    /// <summary>The <c>HH_MM</c> part of the file names of minute <paramref name="minuteOfDay"/>.</summary>
    public static string MinuteName(int minuteOfDay) =>
        string.Create(CultureInfo.InvariantCulture, $"{minuteOfDay / 60:00}_{minuteOfDay % 60:00}");

    /// <summary>The service (Kubernetes workload) of a pod.</summary>
    public static string ServiceOf(string pod) => MstGad.Features.InstanceKey.KubernetesWorkload.Map(pod);

    /// <summary>Parses the fault list's <c>inject_time</c> (<c>2023-01-29 08:43:04</c>, the data's clock, UTC).</summary>
    public static bool TryParseInjectTime(string text, out DateTimeOffset time)
    {
        var ok = DateTime.TryParseExact(text, ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss.FFFFFFF", "yyyy-MM-ddTHH:mm:ss.FFFFFFFK"], CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var parsed);
        time = ok ? new DateTimeOffset(parsed, TimeSpan.Zero) : default;
        return ok;
    }

    private static IReadOnlyList<OriginalFault> ReadFaults(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException($"{path}: the fault list is not a JSON object keyed by hour.");
        }

        var faults = new List<OriginalFault>();
        foreach (var hour in document.RootElement.EnumerateObject())
        {
            if (hour.Value.ValueKind != JsonValueKind.Array)
            {
                throw new InvalidDataException($"{path}: the value of \"{hour.Name}\" is not an array of faults.");
            }

            foreach (var fault in hour.Value.EnumerateArray())
            {
                if (fault.ValueKind != JsonValueKind.Object ||
                    !fault.TryGetProperty("inject_time", out var time) || time.ValueKind != JsonValueKind.String ||
                    !TryParseInjectTime(time.GetString()!, out var at))
                {
                    throw new InvalidDataException($"{path}: a fault under \"{hour.Name}\" has no inject_time of the form yyyy-MM-dd HH:mm:ss: {fault.GetRawText()}");
                }

                var pod = fault.TryGetProperty("inject_pod", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString()! : string.Empty;
                var type = fault.TryGetProperty("inject_type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : string.Empty;
                faults.Add(new OriginalFault(hour.Name, at, pod, type, fault.Clone()));
            }
        }

        return [.. faults.OrderBy(f => f.Time)];
    }

    private static Dictionary<string, string> MetricFilesOf(string folder)
    {
        const string Suffix = "_metric.csv";
        if (!Directory.Exists(folder))
        {
            throw new InvalidDataException($"'{folder}' does not exist: the day has no metrics.");
        }

        return Directory.EnumerateFiles(folder, "*" + Suffix)
            .Order(StringComparer.Ordinal)
            .ToDictionary(f => Path.GetFileName(f)[..^Suffix.Length], f => f, StringComparer.Ordinal);
    }

    private static (DateTimeOffset Start, DateTimeOffset End) MetricRange(IEnumerable<string> files)
    {
        long first = long.MaxValue, last = long.MinValue;
        var fields = new List<string>();
        foreach (var path in files)
        {
            using var reader = new StreamReader(path, NezhaText.Utf8);
            var header = reader.ReadLine();
            if (header is null || !NezhaText.TrySplit(header, fields))
            {
                continue;
            }

            var column = NezhaText.Column(fields, "TimeStamp");
            if (column < 0)
            {
                throw new InvalidDataException($"{path}: the header has no TimeStamp column.");
            }

            string? line;
            while ((line = reader.ReadLine()) is not null)
            {
                if (NezhaText.TrySplit(line, fields) && column < fields.Count &&
                    long.TryParse(fields[column], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
                {
                    first = Math.Min(first, seconds);
                    last = Math.Max(last, seconds);
                }
            }
        }

        if (first == long.MaxValue)
        {
            throw new InvalidDataException("The day has no metric rows (<pod>_metric.csv files with a TimeStamp column).");
        }

        return (DateTimeOffset.FromUnixTimeSeconds(first), DateTimeOffset.FromUnixTimeSeconds(last));
    }
}
