using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Storage;

namespace MstGad.Orleans.Tests;

/// <summary>The folder grain storage's versions: what was written is read back, a stale write is refused.</summary>
[TestFixture]
public sealed class FolderGrainStorageTests
{
    [Test]
    public async Task WriteThenRead_GivesTheState_AndAStaleWriteIsRefused()
    {
        using var folder = new TempDirectory();
        await using var services = new ServiceCollection().AddSerializer().BuildServiceProvider();
        var storage = new FolderGrainStorage(folder.Path, services.GetRequiredService<Serializer>());
        var id = GrainId.Create("monitoredsystem", "shop/東京");
        var first = new GrainState<Tally> { State = new Tally(3, 42) };
        await storage.WriteStateAsync("system", id, first);

        var read = new GrainState<Tally>();
        await storage.ReadStateAsync("system", id, read);
        Assert.Multiple(() =>
        {
            Assert.That(read.State, Is.EqualTo(new Tally(3, 42)));
            Assert.That((read.ETag, read.RecordExists), Is.EqualTo(("1", true)));
        });

        await storage.WriteStateAsync("system", id, read);
        Assert.That(read.ETag, Is.EqualTo("2"));
        Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("system", id, first), "written over version 1 while 2 is stored");

        var missing = new GrainState<Tally>();
        await storage.ReadStateAsync("system", GrainId.Create("monitoredsystem", "bank"), missing);
        Assert.That((missing.ETag, missing.RecordExists), Is.EqualTo(((string?)null, false)));
    }
}
