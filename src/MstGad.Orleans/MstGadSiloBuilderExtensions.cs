using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MstGad.Hosting;
using Orleans.Configuration;
using Orleans.Runtime.Hosting;
using Orleans.Serialization;
using Orleans.Storage;

namespace MstGad.Orleans;

/// <summary>Adds MstGad to Orleans silos and clients.</summary>
public static class MstGadSiloBuilderExtensions
{
    /// <summary>
    /// Runs monitored systems' detectors in this silo: the system grains, the router, the shared detector cache and
    /// the serialization of MstGad's result types. Register the grain storage named by
    /// <see cref="MstGadClusterOptions.StorageName"/> too. Options are validated when the silo starts.
    /// </summary>
    /// <param name="builder">The silo builder.</param>
    /// <param name="configure">Sets the options (<see cref="MstGadClusterOptions.ModelStore"/> is required).</param>
    /// <returns>The builder.</returns>
    public static ISiloBuilder AddMstGad(this ISiloBuilder builder, Action<MstGadClusterOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.AddOptions<MstGadClusterOptions>().Configure(configure).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<MstGadClusterOptions>, OptionsValidator>();
        builder.Services.AddSingleton<DetectorCache>();
        builder.Services.AddSingleton<DeliveriesInFlight>();
        builder.Services.AddSingleton<ClusterTelemetryReceiver>();
        builder.Services.AddSingleton<ITelemetryReceiver>(sp => sp.GetRequiredService<ClusterTelemetryReceiver>());
        AddSerialization(builder.Services);
        return builder;
    }

    /// <summary>Lets an Orleans client talk to MstGad's grains (the serialization of MstGad's result types).</summary>
    /// <param name="builder">The client builder.</param>
    /// <returns>The builder.</returns>
    public static IClientBuilder AddMstGadClient(this IClientBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        AddSerialization(builder.Services);
        return builder;
    }

    /// <summary>
    /// Keeps the systems' checkpoints in PostgreSQL through Orleans' ADO.NET grain storage (Npgsql), under
    /// <see cref="MstGadClusterOptions.StorageName"/>. The database needs the schema of
    /// <see cref="MstGadPostgreSql.CreateSchemaAsync"/>.
    /// </summary>
    /// <param name="builder">The silo builder.</param>
    /// <param name="connectionString">The database's connection string.</param>
    /// <param name="name">The storage's name.</param>
    /// <returns>The builder.</returns>
    public static ISiloBuilder AddMstGadPostgreSqlStorage(this ISiloBuilder builder, string connectionString, string name = MstGadClusterOptions.DefaultStorageName)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        // Orleans' own binary serializer for the state (a checkpoint is bytes; the observers are grain references).
        return builder.AddAdoNetGrainStorage(name, (OptionsBuilder<AdoNetGrainStorageOptions> options) => options.Configure<Serializer>((o, serializer) =>
        {
            o.Invariant = MstGadPostgreSql.Invariant;
            o.ConnectionString = connectionString;
            o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer);
        }));
    }

    /// <summary>Keeps the systems' checkpoints in a folder (<see cref="FolderGrainStorage"/>), under
    /// <see cref="MstGadClusterOptions.StorageName"/>: for a cluster on one machine.</summary>
    /// <param name="builder">The silo builder.</param>
    /// <param name="folder">The folder.</param>
    /// <param name="name">The storage's name.</param>
    /// <returns>The builder.</returns>
    public static ISiloBuilder AddMstGadFolderStorage(this ISiloBuilder builder, string folder, string name = MstGadClusterOptions.DefaultStorageName)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(folder);
        builder.Services.AddGrainStorage(name, (services, _) => new FolderGrainStorage(folder, services.GetRequiredService<Serializer>()));
        return builder;
    }

    /// <summary>
    /// Keeps the cluster's membership in PostgreSQL through Orleans' ADO.NET clustering (Npgsql): silos find each other
    /// there and notice lost ones. The database needs the schema of <see cref="MstGadPostgreSql.CreateSchemaAsync"/>.
    /// </summary>
    /// <param name="builder">The silo builder.</param>
    /// <param name="connectionString">The database's connection string.</param>
    /// <returns>The builder.</returns>
    public static ISiloBuilder UseMstGadPostgreSqlClustering(this ISiloBuilder builder, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        return builder.UseAdoNetClustering(o =>
        {
            o.Invariant = MstGadPostgreSql.Invariant;
            o.ConnectionString = connectionString;
        });
    }

    /// <summary>Finds the cluster's gateways in PostgreSQL (the membership of <see cref="UseMstGadPostgreSqlClustering(ISiloBuilder, string)"/>).</summary>
    /// <param name="builder">The client builder.</param>
    /// <param name="connectionString">The database's connection string.</param>
    /// <returns>The builder.</returns>
    public static IClientBuilder UseMstGadPostgreSqlClustering(this IClientBuilder builder, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        return builder.UseAdoNetClustering(o =>
        {
            o.Invariant = MstGadPostgreSql.Invariant;
            o.ConnectionString = connectionString;
        });
    }

    private static void AddSerialization(IServiceCollection services) =>
        services.AddSerializer(s => s.AddJsonSerializer(IsResultType, ResultJson));

    /// <summary>MstGad's own result types (verdicts, evidence) cross the wire as JSON: the library knows nothing of Orleans.</summary>
    private static bool IsResultType(Type type) =>
        type.Namespace == "MstGad" && type.Assembly == typeof(StepVerdicts).Assembly;

    private static readonly JsonSerializerOptions ResultJson = new()
    {
        IncludeFields = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private sealed class OptionsValidator : IValidateOptions<MstGadClusterOptions>
    {
        public ValidateOptionsResult Validate(string? name, MstGadClusterOptions options)
        {
            var problems = options.Validate();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}
