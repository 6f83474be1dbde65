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
            await HostingWait(() => monitor.Status.QueuedRecords == 0);
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
        await HostingWait(() => monitor.Status.QueuedRecords == 0);
        using var http = new HttpClient { BaseAddress = Address(app) };
        using var denied = await http.GetAsync(new Uri("api/state", UriKind.Relative));
        var json = "";
        await HostingWait(() =>
        {
            json = http.GetStringAsync(new Uri("api/state?token=s3cret", UriKind.Relative)).GetAwaiter().GetResult();
            using var parsed = JsonDocument.Parse(json);
            return parsed.RootElement.GetProperty("incidents").GetArrayLength() > 0;
        });
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

    private static async Task<WebApplication> StartAsync(string model, string? token = null)
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
        builder.Services.AddMstGadOtlp();
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

    private static async Task HostingWait(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "timed out");
            await Task.Delay(10);
        }
    }
}
