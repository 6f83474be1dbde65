using System.Text;
using System.Text.Json;
using MstGad.Datasets.Json;
using MstGad.Datasets.Tests.Support;

namespace MstGad.Datasets.Tests.Json;

public sealed class JsonElementStreamTests
{
    private const string Export = """
        {
          "resourceLogs": [ { "a": 1 }, { "b": [1, {"c": "]}"}] } ],
          "other": [ { "skip": true }, 5 ],
          "resourceSpans": [ { "span": 1 },
            { "span": 2 } ],
          "scalar": "x"
        }
        {"resourceSpans": [{"span": 3}]}
        """;

    [TestCase(1)]
    [TestCase(3)]
    [TestCase(1 << 20)]
    public async Task ReadAsync_ArrayElementsInChunks_YieldsTheTargetElementsWithLines(int chunk)
    {
        var elements = await ReadAllAsync(Export, JsonStreamShape.ArrayElements, "resourceSpans", chunk);

        Assert.That(elements, Is.EqualTo(new[]
        {
            (4L, "{ \"span\": 1 }", (string?)null),
            (5L, "{ \"span\": 2 }", null),
            (8L, "{\"span\": 3}", null),
        }));
    }

    [Test]
    public async Task ReadAsync_ArrayElementsOfEveryProperty_YieldsAllArrays()
    {
        var elements = await ReadAllAsync(Export, JsonStreamShape.ArrayElements, null, 7);

        Assert.That(elements.Select(e => e.Text), Is.EqualTo(new[]
        {
            "{ \"a\": 1 }", "{ \"b\": [1, {\"c\": \"]}\"}] }", "{ \"skip\": true }", "5", "{ \"span\": 1 }", "{ \"span\": 2 }", "\"x\"", "{\"span\": 3}",
        }));
        Assert.That(elements[6].Error, Is.EqualTo("unexpected JSON value type: an array was expected"));
    }

    [TestCase(1)]
    [TestCase(5)]
    public async Task ReadAsync_RootValuesWithBadLines_ResynchronisesOnTheNextLine(int chunk)
    {
        const string Lines = "{\"a\":1}\n\n  {\"b\":\n[2]}\n{oops}\n\"s\"\n{\"c\":3}";

        var elements = await ReadAllAsync(Lines, JsonStreamShape.RootValues, null, chunk);

        Assert.That(elements, Is.EqualTo(new[]
        {
            (1L, "{\"a\":1}", (string?)null),
            (3L, "{\"b\":\n[2]}", null),
            (5L, "{oops}", "invalid JSON"),
            (6L, "\"s\"", null),
            (7L, "{\"c\":3}", null),
        }));
    }

    [Test]
    public async Task ReadAsync_TruncatedDocument_EndsWithAnInvalidElement()
    {
        var elements = await ReadAllAsync("{\"resourceSpans\": [ {\"span\": 1}, {\"span\":", JsonStreamShape.ArrayElements, "resourceSpans", 4);

        Assert.Multiple(() =>
        {
            Assert.That(elements, Has.Count.EqualTo(2));
            Assert.That(elements[0], Is.EqualTo((1L, "{\"span\": 1}", (string?)null)));
            Assert.That(elements[1].Error, Is.EqualTo("invalid JSON"));
        });
    }

    [Test]
    public async Task ReadAsync_ElementLargerThanTheBuffer_IsReadWhole()
    {
        var big = new string('x', 300_000);
        var json = $"{{\"resourceLogs\":[{{\"body\":\"{big}\"}},{{\"n\":2}}]}}";

        var elements = await ReadAllAsync(json, JsonStreamShape.ArrayElements, "resourceLogs", 50_000);

        Assert.That(elements.Select(e => e.Text.Length), Is.EqualTo(new[] { big.Length + 11, 7 }));
    }

    [Test]
    public async Task ReadAsync_ByteOrderMark_IsSkipped()
    {
        var elements = await ReadAllAsync("\uFEFF{\"x\":1}", JsonStreamShape.RootValues, null, 2);

        Assert.That(elements.Single().Text, Is.EqualTo("{\"x\":1}"));
    }

    [TestCase(1)]
    [TestCase(3)]
    [TestCase(1 << 20)]
    public async Task PeekAsync_AnExport_GivesTheFirstPropertyAndConsumesNothing(int chunk)
    {
        using var stream = new JsonElementStream(new TrickleStream(Encoding.UTF8.GetBytes("\uFEFF" + Export), chunk), JsonStreamShape.ArrayElements, "resourceSpans");

        var peek = await stream.PeekAsync(default);
        var spans = new List<string>();
        while (await stream.ReadAsync(default))
        {
            spans.Add(Encoding.UTF8.GetString(stream.Current.Span));
        }

        Assert.Multiple(() =>
        {
            Assert.That(peek, Is.EqualTo(new JsonPeek(JsonStart.Object, "resourceLogs", "{", 1)));
            Assert.That(spans, Is.EqualTo(new[] { "{ \"span\": 1 }", "{ \"span\": 2 }", "{\"span\": 3}" }));
        });
    }

    [TestCase("", (int)JsonStart.Empty, null, "", 0L)]
    [TestCase(" \n\t\n", (int)JsonStart.Empty, null, "", 0L)]
    [TestCase("\n\n# Exports\r\nmore", (int)JsonStart.Other, null, "# Exports", 3L)]
    [TestCase("[{\"resourceSpans\": []}]", (int)JsonStart.Other, null, "[{\"resourceSpans\": []}]", 1L)]
    [TestCase("{}", (int)JsonStart.Object, null, "{}", 1L)]
    [TestCase("{\"Source\": \"frontend\"}\n{}", (int)JsonStart.Object, "Source", "{\"Source\": \"frontend\"}", 1L)]
    [TestCase("{\"resourceLogs\" nonsense", (int)JsonStart.Object, null, "{\"resourceLogs\" nonsense", 1L)]
    [TestCase("{nonsense", (int)JsonStart.Object, null, "{nonsense", 1L)]
    public async Task PeekAsync_Start_IsClassified(string text, int start, string? property, string firstLine, long line)
    {
        using var stream = new JsonElementStream(new TrickleStream(Encoding.UTF8.GetBytes(text), 2), JsonStreamShape.ArrayElements);

        var peek = await stream.PeekAsync(default);

        Assert.That(peek, Is.EqualTo(new JsonPeek((JsonStart)start, property, firstLine, line)));
    }

    private static async Task<List<(long Line, string Text, string? Error)>> ReadAllAsync(string json, JsonStreamShape shape, string? property, int chunk)
    {
        var result = new List<(long, string, string?)>();
        using var stream = new JsonElementStream(new TrickleStream(Encoding.UTF8.GetBytes(json), chunk), shape, property);
        while (await stream.ReadAsync(default))
        {
            result.Add((stream.Line, Encoding.UTF8.GetString(stream.Current.Span), stream.Error));
            if (stream.Error is null && stream.TokenType == JsonTokenType.StartObject)
            {
                using var document = JsonDocument.Parse(stream.Current); // every yielded object parses on its own
            }
        }

        return result;
    }
}
