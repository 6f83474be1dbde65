namespace MstGad.Parsing.Tests;

[TestFixture]
public sealed class LogLineTests
{
    [Test]
    public void Indexer_UnknownField_ThrowsKeyNotFoundException()
    {
        var line = LogFormat.Create("<Level>: <Content>").Parse("INFO: started");

        Assert.That(() => line["Time"], Throws.TypeOf<KeyNotFoundException>().With.Message.EqualTo("The log format '<Level>: <Content>' has no field 'Time'."));
    }

    [Test]
    public void Indexer_FieldNames_AreCaseSensitive()
    {
        var line = LogFormat.Create("<Level>: <Content>").Parse("INFO: started");

        Assert.Multiple(() =>
        {
            Assert.That(line["Level"], Is.EqualTo("INFO"));
            Assert.That(() => line["level"], Throws.TypeOf<KeyNotFoundException>());
        });
    }
}
