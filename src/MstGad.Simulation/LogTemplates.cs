using System.Globalization;

namespace MstGad.Simulation;

/// <summary>
/// The log lines of the simulated services: a handful of templates per service with variable
/// parameters (ids, counts, durations, addresses), so that a template miner has real work to do.
/// </summary>
internal static class LogTemplates
{
    public const int RequestTemplateCount = 8;

    private static readonly string[] States = ["PAID", "COLLECTED", "CANCELLED", "USED", "NOTPAID", "CHANGED"];
    private static readonly string[] Channels = ["email", "sms", "push"];
    private static readonly string[] TrainTypes = ["G", "D", "K", "Z", "T"];

    private static CultureInfo C => CultureInfo.InvariantCulture;

    /// <summary>The line a service logs while handling a request.</summary>
    public static string Request(int template, string entity, double ms, ref Rng rng) => template switch
    {
        0 => string.Create(C, $"Query {entity} by id {rng.Uuid()} finished in {ms:0} ms"),
        1 => string.Create(C, $"Found {rng.Next(40)} {entity} records for account {rng.Uuid()}"),
        2 => string.Create(C, $"Cache miss for {entity} key {entity}:{rng.Next(100_000)}, loading from database"),
        3 => string.Create(C, $"Updated {entity} {rng.Uuid()} status to {States[rng.Next(States.Length)]}"),
        4 => string.Create(C, $"Validating {entity} request for trip {TrainTypes[rng.Next(TrainTypes.Length)]}{1000 + rng.Next(9000)} departing in {1 + rng.Next(30)} days"),
        5 => string.Create(C, $"Sending {entity} notification {rng.Uuid()} via {Channels[rng.Next(Channels.Length)]}"),
        6 => string.Create(C, $"Calculated {entity} price {rng.Uniform(10, 900):0.00} for route {rng.Uuid()}"),
        _ => string.Create(C, $"Handling {entity} request {rng.Hex(16)} for user {rng.Uuid()}"),
    };

    /// <summary>The entry service's access log line for a finished request.</summary>
    public static string Access(string operation, bool failed, double ms, ref Rng rng)
    {
        var space = operation.IndexOf(' ', StringComparison.Ordinal);
        var method = space > 0 ? operation[..space] : operation;
        var path = space > 0 ? operation[(space + 1)..] : "/";
        return string.Create(C, $"{ClientAddress(ref rng)} \"{method} {path} HTTP/1.1\" {(failed ? 500 : 200)} {200 + rng.Next(5000)} {ms:0} ms");
    }

    public static string HealthCheck(double heapMb, ref Rng rng) =>
        string.Create(C, $"Health check passed: {1 + rng.Next(60)} active connections, heap used {heapMb:0} MB");

    public static string ScheduledCleanup(string entity, ref Rng rng) =>
        string.Create(C, $"Scheduled cleanup of expired {entity} entries removed {rng.Next(500)} rows in {rng.Uniform(2, 80):0} ms");

    public static string SlowQuery(string entity, double ms) =>
        string.Create(C, $"Slow query on collection {entity} took {ms:0} ms");

    public static string SlowDiskWrite(string entity, ref Rng rng) =>
        string.Create(C, $"Slow write to /var/lib/{entity}/segment-{rng.Next(100_000)}.log took {rng.Uniform(800, 5000):0} ms for {64 * (1 + rng.Next(64))} KB");

    public static string Exception(string entity, ref Rng rng) => rng.Next(3) switch
    {
        0 => string.Create(C, $"Failed to process {entity} event {rng.Uuid()} from queue {entity}-events: java.lang.NullPointerException: Cannot invoke \"String.length()\" because \"value\" is null"),
        1 => string.Create(C, $"Unhandled exception in worker pool-{1 + rng.Next(4)}-thread-{1 + rng.Next(16)}: java.lang.IllegalStateException: {entity} {rng.Uuid()} is in an unexpected state"),
        _ => string.Create(C, $"Error while serializing {entity} {rng.Uuid()}: com.fasterxml.jackson.databind.JsonMappingException: Infinite recursion (StackOverflowError)"),
    };

    public static string ConnectionRefused(string callee, string address, string operation) =>
        string.Create(C, $"Connection refused: {callee}:8080 ({address}) while calling {operation}");

    public static string Timeout(string callee, string operation, double ms, ref Rng rng) =>
        string.Create(C, $"Timeout after {ms:0} ms waiting for {callee} ({operation}), request {rng.Hex(16)} aborted");

    private static string ClientAddress(ref Rng rng) =>
        string.Create(C, $"172.16.{rng.Next(256)}.{1 + rng.Next(254)}");
}
