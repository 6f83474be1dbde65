using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using MstGad.Features;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using SpanKind = MstGad.Features.SpanKind;

namespace MstGad.AspNetCore.Tests;

/// <summary>
/// The OpenTelemetry .NET SDK and its OTLP exporter — not our code — as the client: spans, logs and metrics of two
/// instrumented "instances" sent over OTLP/HTTP protobuf and OTLP/gRPC reach the receiver as MstGad records.
/// </summary>
[TestFixture(OtlpExportProtocol.HttpProtobuf)]
[TestFixture(OtlpExportProtocol.Grpc)]
[NonParallelizable]
public sealed class OpenTelemetrySdkTests(OtlpExportProtocol protocol)
{
    private OtlpServer _server = null!;

    [SetUp]
    public async Task Start() => _server = await OtlpServer.StartAsync();

    [TearDown]
    public async Task Stop() => await _server.DisposeAsync();

    [Test]
    public void Traces_ClientAndServerSpansOfTwoInstances_ArriveWithInstancesKindsIdsDurationsAndStatus()
    {
        var name = "test.traces." + protocol;
        using var frontendSource = new ActivitySource(name + ".frontend");
        using var backendSource = new ActivitySource(name + ".backend");
        Activity client;
        Activity server;
        using (var frontend = Tracer(frontendSource.Name, "frontend", "frontend-7d9f"))
        using (var backend = Tracer(backendSource.Name, "backend", "backend-5c2a"))
        {
            using (client = frontendSource.StartActivity("GET /orders", ActivityKind.Client)!)
            {
                client.SetTag("peer.service", "backend");
                using (server = backendSource.StartActivity("GET /orders", ActivityKind.Server, client.Context)!)
                {
                    Thread.Sleep(20);
                    server.SetStatus(ActivityStatusCode.Error, "boom");
                }
            }
        }

        var spans = _server.Spans.OrderBy(s => s.Kind == SpanKind.Server).ToList();
        Assert.That(spans, Has.Count.EqualTo(2));
        var (clientSpan, serverSpan) = (spans[0], spans[1]);
        Assert.Multiple(() =>
        {
            Assert.That(clientSpan.Instance, Is.EqualTo("frontend-7d9f"), "service.instance.id names the instance");
            Assert.That(serverSpan.Instance, Is.EqualTo("backend-5c2a"));
            Assert.That(clientSpan.Kind, Is.EqualTo(SpanKind.Client));
            Assert.That(serverSpan.Kind, Is.EqualTo(SpanKind.Server));
            Assert.That(clientSpan.TraceId, Is.EqualTo(client.TraceId.ToHexString()));
            Assert.That(serverSpan.TraceId, Is.EqualTo(client.TraceId.ToHexString()));
            Assert.That(clientSpan.SpanId, Is.EqualTo(client.SpanId.ToHexString()));
            Assert.That(serverSpan.ParentSpanId, Is.EqualTo(client.SpanId.ToHexString()));
            Assert.That(clientSpan.ParentSpanId, Is.Null);
            Assert.That(clientSpan.Operation, Is.EqualTo("GET /orders"));
            Assert.That(clientSpan.Start, Is.EqualTo(new DateTimeOffset(client.StartTimeUtc)));
            Assert.That(clientSpan.Duration, Is.EqualTo(client.Duration));
            Assert.That(serverSpan.Duration, Is.EqualTo(server.Duration).And.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(20)));
            Assert.That(serverSpan.Status, Is.EqualTo(SpanStatus.Error));
            Assert.That(clientSpan.Status, Is.EqualTo(SpanStatus.Unset));
            Assert.That(clientSpan.Attributes!["peer.service"], Is.EqualTo("backend"), "a call out keeps its attributes (peer names)");
            Assert.That(serverSpan.Attributes, Is.Null, "a server span's attributes are not needed");
        });
    }

    [Test]
    public void Logs_ThroughILogger_ArriveWithInstanceSeverityBodyAndTraceContext()
    {
        using var source = new ActivitySource("test.logs." + protocol);
        using var listener = new ActivityListener { ShouldListenTo = s => s.Name == source.Name, Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded };
        ActivitySource.AddActivityListener(listener);
        Activity activity;
        using (var factory = LoggerFactory.Create(logging => logging.AddOpenTelemetry(o =>
        {
            o.SetResourceBuilder(Resource("payments", "payments-0"));
            o.AddOtlpExporter((exporter, processor) =>
            {
                Configure(exporter, "/v1/logs");
                processor.ExportProcessorType = ExportProcessorType.Simple;
            });
        })))
        {
            var logger = factory.CreateLogger("Payments");
            logger.LogInformation("payment {Id} accepted", 42);
            using (activity = source.StartActivity("charge")!)
            {
                logger.LogError("card {Card} declined", "visa");
            }

            logger.LogCritical("database unreachable");
        }

        var logs = _server.Logs;
        Assert.That(logs, Has.Count.EqualTo(3));
        Assert.Multiple(() =>
        {
            Assert.That(logs.Select(l => l.Instance), Is.All.EqualTo("payments-0"));
            Assert.That(logs.Select(l => l.Level), Is.EqualTo(new[] { "INFO", "ERROR", "FATAL" }), "from the severity number");
            Assert.That(logs.Select(l => l.Message), Is.EqualTo(new[] { "payment {Id} accepted", "card {Card} declined", "database unreachable" }), "the SDK sends the message template as the body");
            Assert.That(logs[1].TraceId, Is.EqualTo(activity.TraceId.ToHexString()));
            Assert.That(logs[1].SpanId, Is.EqualTo(activity.SpanId.ToHexString()));
            Assert.That(logs[0].TraceId, Is.Null);
            Assert.That(logs[0].Time, Is.EqualTo(DateTimeOffset.UtcNow).Within(TimeSpan.FromMinutes(1)));
        });
    }

    [Test]
    public void Metrics_CumulativeCounterHistogramAndGauge_ArriveAsPerIntervalDeltasAndLevels()
    {
        using var meter = new Meter("test.metrics." + protocol);
        var requests = meter.CreateCounter<long>("http.requests");
        var latency = meter.CreateHistogram<double>("http.latency");
        var inFlight = meter.CreateUpDownCounter<long>("http.in_flight");
        meter.CreateObservableGauge("cpu.usage", () => 0.75);
        using (var provider = Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(Resource("checkout", "checkout-1"))
            .AddMeter(meter.Name)
            .AddOtlpExporter((exporter, reader) =>
            {
                Configure(exporter, "/v1/metrics");
                reader.TemporalityPreference = MetricReaderTemporalityPreference.Cumulative;
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = 3_600_000;
            })
            .Build())
        {
            requests.Add(5);
            latency.Record(10);
            latency.Record(20);
            inFlight.Add(3);
            Assert.That(provider.ForceFlush(), Is.True);
            requests.Add(7);
            latency.Record(40);
            latency.Record(60);
            inFlight.Add(-1);
            Assert.That(provider.ForceFlush(), Is.True);
        }

        var metrics = _server.Metrics;
        Assert.Multiple(() =>
        {
            Assert.That(metrics.Select(m => m.Instance), Is.All.EqualTo("checkout-1"));
            // Three exports: the two flushes and the provider's last one at shutdown (nothing new by then).
            Assert.That(Values(metrics, "http.requests"), Is.EqualTo(new[] { 7.0, 0.0 }), "the first cumulative point is the baseline; then the deltas");
            Assert.That(Values(metrics, "http.latency.count"), Is.EqualTo(new[] { 2.0 }), "an interval without observations has no mean and gives no sample");
            Assert.That(Values(metrics, "http.latency.mean"), Is.EqualTo(new[] { 50.0 }), "(40 + 60) / 2 of the interval, not of all time");
            Assert.That(Values(metrics, "http.in_flight"), Is.EqualTo(new[] { 3.0, 2.0, 2.0 }), "an up-down counter is a level");
            Assert.That(Values(metrics, "cpu.usage"), Is.EqualTo(new[] { 0.75, 0.75, 0.75 }));
            var delta = metrics.First(m => m.Name == "http.requests");
            Assert.That(delta.Coverage, Is.GreaterThan(TimeSpan.Zero).And.LessThan(TimeSpan.FromMinutes(1)), "the delta covers the time between the two exports");
            Assert.That(metrics.Where(m => m.Name == "cpu.usage").Select(m => m.Coverage), Is.All.EqualTo(TimeSpan.Zero));
        });
    }

    private static double[] Values(IEnumerable<MetricSample> metrics, string name) => [.. metrics.Where(m => m.Name == name).Select(m => m.Value)];

    private static ResourceBuilder Resource(string service, string instance) =>
        ResourceBuilder.CreateEmpty().AddService(service, serviceInstanceId: instance, autoGenerateServiceInstanceId: false);

    private TracerProvider Tracer(string source, string service, string instance) => Sdk.CreateTracerProviderBuilder()
        .SetResourceBuilder(Resource(service, instance))
        .AddSource(source)
        .AddOtlpExporter(o =>
        {
            Configure(o, "/v1/traces");
            o.ExportProcessorType = ExportProcessorType.Simple;
        })
        .Build()!;

    private void Configure(OtlpExporterOptions exporter, string path)
    {
        exporter.Protocol = protocol;
        exporter.Endpoint = protocol == OtlpExportProtocol.Grpc ? _server.Grpc : new Uri(_server.Http, path);
    }
}
