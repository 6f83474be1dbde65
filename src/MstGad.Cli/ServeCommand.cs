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

namespace MstGad.Cli;

/// <summary><c>mstgad serve</c>: the standalone host — OTLP in, the live page, incidents in the log.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var model = new Option<FileInfo>("--model") { Description = "A detector saved by mstgad train.", Required = true };
        var urls = new Option<string>("--urls") { Description = "Where OTLP/HTTP (POST /v1/traces, /v1/logs, /v1/metrics) and the live page listen (HTTP/1.1; several separated by ';').", DefaultValueFactory = _ => "http://localhost:4318" };
        var grpcUrls = new Option<string>("--grpc-urls") { Description = "Where OTLP/gRPC listens (HTTP/2 over plain TCP; several separated by ';'; 'off' for none).", DefaultValueFactory = _ => "http://localhost:4317" };
        var checkpoints = new Option<DirectoryInfo?>("--checkpoints") { Description = "Checkpoint folder: the newest good checkpoint is restored at start, one is written every --checkpoint-interval and at shutdown." };
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
        };
        command.SetGuardedAction(async (result, cancellationToken) =>
        {
            var modelFile = result.GetRequiredValue(model);
            if (!modelFile.Exists)
            {
                throw new CliException($"the model file does not exist: {modelFile.FullName}", "check --model, or train one with mstgad train --out");
            }

            var httpEndpoints = Endpoints(result.GetValue(urls)!, "--urls");
            var grpcText = result.GetValue(grpcUrls)!;
            var grpcEndpoints = grpcText.Equals("off", StringComparison.OrdinalIgnoreCase) ? [] : Endpoints(grpcText, "--grpc-urls");
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

    /// <summary>The web application of <c>mstgad serve</c> (not started).</summary>
    internal static WebApplication Build(ServeSettings settings, IReadOnlyList<Uri> http, IReadOnlyList<Uri> grpc)
    {
        var builder = WebApplication.CreateSlimBuilder();
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
