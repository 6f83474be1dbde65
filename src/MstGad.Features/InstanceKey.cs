using System.Text.RegularExpressions;

namespace MstGad.Features;

/// <summary>
/// Maps a raw instance name (as telemetry reports it) to the key that identifies a node of the graph.
/// </summary>
/// <remarks>
/// In Kubernetes a restarted or redeployed pod gets a new name (<c>ts-basic-service-5dc8d4f9fd-46997</c>
/// one day, <c>ts-basic-service-5dc8d4f9fd-llznp</c> the next). <see cref="KubernetesWorkload"/> strips
/// the ReplicaSet hash and pod suffix so that a model trained on one day scores the next. With several
/// replicas of one workload it merges them into one node; use <see cref="Identity"/> (or your own
/// mapping) when replicas must stay apart.
/// </remarks>
public sealed partial class InstanceKey
{
    private readonly Func<string, string> _map;

    private InstanceKey(string name, Func<string, string> map)
    {
        Name = name;
        _map = map;
    }

    /// <summary>Keeps raw names unchanged.</summary>
    public static InstanceKey Identity { get; } = new("identity", static s => s);

    /// <summary>
    /// Strips Kubernetes pod-name suffixes: <c>name-&lt;replicaset hash&gt;-&lt;5 characters&gt;</c> (Deployment)
    /// and <c>name-&lt;5 characters&gt;</c> when the suffix uses the generator's alphabet and has a digit
    /// (DaemonSet, Job); StatefulSet ordinals (<c>name-0</c>) and other names are kept.
    /// </summary>
    public static InstanceKey KubernetesWorkload { get; } = new("kubernetes-workload", StripPodSuffix);

    /// <summary>The name of the mapping (saved with a model; custom mappings must be supplied again on load).</summary>
    public string Name { get; }

    /// <summary>Creates a custom mapping.</summary>
    /// <param name="name">A name for the mapping.</param>
    /// <param name="map">The mapping; must be deterministic.</param>
    /// <returns>The instance key.</returns>
    public static InstanceKey Custom(string name, Func<string, string> map)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(map);
        return new InstanceKey(name, map);
    }

    /// <summary>Returns the built-in mapping with the given name.</summary>
    /// <param name="name"><c>identity</c> or <c>kubernetes-workload</c>.</param>
    /// <returns>The mapping.</returns>
    /// <exception cref="ArgumentException">Unknown name.</exception>
    public static InstanceKey FromName(string name) => name switch
    {
        "identity" => Identity,
        "kubernetes-workload" => KubernetesWorkload,
        _ => throw new ArgumentException($"Unknown instance key '{name}'; built-in keys are 'identity' and 'kubernetes-workload'.", nameof(name)),
    };

    /// <summary>Maps a raw instance name to its key.</summary>
    /// <param name="rawName">The raw name.</param>
    /// <returns>The key.</returns>
    public string Map(string rawName)
    {
        ArgumentNullException.ThrowIfNull(rawName);
        return _map(rawName);
    }

    private static string StripPodSuffix(string name)
    {
        var m = DeploymentPod().Match(name);
        if (m.Success)
        {
            return m.Groups[1].Value;
        }

        m = GeneratedPod().Match(name);
        return m.Success ? m.Groups[1].Value : name;
    }

    // The pod-template hash and the random suffix use Kubernetes' safe alphabet (no vowels, no 0, 1, 3).
    [GeneratedRegex("^(.+)-[bcdfghjklmnpqrstvwxz2456789]{6,10}-[bcdfghjklmnpqrstvwxz2456789]{5}$", RegexOptions.CultureInvariant)]
    private static partial Regex DeploymentPod();

    [GeneratedRegex("^(.+)-(?=[bcdfghjklmnpqrstvwxz]*[2456789])[bcdfghjklmnpqrstvwxz2456789]{5}$", RegexOptions.CultureInvariant)]
    private static partial Regex GeneratedPod();
}
