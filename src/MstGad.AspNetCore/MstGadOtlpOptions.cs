using System.Globalization;
using Microsoft.Extensions.Options;

namespace MstGad.AspNetCore;

/// <summary>Settings of the OTLP receiver (<see cref="MstGadOtlpExtensions.AddMstGadOtlp(Microsoft.Extensions.DependencyInjection.IServiceCollection, Action{MstGadOtlpOptions}?)"/>). Validated at start, every problem at once.</summary>
public sealed class MstGadOtlpOptions
{
    /// <summary>The configuration section the options are usually bound from.</summary>
    public const string SectionName = "MstGad:Otlp";

    /// <summary>
    /// The resource attributes that name a record's instance, comma-separated, in order of preference: the first one a
    /// resource has is the instance. A record whose resource has none is rejected (partial success).
    /// </summary>
    /// <value>Default <c>k8s.pod.name,service.instance.id,host.name,service.name</c>.</value>
    public string InstanceAttributes { get; set; } = "k8s.pod.name,service.instance.id,host.name,service.name";

    /// <summary>The largest request body accepted, after decompression (OTLP/HTTP: 413 beyond it; OTLP/gRPC: the largest message).</summary>
    /// <value>Default 16 MiB. Between 1 KiB and 1 GiB.</value>
    public int MaxBodyBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>The most attributes kept per span (more are dropped and counted); resource attributes are only searched.</summary>
    /// <value>Default 64. Zero or more.</value>
    public int MaxSpanAttributes { get; set; } = 64;

    /// <summary>
    /// When set, every request must carry <c>Authorization: Bearer &lt;token&gt;</c> (OTLP/HTTP: 401 otherwise;
    /// OTLP/gRPC: UNAUTHENTICATED).
    /// </summary>
    public string? BearerToken { get; set; }

    /// <summary>The retry delay sent with 429 / 503 (<c>Retry-After</c>) and RESOURCE_EXHAUSTED / UNAVAILABLE (<c>RetryInfo</c>).</summary>
    /// <value>Default 2 seconds. Between 1 second and 1 hour.</value>
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How many cumulative metric streams (instance, metric, attributes) are remembered to turn totals into per-interval deltas; points of further streams are counted and skipped.</summary>
    /// <value>Default 100,000. At least 1.</value>
    public int MaxMetricStreams { get; set; } = 100_000;

    /// <summary>The instance attributes as a list.</summary>
    /// <summary>
    /// A resource attribute naming the monitored system (e.g. <c>service.namespace</c>), for a receiver that routes
    /// records by system (MstGad.Orleans): each record's instance becomes <c>system/instance</c>. Items of a resource
    /// without it, or whose value holds a '/', are rejected (<c>no_system</c>). <see langword="null"/> (the default)
    /// for one system.
    /// </summary>
    public string? SystemAttribute { get; set; }

    internal string[] InstanceAttributeList => [.. InstanceAttributes.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];

    /// <summary>Checks every setting and returns one message per problem (empty when valid).</summary>
    /// <returns>The problems.</returns>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        void Add(FormattableString message) => problems.Add(message.ToString(CultureInfo.InvariantCulture));
        if (InstanceAttributes is null || InstanceAttributeList.Length == 0)
        {
            Add($"InstanceAttributes must name at least one resource attribute; it is '{InstanceAttributes}'.");
        }

        if (MaxBodyBytes is < 1024 or > 1024 * 1024 * 1024)
        {
            Add($"MaxBodyBytes must be between 1024 and 1073741824; it is {MaxBodyBytes}.");
        }

        if (MaxSpanAttributes < 0)
        {
            Add($"MaxSpanAttributes must be zero or more; it is {MaxSpanAttributes}.");
        }

        if (BearerToken is { } token && (token.Length == 0 || token.Any(char.IsWhiteSpace)))
        {
            Add($"BearerToken must be non-empty without white space when set.");
        }

        if (RetryAfter < TimeSpan.FromSeconds(1) || RetryAfter > TimeSpan.FromHours(1))
        {
            Add($"RetryAfter must be between 1 second and 1 hour; it is {RetryAfter}.");
        }

        if (MaxMetricStreams < 1)
        {
            Add($"MaxMetricStreams must be at least 1; it is {MaxMetricStreams}.");
        }

        return problems;
    }
}

/// <summary>Validates <see cref="MstGadOtlpOptions"/> at start.</summary>
internal sealed class MstGadOtlpOptionsValidator : IValidateOptions<MstGadOtlpOptions>
{
    public ValidateOptionsResult Validate(string? name, MstGadOtlpOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems.Select(p => "MstGad OTLP: " + p));
    }
}
