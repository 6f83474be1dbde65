using System.Collections.Concurrent;
using System.Globalization;

namespace MstGad.Simulation;

/// <summary>
/// The simulated system: services (the first is the entry point), their operations and calls (a DAG),
/// replicas with pod-style names and addresses, and per-service resource profiles. It depends only on
/// the number of services and replicas, never on the run's seed.
/// </summary>
internal sealed class Topology
{
    public const int EntryService = 0;

    private const string PodAlphabet = "bcdfghjklmnpqrstvwxz2456789";

    private static readonly string[] Catalogue =
    [
        "ts-ui-dashboard", "ts-travel-service", "ts-order-service", "ts-route-service", "ts-station-service",
        "ts-price-service", "ts-seat-service", "ts-user-service", "ts-auth-service", "ts-payment-service",
        "ts-ticketinfo-service", "ts-basic-service", "ts-config-service", "ts-train-service", "ts-contacts-service",
        "ts-preserve-service", "ts-food-service", "ts-assurance-service", "ts-security-service", "ts-notification-service",
        "ts-inside-payment-service", "ts-execute-service", "ts-cancel-service", "ts-rebook-service", "ts-consign-service",
        "ts-voucher-service", "ts-travel-plan-service", "ts-route-plan-service", "ts-travel2-service", "ts-order-other-service",
        "ts-food-map-service", "ts-consign-price-service", "ts-verification-code-service", "ts-admin-basic-info-service", "ts-admin-order-service",
        "ts-admin-route-service", "ts-admin-travel-service", "ts-admin-user-service", "ts-delivery-service", "ts-news-service",
        "ts-wait-order-service",
    ];

    private static readonly string[] Resources = ["query", "detail", "list", "create", "update", "check", "calculate", "status", "search", "refresh"];

    private Topology(ServiceModel[] services, InstanceModel[] instances)
    {
        Services = services;
        Instances = instances;
    }

    public ServiceModel[] Services { get; }

    public InstanceModel[] Instances { get; }

    public static Topology Create(int serviceCount, int replicas)
    {
        var rng = Rng.For(0x5EED_7090_1067L, 1, serviceCount);
        var names = Enumerable.Range(0, serviceCount)
            .Select(i => i < Catalogue.Length ? Catalogue[i] : string.Create(CultureInfo.InvariantCulture, $"ts-extra-{i - Catalogue.Length + 1}-service"))
            .ToArray();

        // A layered DAG: each service is called by one earlier service at depth ≤ 2 (so traces are at
        // most four services deep), sometimes by a second one (never the entry point); fan-out is limited.
        var maxFanOut = Math.Max(3, (int)Math.Ceiling(Math.Cbrt(serviceCount)) + 1);
        var depth = new int[serviceCount];
        var callees = Enumerable.Range(0, serviceCount).Select(_ => new List<int>()).ToArray();
        for (var i = 1; i < serviceCount; i++)
        {
            var eligible = Enumerable.Range(0, i).Where(j => depth[j] <= 2 && callees[j].Count < maxFanOut).ToList();
            if (eligible.Count == 0)
            {
                eligible = Enumerable.Range(0, i).Where(j => depth[j] <= 2).ToList();
            }

            // The first two services hang off the entry point, so that even a small system has two branches.
            var parent = i <= 2 ? EntryService : eligible[rng.Next(eligible.Count)];
            callees[parent].Add(i);
            depth[i] = depth[parent] + 1;
            if (i >= 3 && rng.Chance(0.3))
            {
                var second = eligible.Where(j => j != parent && j != EntryService).ToList();
                if (second.Count > 0)
                {
                    callees[second[rng.Next(second.Count)]].Add(i);
                }
            }
        }

        var services = new ServiceModel[serviceCount];
        var instances = new List<InstanceModel>(serviceCount * replicas);
        var usedNames = new HashSet<string>(StringComparer.Ordinal);
        for (var s = 0; s < serviceCount; s++)
        {
            var name = names[s];
            var entity = name.StartsWith("ts-", StringComparison.Ordinal) ? name[3..] : name;
            entity = entity.EndsWith("-service", StringComparison.Ordinal) ? entity[..^"-service".Length] : entity;
            var operations = CreateOperations(s, entity, callees[s], names, ref rng);
            var weights = new double[operations.Length];
            for (var o = 0; o < weights.Length; o++)
            {
                weights[o] = rng.Uniform(0.5, 1.5);
            }

            var total = weights.Sum();
            var cumulative = new double[weights.Length];
            var sum = 0.0;
            for (var o = 0; o < weights.Length; o++)
            {
                sum += weights[o] / total;
                cumulative[o] = sum;
            }

            var service = new ServiceModel
            {
                Index = s,
                Name = name,
                Entity = entity,
                Operations = operations,
                CumulativeWeights = cumulative,
                Callees = [.. callees[s]],
                IdleCpu = rng.Uniform(0.01, 0.05),
                BaseMemoryMb = rng.Uniform(250, 900),
                DiskReadKb = rng.Uniform(2, 20),
                DiskWriteKb = rng.Uniform(10, 60),
                ReceiveKbPerRequest = rng.Uniform(1, 4),
                TransmitKbPerRequest = rng.Uniform(2, 8),
                MemoryPeriodHours = rng.Uniform(2, 6),
            };

            var hashRng = Rng.For(0x90D, Rng.Hash(name));
            var podHash = PodString(ref hashRng, 10);
            var first = instances.Count;
            for (var r = 0; r < replicas; r++)
            {
                var suffixRng = Rng.For(0x5FF1, Rng.Hash(name), r);
                string pod;
                do
                {
                    pod = $"{name}-{podHash}-{PodString(ref suffixRng, 5)}";
                }
                while (!usedNames.Add(pod));

                var index = instances.Count;
                instances.Add(new InstanceModel
                {
                    Index = index,
                    Name = pod,
                    Service = s,
                    Replica = r,
                    Address = string.Create(CultureInfo.InvariantCulture, $"10.244.{1 + (index / 250)}.{2 + (index % 250)}"),
                    MemoryPhase = rng.Uniform(0, 2 * Math.PI),
                });
            }

            service.Instances = [.. Enumerable.Range(first, replicas)];
            services[s] = service;
        }

        return new Topology(services, [.. instances]);
    }

    private static OperationModel[] CreateOperations(int service, string entity, List<int> callees, string[] names, ref Rng rng)
    {
        var serviceMs = Math.Clamp(3 * rng.LogNormal(0.6), 1, 30);
        if (service == EntryService)
        {
            // One entry operation per called service: the user-facing API.
            return [.. callees.Select((c, o) => new OperationModel
            {
                Name = $"{(o % 3 == 2 ? "POST" : "GET")} /api/v1/{ShortName(names[c])}",
                Callees = [c],
                OwnMs = Math.Clamp(serviceMs * 0.3, 0.5, 5),
                Template = -1,
            })];
        }

        var count = Math.Max(2, (callees.Count + 1) / 2);
        var keys = new ulong[Resources.Length];
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = rng.NextUInt64();
        }

        var resources = Resources.Select((r, i) => (r, keys[i])).OrderBy(p => p.Item2).Take(count).Select(p => p.r).ToArray();
        var operations = new OperationModel[count];
        for (var o = 0; o < count; o++)
        {
            operations[o] = new OperationModel
            {
                Name = $"{(resources[o] is "create" or "update" or "calculate" ? "POST" : "GET")} /api/v1/{entity.Replace("-", "", StringComparison.Ordinal)}service/{resources[o]}",
                Callees = [.. callees.Where((_, i) => i % count == o)],
                OwnMs = serviceMs * rng.Uniform(0.6, 1.6),
                Template = ((service * 3) + o) % LogTemplates.RequestTemplateCount,
            };
        }

        return operations;
    }

    private static string ShortName(string service)
    {
        var s = service.StartsWith("ts-", StringComparison.Ordinal) ? service[3..] : service;
        return s.EndsWith("-service", StringComparison.Ordinal) ? s[..^"-service".Length] : s;
    }

    private static string PodString(ref Rng rng, int length)
    {
        Span<char> text = stackalloc char[length];
        for (var i = 0; i < length; i++)
        {
            text[i] = PodAlphabet[rng.Next(PodAlphabet.Length)];
        }

        return new string(text);
    }
}

/// <summary>One service of the simulated system.</summary>
internal sealed class ServiceModel
{
    public required int Index { get; init; }

    public required string Name { get; init; }

    /// <summary>The word its log lines use for what it handles (<c>order</c>, <c>route-plan</c>, …).</summary>
    public required string Entity { get; init; }

    public required OperationModel[] Operations { get; init; }

    public required double[] CumulativeWeights { get; init; }

    public required int[] Callees { get; init; }

    /// <summary>The attributes of a client span calling this service (<c>peer.service</c>, as OpenTelemetry clients
    /// record it): a call that fails before the service records a span goes to an edge to the service's node. One
    /// read-only instance per service name, so that equal simulations emit equal spans.</summary>
    public IReadOnlyDictionary<string, string> CalledBy => CalledByName.GetOrAdd(Name, static name => new Dictionary<string, string>(StringComparer.Ordinal) { ["peer.service"] = name });

    private static readonly ConcurrentDictionary<string, IReadOnlyDictionary<string, string>> CalledByName = new(StringComparer.Ordinal);

    public int[] Instances { get; set; } = [];

    public required double IdleCpu { get; init; }

    public required double BaseMemoryMb { get; init; }

    public required double DiskReadKb { get; init; }

    public required double DiskWriteKb { get; init; }

    public required double ReceiveKbPerRequest { get; init; }

    public required double TransmitKbPerRequest { get; init; }

    public required double MemoryPeriodHours { get; init; }

    public OperationModel PickOperation(ref Rng rng)
    {
        var u = rng.NextDouble();
        for (var o = 0; o < CumulativeWeights.Length - 1; o++)
        {
            if (u < CumulativeWeights[o])
            {
                return Operations[o];
            }
        }

        return Operations[^1];
    }
}

/// <summary>One operation (request type) of a service and the services it calls, in order.</summary>
internal sealed class OperationModel
{
    public required string Name { get; init; }

    public required int[] Callees { get; init; }

    /// <summary>The attributes of a client span calling this service (<c>peer.service</c>, as OpenTelemetry clients
    /// record it): a call that fails before the service records a span goes to an edge to the service's node. One
    /// read-only instance per service name, so that equal simulations emit equal spans.</summary>
    public IReadOnlyDictionary<string, string> CalledBy => CalledByName.GetOrAdd(Name, static name => new Dictionary<string, string>(StringComparer.Ordinal) { ["peer.service"] = name });

    private static readonly ConcurrentDictionary<string, IReadOnlyDictionary<string, string>> CalledByName = new(StringComparer.Ordinal);

    /// <summary>The median time the service itself spends on the request (CPU), in ms.</summary>
    public required double OwnMs { get; init; }

    /// <summary>The request log template, or −1 for the entry service's access log.</summary>
    public required int Template { get; init; }
}

/// <summary>One replica (pod) of a service.</summary>
internal sealed class InstanceModel
{
    public required int Index { get; init; }

    public required string Name { get; init; }

    public required int Service { get; init; }

    public required int Replica { get; init; }

    public required string Address { get; init; }

    public required double MemoryPhase { get; init; }
}
