using System.Buffers;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Net.Http.Headers;
using MstGad.Hosting;
using MstGad.AspNetCore.Protocol.Collector.Logs;
using MstGad.AspNetCore.Protocol.Collector.Trace;
using RpcStatus = MstGad.AspNetCore.Protocol.Rpc.Status;

namespace MstGad.AspNetCore;

/// <summary>
/// OTLP/HTTP: <c>POST /v1/{traces,logs,metrics}</c> with a protobuf (<c>application/x-protobuf</c>) or JSON
/// (<c>application/json</c>, the OTLP JSON mapping: hex ids, integer enums) body, optionally gzip-compressed.
/// Answers 200 with the export response (partial success when items were rejected), 400 for a body that does not
/// parse, 401 without the bearer token, 413 for a body over <see cref="MstGadOtlpOptions.MaxBodyBytes"/>, 415 for
/// another content type or encoding, 429 when the queue is full and 503 when stopping (both with <c>Retry-After</c>);
/// error bodies are a <c>google.rpc.Status</c> in the request's encoding.
/// </summary>
internal static class OtlpHttp
{
    private const string Protobuf = "application/x-protobuf";
    private const string Json = "application/json";
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    public static async Task HandleAsync<TRequest>(HttpContext context, Signal signal, MessageParser<TRequest> parser, Func<OtlpReceiver, TRequest, DeliveryTag?, ExportOutcome> export, Func<ExportOutcome, IMessage> response)
        where TRequest : IMessage<TRequest>, new()
    {
        var receiver = context.RequestServices.GetRequiredService<OtlpReceiver>();
        var request = context.Request;
        if (!receiver.Authorized(request.Headers.Authorization))
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            await FailAsync(context, receiver, signal, StatusCodes.Status401Unauthorized, "unauthorized", json: false, "missing or wrong bearer token").ConfigureAwait(false);
            return;
        }

        var json = false;
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            || !((json = mediaType.MediaType.Equals(Json, StringComparison.OrdinalIgnoreCase)) || mediaType.MediaType.Equals(Protobuf, StringComparison.OrdinalIgnoreCase)))
        {
            await FailAsync(context, receiver, signal, StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type", json: false, $"content type '{request.ContentType}' is not {Protobuf} or {Json}").ConfigureAwait(false);
            return;
        }

        DeliveryTag? delivery = null;
        if (request.Headers.TryGetValue(DeliveryTag.HttpHeader, out var deliveryHeader) && !DeliveryTag.TryParse(deliveryHeader.ToString(), out delivery))
        {
            await FailAsync(context, receiver, signal, StatusCodes.Status400BadRequest, "bad_request", json, $"the {DeliveryTag.HttpHeader} header '{deliveryHeader}' is not sender/sequence (a sender id of letters, digits, '-', '_', '.', ':' and a number 0 or more)").ConfigureAwait(false);
            return;
        }

        var encoding = request.Headers.ContentEncoding.ToString();
        var gzip = encoding.Equals("gzip", StringComparison.OrdinalIgnoreCase);
        if (!gzip && encoding.Length > 0 && !encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
        {
            await FailAsync(context, receiver, signal, StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type", json, $"content encoding '{encoding}' is not gzip").ConfigureAwait(false);
            return;
        }

        var limit = receiver.Options.MaxBodyBytes;
        if (request.ContentLength > limit)
        {
            await FailAsync(context, receiver, signal, StatusCodes.Status413PayloadTooLarge, "too_large", json, TooLarge(limit)).ConfigureAwait(false);
            return;
        }

        TRequest message;
        var buffer = new ArrayBufferWriter<byte>(request.ContentLength is { } length and > 0 ? (int)Math.Min(length, limit) : 4096);
        try
        {
            var body = gzip ? new GZipStream(request.Body, CompressionMode.Decompress, leaveOpen: true) : request.Body;
            await using (body.ConfigureAwait(false))
            {
                if (!await ReadAsync(body, buffer, limit, context.RequestAborted).ConfigureAwait(false))
                {
                    await FailAsync(context, receiver, signal, StatusCodes.Status413PayloadTooLarge, "too_large", json, TooLarge(limit)).ConfigureAwait(false);
                    return;
                }
            }

            message = json ? ParseJson<TRequest>(buffer.WrittenSpan) : parser.ParseFrom(buffer.WrittenSpan);
        }
        catch (Exception ex) when (ex is InvalidProtocolBufferException or InvalidJsonException or InvalidDataException or FormatException or DecoderFallbackException)
        {
            await FailAsync(context, receiver, signal, StatusCodes.Status400BadRequest, "bad_request", json, "the body is not a valid OTLP " + (json ? "JSON" : "protobuf") + " export request: " + ex.Message).ConfigureAwait(false);
            return;
        }

        var outcome = export(receiver, message, delivery);
        switch (outcome.Status)
        {
            case ReceiveStatus.Accepted:
            case ReceiveStatus.Duplicate:
                receiver.Count(signal, "http", outcome.Status == ReceiveStatus.Duplicate ? "duplicate" : outcome.Rejected > 0 ? "partial" : "accepted");
                await WriteAsync(context, StatusCodes.Status200OK, json, response(outcome)).ConfigureAwait(false);
                break;
            case ReceiveStatus.QueueFull:
                context.Response.Headers.RetryAfter = Seconds(receiver.Options.RetryAfter);
                await FailAsync(context, receiver, signal, StatusCodes.Status429TooManyRequests, "queue_full", json, "the detector's queue is full: retry later").ConfigureAwait(false);
                break;
            default:
                context.Response.Headers.RetryAfter = Seconds(receiver.Options.RetryAfter);
                await FailAsync(context, receiver, signal, StatusCodes.Status503ServiceUnavailable, "stopped", json, "the detector is stopping: retry later").ConfigureAwait(false);
                break;
        }
    }

    /// <summary>
    /// Parses the OTLP JSON mapping. Ids are hex there, not base64 as protobuf's JSON mapping has bytes: a hex id
    /// parses as base64 without loss (hex digits are base64 digits, and its length is a multiple of 4), so the parsed
    /// bytes are turned back into the text and decoded as hex.
    /// </summary>
    internal static TRequest ParseJson<TRequest>(ReadOnlySpan<byte> body)
        where TRequest : IMessage<TRequest>, new()
    {
        var message = Parser.Parse<TRequest>(StrictUtf8.GetString(body));
        switch (message)
        {
            case ExportTraceServiceRequest traces:
                foreach (var span in traces.ResourceSpans.SelectMany(r => r.ScopeSpans).SelectMany(s => s.Spans))
                {
                    span.TraceId = Hex(span.TraceId, "traceId");
                    span.SpanId = Hex(span.SpanId, "spanId");
                    span.ParentSpanId = Hex(span.ParentSpanId, "parentSpanId");
                }

                break;
            case ExportLogsServiceRequest logs:
                foreach (var log in logs.ResourceLogs.SelectMany(r => r.ScopeLogs).SelectMany(s => s.LogRecords))
                {
                    log.TraceId = Hex(log.TraceId, "traceId");
                    log.SpanId = Hex(log.SpanId, "spanId");
                }

                break;
            default:
                break;
        }

        return message;
    }

    private static ByteString Hex(ByteString parsed, string field)
    {
        if (parsed.IsEmpty)
        {
            return parsed;
        }

        var text = parsed.ToBase64();
        try
        {
            return ByteString.CopyFrom(Convert.FromHexString(text));
        }
        catch (FormatException)
        {
            throw new FormatException($"{field} '{text}' is not a hex id");
        }
    }

    private static async Task<bool> ReadAsync(Stream body, ArrayBufferWriter<byte> buffer, int limit, CancellationToken cancellationToken)
    {
        while (true)
        {
            var memory = buffer.GetMemory(16 * 1024);
            var read = await body.ReadAsync(memory, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return true;
            }

            buffer.Advance(read);
            if (buffer.WrittenCount > limit)
            {
                return false;
            }
        }
    }

    private static string TooLarge(int limit) => string.Create(CultureInfo.InvariantCulture, $"the body is larger than {limit} bytes (MaxBodyBytes)");

    private static string Seconds(TimeSpan delay) => ((int)Math.Ceiling(delay.TotalSeconds)).ToString(CultureInfo.InvariantCulture);

    private static Task FailAsync(HttpContext context, OtlpReceiver receiver, Signal signal, int status, string outcome, bool json, string message)
    {
        receiver.Count(signal, "http", outcome);
        return WriteAsync(context, status, json, new RpcStatus { Code = GrpcCode(status), Message = message });
    }

    private static int GrpcCode(int http) => http switch
    {
        StatusCodes.Status400BadRequest => 3,
        StatusCodes.Status401Unauthorized => 16,
        StatusCodes.Status413PayloadTooLarge => 8,
        StatusCodes.Status415UnsupportedMediaType => 3,
        StatusCodes.Status429TooManyRequests => 8,
        _ => 14,
    };

    private static async Task WriteAsync(HttpContext context, int status, bool json, IMessage message)
    {
        context.Response.StatusCode = status;
        if (json)
        {
            context.Response.ContentType = Json;
            await context.Response.WriteAsync(JsonFormatter.Default.Format(message), context.RequestAborted).ConfigureAwait(false);
        }
        else
        {
            context.Response.ContentType = Protobuf;
            await context.Response.Body.WriteAsync(message.ToByteArray(), context.RequestAborted).ConfigureAwait(false);
        }
    }
}
