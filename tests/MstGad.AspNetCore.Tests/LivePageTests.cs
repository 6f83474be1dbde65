using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using MstGad.AspNetCore.Page;
using MstGad.Features;
using MstGad.Hosting;
using MstGad.Tests.Detection;
using MstGad.Tests.Online;

namespace MstGad.AspNetCore.Tests;

/// <summary>
/// The live page in a real browser (Playwright driving Debian's chromium, headless): it loads without console
/// errors and shows the incident a replayed fault raises before another step closes.
/// </summary>
[NonParallelizable]
public sealed class LivePageTests
{
    private const string Chromium = "/usr/bin/chromium";
    private TempDirectory _folder = null!;
    private string _model = null!;

    [OneTimeSetUp]
    public void Train()
    {
        _folder = new TempDirectory();
        using var detector = OnlineTesting.TrainTiny();
        _model = _folder.File("tiny.mstgad");
        detector.Save(_model);
    }

    [OneTimeTearDown]
    public void CleanUp() => _folder.Dispose();

    [Test]
    public async Task Page_ReplayedFault_ShowsItsIncidentWithinOneStepWithoutConsoleErrors()
    {
        Assert.That(File.Exists(Chromium), Is.True, "Debian's chromium is missing: apt-get install -y chromium (.ci/run does)");
        await using var app = await StartAsync(_model);
        var monitor = app.Services.GetRequiredService<MstGadMonitor>();
        var opened = new TaskCompletionSource<Incident>(TaskCreationOptions.RunContinuationsAsynchronously);
        var incidents = Task.Run(async () =>
        {
            await foreach (var change in monitor.ReadIncidentsAsync())
            {
                if (change.Change == IncidentChange.Opened)
                {
                    opened.TrySetResult(change.Incident);
                }
            }
        });

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = Chromium, Headless = true, Args = ["--no-sandbox"] });
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1366, Height = 900 } });
        var errors = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                errors.Add(message.Text);
            }
        };
        page.PageError += (_, error) => errors.Add(error);
        await page.GotoAsync(Address(app).ToString());
        await page.Locator(".health .state").First.WaitForAsync();

        // Replay the tiny system one step at a time into the open page until the detector opens an incident.
        var records = TinySystem.Records(60);
        foreach (var step in records.GroupBy(r => Time(r).Ticks / TimeSpan.TicksPerSecond / 10))
        {
            var batch = new TelemetryBatch();
            foreach (var record in step)
            {
                Add(batch, record);
            }

            Assert.That(monitor.Receive(batch), Is.EqualTo(ReceiveStatus.Accepted));
            await Until(() => monitor.Status.QueuedRecords == 0, "the scorer took every record");
            if (opened.Task.IsCompleted)
            {
                break;
            }
        }

        var incident = await opened.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var sinceOpened = System.Diagnostics.Stopwatch.StartNew();
        var card = page.Locator($".incident.open[data-instance='{incident.Instance}']");
        await card.WaitForAsync(new() { Timeout = 10_000 });
        var shownAfter = sinceOpened.Elapsed;
        await page.Locator(".strip").First.WaitForAsync();
        var screenshot = Path.Combine(TestContext.CurrentContext.WorkDirectory, "mstgad-page.png");
        await page.ScreenshotAsync(new() { Path = screenshot, FullPage = true });

        var text = await card.InnerTextAsync();
        var strips = await page.Locator(".strip").CountAsync();
        var suspected = await page.Locator($"#graph .node.suspected[data-instance='{incident.Instance}']").CountAsync();
        await app.StopAsync();
        await incidents;
        Assert.Multiple(() =>
        {
            Assert.That(errors, Is.Empty, "console errors");
            Assert.That(shownAfter, Is.LessThan(monitor.Interval), "pushed to the open page within one step (10 s here), without a reload");
            Assert.That(text, Does.Contain("OPEN").And.Contain("Root-cause candidates"));
            Assert.That(strips, Is.EqualTo(3), "a strip per instance");
            Assert.That(suspected, Is.EqualTo(1), "the incident's instance is highlighted in the call graph");
            Assert.That(new FileInfo(screenshot).Length, Is.GreaterThan(10_000));
        });
    }

    [Test]
    public async Task State_AfterAReplay_HoldsStripsIncidentsGraphAndHealth_AndTheTokenIsChecked()
    {
        await using var app = await StartAsync(_model, token: "s3cret");
        var monitor = app.Services.GetRequiredService<MstGadMonitor>();
        var batch = new TelemetryBatch();
        foreach (var record in TinySystem.Records(60))
        {
            Add(batch, record);
        }

        monitor.Receive(batch);
        await Until(() => monitor.Status.QueuedRecords == 0, "the scorer took every record");
        using var http = new HttpClient { BaseAddress = Address(app) };
        using var denied = await http.GetAsync(new Uri("api/state", UriKind.Relative));
        var json = "";
        await Until(
            () =>
            {
                json = http.GetStringAsync(new Uri("api/state?token=s3cret", UriKind.Relative)).GetAwaiter().GetResult();
                using var parsed = JsonDocument.Parse(json);
                return parsed.RootElement.GetProperty("incidents").GetArrayLength() > 0;
            },
            "the state lists an incident");
        await app.StopAsync();

        TestContext.Out.WriteLine(json[Math.Max(0, json.Length - 2500)..]);
        using var state = JsonDocument.Parse(json);
        var root = state.RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(denied.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(root.GetProperty("instances").EnumerateArray().Select(i => i.GetProperty("name").GetString()), Is.EqualTo(new[] { "a", "b", "c" }));
            Assert.That(root.GetProperty("instances")[0].GetProperty("points").GetArrayLength(), Is.EqualTo(monitor.Report!.StepsScored));
            Assert.That(root.GetProperty("graph").GetProperty("edges").EnumerateArray().Select(e => e[0].GetString() + ">" + e[1].GetString()), Does.Contain("a>b").And.Contain("b>c"));
            Assert.That(root.GetProperty("incidents")[0].GetProperty("rootCauses").GetArrayLength(), Is.GreaterThan(0));
            Assert.That(root.GetProperty("threshold").GetDouble(), Is.EqualTo(monitor.Threshold));
            Assert.That(root.GetProperty("health").GetProperty("recordsReceived").GetInt64(), Is.EqualTo(TinySystem.Records(60).Count));
        });
    }

    [Test]
    public async Task Deliveries_NumberedOtlpRequests_AreTakenOnceAndListedForTheSender()
    {
        await using var app = await StartAsync(_model, otlpToken: "s3cret");
        var monitor = app.Services.GetRequiredService<MstGadMonitor>();
        using var http = new HttpClient { BaseAddress = Address(app) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "s3cret");
        async Task<HttpStatusCode> Post(string delivery, byte spanId)
        {
            var request = new Protocol.Collector.Trace.ExportTraceServiceRequest
            {
                ResourceSpans =
                {
                    new Protocol.Trace.ResourceSpans
                    {
                        Resource = new Protocol.Resource.Resource { Attributes = { new Protocol.Common.KeyValue { Key = "k8s.pod.name", Value = new Protocol.Common.AnyValue { StringValue = "a" } } } },
                        ScopeSpans =
                        {
                            new Protocol.Trace.ScopeSpans
                            {
                                Spans =
                                {
                                    new Protocol.Trace.Span
                                    {
                                        TraceId = Google.Protobuf.ByteString.CopyFrom(new byte[16] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 }),
                                        SpanId = Google.Protobuf.ByteString.CopyFrom(new byte[8] { 1, 2, 3, 4, 5, 6, 7, spanId }),
                                        Name = "GET /",
                                        StartTimeUnixNano = 1_700_000_000_000_000_000,
                                        EndTimeUnixNano = 1_700_000_000_025_000_000,
                                    },
                                },
                            },
                        },
                    },
                },
            };
            using var message = new HttpRequestMessage(HttpMethod.Post, "v1/traces") { Content = new ByteArrayContent(Google.Protobuf.MessageExtensions.ToByteArray(request)) };
            message.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-protobuf");
            message.Headers.Add("MstGad-Delivery", delivery);
            using var response = await http.SendAsync(message);
            return response.StatusCode;
        }

        var statuses = new[] { await Post("agent-7/0", 1), await Post("agent-7/1", 2), await Post("agent-7/3", 3), await Post("agent-7/1", 2), await Post("agent-7/x", 4) };
        await Until(() => monitor.Status.QueuedRecords == 0, "the scorer took every record");
        var json = await http.GetStringAsync(new Uri("mstgad/deliveries/agent-7", UriKind.Relative));
        using var bad = await http.GetAsync(new Uri("mstgad/deliveries/a%20b", UriKind.Relative));
        using var anonymous = new HttpClient { BaseAddress = Address(app) };
        using var denied = await anonymous.GetAsync(new Uri("mstgad/deliveries/agent-7", UriKind.Relative));
        await app.StopAsync();

        using var state = JsonDocument.Parse(json);
        var received = state.RootElement.GetProperty("received");
        Assert.Multiple(() =>
        {
            Assert.That(statuses, Is.EqualTo(new[] { HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.BadRequest }), "a duplicate is answered as accepted; a malformed tag is a bad request");
            Assert.That(received.GetProperty("below").GetInt64(), Is.EqualTo(2));
            Assert.That(received.GetProperty("above").EnumerateArray().Select(e => e.GetInt64()), Is.EqualTo(new[] { 3L }));
            Assert.That(state.RootElement.GetProperty("checkpointed").GetProperty("below").GetInt64(), Is.Zero, "no checkpoint directory");
            Assert.That(monitor.Status.DuplicateDeliveries, Is.EqualTo(1));
            Assert.That(monitor.Status.RecordsReceived, Is.EqualTo(3), "the duplicate's span was not taken again");
            Assert.That(bad.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(denied.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        });
    }

    private static async Task<WebApplication> StartAsync(string model, string? token = null, string? otlpToken = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http1));
        builder.Services.AddMstGad(o =>
        {
            o.ModelPath = model;
            o.Lateness = TimeSpan.FromSeconds(60);
            o.MaxClockSkew = null;
            o.IdleAdvanceAfter = TimeSpan.Zero;
        });
        builder.Services.AddMstGadOtlp(o => o.BearerToken = otlpToken);
        builder.Services.AddMstGadPage(o =>
        {
            o.HealthInterval = TimeSpan.FromSeconds(1);
            o.BearerToken = token;
        });
        var app = builder.Build();
        app.MapMstGadOtlp();
        app.MapMstGadPage();
        await app.StartAsync();
        return app;
    }

    private static Uri Address(WebApplication app) => new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");

    private static DateTimeOffset Time(object record) => record switch
    {
        MetricSample m => m.Time,
        LogRecord l => l.Time,
        Span s => s.Start,
        _ => throw new ArgumentException("not a record", nameof(record)),
    };

    private static void Add(TelemetryBatch batch, object record)
    {
        switch (record)
        {
            case MetricSample m:
                batch.Metrics.Add(m);
                break;
            case LogRecord l:
                batch.Logs.Add(l);
                break;
            case Span s:
                batch.Spans.Add(s);
                break;
            default:
                throw new ArgumentException("not a record", nameof(record));
        }
    }
}
