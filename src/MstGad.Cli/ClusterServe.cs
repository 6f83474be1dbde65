using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MstGad.AspNetCore;
using MstGad.Orleans;
using Orleans.Configuration;
using Orleans.Hosting;

namespace MstGad.Cli;

/// <summary>The settings of <c>mstgad serve --cluster</c> (the options of the same names; with <c>localhost</c>
/// the checkpoints are files in <c>--checkpoints</c>, with PostgreSQL rows of the database).</summary>
internal sealed record ClusterServeSettings(
    string Cluster, string Models, string? Checkpoints, string ClusterId, int SiloPort, int GatewayPort, IPAddress? Advertise, string SystemAttribute,
    TimeSpan CheckpointInterval, string? Token, TimeSpan Lateness, TimeSpan? MaxClockSkew, int QueueCapacity, TimeSpan CoolDown, TimeSpan IdleAdvance)
{
    public bool IsLocal => Cluster.Equals("localhost", StringComparison.OrdinalIgnoreCase);
}

/// <summary><c>mstgad serve --cluster</c>: this process is a silo of a MstGad cluster — OTLP in (routed to each system's
/// grain by <c>--system-attribute</c>), the page of every system, checkpoints as grain state.</summary>
internal static class ClusterServe
{
    public static WebApplication Build(ClusterServeSettings settings, IReadOnlyList<Uri> http, IReadOnlyList<Uri> grpc, Action<WebApplicationBuilder> configureWeb)
    {
        var builder = WebApplication.CreateSlimBuilder();
        configureWeb(builder);
        builder.Logging.AddFilter("Orleans", LogLevel.Warning);
        builder.Logging.AddFilter("Orleans.Runtime.Silo", LogLevel.Error); // its notes on server GC
        builder.Logging.AddFilter("Polly", LogLevel.Warning); // Orleans' placement retries, one line each
        builder.Host.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (settings.ClusterId, "mstgad"));
            if (settings.IsLocal)
            {
                silo.UseLocalhostClustering(settings.SiloPort, settings.GatewayPort, serviceId: "mstgad", clusterId: settings.ClusterId);
                silo.AddMstGadFolderStorage(settings.Checkpoints ?? throw new InvalidOperationException("--cluster localhost needs --checkpoints."));
            }
            else
            {
                silo.ConfigureEndpoints(settings.Advertise ?? IPAddress.Loopback, settings.SiloPort, settings.GatewayPort, listenOnAnyHostAddress: settings.Advertise is not null);
                silo.UseMstGadPostgreSqlClustering(settings.Cluster);
                silo.AddMstGadPostgreSqlStorage(settings.Cluster);
            }

            silo.AddMstGad(o =>
            {
                o.ModelStore = new FolderModelStore(settings.Models);
                o.CheckpointPeriod = settings.CheckpointInterval;
                o.MaxQueuedRecords = settings.QueueCapacity;
                o.Incidents.CoolDown = settings.CoolDown;
                o.IdleAdvanceAfter = settings.IdleAdvance;
                o.ConfigureOnline = online =>
                {
                    online.Lateness = settings.Lateness;
                    online.MaxClockSkew = settings.MaxClockSkew;
                };
            });
        });
        builder.Services.AddMstGadOtlp(o =>
        {
            o.BearerToken = settings.Token;
            o.SystemAttribute = settings.SystemAttribute;
        });
        builder.Services.AddSingleton(sp => new ClusterFeed(sp.GetRequiredService<IGrainFactory>(), settings.Models, sp.GetRequiredService<ILogger<ClusterFeed>>()));
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ClusterFeed>());
        var app = builder.Build();
        app.MapMstGadOtlp();
        var page = ReadPage();
        app.MapGet("/", () => Results.Bytes(page, "text/html; charset=utf-8"));
        app.MapGet("/api/cluster", (HttpContext context) =>
            Authorized(context, settings.Token)
                ? Results.Text(context.RequestServices.GetRequiredService<ClusterFeed>().Snapshot(), "application/json")
                : Results.Unauthorized());
        return app;
    }

    private static bool Authorized(HttpContext context, string? token)
    {
        if (token is null)
        {
            return true;
        }

        var header = context.Request.Headers.Authorization.ToString();
        var given = header.StartsWith("Bearer ", StringComparison.Ordinal) ? header["Bearer ".Length..] : context.Request.Query["token"].ToString();
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(token));
    }

    private static byte[] ReadPage()
    {
        using var stream = typeof(ClusterServe).Assembly.GetManifestResourceStream("MstGad.Cli.ClusterPage.html")
            ?? throw new InvalidOperationException("mstgad is missing its cluster page.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}

/// <summary>
/// What the page shows: this silo subscribes to every system of the model store (again every few minutes, and to
/// systems added since), keeps each one's last 60 steps and open incidents from what the grains tell, and reads
/// each grain's status.
/// </summary>
internal sealed partial class ClusterFeed(IGrainFactory grains, string models, ILogger<ClusterFeed> logger) : BackgroundService, ISystemVerdictObserver
{
    private const int KeptSteps = 60;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, SystemView> _systems = new(StringComparer.Ordinal);
    private ISystemVerdictObserver? _reference;

    public Task OnStepClosedAsync(SystemStep closed)
    {
        ArgumentNullException.ThrowIfNull(closed);
        lock (_gate)
        {
            var view = View(closed.System);
            view.Steps[closed.Step.Step] = new StepView(closed.Step.End, closed.Step.Scored, [.. closed.Step.Verdicts.Where(v => v.IsAbnormal).Select(v => v.Instance)]);
            while (view.Steps.Count > KeptSteps)
            {
                view.Steps.Remove(view.Steps.Keys.First());
            }

            foreach (var change in closed.Incidents)
            {
                if (change.Change == IncidentChange.Closed)
                {
                    view.Open.Remove(change.Incident.Id);
                }
                else
                {
                    view.Open[change.Incident.Id] = change.Incident;
                }
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>The page's JSON.</summary>
    public string Snapshot()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("silo", Environment.MachineName);
            json.WriteString("now", DateTimeOffset.UtcNow);
            json.WriteStartArray("systems");
            lock (_gate)
            {
                foreach (var (name, view) in _systems.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    var status = view.Status;
                    json.WriteStartObject();
                    json.WriteString("system", name);
                    json.WriteString("modelVersion", status?.ModelVersion);
                    json.WriteString("rollingOutTo", status?.RollingOutTo);
                    json.WriteString("watermark", status?.Watermark?.ToString("O", CultureInfo.InvariantCulture));
                    json.WriteNumber("stepsClosed", status?.StepsClosed ?? 0);
                    json.WriteNumber("recordsPushed", status?.RecordsPushed ?? 0);
                    json.WriteStartArray("openIncidents");
                    foreach (var incident in view.Open.Values.OrderBy(i => i.Id))
                    {
                        json.WriteStartObject();
                        json.WriteString("instance", incident.Instance);
                        json.WriteString("start", incident.Start.ToString("O", CultureInfo.InvariantCulture));
                        json.WriteNumber("flaggedSteps", incident.FlaggedSteps);
                        json.WriteNumber("peakScore", incident.PeakScore);
                        json.WriteEndObject();
                    }

                    json.WriteEndArray();
                    json.WriteStartArray("steps");
                    foreach (var step in view.Steps.Values)
                    {
                        json.WriteStartObject();
                        json.WriteString("end", step.End.ToString("O", CultureInfo.InvariantCulture));
                        json.WriteBoolean("scored", step.Scored);
                        json.WriteStartArray("flagged");
                        foreach (var instance in step.Flagged)
                        {
                            json.WriteStringValue(instance);
                        }

                        json.WriteEndArray();
                        json.WriteEndObject();
                    }

                    json.WriteEndArray();
                    json.WriteEndObject();
                }
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _reference = grains.CreateObjectReference<ISystemVerdictObserver>(this);
        var subscribed = DateTime.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            var names = Directory.Exists(models)
                ? Directory.EnumerateDirectories(models).Select(Path.GetFileName).OfType<string>().Where(n => !n.StartsWith('.')).ToList()
                : [];
            var again = DateTime.UtcNow - subscribed > TimeSpan.FromMinutes(4);
            foreach (var name in names)
            {
                bool known;
                lock (_gate)
                {
                    known = _systems.ContainsKey(name);
                    View(name);
                }

                try
                {
                    var grain = grains.GetGrain<IMonitoredSystemGrain>(name);
                    if (!known || again)
                    {
                        await grain.SubscribeAsync(_reference).ConfigureAwait(false);
                    }

                    var status = await grain.GetStatusAsync().ConfigureAwait(false);
                    lock (_gate)
                    {
                        View(name).Status = status;
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogSystemUnavailable(ex, name);
                }
            }

            if (again)
            {
                subscribed = DateTime.UtcNow;
            }

            try
            {
                await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private SystemView View(string system)
    {
        if (!_systems.TryGetValue(system, out var view))
        {
            view = new SystemView();
            _systems.Add(system, view);
        }

        return view;
    }

    [LoggerMessage(1, LogLevel.Warning, "System {System} is not available")]
    private partial void LogSystemUnavailable(Exception exception, string system);

    private sealed class SystemView
    {
        public SortedDictionary<long, StepView> Steps { get; } = [];

        public Dictionary<long, Incident> Open { get; } = [];

        public MonitoredSystemStatus? Status { get; set; }
    }

    private sealed record StepView(DateTimeOffset End, bool Scored, List<string> Flagged);
}
