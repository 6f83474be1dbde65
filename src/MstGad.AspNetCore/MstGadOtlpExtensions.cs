using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using MstGad.Hosting;
using MstGad.AspNetCore.Protocol.Collector.Logs;
using MstGad.AspNetCore.Protocol.Collector.Metrics;
using MstGad.AspNetCore.Protocol.Collector.Trace;

namespace MstGad.AspNetCore;

/// <summary>Registers and maps the OTLP receiver of the hosted detector.</summary>
public static class MstGadOtlpExtensions
{
    /// <summary>
    /// Adds the OTLP receiver (and gRPC) for the hosted detector; call <c>AddMstGad</c> from <c>MstGad.Hosting</c> too,
    /// and map the endpoints with <see cref="MapMstGadOtlp"/>. Options are validated at start.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options; <see langword="null"/> for the defaults.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddMstGadOtlp(this IServiceCollection services, Action<MstGadOtlpOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<MstGadOtlpOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        return AddCore(services);
    }

    /// <summary>Adds the OTLP receiver with options bound from a configuration section (e.g. <c>configuration.GetSection("MstGad:Otlp")</c>).</summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The section.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddMstGadOtlp(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<MstGadOtlpOptions>().Bind(configuration);
        return AddCore(services);
    }

    /// <summary>
    /// Maps OTLP/HTTP (<c>POST /v1/traces</c>, <c>/v1/logs</c>, <c>/v1/metrics</c>; protobuf or JSON, gzip), the
    /// OTLP/gRPC export services, and <c>GET /mstgad/deliveries/{sender}</c> (which numbered deliveries of a sender the
    /// detector has, for re-sending after a restart; see <see cref="DeliveryTag"/>). gRPC needs an HTTP/2 endpoint (over plain TCP: one that speaks HTTP/2 only, as OTLP's
    /// port 4317); OTLP/HTTP is usually on another (4318).
    /// </summary>
    /// <param name="endpoints">The application's endpoints.</param>
    /// <returns>The endpoints.</returns>
    public static IEndpointRouteBuilder MapMstGadOtlp(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapPost("/v1/traces", context => OtlpHttp.HandleAsync(context, Signal.Traces, ExportTraceServiceRequest.Parser, static (r, m, d) => r.Export(m, d), OtlpResponses.Traces));
        endpoints.MapPost("/v1/logs", context => OtlpHttp.HandleAsync(context, Signal.Logs, ExportLogsServiceRequest.Parser, static (r, m, d) => r.Export(m, d), OtlpResponses.Logs));
        endpoints.MapPost("/v1/metrics", context => OtlpHttp.HandleAsync(context, Signal.Metrics, ExportMetricsServiceRequest.Parser, static (r, m, d) => r.Export(m, d), OtlpResponses.Metrics));
        endpoints.MapGet("/mstgad/deliveries/{sender}", (HttpContext context, string sender) =>
        {
            var receiver = context.RequestServices.GetRequiredService<OtlpReceiver>();
            if (!receiver.Authorized(context.Request.Headers.Authorization))
            {
                return Results.Unauthorized();
            }

            if (!DeliveryTag.IsSender(sender))
            {
                return Results.BadRequest($"'{sender}' is not a sender id: 1 to {DeliveryTag.MaxSenderLength} characters of letters, digits, '-', '_', '.' and ':'");
            }

            if (context.RequestServices.GetService<MstGadMonitor>() is not { } monitor)
            {
                return Results.NotFound("this host keeps no delivery ledger: its receiver is not a MstGadMonitor (a cluster numbers deliveries per system itself)");
            }

            return Results.Text(DeliveriesJson(monitor.GetDeliveries(sender)), "application/json");
        });
        endpoints.MapGrpcService<OtlpTraceService>();
        endpoints.MapGrpcService<OtlpLogsService>();
        endpoints.MapGrpcService<OtlpMetricsService>();
        return endpoints;
    }

    private static string DeliveriesJson(DeliveryState state)
    {
        using var buffer = new MemoryStream();
        using (var json = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("sender", state.Sender);
            Write(json, "received", state.Received);
            Write(json, "checkpointed", state.Checkpointed);
            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void Write(System.Text.Json.Utf8JsonWriter json, string name, DeliverySet set)
    {
        json.WriteStartObject(name);
        json.WriteNumber("below", set.Below);
        json.WriteStartArray("above");
        foreach (var sequence in set.Above)
        {
            json.WriteNumberValue(sequence);
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static IServiceCollection AddCore(IServiceCollection services)
    {
        services.AddOptions<MstGadOtlpOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MstGadOtlpOptions>, MstGadOtlpOptionsValidator>());
        services.TryAddSingleton(sp => new OtlpReceiver(
            sp.GetRequiredService<IOptions<MstGadOtlpOptions>>(),
            sp.GetRequiredService<ITelemetryReceiver>().Receive,
            sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.AddGrpc();
        services.AddOptions<GrpcServiceOptions>().Configure<IOptions<MstGadOtlpOptions>>((grpc, otlp) => grpc.MaxReceiveMessageSize = otlp.Value.MaxBodyBytes);
        return services;
    }
}
