using System.Text;
using MstGad.Datasets.Text;

namespace MstGad.Datasets.Tests.Text;

public sealed class Utf8TimeTests
{
    [TestCase("2023-01-29T08:42:22.383150913Z", "2023-01-29T08:42:22.3831509+00:00")]
    [TestCase("2023-01-29T08:42:22.38259894Z", "2023-01-29T08:42:22.3825989+00:00")]
    [TestCase("2023-01-29T09:20:29.295", "2023-01-29T09:20:29.2950000+00:00")]
    [TestCase("2023-01-29 08:43:04", "2023-01-29T08:43:04.0000000+00:00")]
    [TestCase("2023-01-29T08:43", "2023-01-29T08:43:00.0000000+00:00")]
    [TestCase("2023-01-29T16:43:04+08:00", "2023-01-29T08:43:04.0000000+00:00")]
    [TestCase("2023-01-29T06:43:04.5-0200", "2023-01-29T08:43:04.5000000+00:00")]
    [TestCase("2023-01-29t08:43:04z", "2023-01-29T08:43:04.0000000+00:00")]
    public void TryParseIso_ValidText_ReturnsUtcTime(string text, string expected)
    {
        Assert.That(Utf8Time.TryParseIso(Encoding.UTF8.GetBytes(text), out var time), Is.True);
        Assert.Multiple(() =>
        {
            Assert.That(time.ToString("O", System.Globalization.CultureInfo.InvariantCulture), Is.EqualTo(expected));
            Assert.That(time.Offset, Is.EqualTo(TimeSpan.Zero));
        });
    }

    [TestCase("")]
    [TestCase("2023-01-29")]
    [TestCase("2023-02-29T08:43:04Z")]
    [TestCase("2023-01-29T24:00:00Z")]
    [TestCase("2023-01-29T08:43:04.Z")]
    [TestCase("2023-01-29T08:43:04 Z")]
    [TestCase("2023-01-29T08:43:04+0")]
    [TestCase("29/01/2023 08:43:04")]
    [TestCase("1674981669")]
    public void TryParseIso_InvalidText_ReturnsFalse(string text) =>
        Assert.That(Utf8Time.TryParseIso(Encoding.UTF8.GetBytes(text), out _), Is.False);

    [TestCase("2023-01-29 08:41:09.104907624 +0000 UTC m=+0.181069486", "2023-01-29T08:41:09.1049076+00:00")]
    [TestCase("2023-01-29 08:41:09.9 +0000 UTC", "2023-01-29T08:41:09.9000000+00:00")]
    [TestCase("2023-01-29 16:41:09 +0800 CST", "2023-01-29T08:41:09.0000000+00:00")]
    [TestCase("2023-01-29 08:41:09.5 +0000", "2023-01-29T08:41:09.5000000+00:00")]
    [TestCase("2023-01-29T08:41:09Z", "2023-01-29T08:41:09.0000000+00:00")]
    public void TryParseGoTime_ValidText_ReturnsUtcTime(string text, string expected)
    {
        Assert.That(Utf8Time.TryParseGoTime(Encoding.UTF8.GetBytes(text), out var time), Is.True);
        Assert.That(time.ToString("O", System.Globalization.CultureInfo.InvariantCulture), Is.EqualTo(expected));
    }

    [TestCase("2023-01-29 08:41:09.1 UTC")]
    [TestCase("2023-01-29 08:41:09.1 +00")]
    [TestCase("yesterday")]
    public void TryParseGoTime_InvalidText_ReturnsFalse(string text) =>
        Assert.That(Utf8Time.TryParseGoTime(Encoding.UTF8.GetBytes(text), out _), Is.False);

    [TestCase("1674981669", "2023-01-29T08:41:09.0000000+00:00")]
    [TestCase("1674981669.123456789", "2023-01-29T08:41:09.1234567+00:00")]
    [TestCase("1674981669.5", "2023-01-29T08:41:09.5000000+00:00")]
    [TestCase("-1.5", "1969-12-31T23:59:58.5000000+00:00")]
    [TestCase(".5", "1970-01-01T00:00:00.5000000+00:00")]
    public void TryParseUnixSeconds_ValidText_IsExactTo100ns(string text, string expected)
    {
        Assert.That(Utf8Time.TryParseUnixSeconds(Encoding.UTF8.GetBytes(text), out var time), Is.True);
        Assert.That(time.ToString("O", System.Globalization.CultureInfo.InvariantCulture), Is.EqualTo(expected));
    }

    [TestCase("")]
    [TestCase(".")]
    [TestCase("1e9")]
    [TestCase("12a")]
    [TestCase("99999999999999999999")]
    public void TryParseUnixSeconds_InvalidText_ReturnsFalse(string text) =>
        Assert.That(Utf8Time.TryParseUnixSeconds(Encoding.UTF8.GetBytes(text), out _), Is.False);

    [TestCase("2023-01-29T08:41:09Z", "2023-01-29T08:41:09.0000000+00:00")]
    [TestCase("1674981669.25", "2023-01-29T08:41:09.2500000+00:00")]
    public void TryParseIsoOrUnixSeconds_EitherForm_Parses(string text, string expected)
    {
        Assert.That(Utf8Time.TryParseIsoOrUnixSeconds(Encoding.UTF8.GetBytes(text), out var time), Is.True);
        Assert.That(time.ToString("O", System.Globalization.CultureInfo.InvariantCulture), Is.EqualTo(expected));
    }

    [Test]
    public void FromUnixNanoseconds_NezhaStart_TruncatesTo100ns() =>
        Assert.That(Utf8Time.FromUnixNanoseconds(1674981768697763387), Is.EqualTo(new DateTimeOffset(2023, 1, 29, 8, 42, 48, TimeSpan.Zero).AddTicks(6977633)));
}
