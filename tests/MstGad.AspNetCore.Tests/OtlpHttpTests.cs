using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using MstGad.Hosting;
using MstGad.AspNetCore.Protocol.Collector.Logs;
using MstGad.AspNetCore.Protocol.Collector.Metrics;
using MstGad.AspNetCore.Protocol.Collector.Trace;
using MstGad.AspNetCore.Protocol.Common;
using MstGad.AspNetCore.Protocol.Logs;
using MstGad.AspNetCore.Protocol.Metrics;
using MstGad.AspNetCore.Protocol.Resource;
using MstGad.AspNetCore.Protocol.Rpc;
using MstGad.AspNetCore.Protocol.Trace;
using OtlpSpan = MstGad.AspNetCore.Protocol.Trace.Span;
using RpcStatus = MstGad.AspNetCore.Protocol.Rpc.Status;

namespace MstGad.AspNetCore.Tests;

/// <summary>OTLP/HTTP and OTLP/gRPC answers to good, bad, refused and unauthorised requests, each with its status code and counter.</summary>
[NonParallelizable]
public sealed class OtlpHttpTests
{
    private static readonly ulong T0 = 1_700_000_000_000_000_000;
    private OtlpServer _server = null!;
    private HttpClient _http = null!;
    private MetricCollector<long> _requests = null!;
    private MetricCollector<long> _rejected = null!;

    [SetUp]
    public Task Start() => StartWith(null);

    [TearDown]
    public async Task Stop()
    {
        _requests.Dispose();
        _rejected.Dispose();
        _http.Dispose();
        await _server.DisposeAsync();
    }

    [Test]
    public async Task Protobuf_ValidTraces_Answers200AndQueuesTheSpans()
    {
        using var response = await Post("/v1/traces", Traces(Span()).ToByteArray());

        var body = ExportTraceServiceResponse.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync());
        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("application/x-protobuf"));
            Assert.That(body.PartialSuccess, Is.Null);
            Assert.That(_server.Spans.Single().SpanId, Is.EqualTo("0102030405060708"));
            Assert.That(_server.Spans.Single().TraceId, Is.EqualTo("0102030405060708090a0b0c0d0e0f10"));
            Assert.That(_server.Spans.Single().Duration, Is.EqualTo(TimeSpan.FromMilliseconds(25)));
            Assert.That(Outcome("accepted"), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task Json_OtlpMapping_HexIdsAndIntegerEnums_Answers200()
    {
        const string json = """
            {"resourceSpans":[{"resource":{"attributes":[{"key":"k8s.pod.name","value":{"stringValue":"cart-0"}}]},
             "scopeSpans":[{"spans":[{"traceId":"5B8EFFF798038103D269B633813FC60C","spanId":"EEE19B7EC3C1B174","parentSpanId":"eee19b7ec3c1b173",
             "name":"GET /cart","kind":3,"startTimeUnixNano":"1544712660000000000","endTimeUnixNano":1544712661000000000,"status":{"code":2},
             "unknownField":{"nested":true}}]}]}]}
            """;

        using var response = await Post("/v1/traces", Encoding.UTF8.GetBytes(json), "application/json");

        var span = _server.Spans.Single();
        Assert.Multiple(async () =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(await response.Content.ReadAsStringAsync(), Is.EqualTo("{ }"));
            Assert.That(span.TraceId, Is.EqualTo("5b8efff798038103d269b633813fc60c"));
            Assert.That(span.SpanId, Is.EqualTo("eee19b7ec3c1b174"));
            Assert.That(span.ParentSpanId, Is.EqualTo("eee19b7ec3c1b173"));
            Assert.That(span.Instance, Is.EqualTo("cart-0"));
            Assert.That(span.Kind, Is.EqualTo(Features.SpanKind.Client));
            Assert.That(span.Status, Is.EqualTo(Features.SpanStatus.Error));
            Assert.That(span.Duration, Is.EqualTo(TimeSpan.FromSeconds(1)));
        });
    }

    [Test]
    public async Task Gzip_Body_IsDecompressed()
    {
        using var response = await Post("/v1/traces", Gzip(Traces(Span()).ToByteArray()), encoding: "gzip");

        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(_server.Spans, Has.Count.EqualTo(1));
        });
    }

    [Test]
    public async Task PartialSuccess_InvalidAndInstancelessItems_AreRejectedAndTheRestQueued()
    {
        var bad = Span();
        bad.TraceId = ByteString.CopyFrom(new byte[5]);
        var request = Traces(Span(), bad);
        request.ResourceSpans.Add(new ResourceSpans { Resource = new Resource(), ScopeSpans = { new ScopeSpans { Spans = { Span() } } } });

        using var response = await Post("/v1/traces", request.ToByteArray());

        var body = ExportTraceServiceResponse.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync());
        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(body.PartialSuccess.RejectedSpans, Is.EqualTo(2));
            Assert.That(body.PartialSuccess.ErrorMessage, Is.EqualTo("a span has an invalid trace_id (5 bytes: 0000000000)"));
            Assert.That(_server.Spans, Has.Count.EqualTo(1));
            Assert.That(Rejected("invalid_id"), Is.EqualTo(1));
            Assert.That(Rejected("no_instance"), Is.EqualTo(1));
            Assert.That(Outcome("partial"), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task SystemAttribute_PrefixesTheInstanceWithItsSystem_AndRejectsResourcesWithoutOne()
    {
        await Restart(o => o.SystemAttribute = "service.namespace");
        var request = Traces(Span());
        request.ResourceSpans[0].Resource.Attributes.Add(new KeyValue { Key = "service.namespace", Value = new AnyValue { StringValue = "shop" } });
        request.ResourceSpans.Add(new ResourceSpans { Resource = Pod("web-1"), ScopeSpans = { new ScopeSpans { Spans = { Span() } } } });
        var slashed = Pod("web-2");
        slashed.Attributes.Add(new KeyValue { Key = "service.namespace", Value = new AnyValue { StringValue = "a/b" } });
        request.ResourceSpans.Add(new ResourceSpans { Resource = slashed, ScopeSpans = { new ScopeSpans { Spans = { Span() } } } });

        using var response = await Post("/v1/traces", request.ToByteArray());

        var body = ExportTraceServiceResponse.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync());
        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(_server.Spans.Select(s => s.Instance), Is.EqualTo(new[] { "shop/web-0" }));
            Assert.That(body.PartialSuccess.RejectedSpans, Is.EqualTo(2));
            Assert.That(Rejected("no_system"), Is.EqualTo(2));
        });
    }

    [Test]
    public async Task TruncatedProtobuf_Answers400AndQueuesNothing()
    {
        var bytes = Traces(Span(), Span()).ToByteArray();

        using var response = await Post("/v1/traces", bytes[..(bytes.Length - 7)]);

        var status = RpcStatus.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync());
        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(status.Message, Does.StartWith("the body is not a valid OTLP protobuf export request: "));
            Assert.That(status.Code, Is.EqualTo(3), "INVALID_ARGUMENT");
            Assert.That(_server.Batches, Is.Empty);
            Assert.That(Outcome("bad_request"), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task WrongContentType_Answers415()
    {
        using var response = await Post("/v1/logs", Encoding.UTF8.GetBytes("hello"), "text/plain");

        Assert.Multiple(async () =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.UnsupportedMediaType));
            Assert.That(RpcStatus.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync()).Message, Is.EqualTo("content type 'text/plain' is not application/x-protobuf or application/json"));
            Assert.That(Outcome("unsupported_media_type", "logs"), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task OversizedBody_Answers413_AlsoWhenOnlyTheDecompressedBodyIsTooLarge()
    {
        await Restart(o => o.MaxBodyBytes = 4096);
        var big = Traces([.. Enumerable.Range(0, 100).Select(_ => Span())]).ToByteArray();

        using var plain = await Post("/v1/traces", big);
        using var zipped = await Post("/v1/traces", Gzip(big), encoding: "gzip");

        Assert.Multiple(() =>
        {
            Assert.That(big, Has.Length.GreaterThan(4096));
            Assert.That(Gzip(big), Has.Length.LessThan(4096));
            Assert.That(plain.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
            Assert.That(zipped.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
            Assert.That(_server.Batches, Is.Empty);
            Assert.That(Outcome("too_large"), Is.EqualTo(2));
        });
    }

    [Test]
    public async Task InvalidUtf8_InJsonAndInProtobufStrings_Answers400()
    {
        var json = Encoding.UTF8.GetBytes("""{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":"1","body":{"stringValue":"caf_"}}]}]}]}""");
        json[Array.IndexOf(json, (byte)'_')] = 0xC3;
        var log = new LogRecord { TimeUnixNano = T0, Body = new AnyValue { StringValue = "caf_" } };
        var protobuf = Logs(log).ToByteArray();
        protobuf[Array.IndexOf(protobuf, (byte)'_')] = 0xC3;

        using var fromJson = await Post("/v1/logs", json, "application/json");
        using var fromProtobuf = await Post("/v1/logs", protobuf);

        Assert.Multiple(() =>
        {
            Assert.That(fromJson.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(fromProtobuf.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(_server.Batches, Is.Empty);
            Assert.That(Outcome("bad_request", "logs"), Is.EqualTo(2));
        });
    }

    [Test]
    public async Task NaNValue_IsQueuedForTheDetectorToCount()
    {
        var request = Metrics(new Metric { Name = "cpu", Gauge = new Gauge { DataPoints = { new NumberDataPoint { TimeUnixNano = T0, AsDouble = double.NaN }, new NumberDataPoint { TimeUnixNano = T0, AsInt = 3 } } } });

        using var response = await Post("/v1/metrics", request.ToByteArray());

        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), "NaN is a valid double: the online detector counts it under not_finite (mstgad.records.skipped)");
            Assert.That(_server.Metrics.Select(m => m.Value), Is.EqualTo(new[] { double.NaN, 3.0 }));
        });
    }

    [Test]
    public async Task UnknownFields_AreSkipped()
    {
        var request = Traces(Span());
        var bytes = request.ToByteArray().Concat(new byte[] { 0x9A, 0x06, 3, 1, 2, 3 }).ToArray();

        using var response = await Post("/v1/traces", bytes);

        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(_server.Spans, Has.Count.EqualTo(1));
        });
    }

    [Test]
    public async Task QueueFull_Answers429WithRetryAfter_AndStopped503()
    {
        _server.Answer = ReceiveStatus.QueueFull;
        using var full = await Post("/v1/traces", Traces(Span(), Span()).ToByteArray());
        _server.Answer = ReceiveStatus.Stopped;
        using var stopped = await Post("/v1/traces", Traces(Span()).ToByteArray());

        Assert.Multiple(() =>
        {
            Assert.That(full.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests));
            Assert.That(full.Headers.RetryAfter!.Delta, Is.EqualTo(TimeSpan.FromSeconds(2)));
            Assert.That(stopped.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
            Assert.That(stopped.Headers.RetryAfter!.Delta, Is.EqualTo(TimeSpan.FromSeconds(2)));
            Assert.That(Rejected("queue_full"), Is.EqualTo(2));
            Assert.That(Outcome("queue_full"), Is.EqualTo(1));
            Assert.That(Outcome("stopped"), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task BearerToken_Required_WhenConfigured()
    {
        await Restart(o => o.BearerToken = "s3cret");

        using var without = await Post("/v1/traces", Traces(Span()).ToByteArray());
        using var wrong = await Post("/v1/traces", Traces(Span()).ToByteArray(), token: "guess");
        using var right = await Post("/v1/traces", Traces(Span()).ToByteArray(), token: "s3cret");

        Assert.Multiple(() =>
        {
            Assert.That(without.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(wrong.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(right.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(_server.Spans, Has.Count.EqualTo(1));
            Assert.That(Outcome("unauthorized"), Is.EqualTo(2));
        });
    }

    [Test]
    public async Task Grpc_QueueFull_IsResourceExhaustedWithRetryInfo_AndATokenIsChecked()
    {
        await Restart(o => o.BearerToken = "s3cret");
        using var channel = GrpcChannel.ForAddress(_server.Grpc);
        var client = new TraceService.TraceServiceClient(channel);
        var auth = new Metadata { { "authorization", "Bearer s3cret" } };

        var unauthenticated = Assert.ThrowsAsync<RpcException>(async () => await client.ExportAsync(Traces(Span())));
        var accepted = await client.ExportAsync(Traces(Span()), auth);
        _server.Answer = ReceiveStatus.QueueFull;
        var exhausted = Assert.ThrowsAsync<RpcException>(async () => await client.ExportAsync(Traces(Span()), auth));

        var details = RpcStatus.Parser.ParseFrom(exhausted!.Trailers.GetValueBytes("grpc-status-details-bin"));
        Assert.Multiple(() =>
        {
            Assert.That(unauthenticated!.StatusCode, Is.EqualTo(StatusCode.Unauthenticated));
            Assert.That(accepted.PartialSuccess, Is.Null);
            Assert.That(exhausted.StatusCode, Is.EqualTo(StatusCode.ResourceExhausted));
            Assert.That(details.Details.Single().Unpack<RetryInfo>().RetryDelay.ToTimeSpan(), Is.EqualTo(TimeSpan.FromSeconds(2)));
            Assert.That(_server.Spans, Has.Count.EqualTo(1));
            Assert.That(Outcome("queue_full", transport: "grpc"), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task Metrics_ARefusedRequestSentAgain_GivesTheSameDelta()
    {
        Metric Counter(ulong at, double total) => new()
        {
            Name = "requests",
            Sum = new Sum { IsMonotonic = true, AggregationTemporality = AggregationTemporality.Cumulative, DataPoints = { new NumberDataPoint { StartTimeUnixNano = T0, TimeUnixNano = at, AsDouble = total } } },
        };

        using var first = await Post("/v1/metrics", Metrics(Counter(T0 + 10_000_000_000, 100)).ToByteArray());
        _server.Answer = ReceiveStatus.QueueFull;
        using var refused = await Post("/v1/metrics", Metrics(Counter(T0 + 20_000_000_000, 130)).ToByteArray());
        _server.Answer = ReceiveStatus.Accepted;
        using var again = await Post("/v1/metrics", Metrics(Counter(T0 + 20_000_000_000, 130)).ToByteArray());
        using var reset = await Post("/v1/metrics", Metrics(Counter(T0 + 30_000_000_000, 4)).ToByteArray());

        Assert.Multiple(() =>
        {
            Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests));
            Assert.That(_server.Metrics.Select(m => (m.Value, m.Coverage)), Is.EqualTo(new[] { (30.0, TimeSpan.FromSeconds(10)) }), "the baseline, then 130 - 100 over 10 s; a drop to 4 with the same start is a reset with no interval known");
        });
    }

    [Test]
    public async Task DeliveryHeader_NumbersTheBatch_AMalformedOneIs400_ADuplicateIs200()
    {
        using var numbered = await Post("/v1/traces", Traces(Span()).ToByteArray(), delivery: "agent-7/5");
        using var malformed = await Post("/v1/traces", Traces(Span()).ToByteArray(), delivery: "agent 7/5");
        using var negative = await Post("/v1/traces", Traces(Span()).ToByteArray(), delivery: "agent-7/-1");
        _server.Answer = ReceiveStatus.Duplicate;
        using var duplicate = await Post("/v1/traces", Traces(Span()).ToByteArray(), delivery: "agent-7/5");
        _server.Answer = ReceiveStatus.Accepted;
        using var channel = GrpcChannel.ForAddress(_server.Grpc);
        var client = new TraceService.TraceServiceClient(channel);
        await client.ExportAsync(Traces(Span()), new Metadata { { "mstgad-delivery", "agent-8/0" } });
        var invalid = Assert.ThrowsAsync<RpcException>(async () => await client.ExportAsync(Traces(Span()), new Metadata { { "mstgad-delivery", "agent-8" } }));

        Assert.Multiple(() =>
        {
            Assert.That(numbered.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(malformed.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(negative.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(duplicate.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(_server.Batches.Select(b => b.Delivery?.ToString()), Is.EqualTo(new[] { "agent-7/5", "agent-8/0" }));
            Assert.That(invalid!.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
            Assert.That(Outcome("bad_request"), Is.EqualTo(2));
            Assert.That(Outcome("duplicate"), Is.EqualTo(1));
            Assert.That(Outcome("bad_request", transport: "grpc"), Is.EqualTo(1));
        });
    }

    private Task StartWith(Action<MstGadOtlpOptions>? configure) => StartServer(configure);

    private async Task Restart(Action<MstGadOtlpOptions> configure)
    {
        await Stop();
        await StartServer(configure);
    }

    private async Task StartServer(Action<MstGadOtlpOptions>? configure)
    {
        _server = await OtlpServer.StartAsync(configure);
        _http = new HttpClient { BaseAddress = _server.Http };
        var meters = _server.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        _requests = new MetricCollector<long>(meters, OtlpReceiver.MeterName, "mstgad.otlp.requests");
        _rejected = new MetricCollector<long>(meters, OtlpReceiver.MeterName, "mstgad.otlp.items.rejected");
    }

    private async Task<HttpResponseMessage> Post(string path, byte[] body, string contentType = "application/x-protobuf", string? encoding = null, string? token = null, string? delivery = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        if (delivery is not null)
        {
            request.Headers.Add("MstGad-Delivery", delivery);
        }

        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (encoding is not null)
        {
            request.Content.Headers.ContentEncoding.Add(encoding);
        }

        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await _http.SendAsync(request);
    }

    private long Outcome(string outcome, string signal = "traces", string transport = "http") =>
        _requests.GetMeasurementSnapshot().Where(m => Tag(m, "outcome") == outcome && Tag(m, "signal") == signal && Tag(m, "transport") == transport).Sum(m => m.Value);

    private long Rejected(string reason) => _rejected.GetMeasurementSnapshot().Where(m => Tag(m, "reason") == reason).Sum(m => m.Value);

    private static string? Tag(CollectedMeasurement<long> measurement, string name) => measurement.Tags.TryGetValue(name, out var value) ? value as string : null;

    private static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal))
        {
            gzip.Write(bytes);
        }

        return output.ToArray();
    }

    private static Resource Pod(string name) => new() { Attributes = { new KeyValue { Key = "k8s.pod.name", Value = new AnyValue { StringValue = name } } } };

    private static OtlpSpan Span() => new()
    {
        TraceId = ByteString.CopyFrom([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]),
        SpanId = ByteString.CopyFrom([1, 2, 3, 4, 5, 6, 7, 8]),
        Name = "GET /",
        Kind = OtlpSpan.Types.SpanKind.Server,
        StartTimeUnixNano = T0,
        EndTimeUnixNano = T0 + 25_000_000,
    };

    private static ExportTraceServiceRequest Traces(params OtlpSpan[] spans) => new()
    {
        ResourceSpans = { new ResourceSpans { Resource = Pod("web-0"), ScopeSpans = { new ScopeSpans { Spans = { spans } } } } },
    };

    private static ExportLogsServiceRequest Logs(params LogRecord[] logs) => new()
    {
        ResourceLogs = { new ResourceLogs { Resource = Pod("web-0"), ScopeLogs = { new ScopeLogs { LogRecords = { logs } } } } },
    };

    private static ExportMetricsServiceRequest Metrics(params Metric[] metrics) => new()
    {
        ResourceMetrics = { new ResourceMetrics { Resource = Pod("web-0"), ScopeMetrics = { new ScopeMetrics { Metrics = { metrics } } } } },
    };
}
