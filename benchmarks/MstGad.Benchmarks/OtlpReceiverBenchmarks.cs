using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using MstGad.AspNetCore;
using MstGad.AspNetCore.Protocol.Collector.Logs;
using MstGad.AspNetCore.Protocol.Collector.Metrics;
using MstGad.AspNetCore.Protocol.Collector.Trace;
using MstGad.AspNetCore.Protocol.Common;
using MstGad.AspNetCore.Protocol.Logs;
using MstGad.AspNetCore.Protocol.Metrics;
using MstGad.AspNetCore.Protocol.Resource;
using MstGad.AspNetCore.Protocol.Trace;
using MstGad.Hosting;

namespace MstGad.Benchmarks;

/// <summary>
/// The OTLP receiver's own work on one core, without HTTP or a sender: decode an export request of 2,000 items from
/// protobuf bytes, map it to records (instances from resource attributes, span kinds and status, log severities,
/// gauge points) and hand the batch over (to a counter here, as the monitor's queue would take it). Requests are
/// shaped like those <c>mstgad replay-otlp</c> sends for the TrainTicket day: 40 pods per request, 50 items each.
/// One operation is one request: records per second = 2,000 / mean.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(OneCoreConfig))]
public class OtlpReceiverBenchmarks
{
    private const int Pods = 40;
    private const int PerPod = 50;
    private const ulong T0 = 1_674_979_200_000_000_000;
    private OtlpReceiver _receiver = null!;
    private byte[] _traces = [];
    private byte[] _logs = [];
    private byte[] _metrics = [];
    private long _records;

    [GlobalSetup]
    public void Setup()
    {
        _receiver = new OtlpReceiver(Options.Create(new MstGadOtlpOptions()), Take, meterFactory: null);
        var random = new Random(1);
        var traces = new ExportTraceServiceRequest();
        var logs = new ExportLogsServiceRequest();
        var metrics = new ExportMetricsServiceRequest();
        for (var pod = 0; pod < Pods; pod++)
        {
            var spans = new ScopeSpans();
            var records = new ScopeLogs();
            var gauges = new ScopeMetrics();
            for (var i = 0; i < PerPod; i++)
            {
                var start = T0 + (ulong)random.NextInt64(60_000_000_000);
                spans.Spans.Add(new Span
                {
                    TraceId = Bytes(random, 16),
                    SpanId = Bytes(random, 8),
                    ParentSpanId = i % 4 == 0 ? ByteString.Empty : Bytes(random, 8),
                    Name = "POST /api/v1/travelservice/trips/left",
                    Kind = i % 2 == 0 ? Span.Types.SpanKind.Server : Span.Types.SpanKind.Client,
                    StartTimeUnixNano = start,
                    EndTimeUnixNano = start + (ulong)random.NextInt64(1_000_000, 200_000_000),
                    Status = new Status { Code = i % 50 == 0 ? Status.Types.StatusCode.Error : Status.Types.StatusCode.Ok },
                    Attributes = { new KeyValue { Key = "http.status_code", Value = new AnyValue { StringValue = "200" } } },
                });
                records.LogRecords.Add(new LogRecord
                {
                    TimeUnixNano = T0 + (ulong)random.NextInt64(60_000_000_000),
                    SeverityNumber = 9, // INFO
                    SeverityText = "INFO",
                    Body = new AnyValue { StringValue = $"[queryInfo][Query travel info][TripId: G{random.Next(1000, 9999)}] order {random.Next()} in status 1" },
                    TraceId = Bytes(random, 16),
                    SpanId = Bytes(random, 8),
                });
                gauges.Metrics.Add(new Metric
                {
                    Name = "CpuUsageRate(%)_" + (i % 25),
                    Gauge = new Gauge { DataPoints = { new NumberDataPoint { TimeUnixNano = T0 + (ulong)(i / 25) * 60_000_000_000, AsDouble = random.NextDouble() * 100 } } },
                });
            }

            var resource = new Resource { Attributes = { new KeyValue { Key = "k8s.pod.name", Value = new AnyValue { StringValue = $"ts-service-{pod}-5f7d9c8b6-x{pod:D3}z" } } } };
            traces.ResourceSpans.Add(new ResourceSpans { Resource = resource, ScopeSpans = { spans } });
            logs.ResourceLogs.Add(new ResourceLogs { Resource = resource, ScopeLogs = { records } });
            metrics.ResourceMetrics.Add(new ResourceMetrics { Resource = resource, ScopeMetrics = { gauges } });
        }

        _traces = traces.ToByteArray();
        _logs = logs.ToByteArray();
        _metrics = metrics.ToByteArray();
    }

    [GlobalCleanup]
    public void Cleanup() => _receiver.Dispose();

    /// <summary>2,000 spans.</summary>
    [Benchmark]
    public long Traces() => Check(_receiver.Export(ExportTraceServiceRequest.Parser.ParseFrom(_traces)));

    /// <summary>2,000 log records.</summary>
    [Benchmark]
    public long Logs() => Check(_receiver.Export(ExportLogsServiceRequest.Parser.ParseFrom(_logs)));

    /// <summary>2,000 gauge points.</summary>
    [Benchmark]
    public long Metrics() => Check(_receiver.Export(ExportMetricsServiceRequest.Parser.ParseFrom(_metrics)));

    private static ByteString Bytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return ByteString.CopyFrom(bytes);
    }

    private ReceiveStatus Take(TelemetryBatch batch)
    {
        _records += batch.Count;
        return ReceiveStatus.Accepted;
    }

    private long Check(ExportOutcome outcome) =>
        outcome.Status == ReceiveStatus.Accepted && outcome.Rejected == 0 ? _records : throw new InvalidOperationException($"the request was not taken whole: {outcome}");

    private sealed class OneCoreConfig : ManualConfig
    {
        public OneCoreConfig()
        {
            AddJob(Job.ShortRun
                .WithAffinity(1)
                .WithEnvironmentVariable("DOTNET_PROCESSOR_COUNT", "1"));
        }
    }
}
