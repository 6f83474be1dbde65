using MstGad.Cli.Tests.Support;

namespace MstGad.Cli.Tests;

[TestFixture]
public sealed class DetectCommandTests
{
    [TestCase(120, false)]
    [TestCase(121, true)]
    [TestCase(10_000, true)]
    public void Shorten_LogTemplate_KeepsAtMost120CharactersEndingWithAnEllipsis(int length, bool shortened)
    {
        var template = new string('x', length);

        var shown = DetectCommand.Shorten(template);

        Assert.Multiple(() =>
        {
            Assert.That(shown, Has.Length.EqualTo(Math.Min(length, DetectCommand.MaxTemplateLength)));
            Assert.That(shown.EndsWith('…'), Is.EqualTo(shortened));
            Assert.That(template, Does.StartWith(shown.TrimEnd('…')));
        });
    }

    [Test]
    public async Task Detect_MissingModelFile_PrintsOneErrorLine()
    {
        using var dir = new TempDirectory();
        NezhaFolders.WriteMetricsDay(dir, 3);
        var model = dir.File("no-such.mstgad");

        var run = await CommandRun.InvokeAsync(DetectCommand.Create(), "--model", model, "--data", dir.Path, "--out", dir.File("v.csv"));

        Assert.Multiple(() =>
        {
            Assert.That(run.ExitCode, Is.EqualTo(1));
            Assert.That(run.Error, Is.EqualTo($"error: the model file does not exist: {model}; check --model, or train one with mstgad train --out{Environment.NewLine}"));
            Assert.That(File.Exists(dir.File("v.csv")), Is.False);
        });
    }

    [Test]
    public async Task Detect_CorruptModelFile_PrintsOneErrorLine()
    {
        using var dir = new TempDirectory();
        NezhaFolders.WriteMetricsDay(dir, 3);
        var model = dir.Write("m.mstgad", "this is no model");

        var run = await CommandRun.InvokeAsync(DetectCommand.Create(), "--model", model, "--data", dir.Path, "--out", dir.File("v.csv"));

        Assert.That((run.ExitCode, run.Error), Is.EqualTo((1,
            $"error: cannot load the model {model}: Not a MstGad detector artifact: it does not start with 'MSTGAD-DETECTOR1'; pass a model written by mstgad train (--out) with this version{Environment.NewLine}")));
    }

    [Test]
    public async Task Detect_OutIsAFolder_FailsBeforeLoadingAnything()
    {
        using var dir = new TempDirectory();

        var run = await CommandRun.InvokeAsync(DetectCommand.Create(), "--model", dir.File("no-such.mstgad"), "--data", dir.Path, "--out", dir.Path);

        Assert.That((run.ExitCode, run.Error), Is.EqualTo((1, $"error: --out names a folder, not a file: {dir.Path}; give a file name{Environment.NewLine}")));
    }
}
