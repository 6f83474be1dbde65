using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MstGad.Features;

namespace MstGad.Datasets;

/// <summary>Options of <see cref="OtlpJsonSource"/>. The source copies them when it is created.</summary>
public sealed class OtlpJsonSourceOptions
{
    private ReadMode _mode = ReadMode.Strict;
    private ILoggerFactory _loggerFactory = NullLoggerFactory.Instance;

    /// <summary>How bad records are treated.</summary>
    /// <value>Default <see cref="ReadMode.Strict"/>.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined <see cref="ReadMode"/>.</exception>
    public ReadMode Mode
    {
        get => _mode;
        set => _mode = ReadModes.Checked(value);
    }

    /// <summary>
    /// The resource attributes that name the instance, tried in order; a record whose resource has none of
    /// them is a bad record (<see cref="SkipReasons.MissingInstance"/>).
    /// </summary>
    /// <value>Default <c>k8s.pod.name</c>, <c>service.instance.id</c>, <c>host.name</c>, <c>service.name</c>.</value>
    public IList<string> InstanceAttributes { get; } = new List<string> { "k8s.pod.name", "service.instance.id", "host.name", "service.name" };

    /// <summary>
    /// Whether NaN metric values are skipped in both modes (counted under <see cref="SkipReasons.NaNValue"/>);
    /// when <see langword="false"/> a NaN value is a bad record (strict mode throws).
    /// </summary>
    /// <value>Default <see langword="false"/>.</value>
    public bool SkipNaNValues { get; set; }

    /// <summary>Whether span attributes are copied into <see cref="Span.Attributes"/> (values as text).</summary>
    /// <value>Default <see langword="false"/>.</value>
    public bool IncludeSpanAttributes { get; set; }

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
