namespace MstGad.Features;

/// <summary>What an edge feature measures.</summary>
public enum EdgeMeasure
{
    /// <summary>How many calls (of one request type, or of all with <see cref="EdgeFeatureInfo.RequestType"/> <see langword="null"/>).</summary>
    Calls = 0,

    /// <summary>The total duration the caller measured (its client span), in milliseconds.</summary>
    ClientDuration = 1,

    /// <summary>The total duration the callee measured (its server span), in milliseconds.</summary>
    ServerDuration = 2,

    /// <summary>The total of client minus server duration (time on the network and in queues), in milliseconds.</summary>
    ClientMinusServer = 3,

    /// <summary>How many calls failed on either side.</summary>
    Errors = 4,

    /// <summary>The mean client-observed duration of all calls, in milliseconds.</summary>
    MeanLatency = 5,

    /// <summary>The 95th percentile of the client-observed durations of all calls, in milliseconds.</summary>
    P95Latency = 6,

    /// <summary>The share of all calls that failed on either side.</summary>
    ErrorRate = 7,

    /// <summary>The mean server-observed duration of all calls, in milliseconds.</summary>
    MeanServerLatency = 8,

    /// <summary>The mean client minus server duration of all calls (time on the network and in queues per call), in milliseconds.</summary>
    MeanClientMinusServer = 9,

    /// <summary>
    /// The median client minus server duration of all calls, in milliseconds: a delay on the way to the callee moves every
    /// call, while the odd slow call of a normal minute (a delayed acknowledgement adds about 200 ms to one call in a
    /// hundred) moves the mean and not the median.
    /// </summary>
    MedianClientMinusServer = 10,
}

/// <summary>What kind of quantity an <see cref="EdgeMeasure"/> is.</summary>
public static class EdgeMeasures
{
    /// <summary>Whether the measure is a duration in milliseconds.</summary>
    /// <param name="measure">The measure.</param>
    /// <returns><see langword="true"/> for the client, server and client-minus-server durations, totals or per call.</returns>
    public static bool IsDuration(this EdgeMeasure measure) =>
        measure is EdgeMeasure.ClientDuration or EdgeMeasure.ServerDuration or EdgeMeasure.MeanLatency or EdgeMeasure.P95Latency
            or EdgeMeasure.MeanServerLatency || measure.IsClientMinusServer();

    /// <summary>Whether the measure is time between the two sides of a call (client minus server: the network and queues).</summary>
    /// <param name="measure">The measure.</param>
    /// <returns><see langword="true"/> for the total, the mean and the median client-minus-server time.</returns>
    public static bool IsClientMinusServer(this EdgeMeasure measure) =>
        measure is EdgeMeasure.ClientMinusServer or EdgeMeasure.MeanClientMinusServer or EdgeMeasure.MedianClientMinusServer;
}

/// <summary>One edge feature of a <see cref="FeatureSpace"/>.</summary>
/// <param name="Name">The feature name (<c>calls:&lt;type&gt;</c>, <c>client:&lt;type&gt;</c>, <c>server:&lt;type&gt;</c>,
/// <c>gap:&lt;type&gt;</c>, <c>errors:&lt;type&gt;</c>, <c>calls</c>, <c>latency:mean</c>, <c>latency:p95</c>, <c>server:mean</c>,
/// <c>gap:mean</c>, <c>gap:median</c>, <c>error-rate</c>).</param>
/// <param name="Measure">What it measures.</param>
/// <param name="RequestType">The request type (the callee's operation, or <c>other</c>), or <see langword="null"/> for a summary of all calls.</param>
public sealed record EdgeFeatureInfo(string Name, EdgeMeasure Measure, string? RequestType)
{
    /// <summary>Whether the raw value is a duration in milliseconds.</summary>
    public bool IsDuration => Measure.IsDuration();
}
