using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace MstGad.Hosting;

/// <summary>Registers the hosted detector in a service collection.</summary>
public static class MstGadServiceCollectionExtensions
{
    /// <summary>
    /// Adds the hosted detector: <see cref="MstGadMonitor"/> (a singleton: push records, read verdicts and incidents),
    /// a hosted service that starts it with the host, and the validation of <see cref="MstGadHostOptions"/> at start
    /// (every problem at once). Register <see cref="IIncidentSink"/>s to receive incidents, and a
    /// <see cref="TimeProvider"/> to replace the system clock.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddMstGad(this IServiceCollection services, Action<MstGadHostOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<MstGadHostOptions>().Configure(configure);
        return AddCore(services);
    }

    /// <summary>Adds the hosted detector with options bound from a configuration section (e.g. <c>configuration.GetSection("MstGad")</c>).</summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The section with the options (<c>ModelPath</c>, <c>CheckpointDirectory</c>, <c>Incidents:CoolDown</c>, …).</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddMstGad(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<MstGadHostOptions>().Bind(configuration);
        return AddCore(services);
    }

    /// <summary>Adds <see cref="MstGadHealthCheck"/> (requires <c>AddMstGad</c>).</summary>
    /// <param name="builder">The health checks.</param>
    /// <param name="name">The check's name.</param>
    /// <returns>The health checks.</returns>
    public static IHealthChecksBuilder AddMstGad(this IHealthChecksBuilder builder, string name = "mstgad")
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Add(new HealthCheckRegistration(name, sp => new MstGadHealthCheck(sp.GetRequiredService<MstGadMonitor>()), failureStatus: null, tags: ["mstgad"]));
    }

    private static IServiceCollection AddCore(IServiceCollection services)
    {
        services.AddOptions<MstGadHostOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MstGadHostOptions>, MstGadHostOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new MstGadMonitor(
            sp.GetRequiredService<IOptions<MstGadHostOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance,
            sp.GetServices<IIncidentSink>(),
            sp.GetService<IMeterFactory>()));
        services.TryAddSingleton<ITelemetryReceiver>(sp => sp.GetRequiredService<MstGadMonitor>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, MstGadHostedService>());
        return services;
    }
}
