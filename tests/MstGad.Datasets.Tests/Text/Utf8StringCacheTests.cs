using System.Text;
using MstGad.Datasets.Text;

namespace MstGad.Datasets.Tests.Text;

public sealed class Utf8StringCacheTests
{
    [Test]
    public void Get_SameBytesTwice_ReturnsTheSameInstance()
    {
        var cache = new Utf8StringCache();

        var first = cache.Get("ts-order-service"u8);
        var second = cache.Get(Encoding.UTF8.GetBytes("ts-order-service"));

        Assert.Multiple(() =>
        {
            Assert.That(second, Is.SameAs(first));
            Assert.That(first, Is.EqualTo("ts-order-service"));
            Assert.That(cache.Get(default), Is.SameAs(string.Empty));
        });
    }

    [Test]
    public void Get_MoreValuesThanCapacity_StillReturnsCorrectStrings()
    {
        var cache = new Utf8StringCache(16);

        var values = Enumerable.Range(0, 1000).Select(i => cache.Get(Encoding.UTF8.GetBytes("v" + i))).ToList();

        Assert.That(values, Is.EqualTo(Enumerable.Range(0, 1000).Select(i => "v" + i)));
    }

    [Test]
    public void GetRepeated_SameAsPrevious_ReturnsTheSameInstance()
    {
        var cache = new Utf8StringCache();

        var first = cache.GetRepeated("abc"u8);
        var second = cache.GetRepeated("abc"u8);
        var third = cache.GetRepeated("abd"u8);

        Assert.Multiple(() =>
        {
            Assert.That(second, Is.SameAs(first));
            Assert.That(third, Is.EqualTo("abd"));
        });
    }
}
