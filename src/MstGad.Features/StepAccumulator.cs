namespace MstGad.Features;

/// <summary>Statistics of the samples of one metric of one instance in one step.</summary>
internal struct MetricCell
{
    public double Sum;
    public int Count;
    public double Min;
    public double Max;
    public double Last;
    public long LastTicks;

    public void Add(double value, long ticks)
    {
        if (Count == 0)
        {
            Min = Max = value;
            Last = value;
            LastTicks = ticks;
        }
        else
        {
            Min = Math.Min(Min, value);
            Max = Math.Max(Max, value);
            if (ticks >= LastTicks)
            {
                Last = value;
                LastTicks = ticks;
            }
        }

        Sum += value;
        Count++;
    }

    public readonly double Value(MetricAggregation aggregation) => aggregation switch
    {
        MetricAggregation.Mean => Sum / Count,
        MetricAggregation.Min => Min,
        MetricAggregation.Max => Max,
        MetricAggregation.Last => Last,
        _ => Sum,
    };
}

/// <summary>Calls of one edge in one step.</summary>
internal sealed class EdgeCell
{
    public Dictionary<int, (int Calls, double TotalMs)> Operations { get; } = [];

    public List<double> DurationsMs { get; } = [];

    public int Errors { get; set; }

    public double TotalMs { get; set; }

    public void Add(int operation, double durationMs, bool error)
    {
        var (calls, total) = Operations.GetValueOrDefault(operation);
        Operations[operation] = (calls + 1, total + durationMs);
        DurationsMs.Add(durationMs);
        TotalMs += durationMs;
        if (error)
        {
            Errors++;
        }
    }
}

/// <summary>Everything aggregated for one step.</summary>
internal sealed class StepAccumulator
{
    private static readonly MetricCell[] NoCells = [];

    public Dictionary<int, MetricCell[]> Metrics { get; } = [];

    public Dictionary<int, Dictionary<int, int>> LogTemplates { get; } = [];

    public Dictionary<int, int[]> LogLevelCounts { get; } = [];

    public Dictionary<(int Caller, int Callee), EdgeCell> Edges { get; } = [];

    public bool HasSpans { get; set; }

    public bool HasLogs => LogTemplates.Count > 0;

    public ref MetricCell MetricCell(int instance, int metric)
    {
        if (!Metrics.TryGetValue(instance, out var cells) || cells.Length <= metric)
        {
            var grown = new MetricCell[Math.Max(metric + 1, (cells ?? NoCells).Length * 2)];
            (cells ?? NoCells).CopyTo(grown, 0);
            Metrics[instance] = cells = grown;
        }

        return ref cells[metric];
    }

    public void AddLog(int instance, int template, int level)
    {
        if (!LogTemplates.TryGetValue(instance, out var counts))
        {
            counts = [];
            LogTemplates.Add(instance, counts);
            LogLevelCounts.Add(instance, new int[LogLevels.Names.Count]);
        }

        counts[template] = counts.GetValueOrDefault(template) + 1;
        LogLevelCounts[instance][level]++;
    }

    public void AddCall(int caller, int callee, int operation, double durationMs, bool error)
    {
        if (!Edges.TryGetValue((caller, callee), out var cell))
        {
            cell = new EdgeCell();
            Edges.Add((caller, callee), cell);
        }

        cell.Add(operation, durationMs, error);
        HasSpans = true;
    }
}
