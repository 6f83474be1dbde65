using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MstGad.Features;

namespace MstGad.Datasets;

/// <summary>Options of <see cref="NezhaDataset"/>. The dataset copies them when it is created.</summary>
public sealed class NezhaDatasetOptions
{
    private ReadMode _mode = ReadMode.Strict;
    private TimeSpan _metricCoverage = TimeSpan.FromSeconds(60);
    private TimeSpan _faultDuration = TimeSpan.FromMinutes(3);
    private ILoggerFactory _loggerFactory = NullLoggerFactory.Instance;

    /// <summary>How bad records are treated.</summary>
    /// <value>Default <see cref="ReadMode.Strict"/>: the first bad record throws a <see cref="TelemetryFormatException"/>.
    /// The real 2023-01-29 day has two corrupted log rows (<c>10_06_log.csv</c>), so reading all its logs needs
    /// <see cref="ReadMode.Lenient"/>.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined <see cref="ReadMode"/>.</exception>
    public ReadMode Mode
    {
        get => _mode;
        set => _mode = ReadModes.Checked(value);
    }

    /// <summary>Whether the fault-free windows under <c>construct_data/&lt;date&gt;/</c> are read too.</summary>
    /// <value>Default <see langword="true"/>.</value>
    public bool IncludeConstructData { get; set; } = true;

    /// <summary>
    /// Whether the front-end metric file (<c>front_service.csv</c>, instance = its <c>ServiceName</c>, such as
    /// <c>Frontend</c>) is read. When <see langword="false"/> its rows are still read and each is counted
    /// under <see cref="SkipReasons.FrontendExcluded"/>.
    /// </summary>
    /// <value>Default <see langword="true"/>.</value>
    public bool IncludeFrontend { get; set; } = true;

    /// <summary>
    /// Whether NaN metric values (Nezha's "no value in this minute", for example a server latency without
    /// requests) are skipped and counted under <see cref="SkipReasons.NaNValue"/> in both modes. When
    /// <see langword="false"/>, a NaN value is a bad record (strict mode throws).
    /// </summary>
    /// <value>Default <see langword="true"/>.</value>
    public bool SkipNaNValues { get; set; } = true;

    /// <summary>The period each metric row summarises, ending at its time (<see cref="MetricSample.Coverage"/>).</summary>
    /// <value>Default 60 seconds.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public TimeSpan MetricCoverage
    {
        get => _metricCoverage;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            _metricCoverage = value;
        }
    }

    /// <summary>The duration given to each fault (the fault list records only the injection time).</summary>
    /// <value>Default 3 minutes.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is zero or negative.</exception>
    public TimeSpan FaultDuration
    {
        get => _faultDuration;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero);
            _faultDuration = value;
        }
    }

    /// <summary>The dates (folder names such as <c>2023-01-29</c>) to read; empty for every date found.</summary>
    /// <value>Default empty.</value>
    public IList<string> Dates { get; } = new List<string>();

    /// <summary>The logger factory (category <c>MstGad.Datasets</c>): one warning per file with skipped records.</summary>
    /// <value>Default <see cref="NullLoggerFactory.Instance"/>.</value>
    /// <exception cref="ArgumentNullException">The value is <see langword="null"/>.</exception>
    public ILoggerFactory LoggerFactory
    {
        get => _loggerFactory;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            _loggerFactory = value;
        }
    }

    internal NezhaDatasetOptions Clone()
    {
        var copy = new NezhaDatasetOptions
        {
            Mode = Mode,
            IncludeConstructData = IncludeConstructData,
            IncludeFrontend = IncludeFrontend,
            SkipNaNValues = SkipNaNValues,
            MetricCoverage = MetricCoverage,
            FaultDuration = FaultDuration,
            LoggerFactory = LoggerFactory,
        };
        foreach (var date in Dates)
        {
            copy.Dates.Add(date);
        }

        return copy;
    }
}
