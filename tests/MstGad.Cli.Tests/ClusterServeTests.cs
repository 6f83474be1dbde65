using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using MstGad.Orleans;
using MstGad.Tests.Online;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace MstGad.Cli.Tests;

/// <summary><c>mstgad serve --cluster localhost</c> as built by the command: OpenTelemetry's SDK exports spans of two
/// systems (told apart by service.namespace); the page of every system shows both in a real browser.</summary>
[TestFixture]
[NonParallelizable]
public sealed class ClusterServeTests
{
    private const string Chromium = "/usr/bin/chromium";

    [Test]
    public async Task ServeCluster_TwoSystemsOverOtlp_AreOnThePageOfEverySystem()
    {
        Assert.That(File.Exists(Chromium), Is.True, "Debian's chromium is missing: apt-get install -y chromium (.ci/run does)");
        using var folder = new TempDirectory();
        using (var detector = OnlineTesting.TrainTiny())
        {
            var store = new FolderModelStore(folder.Path);
            store.Put("shop", "v1", detector);
            store.Put("bank", "v1", detector);
        }

        using var checkpoints = new TempDirectory();
        var http = new Uri($"http://127.0.0.1:{Ports.Free()}/");
        var settings = new ClusterServeSettings(
            "localhost", folder.Path, checkpoints.Path, "test-" + Guid.NewGuid().ToString("N")[..8], Ports.Free(), Ports.Free(), null, "service.namespace",
            TimeSpan.FromMinutes(1), null, TimeSpan.FromSeconds(60), null, 100_000, TimeSpan.Zero, TimeSpan.FromMinutes(1));
        await using var app = ClusterServe.Build(settings, [http], [], web => ServeCommand.ConfigureWeb(web, [http], []));
        await app.StartAsync();

        var sent = new Dictionary<string, int>(StringComparer.Ordinal) { ["shop"] = 0, ["bank"] = 0 };
        foreach (var (system, instance) in new[] { ("shop", "a"), ("shop", "b"), ("bank", "c") })
        {
            using var source = new ActivitySource($"cluster-test.{system}.{instance}");
            using var tracer = Sdk.CreateTracerProviderBuilder()
                .SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService(instance, serviceNamespace: system, autoGenerateServiceInstanceId: false))
                .AddSource(source.Name)
                .AddOtlpExporter(o =>
                {
                    o.Protocol = OtlpExportProtocol.HttpProtobuf;
                    o.Endpoint = new Uri(http, "v1/traces");
                    o.ExportProcessorType = ExportProcessorType.Simple;
                })
                .Build()!;
            for (var i = 0; i < 3; i++)
            {
                using var activity = source.StartActivity("GET /" + instance, ActivityKind.Server);
                sent[system]++;
            }
        }

        await app.Services.GetRequiredService<ClusterTelemetryReceiver>().FlushAsync();
        using var client = new HttpClient { BaseAddress = http };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        Dictionary<string, long> pushed;
        do
        {
            await Task.Delay(200);
            var state = await client.GetFromJsonAsync<JsonElement>("api/cluster");
            pushed = state.GetProperty("systems").EnumerateArray().ToDictionary(s => s.GetProperty("system").GetString()!, s => s.GetProperty("recordsPushed").GetInt64());
        }
        while (!(pushed.GetValueOrDefault("shop") == sent["shop"] && pushed.GetValueOrDefault("bank") == sent["bank"]) && DateTime.UtcNow < deadline);
        Assert.That(pushed, Is.EquivalentTo(new Dictionary<string, long> { ["shop"] = 6, ["bank"] = 3 }), "every span reached its system's grain");

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = Chromium, Headless = true, Args = ["--no-sandbox"] });
        var page = await browser.NewPageAsync();
        var errors = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                errors.Add(message.Text);
            }
        };
        page.PageError += (_, error) => errors.Add(error);
        await page.GotoAsync(http.ToString());
        await page.Locator("section[data-system='shop']").WaitForAsync();
        await page.Locator("section[data-system='bank']").WaitForAsync();
        var shop = await page.Locator("section[data-system='shop'] .meta").Nth(1).InnerTextAsync();
        Assert.Multiple(() =>
        {
            Assert.That(shop, Does.Contain("6 records"));
            Assert.That(errors, Is.Empty);
        });
        await app.StopAsync();
        Assert.That(Directory.GetFiles(checkpoints.Path, "*.state", SearchOption.AllDirectories), Has.Length.EqualTo(2), "each system's checkpoint is a file");
    }
}
