using SkiaSharp;

namespace MstGad.Cli.Tests;

[TestFixture]
public sealed class ScorePlotTests
{
    private static readonly DateTimeOffset Midnight = new(2023, 1, 29, 0, 0, 0, TimeSpan.Zero);
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private string _folder = null!;

    [SetUp]
    public void CreateFolder()
    {
        _folder = Path.Combine(Path.GetTempPath(), "mstgad-plot-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_folder);
    }

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    [Test]
    public void Save_ThreeInstances_WritesAPngOfTheExpectedSize()
    {
        var path = Path.Combine(_folder, "plot.png");

        var layout = ScorePlot.Save(TwoHours(), path);

        var bytes = File.ReadAllBytes(path);
        using var codec = SKCodec.Create(path);
        Assert.Multiple(() =>
        {
            Assert.That(bytes.Take(8), Is.EqualTo(PngSignature));
            Assert.That(codec, Is.Not.Null);
            Assert.That(codec.EncodedFormat, Is.EqualTo(SKEncodedImageFormat.Png));

            // 1600 wide; header 128 (title, one line of notes, legend, time labels) + 3 panels × 68 + footer 56.
            Assert.That(codec.Info.Width, Is.EqualTo(1600));
            Assert.That(codec.Info.Height, Is.EqualTo(388));
            Assert.That((layout.Width, layout.Height), Is.EqualTo((1600, 388)));
            Assert.That(layout.Panels.Select(p => p.DataArea.Top), Is.EqualTo(new[] { 134, 202, 270 }));
            Assert.That(layout.Panels.Select(p => p.DataArea.Height), Is.All.EqualTo(56));
        });
    }

    [Test]
    public void Save_Instances_PutsThoseWithALabelledFaultFirstThenTheOthersByName()
    {
        var layout = ScorePlot.Save(TwoHours(), Path.Combine(_folder, "plot.png"));

        Assert.That(layout.Panels.Select(p => p.Instance), Is.EqualTo(new[] { "ts-order-service", "ts-auth-service", "ts-payment-service" }));
    }

    [Test]
    public void Save_FaultWindow_IsShadedInItsInstancesPanelOnly()
    {
        var path = Path.Combine(_folder, "plot.png");
        var layout = ScorePlot.Save(TwoHours(), path);
        using var bitmap = SKBitmap.Decode(path);
        var faulted = layout.Panels[0];
        var other = layout.Panels[1];

        // The fault runs 00:42–00:48; 00:45 is in it, 01:25 is not, and both are away from the grid
        // lines (every 10 min) and, at score 0.75, from the score line (0.1) and the threshold (0.5).
        var inside = Pixel(bitmap, layout.X(Midnight.AddMinutes(45)), layout.Y(faulted, 0.75));
        var outside = Pixel(bitmap, layout.X(Midnight.AddMinutes(85)), layout.Y(faulted, 0.75));
        var otherPanel = Pixel(bitmap, layout.X(Midnight.AddMinutes(45)), layout.Y(other, 0.75));
        Assert.Multiple(() =>
        {
            Assert.That(inside, Is.Not.EqualTo(outside));
            Assert.That(outside, Is.EqualTo(SKColors.White));
            Assert.That(otherPanel, Is.EqualTo(SKColors.White));
            Assert.That(inside.Red, Is.GreaterThan(inside.Blue + 40), $"the shading is orange: {inside}");
        });
    }

    [Test]
    public void Save_ThresholdAndFlaggedStep_AreDrawnWhereTheLayoutSays()
    {
        var path = Path.Combine(_folder, "plot.png");
        var layout = ScorePlot.Save(TwoHours(), path);
        using var bitmap = SKBitmap.Decode(path);
        var payment = layout.Panels.Single(p => p.Instance == "ts-payment-service");

        // ts-payment-service spikes to 0.9 at 01:10 and is flagged there: a red dot.
        var flag = Pixel(bitmap, layout.X(Midnight.AddMinutes(70)), layout.Y(payment, 0.9));

        // The threshold 0.5 is a dashed dark line: some pixel along it at 01:20–01:30 is dark.
        var y = layout.Y(payment, 0.5);
        var dark = Enumerable.Range(0, 40)
            .Select(i => Pixel(bitmap, layout.X(Midnight.AddMinutes(80)) + i, y))
            .Count(c => c.Red < 100 && c.Green < 100 && c.Blue < 100);
        Assert.Multiple(() =>
        {
            Assert.That(flag.Red, Is.GreaterThan(180), $"flagged step marker: {flag}");
            Assert.That(flag.Green, Is.LessThan(90), $"flagged step marker: {flag}");
            Assert.That(dark, Is.GreaterThan(10));
        });
    }

    [Test]
    public void Save_LogarithmicScale_MapsScoresOnALog10Axis()
    {
        var data = TwoHours() with { Scale = ScoreScale.Logarithmic, ScoreName = "RE", Threshold = 20 };
        data = data with { Series = data.Series.Select(s => s with { Scores = s.Scores.Select(v => v * 100).ToList() }).ToList() };

        var layout = ScorePlot.Save(data, Path.Combine(_folder, "plot.png"));

        // Scores 10 (most), 90 (one spike), threshold 20: the axis spans 10^1 to a little above 90.
        Assert.Multiple(() =>
        {
            Assert.That(layout.Scale, Is.EqualTo(ScoreScale.Logarithmic));
            Assert.That(layout.AxisBottom, Is.EqualTo(1));
            Assert.That(layout.AxisTop, Is.GreaterThan(Math.Log10(90)));
            Assert.That(layout.Y(layout.Panels[0], 10), Is.EqualTo(layout.Panels[0].DataArea.Bottom).Within(0.01));
        });
    }

    [Test]
    public void Save_Title_IsDrawnWhenTheSystemHasAFontAndLeftOutWhenItHasNone()
    {
        // A clean machine may have no fonts at all: the plot is then drawn without text, not refused.
        var path = Path.Combine(_folder, "plot.png");
        var layout = ScorePlot.Save(TwoHours(), path);
        using var bitmap = SKBitmap.Decode(path);
        using var font = ScorePlot.FindTypeface(SKFontStyle.Bold);

        // The title's band: 16–600 px across, 18–44 px down.
        var dark = 0;
        for (var x = 16; x < 600; x++)
        {
            for (var y = 18; y < 44; y++)
            {
                dark += bitmap.GetPixel(x, y).Red < 128 ? 1 : 0;
            }
        }

        Assert.Multiple(() =>
        {
            Assert.That(layout.HasText, Is.EqualTo(font is not null));
            Assert.That(dark, layout.HasText ? Is.GreaterThan(500) : Is.Zero);
        });
    }

    [Test]
    public void Save_MissingFolder_ThrowsNamingThePathAndTheFolder()
    {
        var folder = Path.Combine(_folder, "missing");
        var path = Path.Combine(folder, "plot.png");

        Assert.That(
            () => ScorePlot.Save(TwoHours(), path),
            Throws.TypeOf<DirectoryNotFoundException>().With.Message.EqualTo($"Cannot write the plot to '{path}': the folder '{folder}' does not exist."));
        Assert.That(File.Exists(path), Is.False);
    }

    [Test]
    public void Save_NotAPngName_ThrowsArgumentException()
    {
        var path = Path.Combine(_folder, "plot.jpg");

        Assert.That(
            () => ScorePlot.Save(TwoHours(), path),
            Throws.ArgumentException.With.Message.EqualTo($"The plot is a PNG image: '{path}' does not end in .png."));
    }

    [Test]
    public void Save_PathIsAFolder_ThrowsIOExceptionNamingThePath()
    {
        var path = Path.Combine(_folder, "folder.png");
        Directory.CreateDirectory(path);

        Assert.That(
            () => ScorePlot.Save(TwoHours(), path),
            Throws.InstanceOf<IOException>().With.Message.StartsWith($"Cannot write the plot to '{path}': "));
    }

    [Test]
    public void Render_NoSeries_Throws()
    {
        var data = TwoHours() with { Series = [] };

        Assert.That(() => ScorePlot.Render(data), Throws.ArgumentException.With.Message.EqualTo("Nothing to plot: no instance has a score. (Parameter 'data')"));
    }

    [Test]
    public void Render_MoreTimesThanScores_ThrowsNamingTheInstance()
    {
        var data = TwoHours();
        data = data with { Series = [data.Series[0] with { Scores = data.Series[0].Scores.Take(100).ToList() }] };

        Assert.That(
            () => ScorePlot.Render(data),
            Throws.ArgumentException.With.Message.EqualTo("Instance 'ts-payment-service' has 120 times, 100 scores and 120 flags; each time needs one score and one flag. (Parameter 'data')"));
    }

    [Test]
    public void TimeTicks_TheTrainTicketTestDay_AreHourlyUntil2400()
    {
        var from = new DateTimeOffset(2023, 1, 29, 11, 19, 0, TimeSpan.Zero);
        var to = new DateTimeOffset(2023, 1, 30, 0, 0, 0, TimeSpan.Zero);

        var ticks = ScorePlot.TimeTicks(from, to, 1312);

        Assert.Multiple(() =>
        {
            Assert.That(ticks.Select(t => t.Label), Is.EqualTo(new[] { "12:00", "13:00", "14:00", "15:00", "16:00", "17:00", "18:00", "19:00", "20:00", "21:00", "22:00", "23:00", "24:00" }));
            Assert.That(ticks[0].X, Is.EqualTo(41));
        });
    }

    [Test]
    public void TimeTicks_TwoDays_MarksMidnightWithTheDate()
    {
        var from = new DateTimeOffset(2023, 1, 29, 12, 0, 0, TimeSpan.Zero);
        var to = from.AddDays(1);

        var ticks = ScorePlot.TimeTicks(from, to, 1312);

        Assert.That(ticks.Select(t => t.Label), Is.EqualTo(new[] { "12:00", "14:00", "16:00", "18:00", "20:00", "22:00", "01-30", "02:00", "04:00", "06:00", "08:00", "10:00", "12:00" }));
    }

    [TestCase(0.934, "0.93")]
    [TestCase(1.0, "1.00")]
    [TestCase(0.0, "0.00")]
    public void FormatScore_Probabilities_HaveTwoDecimals(double score, string expected) =>
        Assert.That(ScorePlot.FormatScore(score, ScoreScale.Probability), Is.EqualTo(expected));

    [TestCase(4.567, "4.57")]
    [TestCase(24.88, "24.9")]
    [TestCase(2874.6, "2875")]
    [TestCase(22579500.0, "2.3e7")]
    [TestCase(0.004, "4e-3")]
    public void FormatScore_Errors_AreShort(double score, string expected) =>
        Assert.That(ScorePlot.FormatScore(score, ScoreScale.Logarithmic), Is.EqualTo(expected));

    /// <summary>
    /// Three instances over 00:00–02:00 at 1 min: score 0.1 everywhere, except ts-payment-service,
    /// which spikes to 0.9 (flagged) at 01:10; ts-order-service has a labelled fault 00:42–00:48.
    /// </summary>
    private static ScorePlotData TwoHours()
    {
        var times = Enumerable.Range(1, 120).Select(i => Midnight.AddMinutes(i)).ToList();
        ScoreSeries Series(string name, int spikeAt, params FaultWindow[] faults)
        {
            var scores = times.Select((_, i) => i + 1 == spikeAt ? 0.9 : 0.1).ToList();
            return new ScoreSeries(name, times, scores, scores.Select(s => s >= 0.5).ToList(), faults);
        }

        return new ScorePlotData(
            "mstgad evaluate: test.mstgad on hand-made data",
            ["Three instances over two hours."],
            "P",
            ScoreScale.Probability,
            0.5,
            Midnight,
            Midnight.AddHours(2),
            [
                Series("ts-payment-service", 70),
                Series("ts-order-service", 0, new FaultWindow(Midnight.AddMinutes(42), Midnight.AddMinutes(48))),
                Series("ts-auth-service", 0),
            ]);
    }

    private static SKColor Pixel(SKBitmap bitmap, float x, float y) => bitmap.GetPixel((int)MathF.Round(x), (int)MathF.Round(y));
}
