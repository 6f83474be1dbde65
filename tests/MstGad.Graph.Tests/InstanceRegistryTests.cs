namespace MstGad.Graph.Tests;

[TestFixture]
public sealed class InstanceRegistryTests
{
    [Test]
    public void GetOrAdd_NewKeys_GetIndicesInOrderOfRegistration()
    {
        var registry = new InstanceRegistry();

        int[] indices = [registry.GetOrAdd("cart"), registry.GetOrAdd("front"), registry.GetOrAdd("cart"), registry.GetOrAdd("db"), registry.GetOrAdd("front")];

        Assert.Multiple(() =>
        {
            Assert.That(indices, Is.EqualTo(new[] { 0, 1, 0, 2, 1 }));
            Assert.That(registry.Count, Is.EqualTo(3));
            Assert.That(registry.Keys, Is.EqualTo(new[] { "cart", "front", "db" }));
        });
    }

    [Test]
    public void Constructor_Keys_KeepTheirOrderAndNewKeysFollow()
    {
        var registry = new InstanceRegistry(["front", "cart"]);

        var db = registry.GetOrAdd("db");

        Assert.Multiple(() =>
        {
            Assert.That(registry.GetOrAdd("cart"), Is.EqualTo(1));
            Assert.That(db, Is.EqualTo(2));
            Assert.That(registry.Keys, Is.EqualTo(new[] { "front", "cart", "db" }));
        });
    }

    [Test]
    public void Constructor_ARepeatedKey_ThrowsNamingIt()
    {
        var ex = Assert.Throws<ArgumentException>(() => _ = new InstanceRegistry(["front", "cart", "front"]));

        Assert.Multiple(() =>
        {
            Assert.That(ex.ParamName, Is.EqualTo("keys"));
            Assert.That(ex.Message, Is.EqualTo("Instance key 'front' is repeated. (Parameter 'keys')"));
        });
    }

    [Test]
    public void Constructor_AnEmptyKey_Throws()
    {
        var ex = Assert.Throws<ArgumentException>(() => _ = new InstanceRegistry(["front", ""]));

        Assert.Multiple(() =>
        {
            Assert.That(ex.ParamName, Is.EqualTo("keys"));
            Assert.That(ex.Message, Is.EqualTo("The value cannot be an empty string. (Parameter 'keys')"));
        });
    }

    [Test]
    public void Constructor_NullKeys_Throws()
    {
        Assert.Throws<ArgumentNullException>(() => _ = new InstanceRegistry(null!));
    }

    [Test]
    public void GetOrAdd_EmptyOrNullKey_Throws()
    {
        var registry = new InstanceRegistry();

        Assert.Multiple(() =>
        {
            Assert.That(() => registry.GetOrAdd(""), Throws.ArgumentException);
            Assert.That(() => registry.GetOrAdd(null!), Throws.ArgumentNullException);
            Assert.That(registry.Count, Is.Zero);
        });
    }

    [Test]
    public void TryGetIndex_KnownAndUnknownKeys_ReportTheIndexOrMinusOne()
    {
        var registry = new InstanceRegistry(["front", "cart"]);

        var known = registry.TryGetIndex("cart", out var cart);
        var unknown = registry.TryGetIndex("db", out var db);

        Assert.Multiple(() =>
        {
            Assert.That(known, Is.True);
            Assert.That(cart, Is.EqualTo(1));
            Assert.That(unknown, Is.False);
            Assert.That(db, Is.EqualTo(-1));
            Assert.That(registry.Count, Is.EqualTo(2));
        });
    }

    [Test]
    public void KeyOf_AnIndex_ReturnsItsKey()
    {
        var registry = new InstanceRegistry(["front", "cart"]);

        Assert.That(registry.KeyOf(1), Is.EqualTo("cart"));
    }

    [TestCase(-1)]
    [TestCase(2)]
    public void KeyOf_AnIndexOutOfRange_Throws(int index)
    {
        var registry = new InstanceRegistry(["front", "cart"]);

        Assert.That(() => registry.KeyOf(index), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("index"));
    }

    [Test]
    public void Keys_ASnapshot_DoesNotChangeWhenKeysAreAdded()
    {
        var registry = new InstanceRegistry(["front"]);
        var snapshot = registry.Keys;

        registry.GetOrAdd("cart");

        Assert.That(snapshot, Is.EqualTo(new[] { "front" }));
    }

    [Test]
    public void GetOrAdd_ManyThreadsWithTheSameKeys_GiveEachKeyOneIndex()
    {
        // 8 threads register the same 500 keys in different orders; every key must end up with exactly one index
        // and the indices must be 0 … 499 without gaps.
        const int Keys = 500;
        var registry = new InstanceRegistry();
        var seen = new int[8][];

        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, thread =>
        {
            var order = Enumerable.Range(0, Keys).Select(k => (k * (thread + 1) * 7919) % Keys).Distinct().ToList();
            order.AddRange(Enumerable.Range(0, Keys).Except(order));
            var mine = new int[Keys];
            foreach (var k in order)
            {
                mine[k] = registry.GetOrAdd("pod-" + k.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            seen[thread] = mine;
        });

        Assert.Multiple(() =>
        {
            Assert.That(registry.Count, Is.EqualTo(Keys));
            Assert.That(seen[0], Is.Unique);
            Assert.That(seen[0].Order(), Is.EqualTo(Enumerable.Range(0, Keys)));
            for (var thread = 1; thread < 8; thread++)
            {
                Assert.That(seen[thread], Is.EqualTo(seen[0]), $"thread {thread}");
            }

            for (var k = 0; k < Keys; k++)
            {
                Assert.That(registry.KeyOf(seen[0][k]), Is.EqualTo("pod-" + k.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            }
        });
    }
}
