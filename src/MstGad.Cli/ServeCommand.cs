using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MstGad.AspNetCore;
using MstGad.AspNetCore.Page;
using MstGad.Hosting;
using MstGad.Orleans;

namespace MstGad.Cli;

/// <summary><c>mstgad serve</c>: the standalone host — OTLP in, the live page, incidents in the log.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var model = new Option<FileInfo?>("--model") { Description = "A detector saved by mstgad train (one system; not with --cluster)." };
        var cluster = new Option<string?>("--cluster") { Description = "Run as a silo of a MstGad cluster (many systems, many machines): a PostgreSQL connection string (membership and checkpoints there; the schema is created when missing), or 'localhost' (one machine, checkpoints in the --checkpoints folder). Needs --models." };
        var models = new Option<DirectoryInfo?>("--models") { Description = "With --cluster: the model store, a folder with one folder per system holding its versions (SYSTEM/VERSION.mstgad, the greatest name is the newest)." };
        var clusterId = new Option<string>("--cluster-id") { Description = "With --cluster: the cluster's name (silos with the same name and database form one cluster).", DefaultValueFactory = _ => "mstgad" };
        var siloPort = new Option<int>("--silo-port") { Description = "With --cluster: the port silos talk on.", DefaultValueFactory = _ => 11111 };
        var gatewayPort = new Option<int>("--gateway-port") { Description = "With --cluster: the port Orleans clients connect to.", DefaultValueFactory = _ => 30000 };
        var advertise = new Option<string?>("--advertise") { Description = "With a PostgreSQL --cluster: the IP address other silos reach this one at (default 127.0.0.1: one machine)." };
        var systemAttribute = new Option<string>("--system-attribute") { Description = "With --cluster: the OTLP resource attribute naming a record's system.", DefaultValueFactory = _ => "service.namespace" };
        var urls = new Option<string>("--urls") { Description = "Where OTLP/HTTP (POST /v1/traces, /v1/logs, /v1/metrics) and the live page listen (HTTP/1.1; several separated by ';').", DefaultValueFactory = _ => "http://localhost:4318" };
        var grpcUrls = new Option<string>("--grpc-urls") { Description = "Where OTLP/gRPC listens (HTTP/2 over plain TCP; several separated by ';'; 'off' for none).", DefaultValueFactory = _ => "http://localhost:4317" };
        var checkpoints = new Option<DirectoryInfo?>("--checkpoints") { Description = "Checkpoint folder: the newest good checkpoint is restored at start, one is written every --checkpoint-interval and at shutdown (with --cluster localhost: every system's)." };
        var checkpointInterval = new Option<string>("--checkpoint-interval") { Description = "How often a checkpoint is written.", DefaultValueFactory = _ => "5m" };
        var token = new Option<string?>("--token") { Description = "A bearer token every OTLP request and the page's data must carry (Authorization: Bearer TOKEN; the page: ?token=TOKEN)." };
        var lateness = new Option<string>("--lateness") { Description = "How far behind the newest event time a record may arrive.", DefaultValueFactory = _ => "2m" };
        var skew = new Option<string>("--max-clock-skew") { Description = "Records further ahead of this machine's clock are not used; 'off' to replay recorded days.", DefaultValueFactory = _ => "15m" };
        var idle = new Option<string>("--idle-advance") { Description = "After this long without records, event time follows the clock (steps close in quiet periods); 'off' for never.", DefaultValueFactory = _ => "1m" };
        var queue = new Option<int>("--queue-capacity") { Description = "Records that may wait for the scorer; beyond it requests get 429 / RESOURCE_EXHAUSTED.", DefaultValueFactory = _ => 1_000_000 };
        var coolDown = new Option<string>("--cool-down") { Description = "How long after its last flagged step an incident stays open.", DefaultValueFactory = _ => "0s" };
        var verdicts = new Option<FileInfo?>("--verdicts") { Description = "Also append every scored step's verdicts to this CSV (the columns of mstgad detect)." };
        var command = new Command("serve", "Run the detector as a service: OTLP/HTTP and OTLP/gRPC in, the live page, incidents in the log, checkpoints.")
        {
            model, urls, grpcUrls, checkpoints, checkpointInterval, token, lateness, skew, idle, queue, coolDown, verdicts,
            cluster, models, clusterId, siloPort, gatewayPort, advertise, systemAttribute,
        };
        command.SetGuardedAction(async (result, cancellationToken) =>
        {
            var httpEndpoints = Endpoints(result.GetValue(urls)!, "--urls");
            var grpcText = result.GetValue(grpcUrls)!;
            var grpcEndpoints = grpcText.Equals("off", StringComparison.OrdinalIgnoreCase) ? [] : Endpoints(grpcText, "--grpc-urls");
            if (result.GetValue(cluster) is { } clusterText)
            {
                if (result.GetValue(verdicts) is not null)
                {
                    throw new CliException("--verdicts goes with one system: a cluster's verdicts leave through observers and the page", "drop --verdicts, or subscribe an ISystemVerdictObserver to the systems' grains", CliErrors.Usage);
                }

                if (result.GetValue(model) is not null)
                {
                    throw new CliException("--model and --cluster go apart: a cluster's silos read every system's model from --models", "drop --model, and put the model under MODELS/SYSTEM/VERSION.mstgad", CliErrors.Usage);
                }

                var folder = result.GetValue(models) ?? throw new CliException("--cluster needs --models, the model store folder", "give --models FOLDER with one folder per system (SYSTEM/VERSION.mstgad)", CliErrors.Usage);
                if (!folder.Exists)
                {
                    throw new CliException($"the model store folder does not exist: {folder.FullName}", "check --models", CliErrors.Usage);
                }

                IPAddress? advertised = null;
                if (result.GetValue(advertise) is { } advertiseText && !IPAddress.TryParse(advertiseText, out advertised))
                {
                    throw new CliException($"--advertise is not an IP address: '{advertiseText}'", "give the address other silos reach this one at, e.g. 10.0.0.5", CliErrors.Usage);
                }

                var checkpointFolder = result.GetValue(checkpoints)?.FullName;
                var local = clusterText.Equals("localhost", StringComparison.OrdinalIgnoreCase);
                if (local && checkpointFolder is null)
                {
                    throw new CliException("--cluster localhost needs --checkpoints, the folder that keeps every system's checkpoint", "give --checkpoints FOLDER (with a PostgreSQL --cluster they are kept in the database)", CliErrors.Usage);
                }

                if (!local && checkpointFolder is not null)
                {
                    throw new CliException("--checkpoints goes with --cluster localhost: a PostgreSQL cluster keeps its checkpoints in the database", "drop --checkpoints", CliErrors.Usage);
                }

                var clusterSettings = new ClusterServeSettings(
                    clusterText, folder.FullName, checkpointFolder, result.GetValue(clusterId)!, result.GetValue(siloPort), result.GetValue(gatewayPort), advertised,
                    result.GetValue(systemAttribute)!, Durations.Parse(result.GetValue(checkpointInterval)!), result.GetValue(token),
                    Durations.Parse(result.GetValue(lateness)!), Optional(result.GetValue(skew)!), result.GetValue(queue), Durations.Parse(result.GetValue(coolDown)!),
                    Optional(result.GetValue(idle)!) ?? TimeSpan.Zero);
                return await RunClusterAsync(clusterSettings, httpEndpoints, grpcEndpoints, cancellationToken).ConfigureAwait(false);
            }

            var modelFile = result.GetValue(model) ?? throw new CliException("--model is required (or --cluster with --models)", "give --model FILE, a detector saved by mstgad train", CliErrors.Usage);
            if (!modelFile.Exists)
            {
                throw new CliException($"the model file does not exist: {modelFile.FullName}", "check --model, or train one with mstgad train --out");
            }

            var verdictFile = result.GetValue(verdicts);
            var verdictPath = verdictFile is null ? null : OutputFiles.Check(verdictFile, "--verdicts");
            var settings = new ServeSettings(
                modelFile.FullName,
                result.GetValue(checkpoints)?.FullName,
                Durations.Parse(result.GetValue(checkpointInterval)!),
                result.GetValue(token),
                Durations.Parse(result.GetValue(lateness)!),
                Optional(result.GetValue(skew)!),
                Optional(result.GetValue(idle)!) ?? TimeSpan.Zero,
                result.GetValue(queue),
                Durations.Parse(result.GetValue(coolDown)!));
            MstGad.Model.TorchNative.EnsureLoadable();
            var app = Build(settings, httpEndpoints, grpcEndpoints);
            await using var disposeApp = app.ConfigureAwait(false);
            var monitor = app.Services.GetRequiredService<MstGadMonitor>();
            Task? writer = null;
            if (verdictPath is not null)
            {
                writer = WriteVerdictsAsync(monitor, verdictPath);
            }

            try
            {
                await app.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OptionsValidationException ex)
            {
                throw new CliException(string.Join("; ", ex.Failures), "fix the options", CliErrors.Usage);
            }

            var status = monitor.Status;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"mstgad serve: OTLP/HTTP and the page on {string.Join(", ", httpEndpoints)}; OTLP/gRPC on {(grpcEndpoints.Count == 0 ? "(off)" : string.Join(", ", grpcEndpoints))}; " +
                $"step {monitor.Interval}, threshold {monitor.Threshold:G4}; restored from {status.RestoredFrom ?? "(no checkpoint)"}, watermark {status.Watermark?.ToString("O", CultureInfo.InvariantCulture) ?? "(none)"}. Ctrl+C stops (a checkpoint is written first)."));
            await app.WaitForShutdownAsync(CancellationToken.None).ConfigureAwait(false);
            if (writer is not null)
            {
                await writer.ConfigureAwait(false);
            }

            status = monitor.Status;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"mstgad serve: stopped at watermark {status.Watermark?.ToString("O", CultureInfo.InvariantCulture) ?? "(none)"}; {status.RecordsReceived} records received, {status.RecordsRejected} refused, {status.DuplicateDeliveries} duplicate deliveries ignored; {status.StepsClosed} steps closed; last checkpoint {status.LastCheckpoint ?? "(none)"}"));
            Console.WriteLine("online report: " + monitor.Report);
            return 0;
        });
        return command;
    }

    private static async Task<int> RunClusterAsync(ClusterServeSettings settings, List<Uri> http, List<Uri> grpc, CancellationToken cancellationToken)
    {
        MstGad.Model.TorchNative.EnsureLoadable();
        if (!settings.IsLocal)
        {
            try
            {
                await MstGadPostgreSql.CreateSchemaAsync(settings.Cluster, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or ArgumentException)
            {
                throw new CliException($"cannot set up the cluster's PostgreSQL database: {ex.Message}", "check the --cluster connection string (e.g. \"Host=db;Username=mstgad;Password=...;Database=mstgad\") and that the role may create tables");
            }
        }

        var app = ClusterServe.Build(settings, http, grpc, web => ConfigureWeb(web, http, grpc));
        await using var disposeApp = app.ConfigureAwait(false);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var systems = Directory.EnumerateDirectories(settings.Models).Count();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"mstgad serve --cluster: silo of '{settings.ClusterId}' ({(settings.IsLocal ? "localhost, checkpoints in " + settings.Checkpoints : "PostgreSQL")}), silo port {settings.SiloPort}, gateway {settings.GatewayPort}; " +
            $"OTLP/HTTP and the page of every system on {string.Join(", ", http)}; OTLP/gRPC on {(grpc.Count == 0 ? "(off)" : string.Join(", ", grpc))}; " +
            $"systems by {settings.SystemAttribute}; {systems} systems in {settings.Models}. Ctrl+C stops (grains write their checkpoints first)."));
        await app.WaitForShutdownAsync(CancellationToken.None).ConfigureAwait(false);
        return 0;
    }

    internal static void ConfigureWeb(WebApplicationBuilder builder, IReadOnlyList<Uri> http, IReadOnlyList<Uri> grpc)
    {
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        });
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            foreach (var uri in http)
            {
                Listen(kestrel, uri, HttpProtocols.Http1);
            }

            foreach (var uri in grpc)
            {
                Listen(kestrel, uri, HttpProtocols.Http2);
            }
        });
    }

    /// <summary>The web application of <c>mstgad serve</c> (not started).</summary>
    internal static WebApplication Build(ServeSettings settings, IReadOnlyList<Uri> http, IReadOnlyList<Uri> grpc)
    {
        var builder = WebApplication.CreateSlimBuilder();
        ConfigureWeb(builder, http, grpc);
        builder.Services.AddMstGad(o =>
        {
            o.ModelPath = settings.Model;
            o.CheckpointDirectory = settings.Checkpoints;
            o.CheckpointInterval = settings.CheckpointInterval;
            o.Lateness = settings.Lateness;
            o.MaxClockSkew = settings.MaxClockSkew;
            o.IdleAdvanceAfter = settings.IdleAdvance;
            o.QueueCapacity = settings.QueueCapacity;
            o.Incidents.CoolDown = settings.CoolDown;
        });
        builder.Services.AddMstGadOtlp(o => o.BearerToken = settings.Token);
        builder.Services.AddMstGadPage(o => o.BearerToken = settings.Token);
        builder.Services.AddHealthChecks().AddMstGad();
        var app = builder.Build();
        app.MapMstGadOtlp();
        app.MapMstGadPage();
        app.MapHealthChecks("/healthz");
        return app;
    }

    private static void Listen(KestrelServerOptions kestrel, Uri uri, HttpProtocols protocols)
    {
        if (uri.Host is "localhost")
        {
            kestrel.ListenLocalhost(uri.Port, l => l.Protocols = protocols);
        }
        else if (uri.Host is "*" or "+" or "0.0.0.0" or "[::]")
        {
            kestrel.ListenAnyIP(uri.Port, l => l.Protocols = protocols);
        }
        else
        {
            kestrel.Listen(IPAddress.Parse(uri.Host.Trim('[', ']')), uri.Port, l => l.Protocols = protocols);
        }
    }

    private static List<Uri> Endpoints(string text, string option)
    {
        var result = new List<Uri>();
        foreach (var part in text.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var normalised = part.Replace("://*:", "://0.0.0.0:", StringComparison.Ordinal).Replace("://+:", "://0.0.0.0:", StringComparison.Ordinal);
            if (!Uri.TryCreate(normalised, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp || uri.AbsolutePath != "/"
                || (uri.Host != "localhost" && !IPAddress.TryParse(uri.Host.Trim('[', ']'), out _)))
            {
                throw new CliException($"{option} has an address that is not http://HOST:PORT with an IP address or localhost: '{part}'", "use e.g. http://localhost:4318 or http://0.0.0.0:4318 (TLS: put a proxy in front)", CliErrors.Usage);
            }

            result.Add(uri);
        }

        if (result.Count == 0)
        {
            throw new CliException($"{option} names no address", "give at least one, e.g. http://localhost:4318", CliErrors.Usage);
        }

        return result;
    }

    private static TimeSpan? Optional(string text) => text.Equals("off", StringComparison.OrdinalIgnoreCase) ? null : Durations.Parse(text);

    /// <summary>Appends every scored step's verdicts to a CSV (header when the file is new), flushed per step.</summary>
    private static Task WriteVerdictsAsync(MstGadMonitor monitor, string path)
    {
        var steps = monitor.ReadVerdictsAsync();
        return Task.Run(async () =>
        {
            var exists = File.Exists(path) && new FileInfo(path).Length > 0;
            var writer = new StreamWriter(path, append: true, new UTF8Encoding(false));
            await using var disposeWriter = writer.ConfigureAwait(false);
            if (!exists)
            {
                DetectCommand.WriteVerdictHeader(writer);
            }

            await foreach (var step in steps.ConfigureAwait(false))
            {
                DetectCommand.WriteVerdictRows(writer, step.Verdicts);
                await writer.FlushAsync().ConfigureAwait(false);
            }
        });
    }
}

/// <summary>The settings of <c>mstgad serve</c>.</summary>
internal sealed record ServeSettings(string Model, string? Checkpoints, TimeSpan CheckpointInterval, string? Token, TimeSpan Lateness, TimeSpan? MaxClockSkew, TimeSpan IdleAdvance, int QueueCapacity, TimeSpan CoolDown);
