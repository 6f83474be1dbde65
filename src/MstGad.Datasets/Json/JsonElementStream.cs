using System.Buffers;
using System.Text;
using System.Text.Json;

namespace MstGad.Datasets.Json;

/// <summary>Which JSON values a <see cref="JsonElementStream"/> yields.</summary>
internal enum JsonStreamShape
{
    /// <summary>Every top-level value (JSON Lines, or values one after another).</summary>
    RootValues = 0,

    /// <summary>
    /// Every element of the arrays that are property values of top-level objects, such as
    /// <c>{"resourceSpans": [ … ]}</c> (several such objects may follow one another, as in JSON Lines).
    /// </summary>
    ArrayElements = 1,
}

/// <summary>What an input starts with (<see cref="JsonElementStream.PeekAsync(CancellationToken)"/>).</summary>
internal enum JsonStart
{
    /// <summary>Nothing but white space.</summary>
    Empty = 0,

    /// <summary>A JSON object (<c>{</c>).</summary>
    Object = 1,

    /// <summary>Anything else: another JSON value, or text that is not JSON.</summary>
    Other = 2,
}

/// <summary>The start of an input (<see cref="JsonElementStream.PeekAsync(CancellationToken)"/>).</summary>
/// <param name="Start">What it starts with.</param>
/// <param name="FirstProperty">For an object, its first property name, when it could be read.</param>
/// <param name="FirstLine">The first line that is not blank (up to 200 bytes).</param>
/// <param name="Line">The 1-based number of that line; 0 for an empty input.</param>
internal readonly record struct JsonPeek(JsonStart Start, string? FirstProperty, string FirstLine, long Line);

/// <summary>
/// Streams JSON values from a UTF-8 stream one element at a time, so that a file larger than memory can
/// be read as long as each element fits: the caller parses each element (a <see cref="ReadOnlyMemory{T}"/>
/// over the internal buffer, valid until the next read) with <see cref="JsonDocument"/> or
/// <see cref="Utf8JsonReader"/>.
/// </summary>
/// <remarks>
/// Invalid JSON does not throw: the read returns an element whose <see cref="Error"/> is set; the stream
/// then resumes on the next physical line, which re-synchronises JSON Lines input.
/// </remarks>
internal sealed class JsonElementStream : IDisposable
{
    private const int InitialBufferSize = 1 << 16;
    private const int MaxElementBytes = 1 << 30;
    private static readonly JsonReaderOptions ReaderOptions = new() { AllowMultipleValues = true };

    private readonly Stream _stream;
    private readonly bool _ownsStream;
    private readonly JsonStreamShape _shape;
    private readonly byte[]? _property;
    private byte[] _buffer;
    private int _pos;
    private int _end;
    private bool _eof;
    private bool _first = true;
    private long _line = 1;
    private JsonReaderState _state = new(ReaderOptions);
    private Phase _phase;
    private bool _yieldArray;
    private int _elementStart;
    private int _elementLength;
    private bool _disposed;

    /// <summary>Creates a stream.</summary>
    /// <param name="stream">The UTF-8 input.</param>
    /// <param name="shape">Which values to yield.</param>
    /// <param name="property">
    /// With <see cref="JsonStreamShape.ArrayElements"/>, the property whose array elements are yielded
    /// (others are skipped element by element); <see langword="null"/> for every property.
    /// </param>
    /// <param name="leaveOpen">Whether to leave the stream open on disposal.</param>
    public JsonElementStream(Stream stream, JsonStreamShape shape, string? property = null, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        _ownsStream = !leaveOpen;
        _shape = shape;
        _property = property is null ? null : Encoding.UTF8.GetBytes(property);
        _buffer = ArrayPool<byte>.Shared.Rent(InitialBufferSize);
    }

    private enum Phase
    {
        Root,
        InObject,
        InArray,
    }

    private enum Step
    {
        Element,
        NeedMore,
        End,
        Invalid,
    }

    /// <summary>The current element's bytes (valid until the next read).</summary>
    public ReadOnlyMemory<byte> Current => _buffer.AsMemory(_elementStart, _elementLength);

    /// <summary>The first token of the current element.</summary>
    public JsonTokenType TokenType { get; private set; }

    /// <summary>The 1-based physical line where the current element starts.</summary>
    public long Line { get; private set; }

    /// <summary>
    /// Set when the current "element" is a stretch of invalid JSON (or a non-object top-level value where
    /// arrays of elements were expected): the problem; <see langword="null"/> otherwise.
    /// </summary>
    public string? Error { get; private set; }

    /// <summary>The exception behind <see cref="Error"/>, if any.</summary>
    public JsonException? ErrorException { get; private set; }

    /// <summary>
    /// Looks at the start of the input before the first read, without consuming anything: whether the input
    /// is empty, starts with a JSON object (and that object's first property name), or starts otherwise.
    /// </summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>What the input starts with.</returns>
    public async ValueTask<JsonPeek> PeekAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await SkipPreambleAsync(cancellationToken).ConfigureAwait(false);
        while (true)
        {
            var data = _buffer.AsSpan(_pos, _end - _pos);
            var start = data.IndexOfAnyExcept(" \t\r\n"u8);
            if (start < 0)
            {
                if (_eof)
                {
                    return new JsonPeek(JsonStart.Empty, null, string.Empty, 0);
                }

                await FillAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            var lineEnd = data[start..].IndexOf((byte)'\n');
            if (lineEnd < 0 && !_eof && data.Length - start < 200)
            {
                await FillAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            var line = data[start..];
            line = line[..Math.Min(lineEnd < 0 ? line.Length : lineEnd, 200)].TrimEnd("\r"u8);
            var firstLine = Encoding.UTF8.GetString(line);
            var lineNumber = _line + data[..start].Count((byte)'\n');
            if (data[start] != (byte)'{')
            {
                return new JsonPeek(JsonStart.Other, null, firstLine, lineNumber);
            }

            var reader = new Utf8JsonReader(data[start..], _eof, new JsonReaderState(ReaderOptions));
            try
            {
                if (reader.Read() && reader.Read())
                {
                    return new JsonPeek(JsonStart.Object, reader.TokenType == JsonTokenType.PropertyName ? reader.GetString() : null, firstLine, lineNumber);
                }
            }
            catch (JsonException)
            {
                return new JsonPeek(JsonStart.Object, null, firstLine, lineNumber);
            }

            if (_eof || _end - _pos >= MaxElementBytes)
            {
                return new JsonPeek(JsonStart.Object, null, firstLine, lineNumber);
            }

            await FillAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads the next element.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns><see langword="false"/> at the end of the input.</returns>
    public async ValueTask<bool> ReadAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        while (true)
        {
            await SkipPreambleAsync(cancellationToken).ConfigureAwait(false);

            Error = null;
            ErrorException = null;
            var step = Advance();
            switch (step)
            {
                case Step.Element:
                    return true;
                case Step.End:
                    return false;
                case Step.Invalid:
                    if (await ResynchroniseAsync(cancellationToken).ConfigureAwait(false))
                    {
                        return true;
                    }

                    continue;
                default:
                    if (_eof)
                    {
                        throw new InvalidDataException($"The JSON reader stopped inside a value at line {_line} at the end of the input.");
                    }

                    if (_end - _pos >= MaxElementBytes)
                    {
                        throw new InvalidDataException($"A JSON value starting on line {_line} is longer than {MaxElementBytes} bytes.");
                    }

                    await FillAsync(cancellationToken).ConfigureAwait(false);
                    break;
            }
        }
    }

    /// <summary>
    /// <see cref="PeekAsync(CancellationToken)"/>, where an unreadable input (corrupt gzip) throws a
    /// <see cref="MstGad.Features.TelemetryFormatException"/>.
    /// </summary>
    public async ValueTask<JsonPeek> PeekAsync(RecordIssues issues, CancellationToken cancellationToken)
    {
        try
        {
            return await PeekAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidDataException e)
        {
            throw issues.Fatal(0, null, null, $"{Messages.UnreadableFile}: {e.Message}", e);
        }
    }

    /// <summary>Reads the next element; an unreadable input (corrupt gzip, oversized element) throws a <see cref="MstGad.Features.TelemetryFormatException"/>.</summary>
    /// <param name="issues">Names the file and builds the exception.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns><see langword="false"/> at the end of the input.</returns>
    public async ValueTask<bool> ReadAsync(RecordIssues issues, CancellationToken cancellationToken)
    {
        try
        {
            return await ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidDataException e)
        {
            throw issues.Fatal(Line, null, null, $"{Messages.UnreadableFile}: {e.Message}", e);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
        if (_ownsStream)
        {
            _stream.Dispose();
        }
    }

    // Skips a UTF-8 byte order mark at the start of the input, once.
    private async ValueTask SkipPreambleAsync(CancellationToken cancellationToken)
    {
        if (!_first)
        {
            return;
        }

        while (_end - _pos < 3 && !_eof)
        {
            await FillAsync(cancellationToken).ConfigureAwait(false);
        }

        _first = false;
        if (_buffer.AsSpan(_pos, _end - _pos).StartsWith(Encoding.UTF8.Preamble))
        {
            _pos += 3;
        }
    }

    private Step Advance()
    {
        var data = _buffer.AsSpan(_pos, _end - _pos);
        var reader = new Utf8JsonReader(data, _eof, _state);
        var safeState = _state;
        long safeConsumed = 0;
        try
        {
            while (true)
            {
                if (!reader.Read())
                {
                    Commit(data, safeConsumed, safeState);
                    if (!_eof)
                    {
                        return Step.NeedMore;
                    }

                    if (_phase != Phase.Root)
                    {
                        // Only possible if the reader accepted an incomplete final block; be safe.
                        Line = _line;
                        Error = Messages.InvalidJson + ": the input ends inside a value";
                        _phase = Phase.Root;
                        _pos = _end;
                        return Step.Invalid;
                    }

                    return Step.End;
                }

                switch (_phase)
                {
                    case Phase.Root:
                        if (_shape == JsonStreamShape.ArrayElements && reader.TokenType == JsonTokenType.StartObject)
                        {
                            _phase = Phase.InObject;
                            break;
                        }

                        // A root value to yield (or, for ArrayElements, an unexpected non-object root value).
                        if (!TrySkipValue(ref reader, out var start))
                        {
                            Commit(data, safeConsumed, safeState);
                            return Step.NeedMore;
                        }

                        SetElement(data, start, reader.BytesConsumed, reader.TokenType);
                        if (_shape == JsonStreamShape.ArrayElements)
                        {
                            Error = Messages.NotAJsonObject;
                        }

                        Commit(data, reader.BytesConsumed, reader.CurrentState);
                        return Step.Element;

                    case Phase.InObject:
                        if (reader.TokenType == JsonTokenType.EndObject)
                        {
                            _phase = Phase.Root;
                            break;
                        }

                        var isTarget = _property is null || reader.ValueTextEquals(_property);
                        if (!reader.Read())
                        {
                            Commit(data, safeConsumed, safeState);
                            return Step.NeedMore;
                        }

                        if (reader.TokenType == JsonTokenType.StartArray)
                        {
                            _phase = Phase.InArray;
                            _yieldArray = isTarget;
                            break;
                        }

                        if (!TrySkipValue(ref reader, out var valueStart))
                        {
                            Commit(data, safeConsumed, safeState);
                            return Step.NeedMore;
                        }

                        if (isTarget && reader.TokenType != JsonTokenType.Null)
                        {
                            SetElement(data, valueStart, reader.BytesConsumed, reader.TokenType);
                            Error = Messages.UnexpectedJsonType + ": an array was expected";
                            Commit(data, reader.BytesConsumed, reader.CurrentState);
                            return Step.Element;
                        }

                        break;

                    case Phase.InArray:
                        if (reader.TokenType == JsonTokenType.EndArray)
                        {
                            _phase = Phase.InObject;
                            break;
                        }

                        if (!TrySkipValue(ref reader, out var elementStart))
                        {
                            Commit(data, safeConsumed, safeState);
                            return Step.NeedMore;
                        }

                        if (_yieldArray)
                        {
                            SetElement(data, elementStart, reader.BytesConsumed, reader.TokenType);
                            Commit(data, reader.BytesConsumed, reader.CurrentState);
                            return Step.Element;
                        }

                        break;
                }

                safeState = reader.CurrentState;
                safeConsumed = reader.BytesConsumed;
            }
        }
        catch (JsonException e)
        {
            Commit(data, safeConsumed, safeState);
            Line = _line;
            Error = Messages.InvalidJson;
            ErrorException = e;
            return Step.Invalid;
        }
    }

    // On the first token of a value: records its start and skips to its end. False when the value is incomplete.
    private static bool TrySkipValue(ref Utf8JsonReader reader, out long start)
    {
        start = reader.TokenStartIndex;
        return reader.TrySkip();
    }

    private void SetElement(ReadOnlySpan<byte> data, long start, long end, JsonTokenType lastToken)
    {
        _elementStart = _pos + (int)start;
        _elementLength = (int)(end - start);
        Line = _line + data[..(int)start].Count((byte)'\n');
        TokenType = data[(int)start] switch
        {
            (byte)'{' => JsonTokenType.StartObject,
            (byte)'[' => JsonTokenType.StartArray,
            _ => lastToken,
        };
    }

    private void Commit(ReadOnlySpan<byte> data, long consumed, JsonReaderState state)
    {
        _line += data[..(int)consumed].Count((byte)'\n');
        _pos += (int)consumed;
        _state = state;
    }

    // After invalid JSON at _pos: the bad stretch runs to the end of the line where the next token starts.
    private async ValueTask<bool> ResynchroniseAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var data = _buffer.AsSpan(_pos, _end - _pos);
            var start = data.IndexOfAnyExcept(" \t\r\n"u8);
            var newline = start < 0 ? -1 : data[start..].IndexOf((byte)'\n');
            if ((start < 0 || newline < 0) && !_eof)
            {
                await FillAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            var consumed = start < 0 ? data.Length : newline < 0 ? data.Length : start + newline + 1;
            var textEnd = consumed;
            while (textEnd > Math.Max(start, 0) && (data[textEnd - 1] == (byte)'\n' || data[textEnd - 1] == (byte)'\r'))
            {
                textEnd--;
            }

            _elementStart = _pos + Math.Max(start, 0);
            _elementLength = textEnd - Math.Max(start, 0);
            Line = _line + (start < 0 ? 0 : data[..start].Count((byte)'\n'));
            _line += data[..consumed].Count((byte)'\n');
            _pos += consumed;
            _state = new JsonReaderState(ReaderOptions);
            _phase = Phase.Root;
            TokenType = JsonTokenType.None;
            Error ??= Messages.InvalidJson;
            return true;
        }
    }

    private async ValueTask FillAsync(CancellationToken cancellationToken)
    {
        if (_pos > 0)
        {
            Buffer.BlockCopy(_buffer, _pos, _buffer, 0, _end - _pos);
            _end -= _pos;
            _elementStart = 0;
            _elementLength = 0;
            _pos = 0;
        }

        if (_end == _buffer.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)_buffer.Length * 2, Array.MaxLength));
            Buffer.BlockCopy(_buffer, 0, bigger, 0, _end);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = bigger;
        }

        var read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            _eof = true;
        }

        _end += read;
    }
}
