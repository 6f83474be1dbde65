using System.Globalization;
using ScottPlot;
using SkiaSharp;

namespace MstGad.Cli;

/// <summary>A labelled fault window of one instance.</summary>
/// <param name="Start">When the fault started.</param>
/// <param name="End">When it ended.</param>
internal readonly record struct FaultWindow(DateTimeOffset Start, DateTimeOffset End);

/// <summary>One instance's decision scores over time.</summary>
/// <param name="Instance">The instance name (the panel's label).</param>
/// <param name="Times">The end of each scored step, in time order.</param>
/// <param name="Scores">The decision score at each time.</param>
/// <param name="Flagged">Whether the detector flagged the instance at each time.</param>
/// <param name="Faults">The instance's labelled fault windows.</param>
internal sealed record ScoreSeries(string Instance, IReadOnlyList<DateTimeOffset> Times, IReadOnlyList<double> Scores, IReadOnlyList<bool> Flagged, IReadOnlyList<FaultWindow> Faults);

/// <summary>How the score axis is drawn.</summary>
internal enum ScoreScale
{
    /// <summary>A probability: linear from 0 to 1.</summary>
    Probability = 0,

    /// <summary>A positive error spanning orders of magnitude: logarithmic, shared by every panel.</summary>
    Logarithmic = 1,
}

/// <summary>Everything <see cref="ScorePlot.Save"/> draws.</summary>
/// <param name="Title">The first line of the header.</param>
/// <param name="Notes">Further header lines (period, decision rule, metrics).</param>
/// <param name="ScoreName">The score's short name for the legend, such as <c>P</c> or <c>RE</c>.</param>
/// <param name="Scale">How the score axis is drawn.</param>
/// <param name="Threshold">The decision threshold (flagged when the score reaches it).</param>
/// <param name="From">The left edge of the time axis.</param>
/// <param name="To">The right edge of the time axis.</param>
/// <param name="Series">One series per instance, in any order.</param>
internal sealed record ScorePlotData(string Title, IReadOnlyList<string> Notes, string ScoreName, ScoreScale Scale, double Threshold, DateTimeOffset From, DateTimeOffset To, IReadOnlyList<ScoreSeries> Series);

/// <summary>Where one instance's panel was drawn.</summary>
/// <param name="Instance">The instance.</param>
/// <param name="DataArea">The pixels of its data area (scores, threshold, faults).</param>
internal sealed record ScorePanel(string Instance, SKRectI DataArea);

/// <summary>The geometry of a saved plot, for callers and tests that look at its pixels.</summary>
/// <param name="Width">Image width in pixels.</param>
/// <param name="Height">Image height in pixels.</param>
/// <param name="From">The time at the left edge of every data area.</param>
/// <param name="To">The time at the right edge of every data area.</param>
/// <param name="Panels">The panels from top to bottom: instances with a labelled fault first, then the others, each by name.</param>
/// <param name="HasText">Whether a font was found; without one the plot is drawn without any text.</param>
/// <param name="AxisBottom">The score axis value at the bottom of every data area (log10 of the score on a logarithmic axis).</param>
/// <param name="AxisTop">The score axis value at the top of every data area.</param>
/// <param name="Scale">How scores map onto the axis.</param>
internal sealed record ScorePlotLayout(int Width, int Height, DateTimeOffset From, DateTimeOffset To, IReadOnlyList<ScorePanel> Panels, bool HasText, double AxisBottom, double AxisTop, ScoreScale Scale)
{
    /// <summary>The horizontal pixel of a time inside every panel's data area.</summary>
    public float X(DateTimeOffset time)
    {
        var area = Panels[0].DataArea;
        return area.Left + (float)((time - From) / (To - From) * area.Width);
    }

    /// <summary>The vertical pixel of a score inside <paramref name="panel"/>'s data area.</summary>
    public float Y(ScorePanel panel, double score)
    {
        ArgumentNullException.ThrowIfNull(panel);
        var value = Scale == ScoreScale.Logarithmic ? Math.Log10(score) : score;
        return panel.DataArea.Bottom - (float)((value - AxisBottom) / (AxisTop - AxisBottom) * panel.DataArea.Height);
    }
}

/// <summary>
/// Draws <c>mstgad evaluate --plot</c>: one PNG of small multiples, a panel per instance with its
/// decision score over time (UTC), the threshold as a dashed line, its labelled fault windows shaded
/// and its flagged steps marked, under a header with the caller's title and notes.
/// </summary>
internal static class ScorePlot
{
    /// <summary>Image width in pixels.</summary>
    public const int Width = 1600;

    /// <summary>Height of one instance's panel (data area plus the gap below it) in pixels.</summary>
    public const int PanelHeight = 68;

    private const int PanelGap = 12;
    private const int LeftMargin = 290;
    private const int RightMargin = 28;
    private const int TitleSize = 22;
    private const int NoteSize = 15;
    private const int LabelSize = 13;
    private const int SmallSize = 11;
    private const int FooterHeight = 56;
    private const float MinimumFaultPixels = 4;

    private static readonly string[] PreferredFamilies = ["DejaVu Sans", "Liberation Sans", "Noto Sans", "Arial", "Helvetica", "FreeSans"];
    private static readonly SKColor ScoreColor = new(0x1F, 0x5F, 0xA8);
    private static readonly SKColor ThresholdColor = new(0x33, 0x33, 0x33);
    private static readonly SKColor FaultColor = new(0xF2, 0x8E, 0x1C);
    private static readonly SKColor FlagColor = new(0xD6, 0x1F, 0x1F);
    private static readonly SKColor TextColor = new(0x1A, 0x1A, 0x1A);
    private static readonly SKColor MutedColor = new(0x5A, 0x5A, 0x5A);
    private static readonly SKColor GridColor = new(0xE3, 0xE3, 0xE3);

    /// <summary>Checks, before any work, that <paramref name="path"/> names a PNG file in a folder that exists.</summary>
    /// <exception cref="ArgumentException">The name does not end in <c>.png</c>.</exception>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    public static void CheckPath(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!path.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
        {
            // No parameter name: the message goes to the command line's user as it is.
            throw new ArgumentException($"The plot is a PNG image: '{path}' does not end in .png.");
        }

        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null && !Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"Cannot write the plot to '{path}': the folder '{folder}' does not exist.");
        }
    }

    /// <summary>Draws <paramref name="data"/> and writes it to <paramref name="path"/> as a PNG image.</summary>
    /// <returns>Where each panel was drawn.</returns>
    /// <exception cref="ArgumentException">Bad data (see <see cref="Render"/>) or a name that does not end in <c>.png</c>.</exception>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static ScorePlotLayout Save(ScorePlotData data, string path)
    {
        ArgumentNullException.ThrowIfNull(data);
        CheckPath(path);
        var (layout, png) = Render(data);
        try
        {
            File.WriteAllBytes(path, png);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"Cannot write the plot to '{path}': {ex.Message}", ex);
        }

        return layout;
    }

    /// <summary>Draws <paramref name="data"/> and returns its layout and PNG bytes.</summary>
    /// <exception cref="ArgumentException">Nothing to draw, an empty time range, or a series whose times, scores and flags differ in number.</exception>
    public static (ScorePlotLayout Layout, byte[] Png) Render(ScorePlotData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Series.Count == 0)
        {
            throw new ArgumentException("Nothing to plot: no instance has a score.", nameof(data));
        }

        if (data.To <= data.From)
        {
            throw new ArgumentException($"The time axis must run forwards: from {data.From:O} to {data.To:O}.", nameof(data));
        }

        if (data.Series.FirstOrDefault(s => s.Scores.Count != s.Times.Count || s.Flagged.Count != s.Times.Count) is { } uneven)
        {
            throw new ArgumentException($"Instance '{uneven.Instance}' has {uneven.Times.Count} times, {uneven.Scores.Count} scores and {uneven.Flagged.Count} flags; each time needs one score and one flag.", nameof(data));
        }

        using var regular = FindTypeface(SKFontStyle.Normal);
        using var bold = FindTypeface(SKFontStyle.Bold);
        var hasText = regular is not null;
        var fontFamily = regular?.FamilyName;

        // Instances with a labelled fault first, then the others, each by name: the same data gives
        // the same rows whatever the model, so that plots of two models line up.
        var ordered = data.Series
            .OrderByDescending(s => HasFault(s, data))
            .ThenBy(s => s.Instance, StringComparer.Ordinal)
            .ToList();
        var axis = ScoreAxis.For(data);
        var ticks = TimeTicks(data.From, data.To, Width - LeftMargin - RightMargin);

        using var titleFont = Font(bold ?? regular, TitleSize);
        using var noteFont = Font(regular, NoteSize);
        using var labelFont = Font(bold ?? regular, LabelSize);
        using var smallFont = Font(regular, SmallSize);
        using var textPaint = new SKPaint { Color = TextColor, IsAntialias = true };
        using var mutedPaint = new SKPaint { Color = MutedColor, IsAntialias = true };

        var noteLines = data.Notes.SelectMany(n => Wrap(n, noteFont, Width - 32)).ToList();
        var headerHeight = 18 + TitleSize + 8 + (noteLines.Count * (NoteSize + 7)) + 10 + 22 + 26;
        var height = headerHeight + (ordered.Count * PanelHeight) + FooterHeight;
        var info = new SKImageInfo(Width, height, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var surface = SKSurface.Create(info) ?? throw new InvalidOperationException($"Cannot allocate a {Width}×{height} image.");
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);

        // Header: title, notes, legend.
        float y = 18 + TitleSize;
        canvas.DrawText(Ellipsize(data.Title, titleFont, Width - 32), 16, y, SKTextAlign.Left, titleFont, textPaint);
        y += 8;
        foreach (var line in noteLines)
        {
            y += NoteSize + 7;
            canvas.DrawText(line, 16, y, SKTextAlign.Left, noteFont, textPaint);
        }

        y += 10 + 18;
        DrawLegend(canvas, data, 16, y, noteFont, textPaint);

        // Panels.
        var panels = new List<ScorePanel>(ordered.Count);
        var top = headerHeight;
        using var separator = new SKPaint { Color = new SKColor(0x90, 0x90, 0x90), StrokeWidth = 1, Style = SKPaintStyle.Stroke };
        var faulted = ordered.Count(s => HasFault(s, data));
        foreach (var series in ordered)
        {
            var figure = new PixelRect(0, Width, top + PanelHeight, top);
            var area = new SKRectI(LeftMargin, top + (PanelGap / 2), Width - RightMargin, top + PanelHeight - (PanelGap / 2));
            using (var plot = CreatePanel(series, data, axis, ticks, fontFamily))
            {
                plot.Layout.Fixed(new PixelRect(area.Left, area.Right, area.Bottom, area.Top));

                // A plot clears the canvas before drawing: keep it to its own strip.
                canvas.Save();
                canvas.ClipRect(new SKRect(0, top, Width, top + PanelHeight));
                plot.Render(canvas, figure);
                canvas.Restore();
            }

            DrawPanelLabel(canvas, series, data, area, labelFont, smallFont, textPaint, mutedPaint);
            panels.Add(new ScorePanel(series.Instance, area));
            top += PanelHeight;
        }

        if (faulted > 0 && faulted < ordered.Count)
        {
            // Between the instances with a labelled fault and the others.
            var between = headerHeight + (faulted * PanelHeight) + 0.5f;
            canvas.DrawLine(8, between, Width - 8, between, separator);
        }

        // Time labels above the first panel and below the last, and what they mean.
        var layout = new ScorePlotLayout(Width, height, data.From, data.To, panels, hasText, axis.Bottom, axis.Top, data.Scale);
        DrawTimeLabels(canvas, layout, ticks, panels[0].DataArea.Top - 8, smallFont, mutedPaint);
        DrawTimeLabels(canvas, layout, ticks, panels[^1].DataArea.Bottom + 4 + SmallSize, smallFont, mutedPaint);
        var dates = data.From.UtcDateTime.Date == data.To.AddTicks(-1).UtcDateTime.Date
            ? data.From.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)
            : $"{data.From.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)} – {data.To.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}";
        canvas.DrawText($"time (UTC), {dates}", LeftMargin + ((Width - LeftMargin - RightMargin) / 2f), height - 14, SKTextAlign.Center, noteFont, mutedPaint);

        using var image = surface.Snapshot();
        using var encoded = image.Encode(SKEncodedImageFormat.Png, 100) ?? throw new InvalidOperationException("SkiaSharp could not encode the plot as PNG.");
        return (layout, encoded.ToArray());
    }

    /// <summary>A sans-serif typeface with glyphs, or <see langword="null"/> when the system has no fonts at all.</summary>
    internal static SKTypeface? FindTypeface(SKFontStyle style)
    {
        foreach (var family in PreferredFamilies)
        {
            var typeface = SKFontManager.Default.MatchFamily(family, style);
            if (typeface is not null && typeface.GlyphCount > 0 && string.Equals(typeface.FamilyName, family, StringComparison.OrdinalIgnoreCase))
            {
                return typeface;
            }

            typeface?.Dispose();
        }

        // Any font at all (the default typeface is empty when the system has none).
        var fallback = SKFontManager.Default.MatchFamily(null, style);
        if (fallback is not null && fallback.GlyphCount > 0)
        {
            return fallback;
        }

        fallback?.Dispose();
        return null;
    }

    private static bool InRange(FaultWindow fault, ScorePlotData data) => fault.End > data.From && fault.Start <= data.To;

    private static bool HasFault(ScoreSeries series, ScorePlotData data) => series.Faults.Any(f => InRange(f, data));

    private static SKFont Font(SKTypeface? typeface, float size) => typeface is null ? new SKFont { Size = size } : new SKFont(typeface, size) { Subpixel = true };

    private static Plot CreatePanel(ScoreSeries series, ScorePlotData data, ScoreAxis axis, IReadOnlyList<(double X, string Label)> ticks, string? fontFamily)
    {
        var plot = new Plot();
        if (fontFamily is not null)
        {
            plot.Font.Set(fontFamily);
        }

        plot.FigureBackground.Color = Colors.White;
        plot.DataBackground.Color = Colors.White;
        plot.Axes.Frame(true);
        plot.Axes.FrameColor(Color.FromSKColor(new SKColor(0xB0, 0xB0, 0xB0)));

        var minutes = (data.To - data.From).TotalMinutes;
        plot.Axes.SetLimits(0, minutes, axis.Bottom, axis.Top);

        var bottom = plot.Axes.Bottom;
        bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks.Select(t => t.X).ToArray(), ticks.Select(_ => string.Empty).ToArray());
        bottom.TickLabelStyle.IsVisible = false;
        bottom.MajorTickStyle.Length = 0;
        bottom.MinorTickStyle.Length = 0;

        var left = plot.Axes.Left;
        left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(axis.Ticks.Select(t => t.Y).ToArray(), axis.Ticks.Select(t => t.Label).ToArray());
        left.TickLabelStyle.FontSize = SmallSize;
        left.TickLabelStyle.ForeColor = Color.FromSKColor(MutedColor);
        left.MajorTickStyle.Length = 3;
        left.MinorTickStyle.Length = 0;

        plot.Grid.MajorLineColor = Color.FromSKColor(GridColor);
        plot.Grid.MajorLineWidth = 1;
        plot.Grid.MinorLineWidth = 0;

        // Labelled faults: a translucent band over the whole height, with a solid bar on top so that
        // even a three-minute fault on a day-long axis is easy to find.
        var minimumWidth = minutes * MinimumFaultPixels / (Width - LeftMargin - RightMargin);
        var barHeight = axis.Top - axis.DataTop;
        foreach (var fault in series.Faults)
        {
            var x1 = Math.Max(0, (fault.Start - data.From).TotalMinutes);
            var x2 = Math.Min(minutes, (fault.End - data.From).TotalMinutes);
            if (x2 < 0 || x1 > minutes)
            {
                continue;
            }

            if (x2 - x1 < minimumWidth)
            {
                var middle = (x1 + x2) / 2;
                x1 = middle - (minimumWidth / 2);
                x2 = middle + (minimumWidth / 2);
            }

            var band = plot.Add.HorizontalSpan(x1, x2, Color.FromSKColor(FaultColor.WithAlpha(0x55)));
            band.LineStyle.Width = 0;
            var bar = plot.Add.Rectangle(x1, x2, axis.Top - barHeight, axis.Top);
            bar.FillStyle.Color = Color.FromSKColor(FaultColor);
            bar.LineStyle.Width = 0;
        }

        plot.Add.HorizontalLine(axis.Map(data.Threshold), 1.5f, Color.FromSKColor(ThresholdColor), LinePattern.Dashed);

        var xs = new List<double>(series.Times.Count);
        var ys = new List<double>(series.Times.Count);
        var flaggedX = new List<double>();
        var flaggedY = new List<double>();
        var aboveX = new List<double>();
        var aboveY = new List<double>();
        for (var i = 0; i < series.Times.Count; i++)
        {
            var score = series.Scores[i];
            if (double.IsNaN(score))
            {
                continue;
            }

            var x = (series.Times[i] - data.From).TotalMinutes;
            var yValue = axis.Map(score);
            xs.Add(x);
            ys.Add(yValue);
            if (axis.IsAbove(score))
            {
                aboveX.Add(x);
                aboveY.Add(yValue);
            }

            if (series.Flagged[i])
            {
                flaggedX.Add(x);
                flaggedY.Add(yValue);
            }
        }

        if (xs.Count > 0)
        {
            var line = plot.Add.ScatterLine(xs.ToArray(), ys.ToArray(), Color.FromSKColor(ScoreColor));
            line.LineWidth = 1.3f;
            line.MarkerSize = 0;
        }

        if (aboveX.Count > 0)
        {
            plot.Add.Markers(aboveX.ToArray(), aboveY.ToArray(), MarkerShape.FilledTriangleUp, 9, Color.FromSKColor(ScoreColor));
        }

        if (flaggedX.Count > 0)
        {
            plot.Add.Markers(flaggedX.ToArray(), flaggedY.ToArray(), MarkerShape.FilledCircle, 4.5f, Color.FromSKColor(FlagColor));
        }

        return plot;
    }

    private static void DrawPanelLabel(SKCanvas canvas, ScoreSeries series, ScorePlotData data, SKRectI area, SKFont labelFont, SKFont smallFont, SKPaint textPaint, SKPaint mutedPaint)
    {
        const float left = 14;
        var maxWidth = LeftMargin - left - 44;
        var middle = (area.Top + area.Bottom) / 2f;
        canvas.DrawText(Ellipsize(series.Instance, labelFont, maxWidth), left, middle - 2, SKTextAlign.Left, labelFont, textPaint);

        var finite = series.Scores.Where(double.IsFinite).ToList();
        var peak = finite.Count > 0 ? FormatScore(finite.Max(), data.Scale) : "-";
        var flagged = series.Flagged.Count(f => f);
        var faults = series.Faults.Count(f => InRange(f, data));
        var stats = string.Create(CultureInfo.InvariantCulture, $"peak {peak} · {flagged} flagged · {faults} fault{(faults == 1 ? string.Empty : "s")}");
        canvas.DrawText(Ellipsize(stats, smallFont, maxWidth), left, middle + SmallSize + 2, SKTextAlign.Left, smallFont, mutedPaint);
    }

    private static void DrawLegend(SKCanvas canvas, ScorePlotData data, float x, float baseline, SKFont font, SKPaint textPaint)
    {
        var middle = baseline - (font.Size * 0.35f);
        using var line = new SKPaint { Color = ScoreColor, StrokeWidth = 2, IsAntialias = true, Style = SKPaintStyle.Stroke };
        canvas.DrawLine(x, middle, x + 28, middle, line);
        x = DrawLegendText(canvas, $"score {data.ScoreName}", x + 36, baseline, font, textPaint);

        using var dash = SKPathEffect.CreateDash([6, 4], 0);
        using var dashed = new SKPaint { Color = ThresholdColor, StrokeWidth = 1.5f, IsAntialias = true, Style = SKPaintStyle.Stroke, PathEffect = dash };
        canvas.DrawLine(x, middle, x + 28, middle, dashed);
        x = DrawLegendText(canvas, string.Create(CultureInfo.InvariantCulture, $"threshold {data.ScoreName} ≥ {data.Threshold:G4}"), x + 36, baseline, font, textPaint);

        using var band = new SKPaint { Color = FaultColor.WithAlpha(0x55), Style = SKPaintStyle.Fill };
        using var bar = new SKPaint { Color = FaultColor, Style = SKPaintStyle.Fill };
        canvas.DrawRect(x, middle - 8, 16, 16, band);
        canvas.DrawRect(x, middle - 8, 16, 3, bar);
        x = DrawLegendText(canvas, "labelled fault of the instance", x + 24, baseline, font, textPaint);

        using var dot = new SKPaint { Color = FlagColor, IsAntialias = true, Style = SKPaintStyle.Fill };
        canvas.DrawCircle(x + 6, middle, 4.5f, dot);
        x = DrawLegendText(canvas, "flagged step", x + 18, baseline, font, textPaint);

        if (data.Scale == ScoreScale.Logarithmic)
        {
            using var triangle = new SKPath();
            triangle.MoveTo(x, middle + 5);
            triangle.LineTo(x + 12, middle + 5);
            triangle.LineTo(x + 6, middle - 6);
            triangle.Close();
            using var fill = new SKPaint { Color = ScoreColor, IsAntialias = true, Style = SKPaintStyle.Fill };
            canvas.DrawPath(triangle, fill);
            x = DrawLegendText(canvas, "above the axis", x + 18, baseline, font, textPaint);
        }

        DrawLegendText(canvas, "rows: instances with a labelled fault first, then the others, by name", x, baseline, font, textPaint);
    }

    private static float DrawLegendText(SKCanvas canvas, string text, float x, float baseline, SKFont font, SKPaint paint)
    {
        canvas.DrawText(text, x, baseline, SKTextAlign.Left, font, paint);
        return x + font.MeasureText(text) + 28;
    }

    private static void DrawTimeLabels(SKCanvas canvas, ScorePlotLayout layout, IReadOnlyList<(double X, string Label)> ticks, float baseline, SKFont font, SKPaint paint)
    {
        foreach (var (x, label) in ticks)
        {
            canvas.DrawText(label, layout.X(layout.From + TimeSpan.FromMinutes(x)), baseline, SKTextAlign.Center, font, paint);
        }
    }

    /// <summary>Breaks <paramref name="text"/> at spaces into lines no wider than <paramref name="maxWidth"/>.</summary>
    private static IEnumerable<string> Wrap(string text, SKFont font, float maxWidth)
    {
        var line = string.Empty;
        foreach (var word in text.Split(' '))
        {
            var longer = line.Length == 0 ? word : line + " " + word;
            if (line.Length > 0 && font.MeasureText(longer) > maxWidth)
            {
                yield return line;
                line = word;
            }
            else
            {
                line = longer;
            }
        }

        yield return line;
    }

    private static string Ellipsize(string text, SKFont font, float maxWidth)
    {
        if (font.MeasureText(text) <= maxWidth)
        {
            return text;
        }

        for (var length = text.Length - 1; length > 0; length--)
        {
            var shorter = string.Concat(text.AsSpan(0, length), "…");
            if (font.MeasureText(shorter) <= maxWidth)
            {
                return shorter;
            }
        }

        return "…";
    }

    /// <summary>A score in a few characters: <c>0.93</c>, <c>24.9</c>, <c>2870</c>, <c>2.3e7</c>.</summary>
    internal static string FormatScore(double score, ScoreScale scale)
    {
        var magnitude = Math.Abs(score);
        var format = scale == ScoreScale.Probability ? "0.00"
            : magnitude >= 1e5 || (magnitude < 0.01 && magnitude > 0) ? "0.#e0"
            : magnitude >= 100 ? "0"
            : magnitude >= 10 ? "0.#"
            : "0.##";
        return score.ToString(format, CultureInfo.InvariantCulture);
    }

    /// <summary>Time ticks at round UTC times, about one per 90 pixels: (minutes after the start, label).</summary>
    internal static IReadOnlyList<(double X, string Label)> TimeTicks(DateTimeOffset from, DateTimeOffset to, int pixels)
    {
        int[] stepsInMinutes = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080];
        var total = (to - from).TotalMinutes;
        var wanted = Math.Max(2, pixels / 90);
        var step = stepsInMinutes.FirstOrDefault(s => total / s <= wanted, stepsInMinutes[^1]);
        var end = to.UtcDateTime;
        var oneDay = from.UtcDateTime.Date == to.AddTicks(-1).UtcDateTime.Date;
        var ticks = new List<(double, string)>();
        var start = from.UtcDateTime;
        var first = start.Date.AddMinutes(Math.Ceiling((start - start.Date).TotalMinutes / step) * step);
        for (var t = first; t <= end; t = t.AddMinutes(step))
        {
            // Times of day; a date at midnight (or 24:00 at the end of a one-day axis), dates alone for long ranges.
            var label = step >= 1440 ? t.ToString("MM-dd", CultureInfo.InvariantCulture)
                : t.TimeOfDay != TimeSpan.Zero ? t.ToString("HH:mm", CultureInfo.InvariantCulture)
                : oneDay && t == end ? "24:00"
                : t.ToString("MM-dd", CultureInfo.InvariantCulture);
            ticks.Add(((t - start).TotalMinutes, label));
        }

        return ticks;
    }

    /// <summary>The score axis shared by every panel: limits, ticks and how a score maps onto it.</summary>
    /// <param name="Bottom">The lowest value drawn.</param>
    /// <param name="DataTop">The highest value drawn; higher scores are drawn at this edge.</param>
    /// <param name="Top">The top of the axis (room above <paramref name="DataTop"/> for the fault bars).</param>
    /// <param name="Log">Whether values are log10 of the scores.</param>
    /// <param name="Ticks">Tick positions and labels.</param>
    private sealed record ScoreAxis(double Bottom, double DataTop, double Top, bool Log, IReadOnlyList<(double Y, string Label)> Ticks)
    {
        private const double BarRoom = 0.14;

        public double Map(double score) => Math.Clamp(Log ? Math.Log10(Math.Max(score, Math.Pow(10, Bottom))) : score, Bottom, DataTop);

        public bool IsAbove(double score) => (Log ? Math.Log10(score) : score) > DataTop;

        public static ScoreAxis For(ScorePlotData data)
        {
            if (data.Scale == ScoreScale.Probability)
            {
                return new ScoreAxis(-0.05, 1.05, 1.05 + (1.1 * BarRoom), false, [(0, "0"), (0.5, "0.5"), (1, "1")]);
            }

            // Logarithmic, from the 1st percentile of the positive scores to the largest score but at
            // most ten times the 99.9th percentile (and always the threshold), so that a few zeros or one
            // wild error do not squash every other panel; the rare scores beyond are drawn at the edge.
            var positive = data.Series.SelectMany(s => s.Scores).Where(s => double.IsFinite(s) && s > 0).Order().ToList();
            if (positive.Count == 0)
            {
                positive.Add(data.Threshold > 0 ? data.Threshold : 1);
            }

            var threshold = data.Threshold > 0 && double.IsFinite(data.Threshold) ? data.Threshold : positive[positive.Count / 2];
            var low = Math.Min(positive[(int)(0.01 * (positive.Count - 1))], threshold);
            var high = Math.Max(Math.Min(positive[^1], 10 * positive[(int)(0.999 * (positive.Count - 1))]), threshold);
            var bottom = Math.Floor(Math.Log10(low) * 2) / 2;
            var dataTop = Math.Log10(high) + 0.2;
            if (dataTop - bottom < 1)
            {
                bottom = dataTop - 1;
            }

            var top = dataTop + ((dataTop - bottom) * BarRoom);
            var first = (int)Math.Ceiling(bottom);
            var last = (int)Math.Floor(dataTop);
            var every = Math.Max(1, (int)Math.Ceiling((last - first + 1) / 3.0));
            var ticks = Enumerable.Range(first, last - first + 1)
                .Where(d => (last - d) % every == 0)
                .Select(d => ((double)d, Math.Pow(10, d).ToString(d is >= -2 and <= 4 ? "0.##" : "0E0", CultureInfo.InvariantCulture)))
                .ToList();
            return new ScoreAxis(bottom, dataTop, top, true, ticks);
        }
    }
}
