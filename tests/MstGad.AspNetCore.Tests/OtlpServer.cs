using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MstGad.Features;
using MstGad.Hosting;

namespace MstGad.AspNetCore.Tests;

/// <summary>
/// A real Kestrel server on loopback with the OTLP endpoints mapped: OTLP/HTTP on an HTTP/1.1 port, OTLP/gRPC on an
/// HTTP/2-only port, as a collector listens on 4318 and 4317. The records reach a capturing queue instead of a detector.
/// </summary>
internal sealed class OtlpServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private OtlpServer(WebApplication app, Uri http, Uri grpc)
    {
        _app = app;
        Http = http;
        Grpc = grpc;
    }

    /// <summary>The OTLP/HTTP base address.</summary>
    public Uri Http { get; }

    /// <summary>The OTLP/gRPC address.</summary>
    public Uri Grpc { get; }

    /// <summary>Every batch accepted, in order.</summary>
    public ConcurrentQueue<TelemetryBatch> Batches { get; } = new();

    /// <summary>What the queue answers (accepted by default).</summary>
    public ReceiveStatus Answer { get; set; } = ReceiveStatus.Accepted;

    /// <summary>The server's services.</summary>
    public IServiceProvider Services => _app.Services;

    public IReadOnlyList<Span> Spans => [.. Batches.SelectMany(b => b.Spans)];

    public IReadOnlyList<LogRecord> Logs => [.. Batches.SelectMany(b => b.Logs)];

    public IReadOnlyList<MetricSample> Metrics => [.. Batches.SelectMany(b => b.Metrics)];

    public static async Task<OtlpServer> StartAsync(Action<MstGadOtlpOptions>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http1);
            kestrel.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2);
        });
        OtlpServer? server = null;
        builder.Services.AddSingleton(sp => new OtlpReceiver(
            sp.GetRequiredService<IOptions<MstGadOtlpOptions>>(),
            batch =>
            {
                if (server!.Answer == ReceiveStatus.Accepted)
                {
                    server.Batches.Enqueue(batch);
                }

                return server.Answer;
            },
            sp.GetService<IMeterFactory>()));
        builder.Services.AddMstGadOtlp(configure);
        var app = builder.Build();
        app.MapMstGadOtlp();
        await app.StartAsync();
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(a => new Uri(a)).ToList();
        server = new OtlpServer(app, addresses[0], addresses[1]);
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
