using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using MstGad.Hosting;
using MstGad.AspNetCore.Protocol.Collector.Logs;
using MstGad.AspNetCore.Protocol.Collector.Metrics;
using MstGad.AspNetCore.Protocol.Collector.Trace;
using MstGad.AspNetCore.Protocol.Rpc;
using RpcStatus = MstGad.AspNetCore.Protocol.Rpc.Status;

namespace MstGad.AspNetCore;

/// <summary>
/// OTLP/gRPC: the checks and answers the three export services share — UNAUTHENTICATED without the bearer token,
/// RESOURCE_EXHAUSTED when the queue is full and UNAVAILABLE when stopping (both with a <c>google.rpc.RetryInfo</c>
/// in <c>grpc-status-details-bin</c>, which tells OTLP exporters to retry after the delay).
/// </summary>
internal static class OtlpGrpc
{
    public static void Authorize(OtlpReceiver receiver, ServerCallContext context, Signal signal)
    {
        if (!receiver.Authorized(context.RequestHeaders.GetValue("authorization")))
        {
            receiver.Count(signal, "grpc", "unauthorized");
            throw new RpcException(new Grpc.Core.Status(StatusCode.Unauthenticated, "missing or wrong bearer token"));
        }
    }

    /// <summary>The request's delivery tag from its <see cref="DeliveryTag.GrpcMetadataKey"/> metadata entry, if any.</summary>
    public static DeliveryTag? Delivery(OtlpReceiver receiver, ServerCallContext context, Signal signal)
    {
        var value = context.RequestHeaders.GetValue(DeliveryTag.GrpcMetadataKey);
        if (value is null)
        {
            return null;
        }

        if (!DeliveryTag.TryParse(value, out var tag))
        {
            receiver.Count(signal, "grpc", "bad_request");
            throw new RpcException(new Grpc.Core.Status(StatusCode.InvalidArgument, $"the {DeliveryTag.GrpcMetadataKey} metadata '{value}' is not sender/sequence"));
        }

        return tag;
    }

    public static ExportOutcome Check(OtlpReceiver receiver, ExportOutcome outcome, Signal signal)
    {
        if (outcome.Status is ReceiveStatus.Accepted or ReceiveStatus.Duplicate)
        {
            receiver.Count(signal, "grpc", outcome.Status == ReceiveStatus.Duplicate ? "duplicate" : outcome.Rejected > 0 ? "partial" : "accepted");
            return outcome;
        }

        var full = outcome.Status == ReceiveStatus.QueueFull;
        receiver.Count(signal, "grpc", full ? "queue_full" : "stopped");
        var code = full ? StatusCode.ResourceExhausted : StatusCode.Unavailable;
        var message = full ? "the detector's queue is full: retry later" : "the detector is stopping: retry later";
        var details = new RpcStatus { Code = (int)code, Message = message };
        details.Details.Add(Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(receiver.Options.RetryAfter) }));
        var trailers = new Metadata { { "grpc-status-details-bin", details.ToByteArray() } };
        throw new RpcException(new Grpc.Core.Status(code, message), trailers);
    }
}

/// <summary>OTLP/gRPC <c>opentelemetry.proto.collector.trace.v1.TraceService</c>.</summary>
internal sealed class OtlpTraceService(OtlpReceiver receiver) : TraceService.TraceServiceBase
{
    public override Task<ExportTraceServiceResponse> Export(ExportTraceServiceRequest request, ServerCallContext context)
    {
        OtlpGrpc.Authorize(receiver, context, Signal.Traces);
        var outcome = OtlpGrpc.Check(receiver, receiver.Export(request, OtlpGrpc.Delivery(receiver, context, Signal.Traces)), Signal.Traces);
        return Task.FromResult(OtlpResponses.Traces(outcome));
    }
}

/// <summary>OTLP/gRPC <c>opentelemetry.proto.collector.logs.v1.LogsService</c>.</summary>
internal sealed class OtlpLogsService(OtlpReceiver receiver) : LogsService.LogsServiceBase
{
    public override Task<ExportLogsServiceResponse> Export(ExportLogsServiceRequest request, ServerCallContext context)
    {
        OtlpGrpc.Authorize(receiver, context, Signal.Logs);
        var outcome = OtlpGrpc.Check(receiver, receiver.Export(request, OtlpGrpc.Delivery(receiver, context, Signal.Logs)), Signal.Logs);
        return Task.FromResult(OtlpResponses.Logs(outcome));
    }
}

/// <summary>OTLP/gRPC <c>opentelemetry.proto.collector.metrics.v1.MetricsService</c>.</summary>
internal sealed class OtlpMetricsService(OtlpReceiver receiver) : MetricsService.MetricsServiceBase
{
    public override Task<ExportMetricsServiceResponse> Export(ExportMetricsServiceRequest request, ServerCallContext context)
    {
        OtlpGrpc.Authorize(receiver, context, Signal.Metrics);
        var outcome = OtlpGrpc.Check(receiver, receiver.Export(request, OtlpGrpc.Delivery(receiver, context, Signal.Metrics)), Signal.Metrics);
        return Task.FromResult(OtlpResponses.Metrics(outcome));
    }
}

/// <summary>The export responses, with partial success when items were rejected.</summary>
internal static class OtlpResponses
{
    public static ExportTraceServiceResponse Traces(ExportOutcome outcome) => outcome.Rejected > 0
        ? new() { PartialSuccess = new() { RejectedSpans = outcome.Rejected, ErrorMessage = outcome.Error ?? string.Empty } }
        : new();

    public static ExportLogsServiceResponse Logs(ExportOutcome outcome) => outcome.Rejected > 0
        ? new() { PartialSuccess = new() { RejectedLogRecords = outcome.Rejected, ErrorMessage = outcome.Error ?? string.Empty } }
        : new();

    public static ExportMetricsServiceResponse Metrics(ExportOutcome outcome) => outcome.Rejected > 0
        ? new() { PartialSuccess = new() { RejectedDataPoints = outcome.Rejected, ErrorMessage = outcome.Error ?? string.Empty } }
        : new();
}
