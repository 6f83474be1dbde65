using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using MstGad.Model;

namespace MstGad.Methods;

/// <summary>
/// The detection methods an artifact can be loaded with, by name: MSTGAD, the statistical detectors and the robust z-score always; others
/// registered here, or found through <see cref="DetectionMethodAttribute"/> in a loaded assembly or in the assembly
/// <c>MstGad.Methods.{Name}</c> (for example <c>MstGad.Methods.Hades</c> for <c>hades</c>).
/// </summary>
public static class DetectionMethods
{
    private static readonly ConcurrentDictionary<string, IDetectionMethod> Registered = new(StringComparer.Ordinal);

    /// <summary>Registers a method for loading its artifacts (replacing one of the same name).</summary>
    /// <param name="method">The method; its options do not matter for loading.</param>
    /// <exception cref="ArgumentException">Its name is not lower-case letters, digits and '-'.</exception>
    public static void Register(IDetectionMethod method)
    {
        ArgumentNullException.ThrowIfNull(method);
        if (!IsValidName(method.Name))
        {
            throw new ArgumentException($"A method's name is lower-case letters, digits and '-', starting with a letter; '{method.Name}' is not.", nameof(method));
        }

        Registered[method.Name] = method;
    }

    /// <summary>The method of a name, or <see langword="null"/> when none is registered or can be found.</summary>
    /// <param name="name">The method's name, such as <c>mstgad</c>.</param>
    /// <returns>The method, with its default options.</returns>
    public static IDetectionMethod? Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        switch (name)
        {
            case MstgadMethod.MethodName: return new MstgadMethod();
            case StatisticalMethod.MethodName: return new StatisticalMethod();
            case RobustZScoreMethod.MethodName: return new RobustZScoreMethod();
        }

        if (Registered.TryGetValue(name, out var registered))
        {
            return registered;
        }

        if (!IsValidName(name))
        {
            return null;
        }

        foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies())
        {
            if (FromAttributes(assembly, name) is { } found)
            {
                return found;
            }
        }

        try
        {
            return FromAttributes(Assembly.Load(AssemblyOf(name)), name);
        }
        catch (IOException)
        {
            return null; // FileNotFoundException, FileLoadException: not there
        }
        catch (BadImageFormatException)
        {
            return null;
        }
    }

    /// <summary>The method of a name.</summary>
    /// <param name="name">The method's name.</param>
    /// <returns>The method.</returns>
    /// <exception cref="InvalidOperationException">No such method is known; the message says which package to reference.</exception>
    public static IDetectionMethod Get(string name) => Find(name) ?? throw new InvalidOperationException(NotFound(name));

    internal static string NotFound(string name)
    {
        return string.Create(CultureInfo.InvariantCulture,
            $"No detection method '{name}' is known here: reference its package (for example {AssemblyOf(name)}) or register it with DetectionMethods.Register; known: {string.Join(", ", new[] { MstgadMethod.MethodName, StatisticalMethod.MethodName, RobustZScoreMethod.MethodName }.Concat(Registered.Keys).Order(StringComparer.Ordinal))}.");
    }

    /// <summary>The assembly a method of this name is looked for in: <c>hades</c> → <c>MstGad.Methods.Hades</c>, <c>seam-absent</c> → <c>MstGad.Methods.SeamAbsent</c>.</summary>
    private static string AssemblyOf(string name) =>
        "MstGad.Methods." + string.Concat(name.Split('-').Select(p => p.Length == 0 ? p : char.ToUpperInvariant(p[0]) + p[1..]));

    internal static bool IsValidName(string name) =>
        name.Length is > 0 and <= 64 && name[0] is >= 'a' and <= 'z' && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-');

    private static IDetectionMethod? FromAttributes(Assembly assembly, string name)
    {
        foreach (var attribute in assembly.GetCustomAttributes<DetectionMethodAttribute>())
        {
            if (typeof(IDetectionMethod).IsAssignableFrom(attribute.MethodType)
                && Activator.CreateInstance(attribute.MethodType) is IDetectionMethod method
                && method.Name == name)
            {
                return method;
            }
        }

        return null;
    }
}
