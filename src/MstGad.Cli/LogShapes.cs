namespace MstGad.Cli;

/// <summary>A real ERROR or WARN log row of the day, used as the shape of an injected ERROR line.</summary>
internal sealed record LogShape(string Log, string TraceId, string SpanId, long Time, bool IsWarn);

/// <summary>The shapes an error burst on one service draws from, and where they came from.</summary>
internal sealed record ShapePool(IReadOnlyList<LogShape> Shapes, string Source);

/// <summary>
/// Collects real ERROR and WARN line shapes from the day's log files in one streaming pass: for each
/// service of interest its own ERROR lines, else its WARN lines (written as ERROR), else the day's Spring
/// <c>dispatcherServlet</c> ERROR lines (which any of these Java services writes), else any ERROR line.
/// </summary>
internal static class LogShapes
{
    /// <summary>The most shapes kept per list (the first ones in file order).</summary>
    private const int MaxPerList = 5000;

    public static IReadOnlyDictionary<string, ShapePool> Collect(NezhaDay day, IReadOnlyCollection<string> services, CancellationToken cancellationToken)
    {
        var errors = services.ToDictionary(s => s, _ => new List<LogShape>(), StringComparer.Ordinal);
        var warns = services.ToDictionary(s => s, _ => new List<LogShape>(), StringComparer.Ordinal);
        var spring = new List<LogShape>();
        var anyError = new List<LogShape>();
        if (services.Count > 0)
        {
            var files = new[] { Path.Combine(day.RcaDay, "log"), Path.Combine(day.ConstructDay, "log") }
                .Where(Directory.Exists)
                .SelectMany(folder => Directory.EnumerateFiles(folder, "*.csv").Order(StringComparer.Ordinal));
            var fields = new List<string>();
            foreach (var path in files)
            {
                cancellationToken.ThrowIfCancellationRequested();
                Scan(path, fields, errors, warns, spring, anyError);
            }
        }

        var pools = new Dictionary<string, ShapePool>(StringComparer.Ordinal);
        foreach (var service in services)
        {
            pools[service] =
                errors[service].Count > 0 ? new ShapePool(errors[service], $"{errors[service].Count} ERROR lines of {service}")
                : warns[service].Count > 0 ? new ShapePool(warns[service], $"{warns[service].Count} WARN lines of {service}, written as ERROR")
                : spring.Count > 0 ? new ShapePool(spring, $"{spring.Count} Spring dispatcherServlet ERROR lines of the day")
                : anyError.Count > 0 ? new ShapePool(anyError, $"{anyError.Count} ERROR lines of other services")
                : throw new InvalidDataException($"The day's logs have no ERROR or WARN line to copy for an error burst on {service}.");
        }

        return pools;
    }

    private static void Scan(string path, List<string> fields,
        Dictionary<string, List<LogShape>> errors, Dictionary<string, List<LogShape>> warns, List<LogShape> spring, List<LogShape> anyError)
    {
        using var reader = new StreamReader(path, NezhaText.Utf8);
        var header = reader.ReadLine();
        if (header is null || !NezhaText.TrySplit(header, fields))
        {
            return;
        }

        var width = fields.Count;
        var timeColumn = NezhaText.Column(fields, "Timestamp");
        var podColumn = NezhaText.Column(fields, "PodName");
        var logColumn = NezhaText.Column(fields, "Log");
        var traceColumn = NezhaText.Column(fields, "TraceID");
        var spanColumn = NezhaText.Column(fields, "SpanID");
        if (timeColumn < 0 || podColumn < 0 || logColumn < 0)
        {
            return;
        }

        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            // Cheap filter first: only ERROR and WARN rows are parsed.
            if (!line.Contains(" ERROR ", StringComparison.Ordinal) && !line.Contains(" WARN ", StringComparison.Ordinal))
            {
                continue;
            }

            if (!NezhaText.TrySplit(line, fields) || fields.Count != width || !NezhaText.TryParseIso(fields[timeColumn], out var time))
            {
                continue; // a corrupted row (the real day has two): not a shape
            }

            var json = fields[logColumn];
            var clock = NezhaText.ClockStart(json);
            if (clock < 0)
            {
                continue;
            }

            var rest = json.AsSpan(clock + 12);
            var isError = rest.StartsWith(" ERROR ");
            var isWarn = rest.StartsWith(" WARN ");
            if (!isError && !isWarn)
            {
                continue;
            }

            var shape = new LogShape(json, traceColumn >= 0 ? fields[traceColumn] : string.Empty, spanColumn >= 0 ? fields[spanColumn] : string.Empty, time, isWarn);
            var service = NezhaDay.ServiceOf(fields[podColumn]);
            if (errors.TryGetValue(service, out var own))
            {
                Add(isError ? own : warns[service], shape);
            }

            if (isError)
            {
                Add(anyError, shape);
                if (json.Contains("[dispatcherServlet]", StringComparison.Ordinal))
                {
                    Add(spring, shape);
                }
            }
        }
    }

    private static void Add(List<LogShape> list, LogShape shape)
    {
        if (list.Count < MaxPerList)
        {
            list.Add(shape);
        }
    }
}
