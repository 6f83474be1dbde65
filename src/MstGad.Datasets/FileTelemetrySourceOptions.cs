using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MstGad.Features;

namespace MstGad.Datasets;

/// <summary>
/// Options of <see cref="FileTelemetrySource"/>: the files of each kind and how to read them. The source
/// copies them when it is created. The columns of each kind are described in <c>docs/formats.md</c>.
/// </summary>
public sealed class FileTelemetrySourceOptions
{
    private ReadMode _mode = ReadMode.Strict;
    private TelemetryFileFormat _format = TelemetryFileFormat.Auto;
    private ILoggerFactory _loggerFactory = NullLoggerFactory.Instance;

    /// <summary>How bad records are treated.</summary>
    /// <value>Default <see cref="ReadMode.Strict"/>.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined <see cref="ReadMode"/>.</exception>
    public ReadMode Mode
    {
        get => _mode;
        set => _mode = ReadModes.Checked(value);
    }

    /// <summary>The format of every file, or <see cref="TelemetryFileFormat.Auto"/> to choose it from each file's name.</summary>
    /// <value>Default <see cref="TelemetryFileFormat.Auto"/>.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined <see cref="TelemetryFileFormat"/>.</exception>
    public TelemetryFileFormat Format
    {
        get => _format;
        set
        {
            if (!Enum.IsDefined(value))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "The format must be Auto, Csv or JsonLines.");
            }

            _format = value;
        }
    }

    /// <summary>
    /// Whether NaN metric values are skipped in both modes (counted under <see cref="SkipReasons.NaNValue"/>);
    /// when <see langword="false"/> a NaN value is a bad record (strict mode throws).
    /// </summary>
    /// <value>Default <see langword="false"/>.</value>
    public bool SkipNaNValues { get; set; }

    /// <summary>Metric files: <c>time,instance,metric,value[,coverage_s]</c>.</summary>
    /// <value>Default empty.</value>
    public IList<string> MetricFiles { get; } = new List<string>();

    /// <summary>Log files: <c>time,instance,message[,level][,trace_id][,span_id]</c>.</summary>
    /// <value>Default empty.</value>
    public IList<string> LogFiles { get; } = new List<string>();

    /// <summary>
    /// Span files: <c>trace_id,span_id,parent_span_id,instance,operation,start,end</c> or
    /// <c>…,start,duration_ms</c>, with optional <c>status</c> and <c>kind</c>.
    /// </summary>
    /// <value>Default empty.</value>
    public IList<string> SpanFiles { get; } = new List<string>();

    /// <summary>Fault files: <c>target,start,end,type</c> or <c>target,start,duration_s,type</c>, with optional <c>target_kind</c>.</summary>
    /// <value>Default empty.</value>
    public IList<string> FaultFiles { get; } = new List<string>();

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
}
