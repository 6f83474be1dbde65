using System.Text;
using MstGad.Datasets.Text;

namespace MstGad.Datasets.Tests.Text;

public sealed class DockerLogTests
{
    [TestCase("16:42:22.382 INFO  t.s.TravelServiceImpl#532 [a][b][c]\n", "INFO", "t.s.TravelServiceImpl#532 [a][b][c]")]
    [TestCase("16:42:22.382 WARN\tx  y \r\n", "WARN", "x  y ")]
    [TestCase("16:42:22 ERROR boom", "ERROR", "boom")]
    [TestCase("16:42:22.382 DEBUG", "DEBUG", "")]
    [TestCase("16:42:22.382 info lower-case level", "", "16:42:22.382 info lower-case level")]
    [TestCase("16:42:22.382 INFOx glued", "", "16:42:22.382 INFOx glued")]
    [TestCase("\tat com.example.Foo(Foo.java:12)\n", "", "\tat com.example.Foo(Foo.java:12)")]
    [TestCase("2023-01-29 INFO date, not a clock", "", "2023-01-29 INFO date, not a clock")]
    [TestCase("", "", "")]
    public void Split_LogText_SeparatesClockLevelAndMessage(string text, string level, string message)
    {
        DockerLog.Split(Encoding.UTF8.GetBytes(text), out var actualLevel, out var actualMessage);

        Assert.That((Encoding.UTF8.GetString(actualLevel), Encoding.UTF8.GetString(actualMessage)), Is.EqualTo((level, message)));
    }

    [TestCase("{\"log\":\"a\\\"b\\u4e2d\\n\",\"stream\":\"stdout\"}", "a\"b中\n")]
    [TestCase("{\"stream\":\"stdout\",\"nested\":{\"log\":\"inner\"},\"log\":\"outer\"}", "outer")]
    [TestCase(" { \"log\" : \"spaced\" } ", "spaced")]
    public void TryReadLogText_ValidJson_ReturnsUnescapedLog(string json, string expected)
    {
        var scratch = new byte[2];

        var status = DockerLog.TryReadLogText(Encoding.UTF8.GetBytes(json), ref scratch, out var length, out var error);

        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(DockerLog.Status.Ok));
            Assert.That(error, Is.Null);
            Assert.That(Encoding.UTF8.GetString(scratch, 0, length), Is.EqualTo(expected));
        });
    }

    [TestCase("{\"log\":\"x\"}junk", "InvalidJson")]
    [TestCase("{\"log\":\"x\"", "InvalidJson")]
    [TestCase("", "InvalidJson")]
    [TestCase("not json", "InvalidJson")]
    [TestCase("[\"log\"]", "MissingLog")]
    [TestCase("{\"log\":42}", "MissingLog")]
    [TestCase("{\"nested\":{\"log\":\"x\"}}", "MissingLog")]
    public void TryReadLogText_BadJson_ReturnsItsStatus(string json, string expectedStatus)
    {
        var expected = Enum.Parse<DockerLog.Status>(expectedStatus);
        var scratch = new byte[16];

        var status = DockerLog.TryReadLogText(Encoding.UTF8.GetBytes(json), ref scratch, out _, out var error);

        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(expected));
            Assert.That(error, expected == DockerLog.Status.InvalidJson ? Is.Not.Null : Is.Null);
        });
    }
}
