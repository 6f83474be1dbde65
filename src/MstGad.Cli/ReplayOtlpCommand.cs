using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using MstGad.AspNetCore.Protocol.Collector.Logs;
using MstGad.AspNetCore.Protocol.Collector.Metrics;
using MstGad.AspNetCore.Protocol.Collector.Trace;
using MstGad.AspNetCore.Protocol.Common;
using MstGad.AspNetCore.Protocol.Logs;
using MstGad.AspNetCore.Protocol.Metrics;
using MstGad.AspNetCore.Protocol.Resource;
using MstGad.AspNetCore.Protocol.Rpc;
using MstGad.AspNetCore.Protocol.Trace;
using MstGad.Datasets;
using MstGad.Features;
using MstGad.Hosting;
using OtlpLog = MstGad.AspNetCore.Protocol.Logs.LogRecord;
using OtlpSpan = MstGad.AspNetCore.Protocol.Trace.Span;
using LogRecord = MstGad.Features.LogRecord;
using RpcStatus = MstGad.AspNetCore.Protocol.Rpc.Status;
using Span = MstGad.Features.Span;

namespace MstGad.Cli;

/// <summary>
/// <c>mstgad replay-otlp</c>: sends a recorded telemetry folder to an OTLP receiver as OpenTelemetry exporters would —
/// in event-time order, cut into OTLP export requests, from several senders at once, retrying what is refused with
/// 429 / RESOURCE_EXHAUSTED after the delay the receiver asks for — and measures the throughput.
/// </summary>
internal static class ReplayOtlpCommand
{
    public static Command Create()
    {
        var data = new Option<DirectoryInfo>("--data") { Description = "The telemetry folder to send.", Required = true };
        var to = new Option<string>("--to") { Description = "The receiver: the OTLP/HTTP base address (http://HOST:4318) or, with --protocol grpc, the OTLP/gRPC address (http://HOST:4317).", DefaultValueFactory = _ => "http://localhost:4318" };
        var protocol = new Option<string>("--protocol") { Description = "http (OTLP/HTTP protobuf) or grpc.", DefaultValueFactory = _ => "http" };
        var senders = new Option<int>("--senders") { Description = "Requests in flight at once.", DefaultValueFactory = _ => 4 };
        var batch = new Option<int>("--batch") { Description = "The most records in one export request.", DefaultValueFactory = _ => 2000 };
        var window = new Option<string>("--window") { Description = "A request holds records of at most this much event time, and none is sent before every request more than this older was accepted (keep it well under the receiver's lateness).", DefaultValueFactory = _ => "10s" };
        var token = new Option<string?>("--token") { Description = "The bearer token the receiver expects." };
        var from = new Option<string?>("--from") { Description = "Send only records at or after this time (ISO-8601, UTC)." };
        var until = new Option<string?>("--until") { Description = "Send only records before this time (ISO-8601, UTC)." };
        var wait = new Option<bool>("--wait") { Description = "After sending, poll the receiver's api/state until its queue is empty and report the rate at which the detector took the records (OTLP/HTTP address only)." };
        var json = new Option<bool>("--json") { Description = "Print the figures as JSON." };
        var resume = new Option<bool>("--resume") { Description = "Number the deliveries (MstGad-Delivery) and keep every request: when the receiver goes away and comes back (a restart from its checkpoint), ask it which deliveries it has and send again exactly the others." };
        var sender = new Option<string?>("--sender") { Description = "With --resume: this sender's id (letters, digits, '-', '_', '.', ':'); default replay- and a random number." };
        var encodeFirst = new Option<bool>("--encode-first") { Description = "Encode every request before sending the first, so that records/s measures the receiver rather than the sender's encoding (holds the encoded requests in memory)." };
        var resumeTimeout = new Option<string>("--resume-timeout") { Description = "With --resume: how long to wait for the receiver to come back.", DefaultValueFactory = _ => "5m" };
        var command = new Command("replay-otlp", "Send a recorded telemetry folder to an OTLP receiver (e.g. mstgad serve) in event-time order from several senders, and measure the throughput.")
        {
            data, to, protocol, senders, batch, window, token, from, until, wait, json, resume, sender, resumeTimeout, encodeFirst,
        };
        command.SetGuardedAction(async (result, cancellationToken) =>
        {
            var settings = new ReplaySettings(
                Address(result.GetValue(to)!),
                result.GetValue(protocol)!.ToLowerInvariant() switch
                {
                    "http" => false,
                    "grpc" => true,
                    var other => throw new CliException($"--protocol must be http or grpc; it is '{other}'", "see --help", CliErrors.Usage),
                },
                Positive(result.GetValue(senders), "--senders"),
                Positive(result.GetValue(batch), "--batch"),
                Durations.Parse(result.GetValue(window)!),
                result.GetValue(token),
                Time(result.GetValue(from), "--from"),
                Time(result.GetValue(until), "--until"),
                result.GetValue(resume) ? Sender(result.GetValue(sender)) : result.GetValue(sender) is null ? null : throw new CliException("--sender is for --resume", "add --resume", CliErrors.Usage),
                Durations.Parse(result.GetValue(resumeTimeout)!),
                result.GetValue(encodeFirst));
            var source = DataFolder.Open(result.GetRequiredValue(data), ReadMode.Lenient);
            var all = await TelemetryDirectory.ReadAllAsync(source, cancellationToken).ConfigureAwait(false);
            var report = await SendAsync(all, settings, cancellationToken).ConfigureAwait(false);
            if (result.GetValue(wait))
            {
                if (settings.Grpc)
                {
                    throw new CliException("--wait reads the receiver's api/state over HTTP", "use --protocol http, or leave --wait out", CliErrors.Usage);
                }

                report = report with { Drained = await WaitForDrainAsync(settings, report, cancellationToken).ConfigureAwait(false) };
            }

            Console.WriteLine(result.GetValue(json) ? JsonSerializer.Serialize(report, CliJsonContext.Default.ReplayReport) : report.ToString());
            return report.Failed > 0 ? CliErrors.Failed : 0;
        });
        return command;
    }

    /// <summary>Sends the records; returns what was sent, refused and retried, and how fast.</summary>
    internal static async Task<ReplayReport> SendAsync(RecordedTelemetry all, ReplaySettings settings, CancellationToken cancellationToken)
    {
        var requests = Channel.CreateBounded<Request>(new BoundedChannelOptions(settings.Senders * 2) { SingleWriter = true });
        var counters = new long[9];
        // --encode-first: every request is encoded before the clock starts, so that the figure is the receiver's pace
        // and not the sender's encoding (both share the machine).
        var source = settings.EncodeFirst ? Requests(all, settings).ToList() : Requests(all, settings);
        var clock = Stopwatch.StartNew();
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = settings.Senders, AutomaticDecompression = DecompressionMethods.None }) { BaseAddress = settings.To, Timeout = TimeSpan.FromMinutes(2) };
        using var channel = settings.Grpc ? GrpcChannel.ForAddress(settings.To, new GrpcChannelOptions { MaxSendMessageSize = null }) : null;
        using var resumer = settings.Sender is null ? null : new Resumer(settings, http, channel, counters);
        // A sender that fails for good (e.g. the receiver did not come back) stops the others and the producer.
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var token = failed.Token;
        var producer = Task.Run(() => ProduceAsync(source, settings, requests.Writer, resumer, token), token);
        var workers = Enumerable.Range(0, settings.Senders).Select(_ => Task.Run(async () =>
        {
            try
            {
                await foreach (var request in requests.Reader.ReadAllAsync(token).ConfigureAwait(false))
                {
                    try
                    {
                        await SendOneAsync(request, settings, http, channel, counters, resumer, token).ConfigureAwait(false);
                    }
                    finally
                    {
                        request.Done.TrySetResult();
                    }
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                await failed.CancelAsync().ConfigureAwait(false);
                throw;
            }
        }, token)).ToList();
        try
        {
            await Task.WhenAll(workers.Append(producer)).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // One of the workers failed: rethrow its exception rather than the cancellation it caused.
            var failure = workers.Where(w => w.IsFaulted).Select(w => w.Exception!.InnerException!).FirstOrDefault();
            if (failure is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
            }

            throw;
        }

        var (metrics, logs, spans) = await producer.ConfigureAwait(false);
        var elapsed = clock.Elapsed;
        var confirmed = resumer is null ? (double?)null : await resumer.ConfirmAsync(cancellationToken).ConfigureAwait(false);
        var records = metrics + logs + spans;
        return new ReplayReport(metrics, logs, spans, counters[0], counters[1], counters[2], counters[3], counters[4], elapsed.TotalSeconds, records / elapsed.TotalSeconds, null)
        {
            Restarts = settings.Sender is null ? null : counters[5],
            ResentRequests = counters[6],
            ResentRecords = counters[7],
            InFlightResent = counters[8],
            CheckpointedAfter = confirmed,
        };
    }

    /// <summary>
    /// Hands the requests to the senders in order: one is only handed over once every request more than --window of
    /// event time older has been accepted, so where the recording has gaps a later request cannot overtake an earlier
    /// one by more than that (the receiver's lateness must exceed it). Returns the metrics, logs and spans handed over.
    /// </summary>
    private static async Task<(long, long, long)> ProduceAsync(IEnumerable<Request> requests, ReplaySettings settings, ChannelWriter<Request> writer, Resumer? resumer, CancellationToken cancellationToken)
    {
        try
        {
            long metrics = 0, logs = 0, spans = 0;
            var inFlight = new Queue<Request>();
            foreach (var request in requests)
            {
                while (inFlight.Count > 0 && (inFlight.Peek().Done.Task.IsCompleted || inFlight.Peek().Start < request.Start - settings.Window.Ticks))
                {
                    await inFlight.Dequeue().Done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
                }

                resumer?.Add(request);
                inFlight.Enqueue(request);
                await writer.WriteAsync(request, cancellationToken).ConfigureAwait(false);
                _ = request.Signal switch
                {
                    "metrics" => metrics += request.Records,
                    "logs" => logs += request.Records,
                    _ => spans += request.Records,
                };
            }

            return (metrics, logs, spans);
        }
        finally
        {
            writer.TryComplete();
        }
    }

    /// <summary>
    /// The records of --from/--until in event-time order, cut into export requests of one signal each: at most --batch
    /// records, and at most --window of event time (every pending request is closed when a record is later than that).
    /// </summary>
    private static IEnumerable<Request> Requests(RecordedTelemetry all, ReplaySettings settings)
    {
        bool Keep(long ticks) => (settings.From is not { } f || ticks >= f.UtcTicks) && (settings.Until is not { } u || ticks < u.UtcTicks);
        var m = all.Metrics.Where(x => Keep(x.Time.UtcTicks)).OrderBy(x => x.Time.UtcTicks).ToArray();
        var l = all.Logs.Where(x => Keep(x.Time.UtcTicks)).OrderBy(x => x.Time.UtcTicks).ToArray();
        var s = all.Spans.Where(x => Keep(EventTicks(x))).OrderBy(EventTicks).ToArray();
        var pending = (Metrics: new List<MetricSample>(), Logs: new List<LogRecord>(), Spans: new List<Span>());
        var windowStart = long.MinValue;
        int i = 0, j = 0, k = 0;
        while (i < m.Length || j < l.Length || k < s.Length)
        {
            var mt = i < m.Length ? m[i].Time.UtcTicks : long.MaxValue;
            var lt = j < l.Length ? l[j].Time.UtcTicks : long.MaxValue;
            var st = k < s.Length ? EventTicks(s[k]) : long.MaxValue;
            var now = Math.Min(mt, Math.Min(lt, st));
            if (windowStart != long.MinValue && now - windowStart > settings.Window.Ticks)
            {
                foreach (var request in Flush())
                {
                    yield return request;
                }
            }

            if (windowStart == long.MinValue)
            {
                windowStart = now;
            }

            if (mt == now)
            {
                pending.Metrics.Add(m[i++]);
                if (pending.Metrics.Count >= settings.Batch)
                {
                    yield return Request.Of(pending.Metrics);
                    pending.Metrics.Clear();
                }
            }
            else if (lt == now)
            {
                pending.Logs.Add(l[j++]);
                if (pending.Logs.Count >= settings.Batch)
                {
                    yield return Request.Of(pending.Logs);
                    pending.Logs.Clear();
                }
            }
            else
            {
                pending.Spans.Add(s[k++]);
                if (pending.Spans.Count >= settings.Batch)
                {
                    yield return Request.Of(pending.Spans);
                    pending.Spans.Clear();
                }
            }
        }

        foreach (var request in Flush())
        {
            yield return request;
        }

        IEnumerable<Request> Flush()
        {
            if (pending.Metrics.Count > 0)
            {
                yield return Request.Of(pending.Metrics);
                pending.Metrics.Clear();
            }

            if (pending.Logs.Count > 0)
            {
                yield return Request.Of(pending.Logs);
                pending.Logs.Clear();
            }

            if (pending.Spans.Count > 0)
            {
                yield return Request.Of(pending.Spans);
                pending.Spans.Clear();
            }

            windowStart = long.MinValue;
        }
    }

    /// <summary>
    /// Sends one request until it is accepted (retrying refusals after the delay asked for; with --resume, also after the
    /// receiver went away and came back, unless the state it restored has the request); counts [requests, retries,
    /// rejected items, failed requests, bytes, restarts, re-sent requests, re-sent records, in-flight re-sent].
    /// </summary>
    private static async Task SendOneAsync(Request request, ReplaySettings settings, HttpClient http, GrpcChannel? channel, long[] counters, Resumer? resumer, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref counters[0]);
        Interlocked.Add(ref counters[4], request.Bytes.Length);
        while (true)
        {
            TimeSpan? retry;
            long rejected;
            var generation = resumer is null ? 0 : await resumer.WaitWhileRecoveringAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                (retry, rejected) = await SendAsync(request, settings, http, channel, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (resumer is not null && Resumer.IsConnectionLost(ex, cancellationToken))
            {
                // A receiver that answers the deliveries query but fails this request every time (e.g. a server error
                // reported as gRPC UNKNOWN) is not a restart: give up on the request after a few tries.
                if (++request.Recoveries > Resumer.MaxRecoveriesPerRequest)
                {
                    await Console.Error.WriteLineAsync($"replay-otlp: {request.Signal} delivery {request.Sequence} failed {request.Recoveries} times although the receiver answered in between: {ex.Message}").ConfigureAwait(false);
                    Interlocked.Increment(ref counters[3]);
                    return;
                }

                var state = await resumer.RecoverAsync(generation, cancellationToken).ConfigureAwait(false);
                if (state.Received.Contains(request.Sequence))
                {
                    request.Accepted = true;
                    return;
                }

                Interlocked.Increment(ref counters[8]);
                continue;
            }

            if (retry is null)
            {
                if (rejected < 0)
                {
                    Interlocked.Increment(ref counters[3]);
                }
                else
                {
                    Interlocked.Add(ref counters[2], rejected);
                    request.Accepted = true;
                }

                return;
            }

            Interlocked.Increment(ref counters[1]);
            await Task.Delay(retry.Value, cancellationToken).ConfigureAwait(false);
        }
    }

    private static Task<(TimeSpan? Retry, long Rejected)> SendAsync(Request request, ReplaySettings settings, HttpClient http, GrpcChannel? channel, CancellationToken cancellationToken) =>
        channel is null ? PostAsync(request, settings, http, cancellationToken) : ExportAsync(request, settings, channel, cancellationToken);

    /// <summary>
    /// The --resume protocol: every request is numbered (<c>MstGad-Delivery: sender/n</c>) and kept. When the receiver
    /// cannot be reached, the first sender to notice waits until it answers again, asks which deliveries it has
    /// (<c>GET mstgad/deliveries/{sender}</c>: after a restart, those in its restored checkpoint), and sends again, in
    /// order, every request it had accepted that the answer lacks, before anything newer goes out; the requests that
    /// were in flight are then sent again by their senders unless the answer has them.
    /// </summary>
    private sealed class Resumer(ReplaySettings settings, HttpClient http, GrpcChannel? channel, long[] counters) : IDisposable
    {
        /// <summary>How often one request may find the receiver answering yet fail again before it is given up.</summary>
        public const int MaxRecoveriesPerRequest = 5;

        private readonly SemaphoreSlim _gate = new(1, 1);
        private readonly List<Request> _requests = [];
        private readonly HttpClient _state = new(new SocketsHttpHandler())
        {
            BaseAddress = settings.To,
            Timeout = TimeSpan.FromSeconds(10),
            DefaultRequestVersion = channel is null ? HttpVersion.Version11 : HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

        private volatile int _generation;
        private DeliveryState _last = new(settings.Sender!, new DeliverySet(0, []), new DeliverySet(0, []));

        public void Add(Request request)
        {
            lock (_requests)
            {
                request.Sequence = _requests.Count;
                request.Sender = settings.Sender;
                _requests.Add(request);
            }
        }

        /// <summary>Waits while a recovery runs (nothing new goes out before the re-sent requests); returns the generation.</summary>
        public async Task<int> WaitWhileRecoveringAsync(CancellationToken cancellationToken)
        {
            if (_gate.CurrentCount > 0)
            {
                return _generation;
            }

            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            _gate.Release();
            return _generation;
        }

        public static bool IsConnectionLost(Exception ex, CancellationToken cancellationToken) => ex switch
        {
            HttpRequestException => true,
            RpcException rpc => rpc.StatusCode is StatusCode.Unavailable or StatusCode.Internal or StatusCode.Unknown,
            TaskCanceledException => !cancellationToken.IsCancellationRequested,
            _ => false,
        };

        public async Task<DeliveryState> RecoverAsync(int generation, CancellationToken cancellationToken)
        {
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (_generation != generation)
                {
                    return _last; // recovered by another sender meanwhile
                }

                while (true)
                {
                    var answer = await AskAsync(cancellationToken).ConfigureAwait(false);
                    List<Request> missing;
                    lock (_requests)
                    {
                        missing = [.. _requests.Where(r => r.Accepted && !answer.Received.Contains(r.Sequence))];
                    }

                    await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                        $"replay-otlp: the receiver is back and has this sender's deliveries below {answer.Received.Below} (and {answer.Received.Above.Count} above); sending again the {missing.Count} accepted before that it does not have ({missing.Sum(r => r.Records)} records)")).ConfigureAwait(false);
                    try
                    {
                        foreach (var request in missing)
                        {
                            long rejected;
                            while (true)
                            {
                                (var retry, rejected) = await SendAsync(request, settings, http, channel, cancellationToken).ConfigureAwait(false);
                                if (retry is null)
                                {
                                    break;
                                }

                                await Task.Delay(retry.Value, cancellationToken).ConfigureAwait(false);
                            }

                            if (rejected < 0)
                            {
                                request.Accepted = false; // failed for good (reported): nothing to wait for in a checkpoint
                                Interlocked.Increment(ref counters[3]);
                                continue;
                            }

                            Interlocked.Increment(ref counters[6]);
                            Interlocked.Add(ref counters[7], request.Records);
                        }
                    }
                    catch (Exception ex) when (IsConnectionLost(ex, cancellationToken))
                    {
                        continue; // gone again: ask again
                    }

                    Interlocked.Increment(ref counters[5]);
                    _last = answer;
                    _generation++;
                    return answer;
                }
            }
            finally
            {
                _gate.Release();
            }
        }

        /// <summary>
        /// After the last request: waits until the receiver's newest checkpoint has every accepted request (then nothing
        /// is lost whatever happens to it), recovering when it goes away meanwhile; returns the seconds waited.
        /// </summary>
        public async Task<double> ConfirmAsync(CancellationToken cancellationToken)
        {
            var clock = Stopwatch.StartNew();
            while (true)
            {
                var generation = await WaitWhileRecoveringAsync(cancellationToken).ConfigureAwait(false);
                DeliveryState answer;
                try
                {
                    answer = await AskOnceAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (IsConnectionLost(ex, cancellationToken))
                {
                    await RecoverAsync(generation, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                bool all, lost;
                lock (_requests)
                {
                    all = _requests.All(r => !r.Accepted || answer.Checkpointed.Contains(r.Sequence));
                    lost = _requests.Any(r => r.Accepted && !answer.Received.Contains(r.Sequence));
                }

                if (all)
                {
                    return clock.Elapsed.TotalSeconds;
                }

                if (lost)
                {
                    // The receiver restarted without any request of ours failing: send again what it lacks.
                    await RecoverAsync(generation, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                if (clock.Elapsed > settings.ResumeTimeout)
                {
                    throw new CliException($"the receiver's checkpoints did not take every delivery within {settings.ResumeTimeout}", "does it write checkpoints (serve --checkpoints)? raise --resume-timeout", CliErrors.Failed);
                }

                await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken).ConfigureAwait(false);
            }
        }

        public void Dispose()
        {
            _gate.Dispose();
            _state.Dispose();
        }

        private async Task<DeliveryState> AskAsync(CancellationToken cancellationToken)
        {
            var deadline = Stopwatch.StartNew();
            while (true)
            {
                try
                {
                    return await AskOnceAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (IsConnectionLost(ex, cancellationToken))
                {
                    // not back yet
                }

                if (deadline.Elapsed > settings.ResumeTimeout)
                {
                    throw new CliException($"the receiver {settings.To} did not come back within {settings.ResumeTimeout}", "start it again, or raise --resume-timeout", CliErrors.Failed);
                }

                await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken).ConfigureAwait(false);
            }
        }

        private async Task<DeliveryState> AskOnceAsync(CancellationToken cancellationToken)
        {
            using var message = new HttpRequestMessage(HttpMethod.Get, new Uri("mstgad/deliveries/" + settings.Sender, UriKind.Relative))
            {
                // The gRPC port speaks HTTP/2 only (prior knowledge over plain TCP).
                Version = _state.DefaultRequestVersion,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            };
            if (settings.Token is not null)
            {
                message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", settings.Token);
            }

            using var response = await _state.SendAsync(message, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
                var root = json.RootElement;
                return new DeliveryState(settings.Sender!, Set(root.GetProperty("received")), Set(root.GetProperty("checkpointed")));

                static DeliverySet Set(JsonElement set) => new(set.GetProperty("below").GetInt64(), [.. set.GetProperty("above").EnumerateArray().Select(e => e.GetInt64())]);
            }

            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.NotFound or HttpStatusCode.BadRequest)
            {
                throw new CliException($"the receiver answered {(int)response.StatusCode} to GET mstgad/deliveries/{settings.Sender}", "--resume needs mstgad serve (or MapMstGadOtlp) and the right --token", CliErrors.Failed);
            }

            // Starting or stopping (503 and the like): not ready yet.
            throw new HttpRequestException($"the receiver answered {(int)response.StatusCode}");
        }
    }

    private static async Task<(TimeSpan? Retry, long Rejected)> PostAsync(Request request, ReplaySettings settings, HttpClient http, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, request.Path) { Content = new ByteArrayContent(request.Bytes) };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        if (request.Sender is not null)
        {
            message.Headers.Add(DeliveryTag.HttpHeader, request.Delivery);
        }

        if (settings.Token is not null)
        {
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", settings.Token);
        }

        using var response = await http.SendAsync(message, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable)
        {
            return (response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1), 0);
        }

        if (response.StatusCode != HttpStatusCode.OK)
        {
            var status = SafeParse(body);
            await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"replay-otlp: {request.Path} answered {(int)response.StatusCode}: {status}")).ConfigureAwait(false);
            return (null, -1);
        }

        return (null, request.Signal switch
        {
            "traces" => ExportTraceServiceResponse.Parser.ParseFrom(body).PartialSuccess?.RejectedSpans ?? 0,
            "logs" => ExportLogsServiceResponse.Parser.ParseFrom(body).PartialSuccess?.RejectedLogRecords ?? 0,
            _ => ExportMetricsServiceResponse.Parser.ParseFrom(body).PartialSuccess?.RejectedDataPoints ?? 0,
        });

        static string SafeParse(byte[] body)
        {
            try
            {
                return RpcStatus.Parser.ParseFrom(body).Message;
            }
            catch (InvalidProtocolBufferException)
            {
                return Encoding.UTF8.GetString(body);
            }
        }
    }

    private static async Task<(TimeSpan? Retry, long Rejected)> ExportAsync(Request request, ReplaySettings settings, GrpcChannel channel, CancellationToken cancellationToken)
    {
        var headers = new Metadata();
        if (settings.Token is not null)
        {
            headers.Add("authorization", "Bearer " + settings.Token);
        }

        if (request.Sender is not null)
        {
            headers.Add(DeliveryTag.GrpcMetadataKey, request.Delivery);
        }

        var options = new CallOptions(headers, cancellationToken: cancellationToken);
        try
        {
            return (null, request.Signal switch
            {
                "traces" => (await new TraceService.TraceServiceClient(channel).ExportAsync(ExportTraceServiceRequest.Parser.ParseFrom(request.Bytes), options).ConfigureAwait(false)).PartialSuccess?.RejectedSpans ?? 0,
                "logs" => (await new LogsService.LogsServiceClient(channel).ExportAsync(ExportLogsServiceRequest.Parser.ParseFrom(request.Bytes), options).ConfigureAwait(false)).PartialSuccess?.RejectedLogRecords ?? 0,
                _ => (await new MetricsService.MetricsServiceClient(channel).ExportAsync(ExportMetricsServiceRequest.Parser.ParseFrom(request.Bytes), options).ConfigureAwait(false)).PartialSuccess?.RejectedDataPoints ?? 0,
            });
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.ResourceExhausted
            || (ex.StatusCode is StatusCode.Unavailable && (request.Sender is null || ex.Trailers.GetValueBytes("grpc-status-details-bin") is not null)))
        {
            var details = ex.Trailers.GetValueBytes("grpc-status-details-bin");
            var delay = details is null ? TimeSpan.Zero : RpcStatus.Parser.ParseFrom(details).Details.Where(d => d.Is(RetryInfo.Descriptor)).Select(d => d.Unpack<RetryInfo>().RetryDelay.ToTimeSpan()).FirstOrDefault();
            return (delay > TimeSpan.Zero ? delay : TimeSpan.FromSeconds(1), 0);
        }
        catch (RpcException ex) when (request.Sender is null || !Resumer.IsConnectionLost(ex, cancellationToken))
        {
            await Console.Error.WriteLineAsync($"replay-otlp: {request.Signal} export failed: {ex.Status}").ConfigureAwait(false);
            return (null, -1);
        }
    }

    private static async Task<double?> WaitForDrainAsync(ReplaySettings settings, ReplayReport report, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = settings.To };
        if (settings.Token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", settings.Token);
        }

        var clock = Stopwatch.StartNew();
        while (true)
        {
            using var state = JsonDocument.Parse(await http.GetStringAsync(new Uri("api/state", UriKind.Relative), cancellationToken).ConfigureAwait(false));
            if (state.RootElement.GetProperty("health").GetProperty("queuedRecords").GetInt64() == 0)
            {
                var total = report.Seconds + clock.Elapsed.TotalSeconds;
                return (report.Metrics + report.Logs + report.Spans) / total;
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
    }

    private static Uri Address(string text) =>
        Uri.TryCreate(text.EndsWith('/') ? text : text + "/", UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttp
            ? uri
            : throw new CliException($"--to is not an http:// address: '{text}'", "e.g. http://localhost:4318", CliErrors.Usage);

    private static string Sender(string? sender) =>
        sender is null ? "replay-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))
        : DeliveryTag.IsSender(sender) ? sender
        : throw new CliException($"--sender is not a sender id: '{sender}'", "use 1 to 128 letters, digits, '-', '_', '.' or ':'", CliErrors.Usage);

    private static int Positive(int value, string option) =>
        value > 0 ? value : throw new CliException($"{option} must be at least 1; it is {value}", "see --help", CliErrors.Usage);

    private static DateTimeOffset? Time(string? text, string option) =>
        text is null ? null
        : DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time) ? time
        : throw new CliException($"{option} is not a time: '{text}'", "use ISO-8601, e.g. 2023-01-29T08:00:00Z", CliErrors.Usage);

    private static long EventTicks(Span span) =>
        span.Duration < TimeSpan.Zero || span.Duration.Ticks > DateTimeOffset.MaxValue.UtcTicks - span.Start.UtcTicks ? span.Start.UtcTicks : span.End.UtcTicks;

    /// <summary>One encoded OTLP/protobuf export request.</summary>
    private sealed record Request(string Signal, string Path, byte[] Bytes)
    {
        /// <summary>The earliest event time in the request.</summary>
        public long Start { get; init; }

        /// <summary>The records in the request.</summary>
        public int Records { get; init; }

        /// <summary>With --resume: the sender's id, and the request's number in its count.</summary>
        public string? Sender { get; set; }

        /// <inheritdoc cref="Sender"/>
        public long Sequence { get; set; }

        /// <summary>With --resume: the tag's text, <c>sender/sequence</c>.</summary>
        public string Delivery => string.Create(CultureInfo.InvariantCulture, $"{Sender}/{Sequence}");

        /// <summary>With --resume: how often sending it failed with the connection lost.</summary>
        public int Recoveries { get; set; }

        /// <summary>Whether the receiver accepted it.</summary>
        public bool Accepted
        {
            get => Volatile.Read(ref _accepted);
            set => Volatile.Write(ref _accepted, value);
        }

        private bool _accepted;

        /// <summary>Completes when the receiver has accepted the request (or it failed for good).</summary>
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private static readonly long EpochTicks = DateTimeOffset.UnixEpoch.UtcTicks;

        public static Request Of(List<MetricSample> samples)
        {
            var request = new ExportMetricsServiceRequest();
            foreach (var instance in samples.GroupBy(x => x.Instance, StringComparer.Ordinal))
            {
                var scope = new ScopeMetrics();
                foreach (var metric in instance.GroupBy(x => (x.Name, Delta: x.Coverage > TimeSpan.Zero)))
                {
                    var points = metric.Select(x => new NumberDataPoint
                    {
                        TimeUnixNano = Nanos(x.Time),
                        StartTimeUnixNano = x.Coverage > TimeSpan.Zero ? Nanos(x.Time - x.Coverage) : 0,
                        AsDouble = x.Value,
                    });
                    scope.Metrics.Add(metric.Key.Delta
                        ? new Metric { Name = metric.Key.Name, Sum = new Sum { AggregationTemporality = AggregationTemporality.Delta, DataPoints = { points } } }
                        : new Metric { Name = metric.Key.Name, Gauge = new Gauge { DataPoints = { points } } });
                }

                request.ResourceMetrics.Add(new ResourceMetrics { Resource = Pod(instance.Key), ScopeMetrics = { scope } });
            }

            return new Request("metrics", "v1/metrics", request.ToByteArray()) { Start = samples.Min(x => x.Time.UtcTicks), Records = samples.Count };
        }

        public static Request Of(List<LogRecord> logs)
        {
            var request = new ExportLogsServiceRequest();
            foreach (var instance in logs.GroupBy(x => x.Instance, StringComparer.Ordinal))
            {
                var scope = new ScopeLogs();
                foreach (var x in instance)
                {
                    scope.LogRecords.Add(new OtlpLog
                    {
                        TimeUnixNano = Nanos(x.Time),
                        Body = new AnyValue { StringValue = x.Message },
                        SeverityText = x.Level ?? string.Empty,
                        SeverityNumber = LogLevels.ToOtlpSeverity(x.Level),
                        TraceId = x.TraceId is null ? ByteString.Empty : Id(x.TraceId, 16),
                        SpanId = x.SpanId is null ? ByteString.Empty : Id(x.SpanId, 8),
                    });
                }

                request.ResourceLogs.Add(new ResourceLogs { Resource = Pod(instance.Key), ScopeLogs = { scope } });
            }

            return new Request("logs", "v1/logs", request.ToByteArray()) { Start = logs.Min(x => x.Time.UtcTicks), Records = logs.Count };
        }

        public static Request Of(List<Span> spans)
        {
            var request = new ExportTraceServiceRequest();
            foreach (var instance in spans.GroupBy(x => x.Instance, StringComparer.Ordinal))
            {
                var scope = new ScopeSpans();
                foreach (var x in instance)
                {
                    var span = new OtlpSpan
                    {
                        TraceId = Id(x.TraceId, 16),
                        SpanId = Id(x.SpanId, 8),
                        ParentSpanId = x.ParentSpanId is null ? ByteString.Empty : Id(x.ParentSpanId, 8),
                        Name = x.Operation,
                        Kind = (OtlpSpan.Types.SpanKind)(int)x.Kind,
                        StartTimeUnixNano = Nanos(x.Start),
                        EndTimeUnixNano = (ulong)((x.Start.UtcTicks - EpochTicks + x.Duration.Ticks) * 100),
                        Status = x.Status == SpanStatus.Unset ? null : new MstGad.AspNetCore.Protocol.Trace.Status { Code = x.Status == SpanStatus.Ok ? MstGad.AspNetCore.Protocol.Trace.Status.Types.StatusCode.Ok : MstGad.AspNetCore.Protocol.Trace.Status.Types.StatusCode.Error },
                    };
                    if (x.Attributes is { } attributes)
                    {
                        span.Attributes.Add(attributes.Select(a => new KeyValue { Key = a.Key, Value = new AnyValue { StringValue = a.Value } }));
                    }

                    scope.Spans.Add(span);
                }

                request.ResourceSpans.Add(new ResourceSpans { Resource = Pod(instance.Key), ScopeSpans = { scope } });
            }

            return new Request("traces", "v1/traces", request.ToByteArray()) { Start = spans.Min(EventTicks), Records = spans.Count };
        }

        private static Resource Pod(string instance) => new() { Attributes = { new KeyValue { Key = "k8s.pod.name", Value = new AnyValue { StringValue = instance } } } };

        private static ulong Nanos(DateTimeOffset time) => (ulong)(time.UtcTicks - EpochTicks) * 100;

        /// <summary>An id as OTLP bytes: hex ids of the right length as they are; others (the Nezha study's trace ids) as the first bytes of their SHA-256, so equal ids stay equal.</summary>
        private static ByteString Id(string id, int length)
        {
            if (id.Length == length * 2 && id.All(char.IsAsciiHexDigit))
            {
                return ByteString.CopyFrom(Convert.FromHexString(id));
            }

            return ByteString.CopyFrom(SHA256.HashData(Encoding.UTF8.GetBytes(id)).AsSpan(0, length));
        }
    }
}

/// <summary>The settings of <c>mstgad replay-otlp</c>.</summary>
internal sealed record ReplaySettings(Uri To, bool Grpc, int Senders, int Batch, TimeSpan Window, string? Token, DateTimeOffset? From, DateTimeOffset? Until, string? Sender = null, TimeSpan ResumeTimeout = default, bool EncodeFirst = false);

/// <summary>What <c>mstgad replay-otlp</c> sent and how fast.</summary>
internal sealed record ReplayReport(long Metrics, long Logs, long Spans, long Requests, long Retries, long Rejected, long FailedRequests, long Bytes, double Seconds, double RecordsPerSecond, double? Drained)
{
    /// <summary>Requests that failed for good.</summary>
    public long Failed => FailedRequests;

    /// <summary>With --resume: how often the receiver went away and came back (null without --resume).</summary>
    public long? Restarts { get; init; }

    /// <summary>Requests accepted before a restart that the restored receiver did not have, sent again.</summary>
    public long ResentRequests { get; init; }

    /// <summary>The records of <see cref="ResentRequests"/>.</summary>
    public long ResentRecords { get; init; }

    /// <summary>Requests in flight when the receiver went away, sent again because it did not have them.</summary>
    public long InFlightResent { get; init; }

    /// <summary>With --resume: seconds after the last request until the receiver's newest checkpoint had every delivery.</summary>
    public double? CheckpointedAfter { get; init; }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"replay-otlp: {Metrics + Logs + Spans} records ({Metrics} metrics, {Logs} logs, {Spans} spans) in {Requests} requests ({Bytes / 1048576.0:F1} MiB), {Retries} retries after 429/RESOURCE_EXHAUSTED, {Rejected} items rejected, {FailedRequests} requests failed; ")
        + string.Create(CultureInfo.InvariantCulture, $"sent in {Seconds:F1} s: {RecordsPerSecond:F0} records/s")
        + (Drained is { } d ? string.Create(CultureInfo.InvariantCulture, $"; taken by the detector (queue empty) at {d:F0} records/s") : string.Empty)
        + (Restarts is { } r ? string.Create(CultureInfo.InvariantCulture, $"; the receiver came back {r} times: {ResentRequests} accepted requests it no longer had sent again ({ResentRecords} records), and {InFlightResent} in flight; every delivery in its checkpoint {CheckpointedAfter:F1} s after the last") : string.Empty);
}
